import MKCore
import MKPolicy

/// Memory and huge pages: both come out of the same node memory, on the
/// CPUs' nodes in proportion first, then spilling to the nearest nodes.
extension PlacementState {

  /// Memory on the CPUs' nodes in proportion, spilling to the nearest allowed
  /// nodes; `besides` is node memory the same workload already takes (its
  /// huge pages, in bytes).
  func placeMemory(
    _ workload: Int, _ cpu: [(node: Int, threads: Int)], besides taken: [NodeAmount] = [],
    allowed: Set<Int>?
  ) -> [NodeAmount]? {
    let demand = demands[workload]
    guard demand.memory > 0 else { return [] }
    let granule = demand.memoryGranule
    var memoryFree = memoryFree
    for t in taken { memoryFree[t.node] -= t.amount }
    if let prev = previous, let before = prev.cpus[workload].map({ _ in prev.memory[workload] }),
      Saturating.sum(Array(before.values)) == demand.memory, !before.isEmpty,
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
      total: Int(demand.memory / granule), weights: targets.map { Double($0.threads) })
    var free = memoryFree
    var out = Array(repeating: UInt64(0), count: model.nodes.count)
    var rest: [(Int, UInt64)] = []
    for (i, t) in targets.enumerated() {
      let want = UInt64(split[i])
      let local = (allowed?.contains(t.node) ?? true) ? min(want, free[t.node] / granule) : 0
      out[t.node] += local * granule
      free[t.node] -= local * granule
      if want > local { rest.append((t.node, want - local)) }
    }
    for (anchor, remaining) in rest {
      var remaining = remaining
      for node in nearest[anchor] where remaining > 0 && (allowed?.contains(node) ?? true) {
        let take = min(remaining, free[node] / granule)
        out[node] += take * granule
        free[node] -= take * granule
        remaining -= take
      }
      if remaining > 0 { return nil }
    }
    return out.indices.filter { out[$0] > 0 }.map { NodeAmount(node: $0, amount: out[$0]) }
  }

  /// Huge pages on the CPUs' nodes in proportion, spilling to the nearest
  /// allowed nodes; they come out of node memory, after `memory`, the same
  /// workload's ordinary memory, on nodes whose kernel offers the page size.
  func placeHugePages(
    _ workload: Int, _ cpu: [(node: Int, threads: Int)], besides memory: [NodeAmount],
    allowed: Set<Int>?
  ) -> [NodeAmount]? {
    let demand = demands[workload]
    guard demand.hugePageCount > 0 else { return [] }
    let size = demand.hugePageSize
    var bytes = memoryFree
    for m in memory { bytes[m.node] -= m.amount }
    // The previous plan's pages stay where they were while they still fit:
    // an unchanged policy moves no page.
    if let prev = previous, prev.cpus[workload] != nil, !prev.hugePages[workload].isEmpty,
      prev.hugePages[workload].values.reduce(0, { Saturating.add($0, $1) })
        == UInt64(demand.hugePageCount),
      prev.hugePages[workload].allSatisfy({ node, count in
        (allowed?.contains(node) ?? true) && model.nodes[node].hugePageSizes.contains(size)
          && bytes[node] / size >= count
      })
    {
      return prev.hugePages[workload].keys.sorted().map {
        NodeAmount(node: $0, amount: prev.hugePages[workload][$0]!)
      }
    }
    var targets = cpu
    if targets.isEmpty { targets = [(allowed?.min() ?? 0, 1)] }
    let split = Apportion.largestRemainder(
      total: demand.hugePageCount, weights: targets.map { Double($0.threads) })
    var free = model.nodes.indices.map { node in
      model.nodes[node].hugePageSizes.contains(size) ? Int(bytes[node] / size) : 0
    }
    var out = Array(repeating: 0, count: model.nodes.count)
    var rest: [(Int, Int)] = []
    for (i, t) in targets.enumerated() {
      let local = (allowed?.contains(t.node) ?? true) ? min(split[i], free[t.node]) : 0
      out[t.node] += local
      free[t.node] -= local
      if split[i] > local { rest.append((t.node, split[i] - local)) }
    }
    for (anchor, remaining) in rest {
      var remaining = remaining
      for node in nearest[anchor] where remaining > 0 && (allowed?.contains(node) ?? true) {
        let take = min(remaining, free[node])
        out[node] += take
        free[node] -= take
        remaining -= take
      }
      if remaining > 0 { return nil }
    }
    return out.indices.filter { out[$0] > 0 }.map { NodeAmount(node: $0, amount: UInt64(out[$0])) }
  }
}
