import MKCore
import MKPolicy

/// How many `numa: single` workloads the nodes can hold, by count: a node
/// of capacity C holds at most C / t of the workloads that each need at
/// least t, so when more of them need at least t than the nodes hold so
/// counted, they do not fit, whatever the sums say (three workloads of 21
/// CPUs on nodes of 60 threads: two per node). E210 is the case of one
/// per node; this one answers the packings above it, at once.
///
/// A necessary condition like the other sums: one pass per distinct size,
/// over the nodes.
extension CapacityCheck {
  /// The fewest `numa: single` workloads that the nodes cannot hold by
  /// count (CPUs first, then memory), by position in `demands`, and its
  /// E214 diagnostic; nil when every count fits. `cpus` and `memory` say
  /// which resources to count.
  func singleNodePacking(cpus countCPUs: Bool = true, memory countMemory: Bool = true) -> (
    diagnostic: Diagnostic, members: [Int]
  )? {
    if countCPUs,
      let cpu = packing(
        capacities: model.nodeSlots.map { UInt64(max(0, $0)) }, need: { UInt64(max(0, slots($0))) })
    {
      return (render(cpu, field: "cpus") { "\($0) CPUs" }, cpu.members)
    }
    if countMemory,
      let memory = packing(capacities: model.nodes.map(\.memoryAvailable), need: bytes)
    {
      return (render(memory, field: "memory") { ByteSize.format($0) }, memory.members)
    }
    return nil
  }

  /// The count bound for one resource: the largest `size` at which more
  /// `numa: single` workloads need at least `size` than the nodes hold of
  /// them, with the `held + 1` largest of them as members.
  private func packing(capacities: [UInt64], need: (Demand) -> UInt64) -> (
    members: [Int], size: UInt64, held: Int
  )? {
    // One larger than every node is E201's (`singleNode`), not a packing.
    let largest = capacities.max() ?? 0
    var singles: [(position: Int, need: UInt64)] = []
    for position in demands.indices where demands[position].numa == .single {
      let amount = need(demands[position])
      if amount > 0 && amount <= largest { singles.append((position, amount)) }
    }
    singles.sort { $0.need != $1.need ? $0.need > $1.need : $0.position < $1.position }
    guard singles.count > 1 else { return nil }
    var index = 0
    while index < singles.count {
      let size = singles[index].need
      // Every workload needing at least `size`: the prefix through the
      // last one of this size.
      var end = index
      while end < singles.count && singles[end].need == size { end += 1 }
      let held = capacities.reduce(0) { Saturating.add($0, Int(clamping: $1 / size)) }
      if end > held {
        return (singles.prefix(held + 1).map { $0.position }.sorted(), size, held)
      }
      index = end
    }
    return nil
  }

  private func render(
    _ found: (members: [Int], size: UInt64, held: Int), field: String,
    _ describe: (UInt64) -> String
  ) -> Diagnostic {
    let members = found.members
    let last = policy.workloads[demands[members.last!].index]
    let others = members.dropLast()
    let notes = memberNotes(others) { position in
      let name = policy.workloads[demands[position].index].name
      return ("'\(name)' needs at least \(describe(found.size)) on one node", field)
    }
    let nodes = model.nodes.count
    return .error(
      "E214",
      "workload '\(last.name)' and \(others.count) other numa: single workload\(others.count == 1 ? "" : "s") each need at least \(describe(found.size)) on one NUMA node, and the \(nodes) node\(nodes == 1 ? "" : "s") of this host hold at most \(found.held) such workloads (a node's \(field) over \(describe(found.size)), rounded down, added up), not \(members.count)",
      at: last.location(of: field), notes: notes,
      help: [
        "set placement.numa: any for at least \(members.count - found.held) of these workloads, or lower their \(field) (min) so that more of them share a node"
      ])
  }
}
