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

  /// The policy with `sizes` as fixed CPU counts (workloads not named keep theirs).
  public func narrowed(to sizes: [String: Int]) -> Policy {
    var narrowed = policy
    for index in narrowed.workloads.indices {
      guard let size = sizes[narrowed.workloads[index].name] else { continue }
      let bounds = narrowed.workloads[index].cpus
      let clamped = min(max(size, bounds.min), bounds.max)
      narrowed.workloads[index].cpus = Elastic(exactly: clamped)
    }
    return narrowed
  }

  /// The static plan: the policy as written, compiled against `previous`
  /// (or from scratch). Its sizes are the agent's planned sizes (`home`).
  public func staticPlan(previous: Plan?) -> Result<Plan, DiagnosticError> {
    plan(policy, previous: previous)
  }

  /// The plan with `sizes`, against the plan in force.
  public func plan(sizes: [String: Int], previous: Plan) -> Result<Plan, DiagnosticError> {
    plan(narrowed(to: sizes), previous: previous)
  }

  func plan(_ policy: Policy, previous: Plan?) -> Result<Plan, DiagnosticError> {
    let previousAssignment = previous.map {
      Assignment(
        housekeeping: $0.housekeeping, sharedPool: $0.sharedPool, idle: $0.idle ?? [],
        workloads: $0.assignments, objective: $0.objective)
    }
    let solution: Solution
    switch Solver().solve(policy, on: topology, previous: previousAssignment) {
    case .success(let value): solution = value
    case .failure(let error): return .failure(error)
    }
    // The narrowed policy's E264/E265 shortfall warnings describe the
    // narrowing, not the policy: only the original's are kept.
    let warnings = solution.diagnostics.filter { $0.code != "E264" && $0.code != "E265" }
    var result = PlanBuilder().build(
      policy: policy, topology: topology, assignment: solution.assignment, warnings: warnings,
      previous: previous)
    if case .success(var plan) = result {
      plan.policy = self.policy.metadata.name
      result = .success(plan)
    }
    return result
  }
}

extension Allocation {
  /// The CPUs of `plan`'s workloads that own them, and its shared pool.
  public init(plan: Plan, policy: Policy) {
    var cpus: [String: Int] = [:]
    for workload in policy.workloads where workload.ownsCPUs {
      if let assignment = plan.assignments.first(where: { $0.workload == workload.name }) {
        cpus[workload.name] = assignment.cpus.count
      }
    }
    self.init(cpus: cpus, pool: plan.sharedPool.count)
  }
}

extension Topology {
  /// The most hardware threads of any core (2 on SMT2 hosts).
  public var threadsPerCore: Int { cores.map(\.threads.count).max() ?? 1 }
}
