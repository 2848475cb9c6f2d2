import MKCore
import MKPolicy

/// One way to place a workload, with its cost.
struct Candidate: Sendable {
  var placed: Placed
  var penalty: Double
  var cost: Double { placed.terms.total + penalty }
}

extension PlacementState {
  // MARK: CPUs

  /// Threads `w` can still get inside `llcs`.
  func room(_ w: Int, _ llcs: [Int]) -> Int {
    llcs.reduce(0) { $0 + capacity(w, $1, pairing: true) }
  }

  /// Puts `n` threads of `w` on as few LLCs of `llcs` as possible: a single
  /// best-fitting LLC when one holds them all, else the largest first and a
  /// best fit for the rest. Pairing odd threads is the last resort.
  ///
  /// `leanFirst` takes the entries with the fewest threads per core first
  /// (an `smt: off` CPU on a one-thread core leaves no sibling idle).
  func fill(
    _ w: Int, _ n: Int, over llcs: [Int], smallestFirst: Bool = false, packFirst: Bool = false,
    leanFirst: Bool = false
  )
    -> [Share]?
  {
    guard n > 0 else { return [] }
    for pairing in eagerPairing ? [true, false] : [false, true] {
      var caps: [(l: Int, cap: Int, tpc: Int)] = []
      var sum = 0
      for l in llcs {
        var c = capacity(w, l, pairing: pairing)
        let tpc = model.llcs[l].threadsPerCore
        if demands[w].unit == .wholeCore { c -= c % tpc }
        if c > 0 {
          caps.append((l, c, tpc))
          sum += c
        }
      }
      if sum < n { continue }
      var remaining = n
      var shares: [Share] = []
      var used = Array(repeating: false, count: caps.count)
      if packFirst {
        // Fill LLCs that others already use, largest room first.
        let occupied = caps.indices.filter { !llc[caps[$0].l].occupants.isEmpty }
          .sorted { caps[$0].cap != caps[$1].cap ? caps[$0].cap > caps[$1].cap : $0 < $1 }
        for i in occupied where remaining > 0 {
          var take = min(caps[i].cap, remaining)
          if demands[w].unit == .wholeCore { take -= take % caps[i].tpc }
          if take <= 0 { continue }
          used[i] = true
          shares.append(Share(llc: caps[i].l, threads: take))
          remaining -= take
        }
      }
      while remaining > 0 {
        var fit = -1
        for i in caps.indices
        where !smallestFirst && !leanFirst && !used[i] && caps[i].cap >= remaining {
          if demands[w].unit == .wholeCore && remaining % caps[i].tpc != 0 { continue }
          if fit < 0 || caps[i].cap < caps[fit].cap { fit = i }
        }
        if fit >= 0 {
          shares.append(Share(llc: caps[fit].l, threads: remaining))
          remaining = 0
          break
        }
        var big = -1
        for i in caps.indices where !used[i] {
          if big < 0 {
            big = i
          } else if leanFirst && caps[i].tpc != caps[big].tpc {
            if caps[i].tpc < caps[big].tpc { big = i }
          } else if smallestFirst ? caps[i].cap < caps[big].cap : caps[i].cap > caps[big].cap {
            big = i
          }
        }
        guard big >= 0 else { break }
        used[big] = true
        var take = min(caps[big].cap, remaining)
        if demands[w].unit == .thread && !pairing && caps[big].tpc == 2 { take -= take % 2 }
        if demands[w].unit == .wholeCore { take -= take % caps[big].tpc }
        if take <= 0 { continue }
        shares.append(Share(llc: caps[big].l, threads: take))
        remaining -= take
      }
      if remaining == 0 { return shares.sorted { $0.llc < $1.llc } }
    }
    return nil
  }

  func cpuNodes(_ shares: [Share]) -> [(node: Int, threads: Int)] {
    var byNode: [Int: Int] = [:]
    for s in shares { byNode[model.llcs[s.llc].node, default: 0] += s.threads }
    return byNode.keys.sorted().map { ($0, byNode[$0]!) }
  }

  /// CPU candidates for `w` inside the allowed nodes (nil: anywhere).
  ///
  /// Candidates go to `visit` as they are made. `enough` ends the search
  /// early (the best so far cannot be beaten); `wide` says whether regions of
  /// several nodes are still worth making (they cost at least 2 LLCs and 2 nodes).
  func cpuCandidates(
    _ w: Int, allowed: [Int]?, visit: ([Share]) -> Void, enough: () -> Bool = { false },
    wide: () -> Bool = { true }
  ) {
    let d = demands[w]
    let n = d.threads
    if n == 0 {
      visit([])
      return
    }
    let nodes = allowed ?? Array(model.nodes.indices)
    var seen = Set<[Share]>()
    var stop = false
    func add(_ s: @autoclosure () -> [Share]?) {
      guard !stop, let s = s(), !s.isEmpty, seen.insert(s).inserted else { return }
      visit(s)
      if enough() { stop = true }
    }
    if let prev = previous, prev.cpus[w] != nil { add(previousCandidate(w, prev, nodes)) }
    if d.numa == .spread {
      add(spreadCandidate(w, nodes, largestFirst: true))
      add(spreadCandidate(w, nodes, largestFirst: false))
      return
    }
    for node in nodes { add(fill(w, n, over: model.nodes[node].llcs)) }
    if tight {
      // Packing variants: others' LLCs first, or the smallest LLCs first.
      for node in nodes {
        add(fill(w, n, over: model.nodes[node].llcs, packFirst: true))
        add(fill(w, n, over: model.nodes[node].llcs, smallestFirst: true))
      }
      if d.numa != .single {
        let all = nodes.flatMap { model.nodes[$0].llcs }
        add(fill(w, n, over: all, packFirst: true))
        add(fill(w, n, over: all, smallestFirst: true))
      }
    }
    if d.unit == .threadPerCore && model.hasMixedThreadsPerCore {
      // On hybrid or partly offline hosts, one-thread cores first: an
      // `smt: off` CPU there idles no sibling.
      for node in nodes { add(fill(w, n, over: model.nodes[node].llcs, leanFirst: true)) }
      if d.numa != .single {
        add(fill(w, n, over: nodes.flatMap { model.nodes[$0].llcs }, leanFirst: true))
      }
    }
    if d.llcExclusive {
      // Several small LLCs may waste less than part of a big one.
      for node in nodes { add(fill(w, n, over: model.nodes[node].llcs, smallestFirst: true)) }
      if d.numa != .single {
        add(fill(w, n, over: nodes.flatMap { model.nodes[$0].llcs }, smallestFirst: true))
      }
    }
    if d.numa == .single || stop || !wide() { return }
    let nodeSet = Set(nodes)
    for package in model.packages {
      let inPackage = package.filter { nodeSet.contains($0) }
      guard inPackage.count > 1 else { continue }
      add(fill(w, n, over: inPackage.flatMap { model.nodes[$0].llcs }))
    }
    if model.packages.count > 1 || seen.isEmpty {
      add(fill(w, n, over: nodes.flatMap { model.nodes[$0].llcs }))
    }
    if d.memory > 0 {
      for anchor in nodes { add(memoryLedCandidate(w, anchor, nodeSet)) }
    }
  }

  /// Keeps the previous plan's counts where they still fit and fills the rest nearby.
  func previousCandidate(_ w: Int, _ prev: PreviousPlacement, _ nodes: [Int]) -> [Share]? {
    let d = demands[w]
    var shares: [Share] = []
    var remaining = d.threads
    let nodeSet = Set(nodes)
    for l in prev.threads[w].keys.sorted() where remaining > 0 {
      guard nodeSet.contains(model.llcs[l].node) else { continue }
      var take = min(prev.threads[w][l] ?? 0, capacity(w, l, pairing: false), remaining)
      if d.unit == .wholeCore { take -= take % model.llcs[l].threadsPerCore }
      if take > 0 {
        shares.append(Share(llc: l, threads: take))
        remaining -= take
      }
    }
    if d.numa == .single && Set(shares.map { model.llcs[$0.llc].node }).count > 1 { return nil }
    if remaining > 0 {
      let prevNodes = Array(Set(shares.map { model.llcs[$0.llc].node })).sorted()
      let used = Set(shares.map(\.llc))
      var scopes: [[Int]] = [
        prevNodes.flatMap { model.nodes[$0].llcs }.filter { !used.contains($0) }
      ]
      if d.numa != .single {
        scopes.append(nodes.flatMap { model.nodes[$0].llcs }.filter { !used.contains($0) })
      }
      var extra: [Share]?
      for scope in scopes {
        extra = fill(w, remaining, over: scope)
        if extra != nil { break }
      }
      guard let extra else { return nil }
      shares += extra
    }
    shares.sort { $0.llc < $1.llc }
    // Kept counts plus a nearby fill may pile a spread workload on one node.
    if d.numa == .spread && !spreadHolds(w, shares, nodeCount: nodes.count) { return nil }
    return shares
  }

  /// `numa: spread`: CPUs on at least two of the `nodeCount` allowed nodes
  /// (when it has two granules), shares equal within one granule.
  func spreadHolds(_ w: Int, _ shares: [Share], nodeCount: Int) -> Bool {
    let d = demands[w]
    let g = d.unit == .wholeCore ? model.maxThreadsPerCore : 1
    let counts = cpuNodes(shares).map(\.threads)
    return (counts.max() ?? 0) - (counts.min() ?? 0) <= g
      && counts.count >= min(2, d.threads / g, nodeCount)
  }

  /// `numa: spread`: equal shares (within one granule) on as many nodes as it has granules.
  func spreadCandidate(_ w: Int, _ nodes: [Int], largestFirst: Bool) -> [Share]? {
    let d = demands[w]
    let g = d.unit == .wholeCore ? model.maxThreadsPerCore : 1
    let units = d.threads / g
    let rooms = nodes.map { (node: $0, room: room(w, model.nodes[$0].llcs)) }.filter { $0.room > 0 }
    // At least two nodes whenever the workload has two granules and may use two nodes.
    let kMin = min(2, units, nodes.count)
    let kMax = min(rooms.count, units)
    guard kMax > 0, kMax >= kMin else { return nil }
    let ranked = rooms.sorted {
      $0.room != $1.room ? ($0.room > $1.room) == largestFirst : $0.node < $1.node
    }
    var k = kMax
    while k >= kMin {
      // The nodes with the most room take the larger shares.
      let chosen = ranked.prefix(k).sorted {
        $0.room != $1.room ? $0.room > $1.room : $0.node < $1.node
      }.map(\.node)
      let split = Apportion.largestRemainder(
        total: units, weights: Array(repeating: 1.0, count: k))
      var shares: [Share] = []
      var ok = true
      for (i, node) in chosen.enumerated() {
        guard let part = fill(w, split[i] * g, over: model.nodes[node].llcs) else {
          ok = false
          break
        }
        shares += part
      }
      if ok { return shares.sorted { $0.llc < $1.llc } }
      k -= 1
    }
    return nil
  }

  /// CPUs follow memory: nodes nearest `anchor` until the memory fits, CPUs in proportion.
  func memoryLedCandidate(_ w: Int, _ anchor: Int, _ allowed: Set<Int>) -> [Share]? {
    let d = demands[w]
    guard memoryFree[anchor] < d.memory else { return nil }
    var chosen: [(node: Int, mem: UInt64)] = []
    var left = d.memory
    for b in [anchor] + nearest[anchor] where allowed.contains(b) && left > 0 {
      let take = min(left, memoryFree[b] / d.memoryGranule * d.memoryGranule)
      if take > 0 {
        chosen.append((b, take))
        left -= take
      }
    }
    guard left == 0, chosen.count > 1 else { return nil }
    let g = d.unit == .wholeCore ? model.maxThreadsPerCore : 1
    let split = Apportion.largestRemainder(
      total: d.threads / g, weights: chosen.map { Double($0.mem) })
    var shares: [Share] = []
    var carry = 0
    for (i, c) in chosen.enumerated() {
      let want = split[i] * g + carry
      guard want > 0 else { continue }
      let r = room(w, model.nodes[c.node].llcs)
      let take = min(want, r - r % g)
      carry = want - take
      if take > 0 {
        guard let part = fill(w, take, over: model.nodes[c.node].llcs) else { return nil }
        shares += part
      }
    }
    guard carry == 0 else { return nil }
    return shares.sorted { $0.llc < $1.llc }
  }

  var nearest: [[Int]] { model.nearest }

  // MARK: memory and huge pages

  /// Memory on the CPUs' nodes in proportion, spilling to the nearest allowed
  /// nodes; `besides` is node memory the same workload already takes (its
  /// huge pages, in bytes).
  func placeMemory(
    _ w: Int, _ cpu: [(node: Int, threads: Int)], besides taken: [NodeAmount] = [],
    allowed: Set<Int>?
  ) -> [NodeAmount]? {
    let d = demands[w]
    guard d.memory > 0 else { return [] }
    let g = d.memoryGranule
    var memoryFree = memoryFree
    for t in taken { memoryFree[t.node] -= t.amount }
    if let prev = previous, let before = prev.cpus[w].map({ _ in prev.memory[w] }),
      Saturating.sum(Array(before.values)) == d.memory, !before.isEmpty,
      before.allSatisfy({ node, amount in
        memoryFree[node] >= amount && (allowed?.contains(node) ?? true)
      })
    {
      return before.keys.sorted().map { NodeAmount(node: $0, amount: before[$0]!) }
    }
    var targets = cpu
    if targets.isEmpty {
      let pool = (allowed.map { Array($0) } ?? Array(model.nodes.indices)).sorted()
      guard
        let best = pool.max(by: {
          memoryFree[$0] != memoryFree[$1] ? memoryFree[$0] < memoryFree[$1] : $0 > $1
        })
      else { return nil }
      targets = [(best, 1)]
    }
    let split = Apportion.largestRemainder(
      total: Int(d.memory / g), weights: targets.map { Double($0.threads) })
    var free = memoryFree
    var out = Array(repeating: UInt64(0), count: model.nodes.count)
    var rest: [(Int, UInt64)] = []
    for (i, t) in targets.enumerated() {
      let want = UInt64(split[i])
      let local = (allowed?.contains(t.node) ?? true) ? min(want, free[t.node] / g) : 0
      out[t.node] += local * g
      free[t.node] -= local * g
      if want > local { rest.append((t.node, want - local)) }
    }
    for (a, r) in rest {
      var r = r
      for b in nearest[a] where r > 0 && (allowed?.contains(b) ?? true) {
        let take = min(r, free[b] / g)
        out[b] += take * g
        free[b] -= take * g
        r -= take
      }
      if r > 0 { return nil }
    }
    return out.indices.filter { out[$0] > 0 }.map { NodeAmount(node: $0, amount: out[$0]) }
  }

  /// Huge pages on the CPUs' nodes in proportion, spilling to the nearest
  /// allowed nodes; they come out of node memory, after `memory`, the same
  /// workload's ordinary memory, on nodes whose kernel offers the page size.
  func placeHugePages(
    _ w: Int, _ cpu: [(node: Int, threads: Int)], besides memory: [NodeAmount],
    allowed: Set<Int>?
  ) -> [NodeAmount]? {
    let d = demands[w]
    guard d.hugePageCount > 0 else { return [] }
    let size = d.hugePageSize
    var bytes = memoryFree
    for m in memory { bytes[m.node] -= m.amount }
    // The previous plan's pages stay where they were while they still fit:
    // an unchanged policy moves no page.
    if let prev = previous, prev.cpus[w] != nil, !prev.hugePages[w].isEmpty,
      prev.hugePages[w].values.reduce(0, { Saturating.add($0, $1) }) == UInt64(d.hugePageCount),
      prev.hugePages[w].allSatisfy({ node, count in
        (allowed?.contains(node) ?? true) && model.nodes[node].hugePageSizes.contains(size)
          && bytes[node] / size >= count
      })
    {
      return prev.hugePages[w].keys.sorted().map {
        NodeAmount(node: $0, amount: prev.hugePages[w][$0]!)
      }
    }
    var targets = cpu
    if targets.isEmpty { targets = [(allowed?.min() ?? 0, 1)] }
    let split = Apportion.largestRemainder(
      total: d.hugePageCount, weights: targets.map { Double($0.threads) })
    var free = model.nodes.indices.map { n in
      model.nodes[n].hugePageSizes.contains(size) ? Int(bytes[n] / size) : 0
    }
    var out = Array(repeating: 0, count: model.nodes.count)
    var rest: [(Int, Int)] = []
    for (i, t) in targets.enumerated() {
      let local = (allowed?.contains(t.node) ?? true) ? min(split[i], free[t.node]) : 0
      out[t.node] += local
      free[t.node] -= local
      if split[i] > local { rest.append((t.node, split[i] - local)) }
    }
    for (a, r) in rest {
      var r = r
      for b in nearest[a] where r > 0 && (allowed?.contains(b) ?? true) {
        let take = min(r, free[b])
        out[b] += take
        free[b] -= take
        r -= take
      }
      if r > 0 { return nil }
    }
    return out.indices.filter { out[$0] > 0 }.map { NodeAmount(node: $0, amount: UInt64(out[$0])) }
  }

  // MARK: devices

  /// Matches `w`'s requested devices (in `preference` order per slot) together
  /// with every unplaced workload's, so taking them never strands another.
  func matchDevices(
    _ w: Int, restrict: ((Int) -> Bool)?, rank: (Int) -> Double, joint: Bool = true
  ) -> [Int]? {
    let d = demands[w]
    guard !d.slots.isEmpty else { return [] }
    var slots: [[Int]] = d.slots.map { cands in
      cands.filter { deviceOwner[$0] == nil && (restrict?($0) ?? true) }
        .sorted { rank($0) != rank($1) ? rank($0) < rank($1) : $0 < $1 }
    }
    for v in demands.indices
    where joint && v != w && placed[v] == nil && !demands[v].slots.isEmpty {
      for cands in demands[v].slots { slots.append(cands.filter { deviceOwner[$0] == nil }) }
    }
    guard let match = Matching.bipartite(slots: slots, deviceCount: model.devices.count) else {
      return nil
    }
    return Array(match.prefix(d.slots.count)).sorted()
  }

  /// Whether every unplaced workload's devices can still be matched once `w`
  /// takes `devices` (quick when none of them wants those devices).
  func othersStillMatch(_ w: Int, taking devices: [Int]) -> Bool {
    let taken = Set(devices)
    var slots: [[Int]] = []
    var contested = false
    for v in demands.indices where v != w && placed[v] == nil && !demands[v].slots.isEmpty {
      for cands in demands[v].slots {
        if !contested && cands.contains(where: { taken.contains($0) }) { contested = true }
        slots.append(cands.filter { deviceOwner[$0] == nil && !taken.contains($0) })
      }
    }
    guard contested else { return true }
    return Matching.bipartite(slots: slots, deviceCount: model.devices.count) != nil
  }

  /// Device choices for a `nearDevices` workload: all on one node, or (when
  /// the workload may span nodes) wherever they match.
  func deviceOptions(_ w: Int) -> [(devices: [Int], nodes: [Int]?)] {
    let d = demands[w]
    var options: [(devices: [Int], nodes: [Int]?)] = []
    var seenNodes = Set<Int>()
    for cands in d.slots {
      for dev in cands where deviceOwner[dev] == nil {
        if let node = model.deviceNode[dev] { seenNodes.insert(node) }
      }
    }
    for node in seenNodes.sorted() {
      if let devs = matchDevices(
        w, restrict: { model.deviceNode[$0] == node }, rank: { Double($0) }, joint: false)
      {
        options.append((devs, [node]))
      }
    }
    if d.numa != .single || options.isEmpty {
      let roomByNode = model.nodes.indices.map { room(w, model.nodes[$0].llcs) }
      if let devs = matchDevices(
        w, restrict: nil,
        rank: { dev in model.deviceNode[dev].map { -Double(roomByNode[$0]) } ?? 0 }, joint: false)
      {
        let nodes = Array(Set(devs.compactMap { model.deviceNode[$0] })).sorted()
        if !options.contains(where: { $0.devices == devs }) {
          options.append((devs, nodes.isEmpty ? nil : nodes))
        }
      }
    }
    return options
  }

  // MARK: insertion

  func evaluate(_ w: Int, _ shares: [Share], devices: [Int]?, memoryNodes: Set<Int>?)
    -> Candidate?
  {
    let d = demands[w]
    let cpu = cpuNodes(shares)
    var allowed = memoryNodes
    if d.numa == .single, let only = cpu.first?.node { allowed = [only] }
    if d.numa == .single && cpu.isEmpty && (d.memory > 0 || d.hugePageCount > 0) {
      // No CPUs to follow: memory and huge pages still share one node, the
      // cheapest that holds both (the previous one costs no movement).
      var best: Candidate?
      for node in (memoryNodes.map { Array($0) } ?? Array(model.nodes.indices)).sorted() {
        guard let c = evaluate(w, shares, cpu, devices: devices, allowed: [node]) else { continue }
        if best == nil || c.cost < best!.cost - 1e-12 { best = c }
      }
      return best
    }
    return evaluate(w, shares, cpu, devices: devices, allowed: allowed)
  }

  /// Memory and huge pages of `w` for CPUs `shares` (on nodes `cpu`), inside
  /// `allowed` nodes (nil: anywhere), and the placement's cost.
  private func evaluate(
    _ w: Int, _ shares: [Share], _ cpu: [(node: Int, threads: Int)], devices: [Int]?,
    allowed: Set<Int>?
  ) -> Candidate? {
    let d = demands[w]
    var placed: (memory: [NodeAmount], huge: [NodeAmount])?
    if let memory = placeMemory(w, cpu, allowed: allowed),
      let huge = placeHugePages(w, cpu, besides: memory, allowed: allowed)
    {
      placed = (memory, huge)
    } else if d.hugePageCount > 0,
      let huge = placeHugePages(w, cpu, besides: [], allowed: allowed),
      let memory = placeMemory(
        w, cpu,
        besides: huge.map { NodeAmount(node: $0.node, amount: $0.amount * d.hugePageSize) },
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
    let terms = terms(w, shares: shares, memory: memory, devices: devs)
    return Candidate(
      placed: Placed(shares: shares, memory: memory, hugePages: huge, devices: devs, terms: terms),
      penalty: pairPenalty(w, shares))
  }

  /// The cheapest placement of `w` against the current state, or nil.
  func bestCandidate(_ w: Int) -> Candidate? {
    let d = demands[w]
    var best: Candidate?
    var bestWaste = 0
    func consider(_ c: Candidate?) {
      guard let c else { return }
      let waste = tight ? self.waste(w, c.placed.shares) : 0
      if best == nil || waste < bestWaste || (waste == bestWaste && c.cost < best!.cost - 1e-12) {
        best = c
        bestWaste = waste
      }
    }
    // Any placement with CPUs uses an LLC and a node; one over several nodes
    // uses at least two of each.
    let floor = weights.gamma + weights.delta
    if d.near {
      // The best candidate per device option; the cheapest option whose
      // devices leave the other workloads' requests matchable wins.
      var perOption: [(Candidate, Int)] = []
      for option in deviceOptions(w) {
        let nodeSet = option.nodes.map { Set($0) }
        best = nil
        bestWaste = 0
        cpuCandidates(
          w, allowed: option.nodes,
          visit: { consider(evaluate(w, $0, devices: option.devices, memoryNodes: nodeSet)) },
          wide: { tight || best == nil || best!.cost > 2 * floor })
        if let b = best { perOption.append((b, bestWaste)) }
      }
      perOption.sort { a, b in
        if tight && a.1 != b.1 { return a.1 < b.1 }
        return a.0.cost < b.0.cost
      }
      return perOption.first { othersStillMatch(w, taking: $0.0.placed.devices) }?.0
    }
    var ranked: [Candidate] = []
    var cheapest = Double.infinity
    cpuCandidates(
      w, allowed: nil,
      visit: { shares in
        if let c = evaluate(w, shares, devices: nil, memoryNodes: nil) {
          ranked.append(c)
          cheapest = min(cheapest, c.cost)
        }
      },
      enough: { !tight && d.slots.isEmpty && cheapest <= floor + 1e-12 },
      wide: { tight || cheapest > 2 * floor })
    guard !ranked.isEmpty else { return nil }
    if d.slots.isEmpty {
      for c in ranked { consider(c) }
      return best
    }
    // Devices follow the CPUs: nearest free matching devices, then re-score.
    ranked.sort {
      let wa = tight ? waste(w, $0.placed.shares) : 0
      let wb = tight ? waste(w, $1.placed.shares) : 0
      return wa != wb ? wa < wb : $0.cost < $1.cost
    }
    for c in ranked.prefix(3) {
      let cpu = cpuNodes(c.placed.shares)
      let total = Double(max(1, d.threads))
      let rank: (Int) -> Double = { dev in
        guard let dn = model.deviceNode[dev] else { return 0 }
        return cpu.reduce(0) { $0 + model.remote[$1.node][dn] * Double($1.threads) / total }
      }
      guard let devs = matchDevices(w, restrict: nil, rank: rank, joint: false) else { return nil }
      var placed = c.placed
      placed.devices = devs
      placed.terms = terms(w, shares: placed.shares, memory: placed.memory, devices: devs)
      consider(Candidate(placed: placed, penalty: c.penalty))
    }
    // Taking the nearest devices must not strand another workload's request;
    // if it would, match them all together (nearest first for this one).
    if var b = best, !othersStillMatch(w, taking: b.placed.devices) {
      let shares = b.placed.shares
      let cpu = cpuNodes(shares)
      let total = Double(max(1, d.threads))
      guard
        let devs = matchDevices(
          w, restrict: nil,
          rank: { dev in
            guard let dn = model.deviceNode[dev] else { return 0 }
            return cpu.reduce(0) { $0 + model.remote[$1.node][dn] * Double($1.threads) / total }
          })
      else { return nil }
      b.placed.devices = devs
      b.placed.terms = terms(w, shares: shares, memory: b.placed.memory, devices: devs)
      best = b
    }
    return best
  }

  /// Puts `w` exactly where the previous plan had it (same counts per LLC,
  /// memory, huge pages and devices) when all of it is still valid.
  mutating func insertPrevious(_ w: Int) -> Bool {
    guard let prev = previous, prev.cpus[w] != nil else { return false }
    let d = demands[w]
    let shares = prev.threads[w].keys.sorted().map { Share(llc: $0, threads: prev.threads[w][$0]!) }
    guard shares.reduce(0, { $0 + $1.threads }) == d.threads else { return false }
    for s in shares {
      guard capacity(w, s.llc, pairing: true) >= s.threads else { return false }
      if d.unit == .wholeCore && s.threads % model.llcs[s.llc].threadsPerCore != 0 { return false }
    }
    let cpu = cpuNodes(shares)
    if d.numa == .single && cpu.count > 1 { return false }
    var devices: [Int] = []
    if !d.slots.isEmpty {
      let wanted = Set(prev.devices[w])
      guard
        let devs = matchDevices(w, restrict: { wanted.contains($0) }, rank: { Double($0) }),
        Set(devs) == wanted
      else { return false }
      devices = devs
    }
    var allowed: Set<Int>?
    if d.near {
      let nodes = Set(devices.compactMap { model.deviceNode[$0] })
      if !nodes.isEmpty {
        guard cpu.allSatisfy({ nodes.contains($0.node) }) else { return false }
        allowed = nodes
      }
    }
    if d.numa == .spread
      && !spreadHolds(w, shares, nodeCount: allowed?.count ?? model.nodes.count)
    {
      return false
    }
    guard let c = evaluate(w, shares, devices: devices, memoryNodes: allowed) else { return false }
    // Rejoin the half cores it shared before.
    var partners: [Int: Int] = [:]
    if let mine = prev.cpus[w] {
      for s in shares where s.threads % 2 == 1 && model.llcs[s.llc].threadsPerCore == 2 {
        for core in model.llcs[s.llc].cores where core.contains(where: { mine.contains($0) }) {
          guard let other = core.first(where: { !mine.contains($0) }) else { continue }
          if let v = llc[s.llc].open.first(where: { prev.cpus[$0]?.contains(other) ?? false }) {
            partners[s.llc] = v
          }
        }
      }
    }
    apply(w, c.placed, partners: partners)
    return true
  }

  /// Capacity a placement makes unusable for others: empty LLCs it opens, and
  /// for `llc: exclusive` the rest of every LLC it takes (the tight strategy).
  func waste(_ w: Int, _ shares: [Share]) -> Int {
    var total = 0
    for s in shares {
      if llc[s.llc].occupants.isEmpty { total += 1 }
      // `smt: off` idles the other threads of each core it takes.
      if demands[w].unit == .threadPerCore {
        total += s.threads * (model.llcs[s.llc].threadsPerCore - 1)
      }
      if demands[w].llcExclusive { total += 10 * (capacity(w, s.llc, pairing: false) - s.threads) }
    }
    return total
  }

  mutating func insertBest(_ w: Int) -> Bool {
    guard let c = bestCandidate(w) else { return false }
    apply(w, c.placed)
    return true
  }
}

/// Kuhn's augmenting-path matching of requested devices (slots) to devices.
enum Matching {
  /// A device per slot, or nil when some slot cannot be served.
  static func bipartite(slots: [[Int]], deviceCount: Int) -> [Int]? {
    var owner = Array(repeating: -1, count: deviceCount)
    var assigned = Array(repeating: -1, count: slots.count)
    for s in slots.indices {
      var visited = Array(repeating: false, count: deviceCount)
      guard augment(s, slots, &owner, &assigned, &visited) else { return nil }
    }
    return assigned
  }

  private static func augment(
    _ s: Int, _ slots: [[Int]], _ owner: inout [Int], _ assigned: inout [Int],
    _ visited: inout [Bool]
  ) -> Bool {
    for dev in slots[s] where !visited[dev] {
      visited[dev] = true
      if owner[dev] < 0 || augment(owner[dev], slots, &owner, &assigned, &visited) {
        owner[dev] = s
        assigned[s] = dev
        return true
      }
    }
    return false
  }

  /// The size of a maximum matching (for explanations).
  static func maximum(slots: [[Int]], deviceCount: Int) -> Int {
    var owner = Array(repeating: -1, count: deviceCount)
    var assigned = Array(repeating: -1, count: slots.count)
    var size = 0
    for s in slots.indices {
      var visited = Array(repeating: false, count: deviceCount)
      if augment(s, slots, &owner, &assigned, &visited) { size += 1 }
    }
    return size
  }
}
