import MKCore

/// The solver's answer: who gets which CPUs, memory and devices.
///
/// It names workloads and devices by their policy name and PCI address rather
/// than holding the policy or topology, so that it can be saved in a plan and
/// compared with the next one (`--previous`) without either at hand.
public struct Assignment: Sendable, Hashable, Codable {
  /// CPUs the host kernel keeps for itself (IRQs, kernel threads, daemons).
  public var housekeeping: CPUSet
  /// CPUs of the host's shared pool: every CPU not housekeeping, not idle and
  /// not owned by a `kernel` or `partition` workload. Shared workloads run here.
  public var sharedPool: CPUSet
  /// CPUs that stay idle on purpose: the sibling threads of `smt: off`
  /// workloads' cores, and the threads of a core that a housekeeping
  /// `cpuList` touches but does not take. They are held apart from the pool
  /// because a task on one of them shares its core's execution units with
  /// the thread the policy wanted alone (the reason `smt: off` costs a
  /// core per CPU), so no workload or IRQ may be given them (on cgroup v2
  /// the plan holds them in an empty isolated partition of their own).
  public var idle: CPUSet
  /// In policy order.
  public var workloads: [WorkloadAssignment]
  public var objective: Objective
  /// CPUs and memory kept free for successor instances (`update` with
  /// `strategy: handover`); nil when the policy asks for none.
  public var headroom: [HeadroomAssignment]?

  public init(
    housekeeping: CPUSet, sharedPool: CPUSet, idle: CPUSet = [], workloads: [WorkloadAssignment],
    objective: Objective, headroom: [HeadroomAssignment]? = nil
  ) {
    self.headroom = headroom
    self.housekeeping = housekeeping
    self.sharedPool = sharedPool
    self.idle = idle
    self.workloads = workloads
    self.objective = objective
  }

  public func workload(named name: String) -> WorkloadAssignment? {
    workloads.first { $0.workload == name }
  }
}

public struct WorkloadAssignment: Sendable, Hashable, Codable {
  public var workload: String
  /// Logical CPUs. Exclusive for `kernel` and `partition` workloads; for
  /// `shared` ones, the pool CPUs the workload may run on.
  public var cpus: CPUSet
  /// Physical ids (APIC ids) of `cpus`, in the same order; what kerf takes.
  public var physicalIds: [Int]
  /// Nodes the workload's CPUs or memory are on, ascending.
  public var numaNodes: [Int]
  /// Memory per NUMA node, keyed by node id as a string (JSON object keys).
  public var memoryBytesByNode: [String: UInt64]
  /// Huge pages per node, keyed by node id as a string.
  public var hugePagesByNode: [String: Int]
  /// PCI addresses, sorted.
  public var devices: [String]
  /// The CPUs that take the workload's device interrupts (a subset of `cpus`).
  public var irqCPUs: CPUSet

  public init(
    workload: String, cpus: CPUSet, physicalIds: [Int], numaNodes: [Int],
    memoryBytesByNode: [String: UInt64], hugePagesByNode: [String: Int] = [:],
    devices: [String] = [], irqCPUs: CPUSet = []
  ) {
    self.workload = workload
    self.cpus = cpus
    self.physicalIds = physicalIds
    self.numaNodes = numaNodes
    self.memoryBytesByNode = memoryBytesByNode
    self.hugePagesByNode = hugePagesByNode
    self.devices = devices
    self.irqCPUs = irqCPUs
  }

  public var memoryBytes: UInt64 { memoryBytesByNode.values.reduce(0, +) }
}

/// The value the solver minimises, with each term reported on its own so a
/// reviewer can see what a plan trades off (see docs/objective.md).
public struct Objective: Sendable, Hashable, Codable {
  /// Remote memory access: NUMA-distance-weighted GiB of memory away from CPUs.
  public var remoteMemory: Double
  /// Remote device access: distance-weighted devices away from CPUs.
  public var remoteDevices: Double
  /// LLC domains used, summed over workloads.
  public var cacheDomainsSpanned: Double
  /// NUMA nodes used, summed over workloads.
  public var nodesSpanned: Double
  /// SMT siblings shared with another workload, weighted by latency class.
  public var sharedSiblings: Double
  /// CPUs and memory moved against the previous plan.
  public var movement: Double

  public init(
    remoteMemory: Double = 0, remoteDevices: Double = 0, cacheDomainsSpanned: Double = 0,
    nodesSpanned: Double = 0, sharedSiblings: Double = 0, movement: Double = 0
  ) {
    self.remoteMemory = remoteMemory
    self.remoteDevices = remoteDevices
    self.cacheDomainsSpanned = cacheDomainsSpanned
    self.nodesSpanned = nodesSpanned
    self.sharedSiblings = sharedSiblings
    self.movement = movement
  }

  public var total: Double {
    remoteMemory + remoteDevices + cacheDomainsSpanned + nodesSpanned + sharedSiblings + movement
  }
}
