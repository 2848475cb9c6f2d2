import MKCore
import MKPolicy

/// `numa: single` workloads that pairwise cannot share a NUMA node: on
/// every node, the two together need more CPUs (thread slots) or more
/// memory and huge pages than it has, or one of them does not fit it at
/// all. Each then needs a node of its own, so more of them than the nodes
/// that can hold one do not fit, whatever the sums say. A sum over one
/// resource misses it when some are heavy in CPUs and others in memory
/// (a workload of 30 CPUs and 20 GiB beside one of 29 CPUs and 129 GiB,
/// on nodes of 58 CPUs and 256 GiB: 59 CPUs, or 258 GiB, for any two).
/// E210 is the case of one resource and no pairs mixed.
///
/// A necessary condition like the other sums (amounts are lower bounds of
/// what a workload takes of a node, capacities upper bounds): the
/// "cannot share" graph is built over the workloads that could conflict
/// with some other one, and its largest clique found by `AvoidCliqueSearch`
/// (exact within `SearchBudget.avoidCliqueSteps`).
extension CapacityCheck {
  /// The fewest `numa: single` workloads that pairwise share no node and
  /// outnumber the nodes that can hold one of them, by position in
  /// `demands`, and its E218 diagnostic; nil when there are none.
  func singleNodeConflicts(steps: Int = SearchBudget().avoidCliqueSteps) -> (
    diagnostic: Diagnostic, members: [Int]
  )? {
    let nodeSlots = model.nodeSlots.map { UInt64(max(0, $0)) }
    let nodeMemory = model.nodes.map(\.memoryAvailable)
    guard let fewestSlots = nodeSlots.min(), let leastMemory = nodeMemory.min() else { return nil }
    let singles = demands.indices.filter { position in
      let demand = demands[position]
      return demand.numa == .single && (demand.threads > 0 || bytes(demand) > 0)
    }
    guard singles.count > model.nodes.count else { return nil }
    let slotsNeeded = singles.map { UInt64(max(0, slots(demands[$0]))) }
    let bytesNeeded = singles.map { bytes(demands[$0]) }
    /// Whether the single at `rank` fits node `node` alone.
    func fits(_ rank: Int, _ node: Int) -> Bool {
      let demand = demands[singles[rank]]
      if demand.hugePageCount > 0 && !model.nodes[node].hugePageSizes.contains(demand.hugePageSize)
      {
        return false
      }
      return slotsNeeded[rank] <= nodeSlots[node] && bytesNeeded[rank] <= nodeMemory[node]
    }
    // Nodes by shape (slots, memory, page sizes): a pair is checked once
    // per shape, and uniform hosts have one.
    var shapes: [Int] = []
    var seen = Set<String>()
    for node in model.nodes.indices {
      let key =
        "\(nodeSlots[node]) \(nodeMemory[node]) \(model.nodes[node].hugePageSizes.sorted())"
      if seen.insert(key).inserted { shapes.append(node) }
    }
    // Only a workload that with the largest other one passes the smallest
    // node, or that some node cannot hold, can have a neighbour; the
    // heaviest 2,000 of those at most (a clique among them is a clique).
    let largestSlots = slotsNeeded.max() ?? 0
    let largestBytes = bytesNeeded.max() ?? 0
    var candidates = singles.indices.filter { rank in
      Saturating.add(slotsNeeded[rank], largestSlots) > fewestSlots
        || Saturating.add(bytesNeeded[rank], largestBytes) > leastMemory
        || shapes.contains { !fits(rank, $0) }
    }
    guard candidates.count > model.nodes.count else { return nil }
    func share(_ rank: Int) -> Double {
      Double(slotsNeeded[rank]) / Double(max(1, fewestSlots)) + Double(bytesNeeded[rank])
        / Double(max(1, leastMemory))
    }
    if candidates.count > 2_000 {
      candidates = Array(
        candidates.sorted { share($0) != share($1) ? share($0) > share($1) : $0 < $1 }.prefix(2_000)
      ).sorted()
    }
    func cannotShare(_ first: Int, _ second: Int) -> Bool {
      shapes.allSatisfy { node in
        !fits(first, node) || !fits(second, node)
          || Saturating.add(slotsNeeded[first], slotsNeeded[second]) > nodeSlots[node]
          || Saturating.add(bytesNeeded[first], bytesNeeded[second]) > nodeMemory[node]
      }
    }
    var neighbours: [Int: [Int]] = [:]
    for (offset, first) in candidates.enumerated() {
      for second in candidates[(offset + 1)...] where cannotShare(first, second) {
        neighbours[first, default: []].append(second)
        neighbours[second, default: []].append(first)
      }
    }
    guard neighbours.count > model.nodes.count else { return nil }
    var search = AvoidCliqueSearch(neighbours: neighbours, best: [], steps: steps)
    search.run()
    let clique = search.best
    // Nodes that can hold at least one member: the members need distinct ones.
    let holding = model.nodes.indices.filter { node in clique.contains { fits($0, node) } }.count
    guard clique.count > holding else { return nil }
    // The heaviest `holding + 1` members: any of them pairwise conflict.
    let members = clique.sorted { share($0) != share($1) ? share($0) > share($1) : $0 < $1 }
      .prefix(holding + 1).map { singles[$0] }.sorted()
    return (renderSingleNodeConflicts(members, holding: holding), members)
  }

  /// E218 at the last member (policy order), a note per other member
  /// (the first twelve located, then every name), and the arithmetic.
  private func renderSingleNodeConflicts(_ members: [Int], holding: Int) -> Diagnostic {
    func describe(_ position: Int) -> String {
      let demand = demands[position]
      var parts: [String] = []
      if demand.threads > 0 { parts.append("\(slots(demand)) CPUs") }
      if bytes(demand) > 0 { parts.append(ByteSize.format(bytes(demand))) }
      return parts.joined(separator: " and ")
    }
    let last = policy.workloads[demands[members.last!].index]
    let others = members.dropLast()
    let notes = memberNotes(others) { position in
      let name = policy.workloads[demands[position].index].name
      return ("'\(name)' needs \(describe(position)) on one node (placement.numa: single)", "cpus")
    }
    let slotsText = Set(model.nodeSlots).sorted().map(String.init).joined(separator: " or ")
    let memoryText = Set(model.nodes.map(\.memoryAvailable)).sorted().map { ByteSize.format($0) }
      .joined(separator: " or ")
    return .error(
      "E218",
      "workload '\(last.name)' (\(describe(members.last!))) and \(others.count) other numa: single workload\(others.count == 1 ? "" : "s") can share no NUMA node two by two: any two of them need more CPUs or more memory than a node has (\(slotsText) CPUs, \(memoryText) for workloads), so the \(members.count) of them need \(members.count) nodes but \(holding) node\(holding == 1 ? "" : "s") of this host can hold one",
      at: last.location(of: "cpus"), notes: notes,
      help: [
        "set placement.numa: any for at least \(members.count - holding) of these workloads, or lower their cpus or memory (min) so that two of them fit on one node"
      ])
  }
}
