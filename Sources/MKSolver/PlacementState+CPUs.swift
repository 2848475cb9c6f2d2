import MKCore
import MKPolicy

/// CPU placement: which LLC entries a workload's threads go to.
///
/// Every candidate is a list of shares (threads per LLC entry of the host
/// model); memory, huge pages and devices follow in the other files of this
/// extension, and `PlacementState+Insertion.swift` scores the whole.
extension PlacementState {

  /// Threads `workload` can still get inside `llcs`.
  func room(_ workload: Int, _ llcs: [Int]) -> Int {
    llcs.reduce(0) { $0 + capacity(workload, $1, pairing: true) }
  }

  /// Puts `threadCount` threads of `workload` on as few LLCs of `llcs` as possible: a single
  /// best-fitting LLC when one holds them all, else the largest first and a
  /// best fit for the rest. Pairing odd threads is the last resort.
  ///
  /// `leanFirst` takes the entries with the fewest threads per core first
  /// (an `smt: off` CPU on a one-thread core leaves no sibling idle).
  func fill(
    _ workload: Int, _ threadCount: Int, over llcs: [Int], smallestFirst: Bool = false,
    packFirst: Bool = false,
    leanFirst: Bool = false
  )
    -> [Share]?
  {
    guard threadCount > 0 else { return [] }
    for pairing in eagerPairing ? [true, false] : [false, true] {
      var caps: [(entry: Int, cap: Int, threadsPerCore: Int)] = []
      var sum = 0
      for entry in llcs {
        var c = capacity(workload, entry, pairing: pairing)
        let threadsPerCore = model.llcs[entry].threadsPerCore
        if demands[workload].unit == .wholeCore { c -= c % threadsPerCore }
        if c > 0 {
          caps.append((entry, c, threadsPerCore))
          sum += c
        }
      }
      if sum < threadCount { continue }
      var remaining = threadCount
      var shares: [Share] = []
      var used = Array(repeating: false, count: caps.count)
      if packFirst {
        // Fill LLCs that others already use, largest room first.
        let occupied = caps.indices.filter { !llc[caps[$0].entry].occupants.isEmpty }
          .sorted { caps[$0].cap != caps[$1].cap ? caps[$0].cap > caps[$1].cap : $0 < $1 }
        for i in occupied where remaining > 0 {
          var take = min(caps[i].cap, remaining)
          if demands[workload].unit == .wholeCore { take -= take % caps[i].threadsPerCore }
          if take <= 0 { continue }
          used[i] = true
          shares.append(Share(llc: caps[i].entry, threads: take))
          remaining -= take
        }
      }
      while remaining > 0 {
        var fit = -1
        for i in caps.indices
        where !smallestFirst && !leanFirst && !used[i] && caps[i].cap >= remaining {
          if demands[workload].unit == .wholeCore && remaining % caps[i].threadsPerCore != 0 {
            continue
          }
          if fit < 0 || caps[i].cap < caps[fit].cap { fit = i }
        }
        if fit >= 0 {
          shares.append(Share(llc: caps[fit].entry, threads: remaining))
          remaining = 0
          break
        }
        var big = -1
        for i in caps.indices where !used[i] {
          if big < 0 {
            big = i
          } else if leanFirst && caps[i].threadsPerCore != caps[big].threadsPerCore {
            if caps[i].threadsPerCore < caps[big].threadsPerCore { big = i }
          } else if smallestFirst ? caps[i].cap < caps[big].cap : caps[i].cap > caps[big].cap {
            big = i
          }
        }
        guard big >= 0 else { break }
        used[big] = true
        var take = min(caps[big].cap, remaining)
        if demands[workload].unit == .thread && !pairing && caps[big].threadsPerCore == 2 {
          take -= take % 2
        }
        if demands[workload].unit == .wholeCore { take -= take % caps[big].threadsPerCore }
        if take <= 0 { continue }
        shares.append(Share(llc: caps[big].entry, threads: take))
        remaining -= take
      }
      if remaining == 0 { return shares.sorted { $0.llc < $1.llc } }
    }
    return nil
  }

  /// Threads per node of `shares`, sorted by node. Built in place in a short
  /// array (a candidate spans a few nodes), not a dictionary sorted on
  /// every call: this runs for every candidate the search scores.
  func cpuNodes(_ shares: [Share]) -> [(node: Int, threads: Int)] {
    var byNode: [(node: Int, threads: Int)] = []
    for share in shares {
      let node = model.llcs[share.llc].node
      if let index = byNode.firstIndex(where: { $0.node == node }) {
        byNode[index].threads += share.threads
      } else {
        let slot = byNode.firstIndex(where: { $0.node > node }) ?? byNode.count
        byNode.insert((node, share.threads), at: slot)
      }
    }
    return byNode
  }

  /// CPU candidates for `workload` inside the allowed nodes (nil: anywhere).
  ///
  /// Candidates go to `visit` as they are made. `enough` ends the search
  /// early (the best so far cannot be beaten); `wide` says whether regions of
  /// several nodes are still worth making (they cost at least 2 LLCs and 2 nodes).
  func cpuCandidates(
    _ workload: Int, allowed: [Int]?, visit: ([Share]) -> Void, enough: () -> Bool = { false },
    wide: () -> Bool = { true }
  ) {
    let demand = demands[workload]
    let threadCount = demand.threads
    if threadCount == 0 {
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
    if let prev = previous, prev.cpus[workload] != nil {
      add(previousCandidate(workload, prev, nodes))
    }
    if demand.numa == .spread {
      add(spreadCandidate(workload, nodes, largestFirst: true))
      add(spreadCandidate(workload, nodes, largestFirst: false))
      // The rule asks for two nodes, and every node spanned costs: the
      // fewest nodes the rule allows (and one more, which may span fewer
      // LLC domains) compete with the widest spread above on the objective.
      for nodeCount in [2, 3] {
        add(spreadCandidate(workload, nodes, largestFirst: true, nodeCount: nodeCount))
      }
      return
    }
    for node in nodes { add(fill(workload, threadCount, over: model.nodes[node].llcs)) }
    if model.hasMixedThreadsPerCore {
      // A domain whose cores differ is several entries: together they may
      // hold what no single entry does, in one domain instead of two.
      for node in nodes {
        let entries = model.nodes[node].llcs
        for domain in Set(entries.map { model.llcs[$0].domainId }).sorted() {
          let inDomain = entries.filter { model.llcs[$0].domainId == domain }
          if inDomain.count > 1 { add(fill(workload, threadCount, over: inDomain)) }
        }
      }
    }
    if tight {
      // Packing variants: others' LLCs first, or the smallest LLCs first.
      for node in nodes {
        add(fill(workload, threadCount, over: model.nodes[node].llcs, packFirst: true))
        add(fill(workload, threadCount, over: model.nodes[node].llcs, smallestFirst: true))
      }
      if demand.numa != .single {
        let all = nodes.flatMap { model.nodes[$0].llcs }
        add(fill(workload, threadCount, over: all, packFirst: true))
        add(fill(workload, threadCount, over: all, smallestFirst: true))
      }
    }
    if demand.unit == .threadPerCore && model.hasMixedThreadsPerCore {
      // On hybrid or partly offline hosts, one-thread cores first: an
      // `smt: off` CPU there idles no sibling.
      for node in nodes {
        add(fill(workload, threadCount, over: model.nodes[node].llcs, leanFirst: true))
      }
      if demand.numa != .single {
        add(
          fill(workload, threadCount, over: nodes.flatMap { model.nodes[$0].llcs }, leanFirst: true)
        )
      }
    }
    if demand.llcExclusive {
      // Several small LLCs may waste less than part of a big one.
      for node in nodes {
        add(fill(workload, threadCount, over: model.nodes[node].llcs, smallestFirst: true))
      }
      if demand.numa != .single {
        add(
          fill(
            workload, threadCount, over: nodes.flatMap { model.nodes[$0].llcs }, smallestFirst: true
          ))
      }
    }
    if demand.numa == .single || stop || !wide() { return }
    let nodeSet = Set(nodes)
    for package in model.packages {
      let inPackage = package.filter { nodeSet.contains($0) }
      guard inPackage.count > 1 else { continue }
      add(fill(workload, threadCount, over: inPackage.flatMap { model.nodes[$0].llcs }))
    }
    if model.packages.count > 1 || seen.isEmpty {
      add(fill(workload, threadCount, over: nodes.flatMap { model.nodes[$0].llcs }))
    }
    if demand.memory > 0 {
      for anchor in nodes { add(memoryLedCandidate(workload, anchor, nodeSet)) }
    }
  }

  /// Keeps the previous plan's counts where they still fit and fills the rest nearby.
  func previousCandidate(_ workload: Int, _ prev: PreviousPlacement, _ nodes: [Int]) -> [Share]? {
    let demand = demands[workload]
    var shares: [Share] = []
    var remaining = demand.threads
    let nodeSet = Set(nodes)
    for entry in prev.threads[workload].keys.sorted() where remaining > 0 {
      guard nodeSet.contains(model.llcs[entry].node) else { continue }
      var take = min(
        prev.threads[workload][entry] ?? 0, capacity(workload, entry, pairing: false), remaining)
      if demand.unit == .wholeCore { take -= take % model.llcs[entry].threadsPerCore }
      if take > 0 {
        shares.append(Share(llc: entry, threads: take))
        remaining -= take
      }
    }
    if demand.numa == .single && Set(shares.map { model.llcs[$0.llc].node }).count > 1 {
      return nil
    }
    if remaining > 0 {
      let prevNodes = Array(Set(shares.map { model.llcs[$0.llc].node })).sorted()
      let used = Set(shares.map(\.llc))
      var scopes: [[Int]] = [
        prevNodes.flatMap { model.nodes[$0].llcs }.filter { !used.contains($0) }
      ]
      if demand.numa != .single {
        scopes.append(nodes.flatMap { model.nodes[$0].llcs }.filter { !used.contains($0) })
      }
      var extra: [Share]?
      for scope in scopes {
        extra = fill(workload, remaining, over: scope)
        if extra != nil { break }
      }
      guard let extra else { return nil }
      shares += extra
    }
    shares.sort { $0.llc < $1.llc }
    // Kept counts plus a nearby fill may pile a spread workload on one node.
    if demand.numa == .spread && !spreadHolds(workload, shares, nodeCount: nodes.count) {
      return nil
    }
    return shares
  }

  /// `numa: spread`: CPUs on at least two of the `nodeCount` allowed nodes
  /// (when it has two granules), shares equal within one granule.
  func spreadHolds(_ workload: Int, _ shares: [Share], nodeCount: Int) -> Bool {
    let demand = demands[workload]
    let granule = demand.unit == .wholeCore ? model.maxThreadsPerCore : 1
    let counts = cpuNodes(shares).map(\.threads)
    return (counts.max() ?? 0) - (counts.min() ?? 0) <= granule
      && counts.count >= min(2, demand.threads / granule, nodeCount)
  }

  /// `numa: spread`: equal shares (within one granule) on as many nodes as it has granules,
  /// or, with `nodeCount`, on that many nodes (at least as many as the rule asks for).
  func spreadCandidate(
    _ workload: Int, _ nodes: [Int], largestFirst: Bool, nodeCount: Int? = nil
  ) -> [Share]? {
    let demand = demands[workload]
    let granule = demand.unit == .wholeCore ? model.maxThreadsPerCore : 1
    let units = demand.threads / granule
    let rooms = nodes.map { (node: $0, room: room(workload, model.nodes[$0].llcs)) }.filter {
      $0.room > 0
    }
    // At least two nodes whenever the workload has two granules and may use two nodes.
    var kMin = min(2, units, nodes.count)
    var kMax = min(rooms.count, units)
    if let nodeCount {
      // Exactly that many nodes, when the rule and the host allow it.
      guard nodeCount >= kMin, nodeCount <= kMax else { return nil }
      kMin = nodeCount
      kMax = nodeCount
    }
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
        guard let part = fill(workload, split[i] * granule, over: model.nodes[node].llcs) else {
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
  func memoryLedCandidate(_ workload: Int, _ anchor: Int, _ allowed: Set<Int>) -> [Share]? {
    let demand = demands[workload]
    guard memoryFree[anchor] < demand.memory else { return nil }
    var chosen: [(node: Int, mem: UInt64)] = []
    var left = demand.memory
    for node in [anchor] + nearest[anchor] where allowed.contains(node) && left > 0 {
      let take = min(left, memoryFree[node] / demand.memoryGranule * demand.memoryGranule)
      if take > 0 {
        chosen.append((node, take))
        left -= take
      }
    }
    guard left == 0, chosen.count > 1 else { return nil }
    let granule = demand.unit == .wholeCore ? model.maxThreadsPerCore : 1
    let split = Apportion.largestRemainder(
      total: demand.threads / granule, weights: chosen.map { Double($0.mem) })
    var shares: [Share] = []
    var carry = 0
    for (i, c) in chosen.enumerated() {
      let want = split[i] * granule + carry
      guard want > 0 else { continue }
      let nodeRoom = room(workload, model.nodes[c.node].llcs)
      let take = min(want, nodeRoom - nodeRoom % granule)
      carry = want - take
      if take > 0 {
        guard let part = fill(workload, take, over: model.nodes[c.node].llcs) else { return nil }
        shares += part
      }
    }
    guard carry == 0 else { return nil }
    return shares.sorted { $0.llc < $1.llc }
  }

  var nearest: [[Int]] { model.nearest }

}
