import MKCore
import MKPolicy

extension Explainer {
  /// The last feasible state of a focused explainer's checks, and the
  /// incremental check that starts from it.
  ///
  /// A deletion filter's checks differ from one another by a few clauses:
  /// the workloads whose demands those clauses do not touch can stay where
  /// the last placement put them (their rules among themselves are the
  /// same, and they take no more than they took there), and only the
  /// others are inserted, one insertion each. A complete placement so
  /// found is a proof of feasibility; when some workload does not fit, the
  /// caller runs the full search, the only one that may answer "infeasible".
  final class LastFeasible {
    private var state: PlacementState?
    /// The housekeeping the last placement's host model was built with.
    private var housekeeping: Housekeeping?

    func keep(_ found: PlacementState, for policy: Policy) {
      state = found
      housekeeping = policy.host.housekeeping
    }

    /// Whether `policy` (the same workloads as the last placement's, in
    /// the same order) places starting from the last placement: true when
    /// it does, nil when the full search must decide (no last placement,
    /// or a workload did not fit). Charged to `meter`: the workloads, and
    /// the LLC entries per insertion.
    func extend(_ policy: Policy, model: HostModel, solver: Solver, meter: WorkMeter) -> Bool? {
      guard let last = state, last.demands.count == policy.workloads.count,
        housekeeping == policy.host.housekeeping
      else { return nil }
      let demands = Demand.build(policy: policy, model: model, weights: solver.weights)
      var next = PlacementState(
        model: model, demands: demands, weights: solver.weights, previous: nil)
      let kept = demands.indices.filter {
        last.placed[$0] != nil && Self.sameRules(last.demands[$0], demands[$0])
      }
      // Sibling pairs among the kept ones are kept (the first opens the
      // half core, the second joins it).
      var partnerOf: [Int: [Int: Int]] = [:]
      for entry in last.llc.indices {
        for pair in last.llc[entry].pairs {
          partnerOf[pair.a, default: [:]][entry] = pair.b
          partnerOf[pair.b, default: [:]][entry] = pair.a
        }
      }
      let keptSet = Set(kept)
      for workload in kept {
        var partners: [Int: Int] = [:]
        for (entry, other) in partnerOf[workload] ?? [:]
        where other < workload && keptSet.contains(other) {
          partners[entry] = other
        }
        next.apply(workload, last.placed[workload]!, partners: partners)
      }
      meter.charge(max(1, demands.count))
      let cost = max(1, model.llcs.count)
      for workload in SearchDriver.constrainedOrder(demands, model: model)
      where next.placed[workload] == nil {
        meter.charge(cost)
        guard next.insertBest(workload) else { return nil }
      }
      keep(next, for: policy)
      return true
    }

    /// Whether a placement made for `a` holds for `b`: every field a rule
    /// or a capacity reads is the same.
    static func sameRules(_ a: Demand, _ b: Demand) -> Bool {
      a.unit == b.unit && a.threads == b.threads && a.memory == b.memory
        && a.memoryGranule == b.memoryGranule && a.hugePageSize == b.hugePageSize
        && a.hugePageCount == b.hugePageCount && a.numa == b.numa && a.near == b.near
        && a.llcExclusive == b.llcExclusive && a.avoid == b.avoid && a.slots == b.slots
    }
  }
}
