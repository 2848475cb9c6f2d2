import MKCore
import MKPolicy

/// Explanations of large policies whose sums fit but whose rules conflict:
/// the conflict search runs on the few workloads `ConflictNarrowing` finds,
/// not on the whole policy, so that it answers in a fraction of the budget
/// whatever the policy's size.
extension Explainer {
  /// The explanation of a policy whose mins `mins` (built on the policy's
  /// own host model) do not place, from a small set of workloads that do
  /// not place on their own: the deletion filter, the rendering and the
  /// help lines run on that set, within this explainer's budget. Nil when
  /// no such set is found (the caller explains the whole policy).
  func explainNarrowed(_ mins: [Demand]) -> DiagnosticError? {
    guard let model = models.model(for: policy) else { return nil }
    var narrowing = ConflictNarrowing(model: model, demands: mins, weights: solver.weights)
    narrowing.maxSuspects = solver.budget.narrowingSuspects
    let found = narrowing.narrow(
      oracle: { members in
        let (state, work) = solver.minsPlacement(subPolicy(members), model: model)
        meter.charge(work)
        return state
      },
      charge: { cells in
        meter.charge(cells)
        return !meter.exhausted
      })
    guard let members = found else { return nil }
    var focus = Explainer(
      solver: solver, policy: subPolicy(members), topology: topology, model: model, meter: meter)
    focus.resourcesFirst = true
    let answer = focus.explain(knownInfeasible: true)
    let rest = policy.workloads.count - members.count
    let scope = Diagnostic.Note(
      "these \(members.count) workload\(members.count == 1 ? "" : "s") of the policy's \(policy.workloads.count) do not place even on their own; the help lines are checked on them alone (the other \(rest) were not re-solved with each change)"
    )
    return DiagnosticError(
      answer.diagnostics.map { diagnostic in
        var diagnostic = diagnostic
        if diagnostic.severity == .error { diagnostic.notes.append(scope) }
        return diagnostic
      })
  }

  /// The policy with only the workloads at `members` (ascending), each
  /// with its own source locations; `avoid` entries naming the others
  /// name no workload of it, and no rule follows from them.
  func subPolicy(_ members: [Int]) -> Policy {
    var focus = policy
    focus.workloads = members.map { policy.workloads[$0] }
    return focus
  }
}
