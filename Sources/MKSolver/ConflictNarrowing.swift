import MKCore
import MKPolicy

/// A small set of workloads that cannot be placed together, found in a
/// large infeasible policy by incremental checks instead of re-solving it.
///
/// The workloads are inserted one at a time into one placement state, most
/// constrained first (the search's own first ordering), until one does not
/// fit. It and the workloads that keep it out (`PlacementState.blockers`)
/// become suspects; every other workload is removed from the state (one
/// removal each, the state is kept) and the one that failed is tried again.
/// If it still fails among the suspects alone, the suspects are checked by
/// the solver's feasibility search on their own (the explainer's oracle, a
/// small instance); otherwise the removed workloads go back in and the
/// next failure adds its suspects. Each round adds at least one workload,
/// so the work is bounded by the rounds times the policy's size, charged
/// in insertions x LLC entries against the explanation's budget.
///
/// The set found is a conflict only when the oracle says so; nil sends the
/// caller to the deletion filter over the whole policy.
struct ConflictNarrowing {
  let model: HostModel
  let demands: [Demand]
  let weights: ObjectiveWeights
  /// Suspects beyond this many are not a small instance: give up.
  var maxSuspects = 256

  /// The suspects (positions in `demands`, ascending) that `confirm` finds
  /// infeasible, or nil. `charge` is told the work of every insertion
  /// (LLC entries) and may stop the search by returning false.
  func narrow(confirm: ([Int]) -> Bool, charge: (Int) -> Bool) -> [Int]? {
    var state = PlacementState(model: model, demands: demands, weights: weights, previous: nil)
    let order = SearchDriver.constrainedOrder(demands, model: model)
    let cost = max(1, model.llcs.count)
    var suspects = Set<Int>()
    while true {
      var failed: Int?
      for workload in order where state.placed[workload] == nil {
        guard charge(cost) else { return nil }
        if !state.insertBest(workload) {
          failed = workload
          break
        }
      }
      // The greedy placed everyone: nothing to narrow (the caller's search
      // decides).
      guard let failed else { return nil }
      let before = suspects.count
      suspects.insert(failed)
      suspects.formUnion(state.blockers(of: failed))
      guard suspects.count <= maxSuspects, suspects.count > before else { return nil }
      for workload in state.placed.indices
      where state.placed[workload] != nil && !suspects.contains(workload) {
        state.remove(workload)
      }
      guard charge(cost) else { return nil }
      if !state.insertBest(failed) {
        let members = suspects.sorted()
        return confirm(members) ? members : nil
      }
    }
  }
}
