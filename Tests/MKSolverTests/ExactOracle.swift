import MKCore
import MKPolicy

@testable import MKSolver

/// An exhaustive feasibility check of a policy's mins for tiny hosts, written
/// independently of the solver's search: it tries every device assignment,
/// every split of every workload's threads over LLC domains (with and without
/// pairing odd threads), checks every placement rule, and decides memory by a
/// max-flow. It shares only the host model (housekeeping, memory after the
/// host's share) and the sizing of demands with the solver.
struct ExactOracle {
  let model: HostModel
  let demands: [Demand]
  /// Search nodes before giving up (nil result).
  var limit = 3_000_000
  private(set) var visited = 0

  init(model: HostModel, demands: [Demand]) {
    self.model = model
    self.demands = demands
  }

  struct LLCSlot {
    var free: Int
    var open: [Int] = []
    var occupants: [Int] = []
    var exclusive = false
  }

  /// true/false, or nil when the search limit was hit.
  mutating func feasible() -> Bool? {
    var slots: [(w: Int, cands: [Int])] = []
    for d in demands { for c in d.slots { slots.append((d.index, c)) } }
    var used = Array(repeating: false, count: model.devices.count)
    var devNodes = Array(repeating: Set<Int>(), count: demands.count)
    var exceeded = false
    func devices(_ i: Int) -> Bool {
      if i == slots.count { return cpus(devNodes, &exceeded) }
      for dev in slots[i].cands where !used[dev] {
        used[dev] = true
        let before = devNodes[slots[i].w]
        if let n = model.deviceNode[dev] { devNodes[slots[i].w].insert(n) }
        if devices(i + 1) { return true }
        devNodes[slots[i].w] = before
        used[dev] = false
        if exceeded { return false }
      }
      return false
    }
    let ok = devices(0)
    if exceeded && !ok { return nil }
    return ok
  }

  private mutating func cpus(_ devNodes: [Set<Int>], _ exceeded: inout Bool) -> Bool {
    var state = model.llcs.map { LLCSlot(free: $0.cores.count) }
    var shares = Array(repeating: [Int: Int](), count: demands.count)
    return place(0, &state, &shares, devNodes, &exceeded)
  }

  private func allowedNodes(_ w: Int, _ devNodes: [Set<Int>]) -> [Int] {
    let d = demands[w]
    if d.near && !devNodes[w].isEmpty { return devNodes[w].sorted() }
    return Array(model.nodes.indices)
  }

  private mutating func place(
    _ w: Int, _ state: inout [LLCSlot], _ shares: inout [[Int: Int]], _ devNodes: [Set<Int>],
    _ exceeded: inout Bool
  ) -> Bool {
    visited += 1
    if visited > limit {
      exceeded = true
      return false
    }
    if w == demands.count { return memoryFits(shares, devNodes) }
    let d = demands[w]
    let nodes = Set(allowedNodes(w, devNodes))
    // LLC rules are properties of the real cache domain: all its entries
    // (cores of other thread counts in the same L3).
    let llcs = model.llcs.indices.filter { l in
      guard nodes.contains(model.llcs[l].node) else { return false }
      return model.llcs.indices.allSatisfy { other in
        guard model.llcs[other].node == model.llcs[l].node,
          model.llcs[other].domainId == model.llcs[l].domainId
        else { return true }
        let s = state[other]
        if s.exclusive { return false }
        if d.llcExclusive && !s.occupants.isEmpty { return false }
        return !s.occupants.contains { d.avoid.contains($0) }
      }
    }
    func split(_ i: Int, _ remaining: Int) -> Bool {
      if exceeded { return false }
      if remaining == 0 {
        guard rulesHold(w, shares[w], nodes.count) else { return false }
        return place(w + 1, &state, &shares, devNodes, &exceeded)
      }
      guard i < llcs.count else { return false }
      let l = llcs[i]
      let tpc = model.llcs[l].threadsPerCore
      let free = state[l].free
      let maxT: Int
      switch d.unit {
      case .wholeCore: maxT = free * tpc
      case .threadPerCore: maxT = free
      case .thread: maxT = free * tpc + (tpc == 2 && !state[l].open.isEmpty ? 1 : 0)
      }
      var t = min(remaining, maxT)
      while t >= 0 {
        defer { t -= 1 }
        if d.unit == .wholeCore && t % tpc != 0 { continue }
        if t == 0 {
          if split(i + 1, remaining) { return true }
          continue
        }
        // Options for the odd thread of a `thread` workload on SMT2: own core or pair.
        var options: [Bool] = [false]
        if d.unit == .thread && tpc == 2 && t % 2 == 1 {
          options = []
          if free >= t / 2 + 1 { options.append(false) }
          if free >= t / 2 && !state[l].open.isEmpty { options.append(true) }
        }
        for pair in options {
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
                if pair {
                  state[l].open.removeFirst()
                } else {
                  state[l].free -= 1
                  state[l].open.append(w)
                }
              }
            }
          }
          state[l].occupants.append(w)
          if d.llcExclusive { state[l].exclusive = true }
          shares[w][l] = t
          if split(i + 1, remaining - t) { return true }
          shares[w][l] = nil
          state[l] = saved
        }
      }
      return false
    }
    return split(0, d.threads)
  }

  private func rulesHold(_ w: Int, _ share: [Int: Int], _ allowedCount: Int) -> Bool {
    let d = demands[w]
    var perNode: [Int: Int] = [:]
    for (l, t) in share where t > 0 { perNode[model.llcs[l].node, default: 0] += t }
    switch d.numa {
    case .single: return perNode.count <= 1
    case .spread:
      let g = d.unit == .wholeCore ? model.maxThreadsPerCore : 1
      let units = d.threads / g
      guard perNode.count >= min(2, units, allowedCount) else { return false }
      let counts = perNode.values
      return (counts.max() ?? 0) - (counts.min() ?? 0) <= g
    case .any: return true
    }
  }

  /// Memory as a max-flow: workloads -> allowed nodes -> free memory (MiB units).
  private func memoryFits(
    _ shares: [[Int: Int]], _ devNodes: [Set<Int>], chosen: [Int: Int] = [:]
  ) -> Bool {
    // `numa: single` without CPUs: memory on one node, each node tried.
    if let w = demands.indices.first(where: { w in
      demands[w].numa == .single && demands[w].memory > 0 && chosen[w] == nil
        && !shares[w].contains { $0.value > 0 }
    }) {
      return model.nodes.indices.contains { node in
        var next = chosen
        next[w] = node
        return memoryFits(shares, devNodes, chosen: next)
      }
    }
    let unit: UInt64 = 1 << 20
    let n = demands.count
    let m = model.nodes.count
    // Nodes: 0 source, 1...n workloads, n+1...n+m NUMA nodes, n+m+1 sink.
    let size = n + m + 2
    var cap = Array(repeating: Array(repeating: 0, count: size), count: size)
    var need = 0
    for (w, d) in demands.enumerated() where d.memory > 0 {
      let amount = Int((d.memory + unit - 1) / unit)
      need += amount
      cap[0][1 + w] = amount
      var allowed = Set(model.nodes.indices)
      let cpuNodes = Set(shares[w].filter { $0.value > 0 }.map { model.llcs[$0.key].node })
      if d.numa == .single && !cpuNodes.isEmpty { allowed = cpuNodes }
      if d.near && !devNodes[w].isEmpty { allowed.formIntersection(devNodes[w]) }
      if let node = chosen[w] { allowed.formIntersection([node]) }
      for b in allowed { cap[1 + w][1 + n + b] = amount }
    }
    for b in 0..<m { cap[1 + n + b][size - 1] = Int(model.nodes[b].memoryAvailable / unit) }
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
    return flow == need
  }
}
