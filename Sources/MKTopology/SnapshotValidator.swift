import MKCore

/// Cross-checks of a decoded snapshot that no single field shows: ids that
/// repeat, distance rows that do not fit the nodes, devices on nodes that do
/// not exist, IRQ affinities naming CPUs the host does not have.
///
/// Every finding points at the offending line, with a note at the first
/// occurrence for duplicates, so a hand-edited snapshot is easy to fix.
struct SnapshotValidator {
  let decoder: SnapshotDecoder

  func check() {
    duplicates(decoder.packageIds.map { ($0.0, $0.1) }, "package id")
    duplicates(decoder.dieIds.map { ("\($0.package)/\($0.id)", $0.at) }, "die id in its package")
    duplicates(decoder.nodeIds, "NUMA node id")
    duplicates(decoder.cacheIds, "cache id")
    duplicates(decoder.coreIds, "core id")
    duplicates(decoder.cpus, "cpu")
    duplicates(decoder.pciAddresses, "pciAddress")
    duplicates(decoder.irqNumbers, "irq")

    let nodes = Set(decoder.nodeIds.map(\.0))
    let width = (nodes.max() ?? -1) + 1
    for row in decoder.distanceRows where !row.row.isEmpty {
      if row.row.count != width {
        decoder.diagnostics.append(
          .error(
            "E307",
            "node \(row.node) has \(row.row.count) distances, the snapshot's node ids need \(width)",
            at: row.at,
            help: ["give one distance for each node id from 0 to \(width - 1) (0 for unused ids)"]))
      } else if row.row[row.node] != 10 {
        decoder.diagnostics.append(
          .error(
            "E307", "node \(row.node)'s distance to itself is \(row.row[row.node]), must be 10",
            at: row.at))
      }
    }
    for (node, location) in decoder.deviceNodes where !nodes.contains(node) {
      decoder.diagnostics.append(
        .error(
          "E307", "numaNode \(node) is not a node of this snapshot", at: location,
          help: ["use one of: " + nodes.sorted().map(String.init).joined(separator: ", ")]))
    }
    let cpus = CPUSet(decoder.cpus.map(\.0))
    for (affinity, location) in decoder.irqAffinities where !affinity.isSubset(of: cpus) {
      decoder.diagnostics.append(
        .error(
          "E307",
          "affinity names CPUs \(affinity.subtracting(cpus).cpulist) that are not in the snapshot",
          at: location))
    }
  }

  private func duplicates<Key: Hashable>(_ items: [(Key, SourceLocation)], _ what: String) {
    var first: [Key: SourceLocation] = [:]
    for (key, location) in items {
      if let earlier = first[key] {
        decoder.diagnostics.append(
          .error(
            "E306", "duplicate \(what) \(key)", at: location,
            notes: [Diagnostic.Note("first used here", at: earlier)],
            help: ["every \(what) must be unique"]))
      } else {
        first[key] = location
      }
    }
  }
}
