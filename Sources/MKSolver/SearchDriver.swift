import MKCore
import MKPolicy

/// Orderings, construction and improvement: the search loop.
///
/// Work is bounded by counts (orderings, passes), never by a clock, so the
/// same inputs give the same placement on any machine and at any load.
struct SearchDriver: Sendable {
  var model: HostModel
  var weights: ObjectiveWeights
  var previous: PreviousPlacement?
  var orderings: Int
  var improvementPasses: Int
  /// How many of the best constructions get improvement moves.
  var improveTop = 1
  /// Also try moving two workloads at once (quadratic: small instances only).
  var pairMoves = false

  /// A demand's share of the host: the larger of its thread slots' and its
  /// memory's fraction.
  static func dominantShare(_ demand: Demand, model: HostModel) -> Double {
    let slots = Double(max(1, model.totalSlots))
    let memory = Double(max(1, model.totalMemory))
    return max(
      Double(demand.threads * demand.slotCost(model.maxThreadsPerCore)) / slots,
      Double(demand.memory) / memory)
  }

  /// Indices of `demands` sorted by `key`, ties by index.
  static func sorted(_ demands: [Demand], by key: (Demand) -> [Double]) -> [Int] {
    demands.indices.sorted { a, b in
      let ka = key(demands[a])
      let kb = key(demands[b])
      return ka != kb ? ka.lexicographicallyPrecedes(kb) : a < b
    }
  }

  /// The first ordering: near devices first, then `numa: single`,
  /// `llc: exclusive` and `smt` rules, then `avoid`, each largest first.
  /// Failures show early in it, which the conflict search relies on.
  static func constrainedOrder(_ demands: [Demand], model: HostModel) -> [Int] {
    sorted(demands) { demand in
      [
        demand.near ? 0 : 1,
        demand.numa == .single || demand.llcExclusive || demand.unit != .thread ? 0 : 1,
        demand.avoid.isEmpty ? 1 : 0, -dominantShare(demand, model: model),
      ]
    }
  }

  func orders(_ demands: [Demand]) -> [[Int]] {
    let threadsPerCore = model.maxThreadsPerCore
    let model = model
    func dominant(_ demand: Demand) -> Double { Self.dominantShare(demand, model: model) }
    let idx = Array(demands.indices)
    func sorted(_ key: (Demand) -> [Double]) -> [Int] { Self.sorted(demands, by: key) }
    let constrained = Self.constrainedOrder(demands, model: model)
    var result: [[Int]] = []
    if let previous {
      let kept = constrained.filter { previous.cpus[$0] != nil }
      result.append(kept + constrained.filter { previous.cpus[$0] == nil })
    }
    result += [
      constrained,
      sorted { [-dominant($0)] },
      sorted { [-Double($0.threads * $0.slotCost(threadsPerCore))] },
      sorted { [-Double($0.memory)] },
      idx,
    ]
    // Seeded, so the shuffled orderings are the same on every machine.
    var rng = SplitMix64(seed: 0x6D6B_706F_6C69_6379)
    while result.count < orderings {
      var shuffled = constrained
      shuffled.shuffle(using: &rng)
      result.append(shuffled)
    }
    var seen = Set<[Int]>()
    return result.filter { seen.insert($0).inserted }.prefix(max(1, orderings)).map { $0 }
  }

  /// The best placement found, or nil when no ordering places everyone.
  /// With `firstFeasible` it stops at the first complete placement.
  /// Any complete placement of `demands`, trying the cost-first greedy and then
  /// the packing strategies; nil when none finds one.
  func anyPlacement(_ demands: [Demand]) -> PlacementState? {
    anyPlacementCounted(demands).state
  }

  /// `anyPlacement`, with the constructions it ran (the unit of the
  /// explainer's work: each costs at most workloads x LLC entries
  /// insertions). `skippingPlain` leaves out the cost-first greedy, for a
  /// caller that has just run it on the same demands.
  func anyPlacementCounted(_ demands: [Demand], skippingPlain: Bool = false) -> (
    state: PlacementState?, constructions: Int
  ) {
    var constructions = 0
    for (tight, eager) in [(false, false), (true, false), (false, true), (true, true)]
    where !(skippingPlain && !tight && !eager) {
      let (found, count) = runCounted(
        demands, firstFeasible: true, eagerPairing: eager, tight: tight)
      constructions += count
      if let found { return (found, constructions) }
    }
    guard ExactSearch.applies(model, demands) else { return (nil, constructions) }
    return (exactPlacement(demands), constructions + 1)
  }

  /// The complete search's placement, for small instances the greedy missed.
  func exactPlacement(_ demands: [Demand]) -> PlacementState? {
    guard ExactSearch.applies(model, demands) else { return nil }
    var search = ExactSearch(model: model, demands: demands)
    guard let found = search.search() else { return nil }
    var state = PlacementState(
      model: model, demands: demands, weights: weights, previous: previous)
    // Restricted memory first, so that the others take what is left.
    let order = demands.indices.sorted { a, b in
      let ra = demands[a].numa == .single || demands[a].near
      let rb = demands[b].numa == .single || demands[b].near
      return ra != rb ? ra : a < b
    }
    // CPUs in search order (pairing decisions depend on it), memory after.
    for workload in search.order {
      let shares = found.shares[workload].sorted { $0.llc < $1.llc }
      let placed = Placed(
        shares: shares, memory: [], hugePages: [], devices: found.devices[workload], terms: Terms())
      state.apply(workload, placed, partners: found.partners[workload])
    }
    for workload in order {
      guard var p = state.placed[workload] else { return nil }
      let nodes = Set(p.devices.compactMap { model.deviceNode[$0] })
      state.placed[workload] = nil
      for dev in p.devices { state.deviceOwner[dev] = nil }
      guard
        let c = state.evaluate(
          workload, p.shares, devices: p.devices,
          memoryNodes: demands[workload].near && !nodes.isEmpty ? nodes : nil)
      else { return nil }
      p = c.placed
      state.takeMemory(of: p, demands[workload])
      for dev in p.devices { state.deviceOwner[dev] = workload }
      state.placed[workload] = p
    }
    return state
  }

  func run(
    _ demands: [Demand], firstFeasible: Bool = false, eagerPairing: Bool = false,
    tight: Bool = false
  ) -> PlacementState? {
    runCounted(demands, firstFeasible: firstFeasible, eagerPairing: eagerPairing, tight: tight)
      .state
  }

  /// `run`, with the number of constructions started.
  func runCounted(
    _ demands: [Demand], firstFeasible: Bool = false, eagerPairing: Bool = false,
    tight: Bool = false
  ) -> (state: PlacementState?, constructions: Int) {
    var constructions = 0
    var best: PlacementState?
    var complete: [PlacementState] = []
    var fresh = PlacementState(
      model: model, demands: demands, weights: weights, previous: previous)
    fresh.eagerPairing = eagerPairing
    fresh.tight = tight
    for (k, order) in orders(demands).enumerated() {
      constructions += 1
      var state = fresh
      var ok = true
      // The first construction with a previous plan keeps each workload exactly
      // where it was when that is still valid: the incumbent to beat.
      let pin = k == 0 && previous != nil
      var pinned = 0
      for workload in order {
        if pin && state.insertPrevious(workload) {
          pinned += 1
          continue
        }
        if !state.insertBest(workload) {
          ok = false
          break
        }
      }
      guard ok else { continue }
      // Nothing changed that forces a move: keep the previous plan as it is.
      if pin && pinned == demands.count { return (state, constructions) }
      if firstFeasible { return (state, constructions) }
      complete.append(state)
    }
    // Improve the best few constructions (stable order: by total, then first
    // made) and keep the best result.
    let ranked = complete.indices.sorted {
      let a = complete[$0].total.total
      let b = complete[$1].total.total
      return abs(a - b) > 1e-9 ? a < b : $0 < $1
    }
    for i in ranked.prefix(max(1, improveTop)) {
      var state = complete[i]
      state.tight = false
      state.eagerPairing = false
      improve(&state)
      if best == nil || state.total.total < best!.total.total - 1e-9 { best = state }
    }
    return (best, constructions)
  }

  /// Re-inserts each workload at its best place while the objective drops.
  func improve(_ state: inout PlacementState) {
    for _ in 0..<improvementPasses {
      var improved = false
      for workload in state.demands.indices {
        guard let old = state.placed[workload] else { continue }
        let before = state.total.total
        state.remove(workload)
        if state.insertBest(workload) && state.total.total < before - 1e-9 {
          improved = true
        } else {
          // Put it back where it was.
          state.remove(workload)
          state.apply(workload, old)
        }
      }
      if pairMoves && improvePairs(&state) { improved = true }
      if !improved { break }
    }
  }

  /// Takes two workloads out and puts them back in both orders (small
  /// instances): escapes placements where each blocks the other's better spot.
  func improvePairs(_ state: inout PlacementState) -> Bool {
    var improved = false
    let all = state.demands.indices
    for workload in all {
      for other in all where other > workload {
        guard state.placed[workload] != nil, state.placed[other] != nil else { continue }
        let before = state.total.total
        // Restored whole: re-applying two placements in another order could
        // pair odd threads differently and need one core more.
        let saved = state
        var done = false
        for (first, second) in [(workload, other), (other, workload)] where !done {
          state.remove(workload)
          state.remove(other)
          if state.insertBest(first) && state.insertBest(second)
            && state.total.total < before - 1e-9
          {
            done = true
          } else {
            state = saved
          }
        }
        if done { improved = true }
      }
    }
    return improved
  }
}
