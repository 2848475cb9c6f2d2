/// Elastic sizing: every workload first gets its `min`; what is left goes to
/// strict priority tiers in turn (higher first), and inside a tier by weighted
/// max-min fairness (water-filling: n = clamp(weight * level, min, max)),
/// rounded down to granules and topped up one granule at a time to the
/// smallest share so far, ties to the workload written first. Pure arithmetic, so it is exact and deterministic.
public enum ElasticSizing {
  public struct Item: Sendable, Hashable {
    public var min: Int
    public var max: Int
    public var weight: Int
    public var priority: Int
    /// Sizes are multiples of this (2 threads for whole SMT2 cores).
    public var granule: Int
    /// Capacity one unit uses (an `smt: off` CPU uses a whole core's threads).
    public var cost: Int
    public init(min: Int, max: Int, weight: Int, priority: Int, granule: Int = 1, cost: Int = 1) {
      self.min = min
      self.max = Swift.max(min, max)
      self.weight = Swift.max(1, weight)
      self.priority = priority
      self.granule = Swift.max(1, granule)
      self.cost = Swift.max(1, cost)
    }
  }

  /// Sizes for `items` sharing `capacity`; mins are given even when they do not fit.
  public static func sizes(_ items: [Item], capacity: Int) -> [Int] {
    // Nobody can get more than the whole capacity above its min: clamping
    // keeps sums of unbounded maxima (memory without a max) from overflowing.
    let items = items.map { item -> Item in
      var clamped = item
      let room = Swift.max(0, capacity) / item.cost
      if clamped.max - clamped.min > room { clamped.max = clamped.min + room }
      return clamped
    }
    var sizes = items.map(\.min)
    var remaining = Saturating.add(
      capacity, -Saturating.sum(items.map { Saturating.multiply($0.min, $0.cost) }))
    guard remaining > 0 else { return sizes }
    let tiers = Array(Set(items.map(\.priority))).sorted(by: >)
    for tier in tiers {
      let members = items.indices.filter {
        items[$0].priority == tier && items[$0].max - items[$0].min >= items[$0].granule
      }
      guard !members.isEmpty, remaining > 0 else { continue }
      let demand = members.reduce(0) { $0 + (items[$1].max - items[$1].min) * items[$1].cost }
      if demand <= remaining {
        for i in members { sizes[i] = items[i].max }
        remaining -= demand
        continue
      }
      func level(_ i: Int, _ lambda: Double) -> Double {
        Swift.min(
          Double(items[i].max), Swift.max(Double(items[i].min), Double(items[i].weight) * lambda))
      }
      func used(_ lambda: Double) -> Double {
        members.reduce(0.0) {
          $0 + (level($1, lambda) - Double(items[$1].min)) * Double(items[$1].cost)
        }
      }
      var lo = 0.0
      var hi = members.map { Double(items[$0].max) / Double(items[$0].weight) }.max() ?? 0
      for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if used(mid) <= Double(remaining) { lo = mid } else { hi = mid }
      }
      var exact: [Int: Double] = [:]
      for i in members {
        let x = level(i, lo)
        exact[i] = x
        let g = items[i].granule
        let extra = Int(((x - Double(items[i].min)) / Double(g)).rounded(.down)) * g
        sizes[i] = Swift.min(items[i].max, items[i].min + Swift.max(0, extra))
        remaining -= (sizes[i] - items[i].min) * items[i].cost
      }
      // Top up granule by granule, always to the workload with the smallest
      // share so far (progressive filling), ties to the one written first.
      while remaining > 0 {
        var pick = -1
        var pickShare = Double.infinity
        for i in members {
          let step = items[i].granule
          guard sizes[i] + step <= items[i].max, step * items[i].cost <= remaining else {
            continue
          }
          let share = Double(sizes[i]) / Double(items[i].weight)
          if share < pickShare {
            pick = i
            pickShare = share
          }
        }
        guard pick >= 0 else { break }
        sizes[pick] += items[pick].granule
        remaining -= items[pick].granule * items[pick].cost
      }
      _ = exact
    }
    return sizes
  }
}
