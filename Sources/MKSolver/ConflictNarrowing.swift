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
/// If it fits now, the removed workloads go back in, one insertion each,
/// and the next failure adds its suspects. If it still fails among the
/// suspects alone, the oracle (the solver's feasibility search on the
/// suspects alone, a small instance) decides: no placement, and the
/// suspects are the conflict; a placement, and the search goes on from it
/// (the last feasible state: the suspects where the oracle put them), so
/// the next failure is another workload's. Each round adds at least one
/// suspect, so the work is bounded by the rounds times the policy's size,
/// charged in insertions x LLC entries against the explanation's budget.
///
/// The set found is a conflict only when the oracle says so; nil sends the
/// caller to the deletion filter over the whole policy.
struct ConflictNarrowing {
  let model: HostModel
  let demands: [Demand]
  let weights: ObjectiveWeights
  /// Suspects beyond this many are not a small instance: give up
  /// (`SearchBudget.narrowingSuspects`).
  var maxSuspects = SearchBudget().narrowingSuspects

  /// The suspects (positions in `demands`, ascending) that `oracle` finds
  /// infeasible, or nil. `oracle` returns a placement of the suspects
  /// alone (its workload `i` is the `i`-th suspect), nil when there is
  /// none. `charge` is told the work of every insertion (LLC entries) and
  /// stops the search by returning false.
  func narrow(oracle: ([Int]) -> PlacementState?, charge: (Int) -> Bool) -> [Int]? {
    let fresh = PlacementState(model: model, demands: demands, weights: weights, previous: nil)
    var state = fresh
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
      suspects.formUnion(state.blockers(of: failed, besides: suspects))
      guard suspects.count <= maxSuspects, suspects.count > before else { return nil }
      for workload in state.placed.indices
      where state.placed[workload] != nil && !suspects.contains(workload) {
        state.remove(workload)
      }
      guard charge(cost) else { return nil }
      if state.insertBest(failed) { continue }
      let members = suspects.sorted()
      guard let placement = oracle(members) else { return members }
      state = placement.transplanted(into: fresh, members: members)
    }
  }
}
