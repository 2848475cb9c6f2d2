import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology

/// Turns a decision into a plan through the existing compiler: the policy
/// with each managed workload's `cpus` narrowed to its decided size, solved
/// with the plan in force as previous (so CPUs move as little as possible),
/// and built by the same `PlanBuilder` as `mkpolicy plan`.
///
/// Narrowing `cpus` to one value inside the policy's own `min...max` is
/// the only change: every placement rule (exclusive CPUs, smt, llc, numa,
/// near devices, avoid, housekeeping) is the solver's as always, and a size
/// that no placement under those rules can hold is refused by the solver,
/// not forced.
public struct Replanner: Sendable {
  public let policy: Policy
  public let topology: Topology

  public init(policy: Policy, topology: Topology) {
    self.policy = policy
    self.topology = topology
  }

  /// The policy with `sizes` as fixed CPU counts and `memory` as fixed
  /// memory (workloads not named keep theirs).
  public func narrowed(to sizes: [String: Int], memory: [String: UInt64] = [:]) -> Policy {
    var narrowed = policy
    for index in narrowed.workloads.indices {
      let name = narrowed.workloads[index].name
      if let size = sizes[name] {
        let bounds = narrowed.workloads[index].cpus
        let clamped = min(max(size, bounds.min), bounds.max)
        narrowed.workloads[index].cpus = Elastic(exactly: clamped)
      }
      if let bytes = memory[name] {
        let bounds = narrowed.workloads[index].memory
        narrowed.workloads[index].memory = Elastic(exactly: min(max(bytes, bounds.min), bounds.max))
      }
    }
    return narrowed
  }

  /// The static plan: the policy as written, compiled against `previous`
  /// (or from scratch). Its sizes are the agent's planned sizes (`home`).
  public func staticPlan(previous: Plan?) -> Result<Plan, DiagnosticError> {
    plan(policy, previous: previous)
  }

  /// The plan with `sizes` (CPUs) and `memory` (bytes granted), against the
  /// plan in force. When the agent manages any workload's memory, every
  /// workload with elastic memory keeps the memory it is granted unless
  /// `memory` changes it: the solver would otherwise share what one
  /// workload gives or takes among the others, lowering a `memory.high`
  /// nobody decided to lower.
  public func plan(
    sizes: [String: Int], memory: [String: UInt64] = [:], previous: Plan
  ) -> Result<Plan, DiagnosticError> {
    var fixed: [String: UInt64] = [:]
    if policy.agent.map({ agent in policy.workloads.contains { agent.managesMemory($0) } }) == true
    {
      for assignment in previous.assignments {
        guard let workload = policy.workload(named: assignment.workload),
          !workload.memory.isFixed
        else { continue }
        fixed[assignment.workload] = assignment.memoryBytes
      }
    }
    fixed.merge(memory) { $1 }
    return plan(narrowed(to: sizes, memory: fixed), previous: previous)
  }

  func plan(_ policy: Policy, previous: Plan?) -> Result<Plan, DiagnosticError> {
    let previousAssignment = previous.map(Assignment.init(plan:))
    let solution: Solution
    switch Solver().solve(policy, on: topology, previous: previousAssignment) {
    case .success(let value): solution = value
    case .failure(let error): return .failure(error)
    }
    // The narrowed policy's E264/E265 shortfall warnings describe the
    // narrowing, not the policy: only the original's are kept.
    let warnings = solution.diagnostics.filter { $0.code != "E264" && $0.code != "E265" }
    // Built with the policy as written: the cgroup limits keep its bounds
    // (`memory.min`, `memory.max`), and the sizes decided are the grants
    // (CPUs, and `memory.high` below the max).
    var result = PlanBuilder().build(
      policy: self.policy, topology: topology, assignment: solution.assignment,
      warnings: warnings, previous: previous)
    if case .success(var plan) = result {
      plan.policy = self.policy.metadata.name
      result = .success(plan)
    }
    return result
  }
}

extension Allocation {
  /// The CPUs of `plan`'s workloads that own them, and its shared pool;
  /// the memory granted to each workload with elastic memory, and (with
  /// `topology`) the host memory left: the nodes' memory less the host's
  /// own (in whole granules, as the solver keeps it), huge pages of host
  /// workloads and every grant.
  public init(plan: Plan, policy: Policy, topology: Topology? = nil) {
    var cpus: [String: Int] = [:]
    var memory: [String: UInt64] = [:]
    var granted: UInt64 = 0
    var hugePages: UInt64 = 0
    for workload in policy.workloads {
      guard let assignment = plan.assignments.first(where: { $0.workload == workload.name })
      else { continue }
      if workload.ownsCPUs { cpus[workload.name] = assignment.cpus.count }
      if !workload.memory.isFixed { memory[workload.name] = assignment.memoryBytes }
      granted = granted.addingReportingOverflow(assignment.memoryBytes).partialValue
      if workload.isolation != .kernel, let pages = workload.hugepages {
        hugePages = hugePages.addingReportingOverflow(pages.totalBytes).partialValue
      }
    }
    var free: UInt64 = 0
    if let topology {
      let total = topology.nodes.reduce(UInt64(0)) {
        $0.addingReportingOverflow($1.memoryTotalBytes).partialValue
      }
      let granule = max(4096, policy.coordinator.memoryGranuleBytes)
      let host = (policy.host.housekeeping.memoryBytes + granule - 1) / granule * granule
      let held = [host, hugePages, granted].reduce(UInt64(0)) {
        $0.addingReportingOverflow($1).partialValue
      }
      free = total > held ? total - held : 0
    }
    self.init(cpus: cpus, pool: plan.sharedPool.count, memory: memory, memoryFree: free)
  }
}

extension Topology {
  /// The most hardware threads of any core (2 on SMT2 hosts).
  public var threadsPerCore: Int { cores.map(\.threads.count).max() ?? 1 }
}
