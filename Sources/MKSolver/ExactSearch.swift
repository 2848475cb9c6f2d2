import MKCore

/// A complete search for small instances: every device assignment, every split
/// of every workload's threads over LLC domains (odd threads on a core of
/// their own or paired), every rule checked, memory decided by a max-flow.
///
/// The greedy orderings find a placement for almost every feasible instance;
/// this is the last resort that makes "infeasible" exact on small hosts, and
/// the feasibility oracle the explainer needs there. It is bounded by a count
/// of search nodes, so it is deterministic and cannot run away.
struct ExactSearch {
  let model: HostModel
  let demands: [Demand]
  var budget: Int
  private(set) var visited = 0
  private(set) var exhausted = false

  /// Instances this search is meant for.
  static func applies(_ model: HostModel, _ demands: [Demand]) -> Bool {
    model.llcs.count <= 8 && demands.count <= 8
      && demands.reduce(0) { $0 + $1.slots.count } <= 8
  }

  /// Most constrained first, so that dead ends show early.
  let order: [Int]

  init(model: HostModel, demands: [Demand], budget: Int = 50_000) {
    self.model = model
    self.demands = demands
    self.budget = budget
    let tpc = model.maxThreadsPerCore
    order = demands.indices.sorted { a, b in
      let ka = [
        demands[a].llcExclusive ? 0 : 1, demands[a].numa == .single ? 0 : 1,
        -demands[a].threads * demands[a].slotCost(tpc),
      ]
      let kb = [
        demands[b].llcExclusive ? 0 : 1, demands[b].numa == .single ? 0 : 1,
        -demands[b].threads * demands[b].slotCost(tpc),
      ]
      return ka != kb ? ka.lexicographicallyPrecedes(kb) : a < b
    }
  }

  struct Found {
    var shares: [[Share]]
    var partners: [[Int: Int]]
    var devices: [[Int]]
  }

  private struct Slot {
    var free: Int
    var open: [Int] = []
    var occupants: [Int] = []
    var exclusive = false
  }

  mutating func search() -> Found? {
    // Necessary conditions first: total memory, and single-node memory.
    let largest = model.nodes.map(\.memoryAvailable).max() ?? 0
    guard Saturating.sum(demands.map(\.memory)) <= model.totalMemory,
      demands.allSatisfy({ $0.numa != .single || $0.memory <= largest })
    else { return nil }
    var slotList: [(w: Int, cands: [Int])] = []
    for d in demands { for c in d.slots { slotList.append((d.index, c)) } }
    var used = Array(repeating: false, count: model.devices.count)
    var devices = Array(repeating: [Int](), count: demands.count)
    var found: Found?
    func assign(_ i: Int) -> Bool {
      if exhausted { return false }
      if i == slotList.count {
        guard nearFits(devices) else { return false }
        found = cpus(devices)
        return found != nil
      }
      for dev in slotList[i].cands where !used[dev] {
        used[dev] = true
        devices[slotList[i].w].append(dev)
        if assign(i + 1) { return true }
        devices[slotList[i].w].removeLast()
        used[dev] = false
      }
      return false
    }
    _ = assign(0)
    return found
  }

  /// Necessary for `nearDevices`: CPUs and memory fit the devices' nodes.
  private func nearFits(_ devices: [[Int]]) -> Bool {
    let tpc = model.maxThreadsPerCore
    for d in demands where d.near {
      let nodes = nodesOf(devices[d.index])
      guard !nodes.isEmpty else { continue }
      let memory = nodes.reduce(UInt64(0)) { $0 + model.nodes[$1].memoryAvailable }
      let slots = nodes.reduce(0) { $0 + model.slots(of: model.nodes[$1]) }
      if d.memory > memory || d.threads * d.slotCost(tpc) > slots { return false }
    }
    return true
  }

  private func nodesOf(_ devs: [Int]) -> Set<Int> { Set(devs.compactMap { model.deviceNode[$0] }) }

  private mutating func cpus(_ devices: [[Int]]) -> Found? {
    var state = model.llcs.map { Slot(free: $0.cores.count) }
    var shares = Array(repeating: [Share](), count: demands.count)
    var partners = Array(repeating: [Int: Int](), count: demands.count)
    return place(0, &state, &shares, &partners, devices)
      ? Found(shares: shares, partners: partners, devices: devices) : nil
  }

  private mutating func place(
    _ k: Int, _ state: inout [Slot], _ shares: inout [[Share]], _ partners: inout [[Int: Int]],
    _ devices: [[Int]]
  ) -> Bool {
    visited += 1
    if visited > budget {
      exhausted = true
      return false
    }
    if k == demands.count { return memoryFits(shares, devices) }
    // Necessary: what is left to place fits the slots still open.
    let tpc = model.maxThreadsPerCore
    var need = 0
    for i in k..<order.count { need += demands[order[i]].threads * demands[order[i]].slotCost(tpc) }
    var room = 0
    for (l, s) in state.enumerated() where !s.exclusive {
      room += s.free * model.llcs[l].threadsPerCore + s.open.count
    }
    if need > room { return false }
    let w = order[k]
    let d = demands[w]
    let devNodes = nodesOf(devices[w])
    let nodes = d.near && !devNodes.isEmpty ? devNodes : Set(model.nodes.indices)
    // The LLC rules hold for the whole real cache domain (all its entries).
    let llcs = model.llcs.indices.filter { l in
      guard nodes.contains(model.llcs[l].node) else { return false }
      return model.llcs[l].domainEntries.allSatisfy { entry in
        let s = state[entry]
        if s.exclusive || (d.llcExclusive && !s.occupants.isEmpty) { return false }
        return !s.occupants.contains { d.avoid.contains($0) }
      }
    }
    func split(_ i: Int, _ remaining: Int) -> Bool {
      visited += 1
      if visited > budget { exhausted = true }
      if exhausted { return false }
      if remaining == 0 {
        guard rulesHold(w, shares[w], nodes.count) else { return false }
        return place(k + 1, &state, &shares, &partners, devices)
      }
      guard i < llcs.count else { return false }
      let l = llcs[i]
      let tpc = model.llcs[l].threadsPerCore
      let free = state[l].free
      let most: Int
      switch d.unit {
      case .wholeCore: most = free * tpc
      case .threadPerCore: most = free
      case .thread: most = free * tpc + (tpc == 2 && !state[l].open.isEmpty ? 1 : 0)
      }
      var t = min(remaining, most)
      while t >= 0 {
        defer { t -= 1 }
        if d.unit == .wholeCore && t % tpc != 0 { continue }
        if t == 0 {
          if split(i + 1, remaining) { return true }
          continue
        }
        var options: [Int?] = [nil]
        if d.unit == .thread && tpc == 2 && t % 2 == 1 {
          options = []
          if free >= t / 2 + 1 { options.append(nil) }
          if free >= t / 2, let v = state[l].open.first { options.append(v) }
        }
        for partner in options {
          let saved = state[l]
          switch d.unit {
          case .wholeCore: state[l].free -= t / tpc
          case .threadPerCore: state[l].free -= t
          case .thread:
            if tpc == 1 {
              state[l].free -= t
            } else {
              state[l].free -= t / 2
              if t % 2 == 1 {
                if let v = partner {
                  state[l].open.removeAll { $0 == v }
                  partners[w][l] = v
                } else {
                  state[l].free -= 1
                  state[l].open.append(w)
                }
              }
            }
          }
          state[l].occupants.append(w)
          if d.llcExclusive { state[l].exclusive = true }
          shares[w].append(Share(llc: l, threads: t))
          if split(i + 1, remaining - t) { return true }
          shares[w].removeLast()
          partners[w][l] = nil
          state[l] = saved
        }
      }
      return false
    }
    return split(0, d.threads)
  }

  private func rulesHold(_ w: Int, _ share: [Share], _ allowedCount: Int) -> Bool {
    let d = demands[w]
    var perNode: [Int: Int] = [:]
    for s in share where s.threads > 0 { perNode[model.llcs[s.llc].node, default: 0] += s.threads }
    switch d.numa {
    case .single:
      guard perNode.count <= 1 else { return false }
      return perNode.keys.allSatisfy { d.memory <= model.nodes[$0].memoryAvailable }
    case .spread:
      let g = d.unit == .wholeCore ? model.maxThreadsPerCore : 1
      guard perNode.count >= min(2, d.threads / g, allowedCount) else { return false }
      return (perNode.values.max() ?? 0) - (perNode.values.min() ?? 0) <= g
    case .any: return true
    }
  }

  /// Memory and huge pages as one max-flow over (demand -> allowed node):
  /// huge pages come out of node memory, so they compete with it.
  ///
  /// A `numa: single` workload without CPUs still keeps its memory and
  /// pages on one node: each such workload's node is tried in turn.
  private func memoryFits(
    _ shares: [[Share]], _ devices: [[Int]], chosen: [Int: Int] = [:]
  ) -> Bool {
    func allowed(_ w: Int) -> Set<Int> {
      let d = demands[w]
      var nodes = Set(model.nodes.indices)
      let cpuNodes = Set(shares[w].map { model.llcs[$0.llc].node })
      if d.numa == .single && !cpuNodes.isEmpty { nodes = cpuNodes }
      let dn = nodesOf(devices[w])
      if d.near && !dn.isEmpty { nodes.formIntersection(dn) }
      if let node = chosen[w] { nodes.formIntersection([node]) }
      return nodes
    }
    if let w = demands.indices.first(where: { w in
      demands[w].numa == .single && shares[w].isEmpty && chosen[w] == nil
        && (demands[w].memory > 0 || demands[w].hugePageCount > 0)
    }) {
      return allowed(w).sorted().contains { node in
        var next = chosen
        next[w] = node
        return memoryFits(shares, devices, chosen: next)
      }
    }
    var need: [Int] = []
    var nodesFor: [Set<Int>] = []
    var units: [UInt64] = []
    for (w, d) in demands.enumerated() {
      need.append(Int(clamping: roundUp(d.memory, d.memoryGranule) / d.memoryGranule))
      nodesFor.append(allowed(w))
      units.append(d.memoryGranule)
      if d.hugePageCount > 0 {
        need.append(d.hugePageCount)
        nodesFor.append(
          allowed(w).filter { model.nodes[$0].hugePageSizes.contains(d.hugePageSize) })
        units.append(d.hugePageSize)
      }
    }
    return MaxFlow.fits(
      need: need, allowed: nodesFor,
      capacity: { node, row in Int(model.nodes[node].memoryAvailable / units[row]) },
      nodes: model.nodes.count, unitBytes: units,
      capacityBytes: model.nodes.map(\.memoryAvailable))
  }
}

/// Whether per-workload amounts fit per-node capacities (Edmonds-Karp).
enum MaxFlow {
  /// With `unitBytes` the node capacities are in bytes and each workload's
  /// amount in its own unit; the flow then runs in the smallest unit.
  static func fits(
    need: [Int], allowed: [Set<Int>], capacity: (Int, Int) -> Int, nodes: Int,
    unitBytes: [UInt64]?, capacityBytes: [UInt64]?
  ) -> Bool {
    let n = need.count
    let size = n + nodes + 2
    var cap = Array(repeating: Array(repeating: 0, count: size), count: size)
    var total = 0
    let base = unitBytes?.min() ?? 1
    for w in 0..<n where need[w] > 0 {
      let amount = unitBytes.map { need[w] * Int($0[w] / base) } ?? need[w]
      total += amount
      cap[0][1 + w] = amount
      for b in allowed[w] { cap[1 + w][1 + n + b] = amount }
    }
    guard total > 0 else { return true }
    for b in 0..<nodes {
      cap[1 + n + b][size - 1] = capacityBytes.map { Int($0[b] / base) } ?? capacity(b, 0)
    }
    var flow = 0
    while true {
      var parent = Array(repeating: -1, count: size)
      parent[0] = 0
      var queue = [0]
      var head = 0
      while head < queue.count && parent[size - 1] < 0 {
        let u = queue[head]
        head += 1
        for v in 0..<size where parent[v] < 0 && cap[u][v] > 0 {
          parent[v] = u
          queue.append(v)
        }
      }
      guard parent[size - 1] >= 0 else { break }
      var bottleneck = Int.max
      var v = size - 1
      while v != 0 {
        bottleneck = min(bottleneck, cap[parent[v]][v])
        v = parent[v]
      }
      v = size - 1
      while v != 0 {
        cap[parent[v]][v] -= bottleneck
        cap[v][parent[v]] += bottleneck
        v = parent[v]
      }
      flow += bottleneck
    }
    return flow == total
  }
}
