import MKCore

/// A checked partition policy: the front end's output and the solver's input.
///
/// Every value here has passed the strict decoder and the semantic checks, so
/// later stages can trust it; each part keeps the source location it came
/// from, so that later stages can still point at the line that asked for it.
public struct Policy: Sendable, Hashable {
  public var metadata: Metadata
  public var host: HostSpec
  public var coordinator: CoordinatorSpec
  public var workloads: [Workload]
  /// The files the policy was read from, in the order they were merged.
  public var sourceFiles: [String]
  /// `agent:`, the run-time resizing rules; nil when the policy has none.
  public var agent: AgentPolicy?

  public init(
    metadata: Metadata, host: HostSpec = HostSpec(),
    coordinator: CoordinatorSpec = CoordinatorSpec(),
    workloads: [Workload] = [], sourceFiles: [String] = [], agent: AgentPolicy? = nil
  ) {
    self.metadata = metadata
    self.host = host
    self.coordinator = coordinator
    self.workloads = workloads
    self.sourceFiles = sourceFiles
    self.agent = agent
  }

  public func workload(named name: String) -> Workload? { workloads.first { $0.name == name } }
}

public struct Metadata: Sendable, Hashable {
  public var name: String
  public var description: String?
  /// Sorted by key, so that output built from labels is deterministic.
  public var labels: [Label]
  public var location: SourceLocation?

  public struct Label: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
      self.key = key
      self.value = value
    }
  }

  public init(
    name: String, description: String? = nil, labels: [Label] = [], location: SourceLocation? = nil
  ) {
    self.name = name
    self.description = description
    self.labels = labels
    self.location = location
  }
}

/// What the host (coordinator) kernel keeps for itself, and how apply stages
/// host-wide settings.
public struct HostSpec: Sendable, Hashable {
  public var housekeeping: Housekeeping
  public var bootloader: Bootloader
  public var irqbalance: IRQBalanceMode
  /// The cgroup every workload's cgroup lives under; apply writes nowhere else.
  public var cgroupParent: String
  /// Cgroups that belong to other managers (`kubepods`, `system.slice`) are
  /// never touched unless the operator opts in here.
  public var allowForeignCgroups: Bool
  /// The usual realtime boot extras (`skew_tick=1`, `nosoftlockup`, ...), only
  /// when asked: they trade power and watchdogs for latency.
  public var realtimeExtras: Bool
  /// Set when the host is a Kubernetes node: the plan then also emits the
  /// kubelet configuration that keeps pods on the shared pool, and node
  /// labels describing the partitions.
  public var kubernetes: KubernetesNode?
  public var location: SourceLocation?

  public init(
    housekeeping: Housekeeping = Housekeeping(), bootloader: Bootloader = .grub,
    irqbalance: IRQBalanceMode = .ban, cgroupParent: String = "mkpolicy.slice",
    allowForeignCgroups: Bool = false, realtimeExtras: Bool = false,
    kubernetes: KubernetesNode? = nil, location: SourceLocation? = nil
  ) {
    self.kubernetes = kubernetes
    self.housekeeping = housekeeping
    self.bootloader = bootloader
    self.irqbalance = irqbalance
    self.cgroupParent = cgroupParent
    self.allowForeignCgroups = allowForeignCgroups
    self.realtimeExtras = realtimeExtras
    self.location = location
  }
}

/// `host.kubernetes`: the host runs a kubelet whose pods belong on the
/// shared pool. The values are kubelet's own (KubeletConfiguration v1beta1).
public struct KubernetesNode: Sendable, Hashable {
  public enum TopologyManagerPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    case none
    case bestEffort = "best-effort"
    case restricted
    case singleNUMANode = "single-numa-node"
  }
  public enum TopologyManagerScope: String, Sendable, Hashable, CaseIterable, Codable {
    case container, pod
  }

  public var topologyManagerPolicy: TopologyManagerPolicy
  public var topologyManagerScope: TopologyManagerScope
  /// kubelet's hard eviction threshold `memory.available`; part of what the
  /// memory manager's per-node reservations must add up to.
  public var evictionMemoryBytes: UInt64
  /// kubelet's `strict-cpu-reservation` CPU manager option (KEP-4540: beta
  /// in 1.33, stable in 1.35): without it, burstable and best-effort pods
  /// also run on the reserved CPUs (housekeeping). Off for older kubelets,
  /// which refuse an option they do not know.
  public var strictCPUReservation: Bool
  public var location: SourceLocation?

  public init(
    topologyManagerPolicy: TopologyManagerPolicy = .restricted,
    topologyManagerScope: TopologyManagerScope = .container,
    evictionMemoryBytes: UInt64 = 100 << 20, strictCPUReservation: Bool = true,
    location: SourceLocation? = nil
  ) {
    self.topologyManagerPolicy = topologyManagerPolicy
    self.topologyManagerScope = topologyManagerScope
    self.evictionMemoryBytes = evictionMemoryBytes
    self.strictCPUReservation = strictCPUReservation
    self.location = location
  }
}

public struct Housekeeping: Sendable, Hashable {
  public enum CPUs: Sendable, Hashable {
    /// A count of logical CPUs; whole cores preferred.
    case count(Int)
    /// An explicit kernel cpulist of logical CPU numbers.
    case list(CPUSet)
  }

  public var cpus: CPUs
  /// Spread (or repeat, with `count`) housekeeping CPUs over every NUMA node.
  public var perNode: Bool
  public var memoryBytes: UInt64
  public var location: SourceLocation?
  /// Where each field's value was written (`cpus`, `cpuList`, `perNode`,
  /// `memory`), so that a diagnostic about one points at its line.
  public var fieldLocations: [String: SourceLocation]

  public init(
    cpus: CPUs = .count(1), perNode: Bool = false, memoryBytes: UInt64 = 0,
    location: SourceLocation? = nil, fieldLocations: [String: SourceLocation] = [:]
  ) {
    self.cpus = cpus
    self.perNode = perNode
    self.memoryBytes = memoryBytes
    self.location = location
    self.fieldLocations = fieldLocations
  }

  /// The location of `field`'s value, else of the housekeeping section.
  public func location(of field: String) -> SourceLocation? {
    fieldLocations[field] ?? location
  }
}

public enum Bootloader: String, Sendable, Hashable, CaseIterable, Codable {
  case grub
  case kernelInstall = "kernel-install"
  case grubby
  case none
}

public enum IRQBalanceMode: String, Sendable, Hashable, CaseIterable, Codable {
  case ban, stop, keep
}

public struct CoordinatorSpec: Sendable, Hashable {
  public var kernel: KernelSpec
  /// Pool memory is handed to instances in multiples of this (kerf's granule);
  /// at least the 4 KiB page kerf requires.
  public var memoryGranuleBytes: UInt64
  /// `coordinator.updateHeadroom`: CPUs and memory kept free for the
  /// successors of `update: {strategy: handover}` workloads that set no
  /// headroom of their own (hand-overs run one at a time, so they share it).
  public var updateHeadroom: Headroom?
  public var location: SourceLocation?

  public init(
    kernel: KernelSpec = KernelSpec(), memoryGranuleBytes: UInt64 = 2 << 20,
    updateHeadroom: Headroom? = nil, location: SourceLocation? = nil
  ) {
    self.kernel = kernel
    self.memoryGranuleBytes = memoryGranuleBytes
    self.updateHeadroom = updateHeadroom
    self.location = location
  }
}

public struct KernelSpec: Sendable, Hashable {
  public var image: String?
  public var initrd: String?
  public var cmdline: String?
  public var profile: KernelProfile?
  public var location: SourceLocation?

  public init(
    image: String? = nil, initrd: String? = nil, cmdline: String? = nil,
    profile: KernelProfile? = nil, location: SourceLocation? = nil
  ) {
    self.image = image
    self.initrd = initrd
    self.cmdline = cmdline
    self.profile = profile
    self.location = location
  }
}

public enum KernelProfile: String, Sendable, Hashable, CaseIterable, Codable {
  case realtime, throughput, io, `default`
}

public enum Isolation: String, Sendable, Hashable, CaseIterable, Codable {
  case kernel, partition, shared
}

public enum LatencyClass: String, Sendable, Hashable, CaseIterable, Codable {
  case realtime, low, normal, batch
}

public enum SMTPolicy: String, Sendable, Hashable, CaseIterable, Codable {
  case exclusive, shared, off
}

public enum NUMAPlacement: String, Sendable, Hashable, CaseIterable, Codable {
  case single, spread, any
}

public enum LLCPlacement: String, Sendable, Hashable, CaseIterable, Codable {
  case exclusive, shared
}

/// An elastic quantity: the solver guarantees `min` and grows towards `max`.
///
/// A policy may leave `max` out (`cpus: {min: 2}`): the quantity may then
/// grow to whatever is left. The decoder stores that as `Value`'s largest
/// value (`Elastic<Int>.unbounded`, `Elastic<UInt64>.unbounded`); stages that
/// do arithmetic on `max` clamp it to capacity first (`max(clampedTo:)`).
public struct Elastic<Value: Sendable & Hashable & Comparable>: Sendable, Hashable {
  public var min: Value
  public var max: Value
  public init(min: Value, max: Value) {
    self.min = min
    self.max = max
  }
  public init(exactly value: Value) { self.init(min: value, max: value) }
  public var isFixed: Bool { min == max }
  /// `max`, but never more than `capacity`: safe to add up.
  public func max(clampedTo capacity: Value) -> Value { Swift.min(max, capacity) }
}

extension Elastic where Value == Int {
  /// The `max` of a policy that wrote no `max`.
  public static var unbounded: Int { Int.max }
  public var isBounded: Bool { max != Int.max }
}

extension Elastic where Value == UInt64 {
  /// The `max` of a policy that wrote no `max`.
  public static var unbounded: UInt64 { UInt64.max }
  public var isBounded: Bool { max != UInt64.max }
}

public struct Workload: Sendable, Hashable {
  public var name: String
  public var isolation: Isolation
  public var latency: LatencyClass
  /// Logical CPUs.
  public var cpus: Elastic<Int>
  public var smt: SMTPolicy
  public var memory: Elastic<UInt64>
  public var hugepages: HugePages?
  public var devices: [DeviceRequest]
  public var placement: Placement
  /// 0...1000; higher is served first and shrunk last.
  public var priority: Int
  /// 1...10000; share of leftover capacity, and `cpu.weight`.
  public var weight: Int
  public var io: [IOLimit]
  /// `isolation: kernel` only; overrides `coordinator.kernel` field by field.
  public var kernel: KernelSpec?
  /// How many of the workload's CPUs take its device interrupts; nil is all.
  public var irqCPUs: Int?
  /// How the workload's processes get into its cgroup (`launch:`).
  public var launch: Launch
  /// Host tuning as written (`tuning:`); nil when the policy has none.
  /// `resolvedTuning` fills in the latency class's defaults.
  public var tuning: Tuning?
  /// `update:` (kernel workloads): how a kernel change reaches the running
  /// instance; nil is `restart`.
  public var update: UpdatePolicy?
  /// Where the workload's entry starts (the `- name:` line).
  public var location: SourceLocation
  /// Where each field was written, by its policy key (`cpus`, `placement.avoid`),
  /// so that a diagnostic about one demand points at that demand.
  public var fieldLocations: [String: SourceLocation]

  public init(
    name: String, isolation: Isolation = .shared, latency: LatencyClass = .normal,
    cpus: Elastic<Int>, smt: SMTPolicy = .shared, memory: Elastic<UInt64> = .init(exactly: 0),
    hugepages: HugePages? = nil, devices: [DeviceRequest] = [], placement: Placement = Placement(),
    priority: Int = 0, weight: Int = 100, io: [IOLimit] = [], kernel: KernelSpec? = nil,
    irqCPUs: Int? = nil, launch: Launch = Launch(), tuning: Tuning? = nil,
    update: UpdatePolicy? = nil, location: SourceLocation,
    fieldLocations: [String: SourceLocation] = [:]
  ) {
    self.name = name
    self.isolation = isolation
    self.latency = latency
    self.cpus = cpus
    self.smt = smt
    self.memory = memory
    self.hugepages = hugepages
    self.devices = devices
    self.placement = placement
    self.priority = priority
    self.weight = weight
    self.io = io
    self.kernel = kernel
    self.irqCPUs = irqCPUs
    self.launch = launch
    self.tuning = tuning
    self.update = update
    self.location = location
    self.fieldLocations = fieldLocations
  }

  /// The location of one field, or of the workload when the field was defaulted.
  public func location(of field: String) -> SourceLocation {
    fieldLocations[field] ?? location
  }

  /// The tuning in force: as written, defaults of the latency class for the
  /// rest. Only `partition` workloads are tuned (a kernel instance tunes
  /// itself; shared CPUs belong to everyone), so others get none.
  public var resolvedTuning: Tuning? {
    isolation == .partition ? (tuning ?? Tuning()).resolved(for: latency) : nil
  }

  /// Exclusive workloads own their CPUs; shared ones draw from the pool.
  public var ownsCPUs: Bool { isolation != .shared }
}

public struct HugePages: Sendable, Hashable {
  public var pageSizeBytes: UInt64
  public var count: Int
  public init(pageSizeBytes: UInt64, count: Int) {
    self.pageSizeBytes = pageSizeBytes
    self.count = count
  }
  public var totalBytes: UInt64 { pageSizeBytes * UInt64(count) }
}

public enum DeviceType: String, Sendable, Hashable, CaseIterable, Codable {
  case net, nvme, gpu, accel, pci
}

/// Chooses devices by attributes; every given attribute must match.
public struct DeviceRequest: Sendable, Hashable {
  public var type: DeviceType
  public var driver: String?
  /// Glob over the device's names (interface, block device, PCI address).
  public var name: String?
  /// Glob over the PCI address `DDDD:BB:SS.F`.
  public var pci: String?
  /// Hex ids without `0x`, lower case (`15b3`).
  public var vendor: String?
  public var device: String?
  public var count: Int
  public var location: SourceLocation

  public init(
    type: DeviceType, driver: String? = nil, name: String? = nil, pci: String? = nil,
    vendor: String? = nil, device: String? = nil, count: Int = 1, location: SourceLocation
  ) {
    self.type = type
    self.driver = driver
    self.name = name
    self.pci = pci
    self.vendor = vendor
    self.device = device
    self.count = count
    self.location = location
  }
}

public struct Placement: Sendable, Hashable {
  public var numa: NUMAPlacement
  public var nearDevices: Bool
  public var llc: LLCPlacement
  public var avoid: [String]

  public init(
    numa: NUMAPlacement = .any, nearDevices: Bool = false, llc: LLCPlacement = .shared,
    avoid: [String] = []
  ) {
    self.numa = numa
    self.nearDevices = nearDevices
    self.llc = llc
    self.avoid = avoid
  }
}

public struct IOLimit: Sendable, Hashable {
  /// A block device name from the topology (`nvme0n1`).
  public var device: String
  public var readBytesPerSecond: UInt64?
  public var writeBytesPerSecond: UInt64?
  public var readIOPS: UInt64?
  public var writeIOPS: UInt64?
  public var location: SourceLocation

  public init(
    device: String, readBytesPerSecond: UInt64? = nil, writeBytesPerSecond: UInt64? = nil,
    readIOPS: UInt64? = nil, writeIOPS: UInt64? = nil, location: SourceLocation
  ) {
    self.device = device
    self.readBytesPerSecond = readBytesPerSecond
    self.writeBytesPerSecond = writeBytesPerSecond
    self.readIOPS = readIOPS
    self.writeIOPS = writeIOPS
    self.location = location
  }
}
