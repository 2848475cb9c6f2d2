import MKCore
import MKPolicy

/// The LLC domains that `avoid` and `llc: exclusive` keep apart: workloads
/// that pairwise avoid each other (a clique of the `avoid` graph) and the
/// `llc: exclusive` ones can share no last-level cache domain with one
/// another, so each needs domains of its own, at least as many as the
/// largest domains it would fill. More than the host has is infeasible
/// whatever the sums of CPUs say.
///
/// A necessary condition like the other sums (a clique found greedily is
/// a clique; a larger one it misses only leaves the search to answer), in
/// time linear in the `avoid` lists for the policies people write. The
/// members are returned too: they are the conflict, and the explainer's
/// checks of a set that still holds them are answered here, at once.
extension CapacityCheck {
  /// The avoid clique (with the `llc: exclusive` workloads) that needs more
  /// LLC domains than the host has: the fewest members that do (largest
  /// needs first), by position in `demands`, and its E213 diagnostic.
  func avoidClique() -> (diagnostic: Diagnostic, members: [Int])? {
    var domainSlots: [Int: Int] = [:]
    for llc in model.llcs {
      domainSlots[llc.domainId, default: 0] += llc.cores.count * llc.threadsPerCore
    }
    let sizes = domainSlots.values.filter { $0 > 0 }.sorted(by: >)
    guard !sizes.isEmpty else { return nil }
    var prefix: [Int] = [0]
    for size in sizes { prefix.append(prefix.last! + size) }
    /// Domains a member takes at least: the fewest of the largest that hold it.
    func domainsNeeded(_ position: Int) -> Int {
      let slots = slots(demands[position])
      return prefix.firstIndex { $0 >= slots } ?? sizes.count + 1
    }
    let clique = largestAvoidClique()
    guard !clique.isEmpty else { return nil }
    let exclusive = demands.indices.filter {
      demands[$0].llcExclusive && demands[$0].threads > 0
    }
    let ranked = (exclusive + clique).map { (position: $0, domains: domainsNeeded($0)) }
      .sorted { $0.domains != $1.domains ? $0.domains > $1.domains : $0.position < $1.position }
    var chosen: [Int] = []
    var needed = 0
    for member in ranked where needed <= sizes.count {
      chosen.append(member.position)
      needed += member.domains
    }
    // Only a set holding an avoid clique is this check's: the exclusive
    // ones alone are E208's.
    guard needed > sizes.count, chosen.contains(where: { !demands[$0].llcExclusive })
    else { return nil }
    chosen.sort()
    return (render(chosen, needed: needed, domains: sizes.count), chosen)
  }

  /// The largest clique of the `avoid` graph among workloads with CPUs that
  /// are not `llc: exclusive` (those conflict with everyone already).
  /// Positions in `demands`, ascending; empty when no two workloads avoid
  /// each other.
  ///
  /// A greedy clique first (from each workload, most avoided first, its
  /// neighbours most avoided first while each avoids every member so far),
  /// then an exact branch and bound (`AvoidCliqueSearch`) for a larger one,
  /// within `SearchBudget.avoidCliqueSteps` steps: a greedy search is
  /// fooled by a workload avoided by many that is in no large clique.
  func largestAvoidClique(steps: Int = SearchBudget().avoidCliqueSteps) -> [Int] {
    let candidates = demands.indices.filter {
      demands[$0].threads > 0 && !demands[$0].llcExclusive && !demands[$0].avoid.isEmpty
    }
    let isCandidate = Set(candidates)
    var neighbours: [Int: [Int]] = [:]
    for position in candidates {
      // `Demand.avoid` holds policy indices, the positions of a full policy.
      neighbours[position] = demands[position].avoid.filter { isCandidate.contains($0) }.sorted()
    }
    func degree(_ position: Int) -> Int { neighbours[position]?.count ?? 0 }
    let starts = candidates.filter { degree($0) > 0 }
      .sorted { degree($0) != degree($1) ? degree($0) > degree($1) : $0 < $1 }
    var best: [Int] = []
    // Membership tests allowed in all: a bound on dense `avoid` graphs.
    var tests = 4_000_000
    for start in starts {
      // Sorted by degree: no later start can grow a larger clique.
      if degree(start) + 1 <= best.count || tests <= 0 { break }
      var clique = [start]
      let ranked = (neighbours[start] ?? []).sorted {
        degree($0) != degree($1) ? degree($0) > degree($1) : $0 < $1
      }
      for next in ranked where degree(next) + 1 > clique.count {
        tests -= clique.count
        if clique.allSatisfy({ demands[next].avoid.contains($0) }) { clique.append(next) }
      }
      if clique.count > best.count { best = clique }
    }
    var exact = AvoidCliqueSearch(neighbours: neighbours, best: best, steps: steps)
    exact.run()
    best = exact.best
    return best.count > 1 ? best.sorted() : []
  }

  /// E213 at the last member (policy order), a note per other member
  /// (the first `locatedMembers`, then their names), and the arithmetic.
  private func render(_ members: [Int], needed: Int, domains: Int) -> Diagnostic {
    let workloads = members.map { policy.workloads[demands[$0].index] }
    func rule(_ position: Int) -> String {
      demands[position].llcExclusive ? "placement.llc" : "placement.avoid"
    }
    let primary = members.last!
    let others = Array(members.dropLast())
    let notes = memberNotes(others) { position in
      let name = policy.workloads[demands[position].index].name
      let what =
        demands[position].llcExclusive
        ? "LLC domains of its own (placement.llc: exclusive)"
        : "an LLC domain none of the others uses (placement.avoid)"
      return ("'\(name)' needs \(describeSlots(position)) in \(what)", rule(position))
    }
    let last = workloads.last!
    let exclusiveCount = members.filter { demands[$0].llcExclusive }.count
    let why =
      exclusiveCount == 0
      ? "each avoids every other one of them (placement.avoid)"
      : "each avoids the others (placement.avoid) or has placement.llc: exclusive"
    return .error(
      "E213",
      "workload '\(last.name)' and \(others.count) other workload\(others.count == 1 ? "" : "s") can share no last-level cache domain: \(why), so they need at least \(needed) LLC domains of their own but this host has \(domains) with free CPUs",
      at: last.location(of: rule(primary)), notes: notes,
      help: [
        "let at least \(needed - domains) more of these workloads share an LLC domain: remove one of each such pair from the other's placement.avoid\(exclusiveCount > 0 ? " or set placement.llc: shared" : ""), or plan for a host with more LLC domains"
      ])
  }

  private func describeSlots(_ position: Int) -> String {
    let count = slots(demands[position])
    return "\(count) CPU\(count == 1 ? "" : "s")"
  }
}

/// The maximum clique of an `avoid` graph by branch and bound (the bound:
/// a greedy colouring of the candidates, as no clique holds two vertices
/// of one colour), larger than a clique already known, within a count of
/// steps. Each vertex is tried with its neighbours later in an order of
/// increasing degree only, so sparse graphs cost little.
struct AvoidCliqueSearch {
  let neighbours: [Int: [Int]]
  /// The largest clique known (the greedy one to begin with).
  private(set) var best: [Int]
  /// Expansions left; when none are, `best` is the largest found so far.
  private(set) var steps: Int
  private let adjacent: [Int: Set<Int>]

  init(neighbours: [Int: [Int]], best: [Int], steps: Int) {
    self.neighbours = neighbours
    self.best = best
    self.steps = steps
    adjacent = neighbours.mapValues { Set($0) }
  }

  mutating func run() {
    // Only vertices of degree at least `best.count` can be in a larger
    // clique; removing the others lowers degrees again (a k-core).
    var degree = neighbours.mapValues(\.count)
    var alive = Set(neighbours.keys.filter { (degree[$0] ?? 0) >= best.count })
    var changed = true
    while changed {
      changed = false
      for vertex in alive.sorted() {
        let live = (neighbours[vertex] ?? []).filter { alive.contains($0) }.count
        degree[vertex] = live
        if live < best.count {
          alive.remove(vertex)
          changed = true
        }
      }
    }
    // Least live degree first: a vertex's search holds only its
    // neighbours later in this order (any order finds every clique, from
    // its first member; this one keeps the searches of sparse graphs small).
    let order = alive.sorted { a, b in
      degree[a]! != degree[b]! ? degree[a]! < degree[b]! : a < b
    }
    let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
    for vertex in order.reversed() {
      guard steps > 0 else { return }
      let later = (neighbours[vertex] ?? []).filter { (rank[$0] ?? -1) > rank[vertex]! }
      if later.count + 1 <= best.count { continue }
      var clique = [vertex]
      expand(&clique, later.sorted())
    }
  }

  private mutating func expand(_ clique: inout [Int], _ candidates: [Int]) {
    guard steps > 0 else { return }
    // Charged per candidate coloured: a step is bounded work even on a
    // dense graph of thousands of candidates.
    steps -= max(1, candidates.count)
    // Greedy colouring: a vertex goes in the first class it has no
    // neighbour in; the classes so far bound the clique still to come.
    var classes: [[Int]] = []
    for vertex in candidates {
      let adjacentTo = adjacent[vertex] ?? []
      if let free = classes.firstIndex(where: { !$0.contains(where: adjacentTo.contains) }) {
        classes[free].append(vertex)
      } else {
        classes.append([vertex])
      }
    }
    var order: [Int] = []
    var bound: [Int] = []
    for (colour, members) in classes.enumerated() {
      for vertex in members {
        order.append(vertex)
        bound.append(colour + 1)
      }
    }
    for index in stride(from: order.count - 1, through: 0, by: -1) {
      if clique.count + bound[index] <= best.count || steps <= 0 { return }
      let vertex = order[index]
      let adjacentTo = adjacent[vertex] ?? []
      let next = order[..<index].filter { adjacentTo.contains($0) }
      clique.append(vertex)
      if next.isEmpty {
        if clique.count > best.count { best = clique }
      } else {
        expand(&clique, next)
      }
      clique.removeLast()
    }
  }
}
