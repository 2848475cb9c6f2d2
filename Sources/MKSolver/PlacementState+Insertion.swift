import MKCore
import MKPolicy

/// One way to place a workload, with its cost.
struct Candidate: Sendable {
  var placed: Placed
  var penalty: Double
  var cost: Double { placed.terms.total + penalty }
}

/// Insertion: a workload's candidates (CPUs, then memory, huge pages and
/// devices for them) scored, and the best one applied to the state.
extension PlacementState {

  func evaluate(_ workload: Int, _ shares: [Share], devices: [Int]?, memoryNodes: Set<Int>?)
    -> Candidate?
  {
    let demand = demands[workload]
    let cpu = cpuNodes(shares)
    var allowed = memoryNodes
    if demand.numa == .single, let only = cpu.first?.node { allowed = [only] }
    if demand.numa == .single && cpu.isEmpty && (demand.memory > 0 || demand.hugePageCount > 0) {
      // No CPUs to follow: memory and huge pages still share one node, the
      // cheapest that holds both (the previous one costs no movement).
      var best: Candidate?
      for node in (memoryNodes.map { Array($0) } ?? Array(model.nodes.indices)).sorted() {
        guard let c = evaluate(workload, shares, cpu, devices: devices, allowed: [node]) else {
          continue
        }
        if best == nil || c.cost < best!.cost - 1e-12 { best = c }
      }
      return best
    }
    return evaluate(workload, shares, cpu, devices: devices, allowed: allowed)
  }

  /// Memory and huge pages of `workload` for CPUs `shares` (on nodes `cpu`), inside
  /// `allowed` nodes (nil: anywhere), and the placement's cost.
  private func evaluate(
    _ workload: Int, _ shares: [Share], _ cpu: [(node: Int, threads: Int)], devices: [Int]?,
    allowed: Set<Int>?
  ) -> Candidate? {
    let demand = demands[workload]
    var placed: (memory: [NodeAmount], huge: [NodeAmount])?
    if let memory = placeMemory(workload, cpu, allowed: allowed),
      let huge = placeHugePages(workload, cpu, besides: memory, allowed: allowed)
    {
      placed = (memory, huge)
    } else if demand.hugePageCount > 0,
      let huge = placeHugePages(workload, cpu, besides: [], allowed: allowed),
      let memory = placeMemory(
        workload, cpu,
        besides: huge.map { NodeAmount(node: $0.node, amount: $0.amount * demand.hugePageSize) },
        allowed: allowed)
    {
      // Memory first can leave every node a fraction of a page short. Pages
      // first (whole pages, on the nodes offering their size), then the
      // memory's 4KiB granules around them, fit whenever the allowed nodes
      // hold the pages and the bytes.
      placed = (memory, huge)
    }
    guard let (memory, huge) = placed else { return nil }
    let devs = devices ?? []
    let terms = terms(workload, shares: shares, memory: memory, devices: devs)
    return Candidate(
      placed: Placed(shares: shares, memory: memory, hugePages: huge, devices: devs, terms: terms),
      penalty: pairPenalty(workload, shares))
  }

  /// The cheapest placement of `workload` against the current state, or nil.
  func bestCandidate(_ workload: Int) -> Candidate? {
    let demand = demands[workload]
    var best: Candidate?
    var bestWaste = 0
    func consider(_ c: Candidate?) {
      guard let c else { return }
      let waste = tight ? self.waste(workload, c.placed.shares) : 0
      if best == nil || waste < bestWaste || (waste == bestWaste && c.cost < best!.cost - 1e-12) {
        best = c
        bestWaste = waste
      }
    }
    // Any placement with CPUs uses an LLC and a node; one over several nodes
    // uses at least two of each.
    let floor = weights.gamma + weights.delta
    if demand.near {
      // The best candidate per device option; the cheapest option whose
      // devices leave the other workloads' requests matchable wins.
      var perOption: [(Candidate, Int)] = []
      for option in deviceOptions(workload) {
        let nodeSet = option.nodes.map { Set($0) }
        best = nil
        bestWaste = 0
        cpuCandidates(
          workload, allowed: option.nodes,
          visit: {
            consider(evaluate(workload, $0, devices: option.devices, memoryNodes: nodeSet))
          },
          wide: { tight || best == nil || best!.cost > 2 * floor })
        if let b = best { perOption.append((b, bestWaste)) }
      }
      perOption.sort { a, b in
        if tight && a.1 != b.1 { return a.1 < b.1 }
        return a.0.cost < b.0.cost
      }
      return perOption.first { othersStillMatch(workload, taking: $0.0.placed.devices) }?.0
    }
    var ranked: [Candidate] = []
    var cheapest = Double.infinity
    cpuCandidates(
      workload, allowed: nil,
      visit: { shares in
        if let c = evaluate(workload, shares, devices: nil, memoryNodes: nil) {
          ranked.append(c)
          cheapest = min(cheapest, c.cost)
        }
      },
      enough: { !tight && demand.slots.isEmpty && cheapest <= floor + 1e-12 },
      wide: { tight || cheapest > 2 * floor })
    guard !ranked.isEmpty else { return nil }
    if demand.slots.isEmpty {
      for c in ranked { consider(c) }
      return best
    }
    // Devices follow the CPUs: nearest free matching devices, then re-score.
    ranked.sort {
      let wa = tight ? waste(workload, $0.placed.shares) : 0
      let wb = tight ? waste(workload, $1.placed.shares) : 0
      return wa != wb ? wa < wb : $0.cost < $1.cost
    }
    for c in ranked.prefix(3) {
      let cpu = cpuNodes(c.placed.shares)
      let total = Double(max(1, demand.threads))
      let rank: (Int) -> Double = { dev in
        guard let dn = model.deviceNode[dev] else { return 0 }
        return cpu.reduce(0) { $0 + model.remote[$1.node][dn] * Double($1.threads) / total }
      }
      guard let devs = matchDevices(workload, restrict: nil, rank: rank, joint: false) else {
        return nil
      }
      var placed = c.placed
      placed.devices = devs
      placed.terms = terms(workload, shares: placed.shares, memory: placed.memory, devices: devs)
      consider(Candidate(placed: placed, penalty: c.penalty))
    }
    // Taking the nearest devices must not strand another workload's request;
    // if it would, match them all together (nearest first for this one).
    if var b = best, !othersStillMatch(workload, taking: b.placed.devices) {
      let shares = b.placed.shares
      let cpu = cpuNodes(shares)
      let total = Double(max(1, demand.threads))
      guard
        let devs = matchDevices(
          workload, restrict: nil,
          rank: { dev in
            guard let dn = model.deviceNode[dev] else { return 0 }
            return cpu.reduce(0) { $0 + model.remote[$1.node][dn] * Double($1.threads) / total }
          })
      else { return nil }
      b.placed.devices = devs
      b.placed.terms = terms(workload, shares: shares, memory: b.placed.memory, devices: devs)
      best = b
    }
    return best
  }

  /// Puts `workload` exactly where the previous plan had it (same counts per LLC,
  /// memory, huge pages and devices) when all of it is still valid.
  mutating func insertPrevious(_ workload: Int) -> Bool {
    guard let prev = previous, prev.cpus[workload] != nil else { return false }
    let demand = demands[workload]
    let shares = prev.threads[workload].keys.sorted().map {
      Share(llc: $0, threads: prev.threads[workload][$0]!)
    }
    guard shares.reduce(0, { $0 + $1.threads }) == demand.threads else { return false }
    for s in shares {
      guard capacity(workload, s.llc, pairing: true) >= s.threads else { return false }
      if demand.unit == .wholeCore && s.threads % model.llcs[s.llc].threadsPerCore != 0 {
        return false
      }
    }
    let cpu = cpuNodes(shares)
    if demand.numa == .single && cpu.count > 1 { return false }
    var devices: [Int] = []
    if !demand.slots.isEmpty {
      let wanted = Set(prev.devices[workload])
      guard
        let devs = matchDevices(workload, restrict: { wanted.contains($0) }, rank: { Double($0) }),
        Set(devs) == wanted
      else { return false }
      devices = devs
    }
    var allowed: Set<Int>?
    if demand.near {
      let nodes = Set(devices.compactMap { model.deviceNode[$0] })
      if !nodes.isEmpty {
        guard cpu.allSatisfy({ nodes.contains($0.node) }) else { return false }
        allowed = nodes
      }
    }
    if demand.numa == .spread
      && !spreadHolds(workload, shares, nodeCount: allowed?.count ?? model.nodes.count)
    {
      return false
    }
    guard let c = evaluate(workload, shares, devices: devices, memoryNodes: allowed) else {
      return false
    }
    // Rejoin the half cores it shared before.
    var partners: [Int: Int] = [:]
    if let mine = prev.cpus[workload] {
      for s in shares where s.threads % 2 == 1 && model.llcs[s.llc].threadsPerCore == 2 {
        for core in model.llcs[s.llc].cores where core.contains(where: { mine.contains($0) }) {
          guard let siblingCPU = core.first(where: { !mine.contains($0) }) else { continue }
          if let other = llc[s.llc].open.first(where: {
            prev.cpus[$0]?.contains(siblingCPU) ?? false
          }) {
            partners[s.llc] = other
          }
        }
      }
    }
    apply(workload, c.placed, partners: partners)
    return true
  }

  /// Capacity a placement makes unusable for others: empty LLCs it opens, and
  /// for `llc: exclusive` the rest of every LLC it takes (the tight strategy).
  func waste(_ workload: Int, _ shares: [Share]) -> Int {
    var total = 0
    for s in shares {
      if llc[s.llc].occupants.isEmpty { total += 1 }
      // `smt: off` idles the other threads of each core it takes.
      if demands[workload].unit == .threadPerCore {
        total += s.threads * (model.llcs[s.llc].threadsPerCore - 1)
      }
      if demands[workload].llcExclusive {
        total += 10 * (capacity(workload, s.llc, pairing: false) - s.threads)
      }
    }
    return total
  }

  mutating func insertBest(_ workload: Int) -> Bool {
    guard let c = bestCandidate(workload) else { return false }
    apply(workload, c.placed)
    return true
  }
}
