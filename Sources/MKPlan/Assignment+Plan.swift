import MKSolver

extension Assignment {
  /// The placement `plan` holds, as the solver takes a previous placement:
  /// CPUs, idle siblings, memory, devices and the update headroom.
  ///
  /// Every re-plan against a plan in force (`plan --previous`, `apply
  /// --policy`, the agent's resizes) starts from this one value, so none of
  /// them can forget a part of the plan in force: a re-plan that dropped the
  /// headroom would let it move, under a successor that may be about to start.
  public init(plan: Plan) {
    self.init(
      housekeeping: plan.housekeeping, sharedPool: plan.sharedPool, idle: plan.idle ?? [],
      workloads: plan.assignments, objective: plan.objective, headroom: plan.headroom)
  }
}
