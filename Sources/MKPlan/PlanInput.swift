import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// What every emitter reads: the checked policy, the host, the solver's
/// answer and, when re-planning, the plan currently in force.
public struct PlanInput: Sendable {
  public var policy: Policy
  public var topology: Topology {
    didSet { coreCPUs = Self.coreCPUs(topology) }
  }
  public var assignment: Assignment
  public var previous: Plan?
  /// Each logical CPU's core (all its threads), computed once, so that
  /// `idleSiblings(of:)` looks at the CPUs it is given instead of every core
  /// of the host (once per workload, that was two thirds of `mkpolicy plan`
  /// for 500 workloads on 1,920 threads with `smt: off` ones).
  private var coreCPUs: [Int: CPUSet]

  public init(policy: Policy, topology: Topology, assignment: Assignment, previous: Plan? = nil) {
    self.policy = policy
    self.topology = topology
    self.assignment = assignment
    self.previous = previous
    coreCPUs = Self.coreCPUs(topology)
  }

  private static func coreCPUs(_ topology: Topology) -> [Int: CPUSet] {
    var out: [Int: CPUSet] = [:]
    for core in topology.cores {
      let cpus = core.cpus
      for cpu in cpus { out[cpu] = cpus }
    }
    return out
  }

  /// Workloads with their assignments, in policy order (unassigned ones
  /// skipped). Linear in the workloads: every emitter asks for it, and a
  /// name search per workload made each of them quadratic.
  public var placed: [(workload: Workload, assignment: WorkloadAssignment)] {
    var byName: [String: Int] = [:]
    for (index, placed) in assignment.workloads.enumerated() where byName[placed.workload] == nil {
      byName[placed.workload] = index
    }
    return policy.workloads.compactMap { workload in
      byName[workload.name].map { (workload, assignment.workloads[$0]) }
    }
  }

  public func provenance(_ workload: Workload, _ field: String) -> Provenance {
    Provenance(workload: workload.name, source: workload.location(of: field).description)
  }

  /// Provenance of a host-wide item: the `host.housekeeping` line when known.
  public var housekeepingProvenance: Provenance {
    Provenance(
      workload: nil,
      source: (policy.host.housekeeping.location ?? policy.host.location)?.description)
  }

  public var hostProvenance: Provenance {
    Provenance(workload: nil, source: policy.host.location?.description)
  }

  /// Device in the topology by PCI address.
  public func device(_ address: String) -> Device? {
    topology.devices.first { $0.pciAddress == address }
  }

  /// The block device child named `name` (`nvme0n1`), with its device.
  public func blockDevice(named name: String) -> DeviceChild? {
    for device in topology.devices {
      if let child = device.children.first(where: { $0.kind == .block && $0.name == name }) {
        return child
      }
    }
    return nil
  }

  /// Kernel release as (major, minor), nil when it does not start with `N.N`.
  public var kernelVersion: (major: Int, minor: Int)? {
    let parts = topology.kernel.release.split(
      maxSplits: 2, omittingEmptySubsequences: false, whereSeparator: { !$0.isNumber })
    guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else {
      return nil
    }
    return (major, minor)
  }

  /// The idle CPUs (`Assignment.idle`) that share a core with one of `cpus`:
  /// the siblings an `smt: off` workload leaves idle.
  public func idleSiblings(of cpus: CPUSet) -> CPUSet {
    let idle = assignment.idle
    guard !idle.isEmpty, !cpus.isEmpty else { return CPUSet() }
    var out = CPUSet()
    for cpu in cpus {
      guard let core = coreCPUs[cpu] else { continue }
      out.formUnion(core.intersection(idle))
    }
    return out
  }

  /// CPUs of the NUMA node `id`.
  public func nodeCPUs(_ id: Int) -> CPUSet {
    topology.nodes.first { $0.id == id }?.cpus ?? CPUSet()
  }
}
