import MKCore

/// A model of one host: what the solver places against and what snapshots
/// carry, so that plans can be compiled for a host that is not the one at hand.
///
/// The CPU side is a tree (package -> die -> NUMA node -> last-level-cache
/// domain -> core -> thread) because every placement goal in a policy is a
/// question about that tree. Memory, huge pages and distances hang off NUMA
/// nodes; devices refer to their node by id. All arrays are kept sorted by id,
/// which makes snapshots and everything built from them deterministic.
public struct Topology: Sendable, Hashable {
  /// `x86_64`, `aarch64`, ... (decides what `physicalId` means).
  public var architecture: String
  public var packages: [CPUPackage]
  public var devices: [Device]
  public var kernel: KernelInfo
  /// Where the snapshot came from: `discovered on HOST`, a vendor shape, ...
  public var source: String?
  /// The host's name (`/proc/sys/kernel/hostname`) as discovery read it; nil
  /// for synthesized shapes and snapshots written before mkpolicy kept it.
  /// Plans and reports name the host by it.
  public var hostName: String?
  /// `/etc/machine-id`: 32 lower-case hex digits, stable across reboots
  /// (unlike the boot id), so plans bind to it. Nil when the file is missing
  /// or malformed: never made up.
  public var machineId: String?

  public init(
    architecture: String, packages: [CPUPackage], devices: [Device] = [],
    kernel: KernelInfo = KernelInfo(), source: String? = nil, hostName: String? = nil,
    machineId: String? = nil
  ) {
    self.architecture = architecture
    self.packages = packages
    self.devices = devices
    self.kernel = kernel
    self.source = source
    self.hostName = hostName
    self.machineId = machineId
  }

  /// Every NUMA node, in id order, whichever package holds it.
  public var nodes: [NUMANode] {
    packages.flatMap { $0.dies.flatMap(\.nodes) }.sorted { $0.id < $1.id }
  }

  public var cacheDomains: [CacheDomain] { nodes.flatMap(\.cacheDomains) }
  public var cores: [Core] { cacheDomains.flatMap(\.cores) }
  public var threads: [HardwareThread] { cores.flatMap(\.threads) }

  /// Logical CPUs that are online.
  public var onlineCPUs: CPUSet { CPUSet(threads.filter(\.online).map(\.cpu)) }
}

public struct CPUPackage: Sendable, Hashable {
  public var id: Int
  public var dies: [Die]
  public init(id: Int, dies: [Die]) {
    self.id = id
    self.dies = dies
  }
}

public struct Die: Sendable, Hashable {
  public var id: Int
  public var nodes: [NUMANode]
  public init(id: Int, nodes: [NUMANode]) {
    self.id = id
    self.nodes = nodes
  }
}

public struct NUMANode: Sendable, Hashable {
  public var id: Int
  public var memoryTotalBytes: UInt64
  /// Free memory when discovered; nil in a stable snapshot (it is volatile
  /// state, left out so that re-discovering an unchanged host gives the
  /// same file) and wherever it was not read.
  public var memoryFreeBytes: UInt64?
  /// Huge page pools by page size, sorted by size.
  public var hugePages: [HugePagePool]
  /// The kernel's distance row: `distances[i]` is the distance to the node
  /// whose id is `i` (10 is local). Empty when the kernel gives none.
  public var distances: [Int]
  /// Last-level-cache domains whose cores sit in this node. A cache shared
  /// across nodes is split per node, so the tree stays a tree.
  public var cacheDomains: [CacheDomain]

  public init(
    id: Int, memoryTotalBytes: UInt64, memoryFreeBytes: UInt64?, hugePages: [HugePagePool] = [],
    distances: [Int] = [], cacheDomains: [CacheDomain] = []
  ) {
    self.id = id
    self.memoryTotalBytes = memoryTotalBytes
    self.memoryFreeBytes = memoryFreeBytes
    self.hugePages = hugePages
    self.distances = distances
    self.cacheDomains = cacheDomains
  }

  public var cpus: CPUSet {
    CPUSet(cacheDomains.flatMap { $0.cores.flatMap { $0.threads.map(\.cpu) } })
  }
}

/// A huge page size the node supports and, when discovered with its live
/// state, the pool's size and free pages (nil in a stable snapshot: plans
/// set pool sizes, so they are state, not a description of the host).
public struct HugePagePool: Sendable, Hashable {
  public var pageSizeBytes: UInt64
  public var total: Int?
  public var free: Int?
  public init(pageSizeBytes: UInt64, total: Int?, free: Int?) {
    self.pageSizeBytes = pageSizeBytes
    self.total = total
    self.free = free
  }
}

/// CPUs that share one last-level cache (an AMD CCX, an Intel SNC cluster,
/// or a whole socket on monolithic parts).
public struct CacheDomain: Sendable, Hashable {
  /// Unique across the machine, assigned in order of the lowest CPU.
  public var id: Int
  /// Cache level (3 on most servers, 2 on some Arm parts); 0 when the kernel
  /// gives no cache data and the domain is the package's part of the node.
  public var level: Int
  public var sizeBytes: UInt64
  public var cores: [Core]

  public init(id: Int, level: Int, sizeBytes: UInt64, cores: [Core]) {
    self.id = id
    self.level = level
    self.sizeBytes = sizeBytes
    self.cores = cores
  }

  public var cpus: CPUSet { CPUSet(cores.flatMap { $0.threads.map(\.cpu) }) }
}

public enum CoreType: String, Sendable, Hashable, Codable, CaseIterable {
  case performance, efficiency
}

public struct Core: Sendable, Hashable {
  /// Unique across the machine (not the kernel's per-package `core_id`).
  public var id: Int
  /// Set on hybrid CPUs only.
  public var type: CoreType?
  public var threads: [HardwareThread]

  public init(id: Int, type: CoreType? = nil, threads: [HardwareThread]) {
    self.id = id
    self.type = type
    self.threads = threads
  }

  public var cpus: CPUSet { CPUSet(threads.map(\.cpu)) }
}

public struct HardwareThread: Sendable, Hashable {
  /// The Linux logical CPU number.
  public var cpu: Int
  /// The id the coordinator needs (x86 APIC id, arm64 MPIDR); nil if unreadable.
  public var physicalId: Int?
  public var online: Bool

  public init(cpu: Int, physicalId: Int?, online: Bool = true) {
    self.cpu = cpu
    self.physicalId = physicalId
    self.online = online
  }
}

public enum DeviceClass: String, Sendable, Hashable, Codable, CaseIterable {
  case net, nvme, gpu, accel, other
}

public struct Device: Sendable, Hashable {
  /// `DDDD:BB:SS.F`, lower-case hex.
  public var pciAddress: String
  public var deviceClass: DeviceClass
  /// The PCI class code (`0x020000`), kept for `pci` selectors and trees.
  public var classCode: UInt32
  /// Lower-case hex without `0x` (`15b3`).
  public var vendorId: String
  public var deviceId: String
  public var driver: String?
  /// nil where the kernel reports -1 (no affinity, or no NUMA).
  public var numaNode: Int?
  public var sriovTotalVFs: Int?
  public var sriovEnabledVFs: Int?
  public var iommuGroup: Int?
  /// Interface names, block devices and other children, sorted by name.
  public var children: [DeviceChild]
  public var irqs: [DeviceIRQ]

  public init(
    pciAddress: String, deviceClass: DeviceClass, classCode: UInt32, vendorId: String,
    deviceId: String, driver: String? = nil, numaNode: Int? = nil, sriovTotalVFs: Int? = nil,
    sriovEnabledVFs: Int? = nil, iommuGroup: Int? = nil, children: [DeviceChild] = [],
    irqs: [DeviceIRQ] = []
  ) {
    self.pciAddress = pciAddress
    self.deviceClass = deviceClass
    self.classCode = classCode
    self.vendorId = vendorId
    self.deviceId = deviceId
    self.driver = driver
    self.numaNode = numaNode
    self.sriovTotalVFs = sriovTotalVFs
    self.sriovEnabledVFs = sriovEnabledVFs
    self.iommuGroup = iommuGroup
    self.children = children
    self.irqs = irqs
  }

  /// Every name a `name:` selector may match: children first, then the address.
  public var names: [String] { children.map(\.name) + [pciAddress] }
}

public struct DeviceChild: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, Codable { case net, block, other }
  public var kind: Kind
  public var name: String
  /// `MAJ:MIN` for block devices (what `io.max` keys on).
  public var majorMinor: String?
  public init(kind: Kind, name: String, majorMinor: String? = nil) {
    self.kind = kind
    self.name = name
    self.majorMinor = majorMinor
  }
}

/// One interrupt of a device. A legacy INTx line shared by several
/// functions (IRQ 10 of two PCI functions) is listed under each of them with
/// the same facts; `Topology.interrupts` lists it once with all its devices.
public struct DeviceIRQ: Sendable, Hashable {
  public var irq: Int
  /// The name `/proc/interrupts` gives the vector (`nvme0q1`, `mlx5_comp3`);
  /// nil while no driver has requested it.
  public var name: String?
  /// Current `smp_affinity_list`; nil when it is not known: the IRQ does not
  /// exist yet (`present == false`), the file was unreadable, or the
  /// snapshot is a stable one (affinities are volatile state). Never made up.
  public var affinity: CPUSet?
  /// False for kernel-managed (per-queue) vectors, which refuse changes.
  public var movable: Bool
  /// Whether `/proc/irq/N` existed at discovery. False for a vector that is
  /// allocated (listed in sysfs `msi_irqs`, or the function's `irq`) but not
  /// requested by a driver yet, as for a NIC that was never brought up: it
  /// appears when the device is brought up, with the default affinity. Nil
  /// in a stable snapshot and where not recorded.
  public var present: Bool?
  public init(
    irq: Int, name: String? = nil, affinity: CPUSet?, movable: Bool, present: Bool? = true
  ) {
    self.irq = irq
    self.name = name
    self.affinity = affinity
    self.movable = movable
    self.present = present
  }
}

/// One IRQ of the host with every device that raises it: what plans list,
/// once per IRQ however many functions share it.
public struct HostIRQ: Sendable, Hashable {
  public var irq: Int
  /// PCI addresses, sorted.
  public var devices: [String]
  public var name: String?
  public var affinity: CPUSet?
  public var movable: Bool
  public var present: Bool?
  public init(
    irq: Int, devices: [String], name: String?, affinity: CPUSet?, movable: Bool,
    present: Bool?
  ) {
    self.irq = irq
    self.devices = devices
    self.name = name
    self.affinity = affinity
    self.movable = movable
    self.present = present
  }
}

extension Topology {
  /// Every IRQ of every device, once, in IRQ order, with the devices that
  /// share it. A shared line whose entries disagree (a hand-edited
  /// snapshot; the reader refuses those) takes the first device's facts, and
  /// is movable only if every entry says so.
  public var interrupts: [HostIRQ] {
    var byNumber: [Int: HostIRQ] = [:]
    for device in devices.sorted(by: { $0.pciAddress < $1.pciAddress }) {
      for irq in device.irqs {
        if var known = byNumber[irq.irq] {
          if !known.devices.contains(device.pciAddress) {
            known.devices.append(device.pciAddress)
          }
          known.movable = known.movable && irq.movable
          byNumber[irq.irq] = known
        } else {
          byNumber[irq.irq] = HostIRQ(
            irq: irq.irq, devices: [device.pciAddress], name: irq.name, affinity: irq.affinity,
            movable: irq.movable, present: irq.present)
        }
      }
    }
    return byNumber.keys.sorted().compactMap { byNumber[$0] }
  }
}

public enum CgroupMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// Unified hierarchy only (`/sys/fs/cgroup` is cgroup2).
  case v2
  /// Legacy controllers only.
  case v1
  /// v1 controllers with a v2 mount at `/sys/fs/cgroup/unified`.
  case hybrid
  case none
}

public enum MultikernelPool: String, Sendable, Hashable, Codable, CaseIterable {
  /// Pool taken at runtime (lazy_cma, "Multikernel Memory Pool" in /proc/iomem).
  case runtime
  /// Pool reserved at boot with `mkkernel_pool=` (RFC v2 kernels).
  case bootParameter = "boot-parameter"
}

public struct KernelInfo: Sendable, Hashable {
  public var release: String
  public var commandLine: String
  public var bootId: String?
  public var cgroupMode: CgroupMode
  /// Controllers enabled at the cgroup v2 root (or mounted, on v1), sorted.
  public var cgroupControllers: [String]
  /// `cpuset.cpus.partition` exists (v2, 5.11+ for `isolated`).
  public var cpusetPartitions: Bool
  /// `cpuset.cpus.exclusive` exists (6.7+): remote partitions.
  public var cpusetExclusive: Bool
  /// nil when `/sys/fs/multikernel` is absent.
  public var multikernel: MultikernelPool?
  /// Whether irqbalance ran at discovery; nil in a stable snapshot (a
  /// service's state, not the host's description).
  public var irqbalanceRunning: Bool?

  public init(
    release: String = "", commandLine: String = "", bootId: String? = nil,
    cgroupMode: CgroupMode = .v2, cgroupControllers: [String] = [], cpusetPartitions: Bool = true,
    cpusetExclusive: Bool = true, multikernel: MultikernelPool? = nil,
    irqbalanceRunning: Bool? = false
  ) {
    self.release = release
    self.commandLine = commandLine
    self.bootId = bootId
    self.cgroupMode = cgroupMode
    self.cgroupControllers = cgroupControllers
    self.cpusetPartitions = cpusetPartitions
    self.cpusetExclusive = cpusetExclusive
    self.multikernel = multikernel
    self.irqbalanceRunning = irqbalanceRunning
  }
}
