import MKCore

/// A compact description of a machine's shape, from which
/// `TopologySynthesizer` builds a full `Topology`.
///
/// Tests and benchmarks need hosts that are not the one at hand (an 8-socket
/// box, a hybrid edge CPU, a host with CPU 0 offline) and need them to be the
/// same on every run; a shape is a few numbers that say exactly that.
public struct TopologyShape: Sendable, Hashable {
  /// How Linux numbers logical CPUs.
  public enum CPUNumbering: String, Sendable, Hashable, CaseIterable {
    /// First threads of every core in order, then the second threads, ...
    /// (what x86 servers' ACPI tables give: CPU n and n + cores are siblings).
    case threadsLast = "threads-last"
    /// The threads of one core get consecutive numbers (hybrid Intel, POWER).
    case siblingsAdjacent = "siblings-adjacent"
  }

  /// What the physical id of a thread is.
  public enum PhysicalIds: String, Sendable, Hashable, CaseIterable {
    /// x86 APIC ids: bit fields (package | node | LLC | core | thread), each
    /// as wide as its count needs, so ids have the gaps real ones have.
    case x86APIC = "apic"
    /// arm64 MPIDR affinity fields: Aff2 package, Aff1 core, Aff0 thread.
    case arm64MPIDR = "mpidr"
    /// No physical id (as when `/proc/cpuinfo` is unreadable).
    case none
  }

  /// NUMA distances by relation, as ACPI SLIT tables usually encode them.
  public struct DistancePattern: Sendable, Hashable {
    public var local: Int
    public var sameSocket: Int
    public var remoteSocket: Int
    public init(local: Int = 10, sameSocket: Int = 12, remoteSocket: Int = 32) {
      self.local = local
      self.sameSocket = sameSocket
      self.remoteSocket = remoteSocket
    }
  }

  /// One kind of device placed on every NUMA node (or on the nodes listed).
  public struct DeviceShape: Sendable, Hashable {
    public var deviceClass: DeviceClass
    public var classCode: UInt32
    public var vendorId: String
    public var deviceId: String
    public var driver: String?
    /// Devices of this kind on each node it is placed on.
    public var perNode: Int
    /// Restricts placement to these node ids; nil places it on every node.
    public var nodes: [Int]?
    /// Interrupt vectors per device.
    public var irqs: Int
    /// Vectors after the first are kernel-managed (per-queue), as on NVMe and
    /// most multiqueue NICs; the first (admin/config) stays movable.
    public var managedIRQs: Bool
    public var sriovTotalVFs: Int?

    public init(
      _ deviceClass: DeviceClass, classCode: UInt32? = nil, vendorId: String, deviceId: String,
      driver: String? = nil, perNode: Int = 1, nodes: [Int]? = nil, irqs: Int = 0,
      managedIRQs: Bool = false, sriovTotalVFs: Int? = nil
    ) {
      self.deviceClass = deviceClass
      self.classCode = classCode ?? deviceClass.typicalClassCode
      self.vendorId = vendorId
      self.deviceId = deviceId
      self.driver = driver
      self.perNode = perNode
      self.nodes = nodes
      self.irqs = irqs
      self.managedIRQs = managedIRQs
      self.sriovTotalVFs = sriovTotalVFs
    }
  }

  public var architecture: String
  public var sockets: Int
  public var diesPerSocket: Int
  /// Must be a multiple of `diesPerSocket`; nodes are split evenly over dies.
  public var nodesPerSocket: Int
  public var llcsPerNode: Int
  /// Performance (or only) cores per LLC domain.
  public var coresPerLLC: Int
  public var threadsPerCore: Int
  /// Hybrid CPUs: efficiency cores (one thread each) per LLC domain, after
  /// the performance cores. Zero means not hybrid (no core types).
  public var efficiencyCoresPerLLC: Int
  public var llcLevel: Int
  public var llcSizeBytes: UInt64
  public var memoryPerNodeBytes: UInt64
  /// Free memory per node; nil means all of it.
  public var memoryFreePerNodeBytes: UInt64?
  /// Huge page pools of every node.
  public var hugePages: [HugePagePool]
  public var distances: DistancePattern
  public var numbering: CPUNumbering
  public var physicalIds: PhysicalIds
  public var devices: [DeviceShape]
  /// Logical CPUs to mark offline.
  public var offlineCPUs: CPUSet
  public var kernel: KernelInfo
  public var source: String?

  public init(
    architecture: String = "x86_64", sockets: Int = 1, diesPerSocket: Int = 1,
    nodesPerSocket: Int = 1, llcsPerNode: Int = 1, coresPerLLC: Int = 4, threadsPerCore: Int = 2,
    efficiencyCoresPerLLC: Int = 0, llcLevel: Int = 3, llcSizeBytes: UInt64 = 32 << 20,
    memoryPerNodeBytes: UInt64 = 16 << 30, memoryFreePerNodeBytes: UInt64? = nil,
    hugePages: [HugePagePool] = [], distances: DistancePattern = DistancePattern(),
    numbering: CPUNumbering = .threadsLast, physicalIds: PhysicalIds? = nil,
    devices: [DeviceShape] = [], offlineCPUs: CPUSet = [], kernel: KernelInfo = KernelInfo(),
    source: String? = nil
  ) {
    self.architecture = architecture
    self.sockets = sockets
    self.diesPerSocket = diesPerSocket
    self.nodesPerSocket = nodesPerSocket
    self.llcsPerNode = llcsPerNode
    self.coresPerLLC = coresPerLLC
    self.threadsPerCore = threadsPerCore
    self.efficiencyCoresPerLLC = efficiencyCoresPerLLC
    self.llcLevel = llcLevel
    self.llcSizeBytes = llcSizeBytes
    self.memoryPerNodeBytes = memoryPerNodeBytes
    self.memoryFreePerNodeBytes = memoryFreePerNodeBytes
    self.hugePages = hugePages
    self.distances = distances
    self.numbering = numbering
    self.physicalIds = physicalIds ?? (architecture == "aarch64" ? .arm64MPIDR : .x86APIC)
    self.devices = devices
    self.offlineCPUs = offlineCPUs
    self.kernel = kernel
    self.source = source
  }

  public var totalNodes: Int { sockets * nodesPerSocket }
  public var coresPerNode: Int { llcsPerNode * (coresPerLLC + efficiencyCoresPerLLC) }
  public var totalCores: Int { totalNodes * coresPerNode }
  public var totalThreads: Int {
    totalNodes * llcsPerNode * (coresPerLLC * threadsPerCore + efficiencyCoresPerLLC)
  }
}

extension DeviceClass {
  /// The PCI class code a device of this class usually reports.
  public var typicalClassCode: UInt32 {
    switch self {
    case .net: 0x02_0000
    case .nvme: 0x01_0802
    case .gpu: 0x03_0200
    case .accel: 0x12_0000
    case .other: 0xff_0000
    }
  }

  /// The class a PCI class code and driver put a device in. NVMe is mass
  /// storage subclass 08; GPUs are display controllers; accelerators are
  /// processing accelerators (0x12) and co-processors (0x0b40).
  public static func classify(classCode: UInt32) -> DeviceClass {
    let base = classCode >> 16
    let sub = (classCode >> 8) & 0xff
    switch (base, sub) {
    case (0x02, _): return .net
    case (0x01, 0x08): return .nvme
    case (0x03, _): return .gpu
    case (0x12, _), (0x0b, 0x40): return .accel
    default: return .other
    }
  }
}
