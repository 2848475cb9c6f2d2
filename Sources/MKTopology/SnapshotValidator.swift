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
    duplicates(decoder.physicalIds, "physicalId")
    duplicates(decoder.pciAddresses, "pciAddress")
    sharedIRQs()

    // Each total is at most maximumBytes, so the running sum cannot wrap
    // before it is found too large.
    var memory: UInt64 = 0
    for (total, location) in decoder.nodeMemory {
      memory += total
      if memory > SnapshotLimits.maximumBytes {
        decoder.diagnostics.append(
          .error(
            "E307",
            "the nodes' memory adds up to more than \(ByteSize.format(SnapshotLimits.maximumBytes)) "
              + "here, beyond any physical address space", at: location,
            help: ["write the sizes the host has; `mkpolicy discover` writes them for you"]))
        break
      }
    }

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

  /// An IRQ number listed twice under one device is a duplicate. Under
  /// several devices it is a shared line (legacy INTx), which is one IRQ: its
  /// entries must agree on everything but the device.
  private func sharedIRQs() {
    var first: [Int: (irq: DeviceIRQ, device: String?, at: SourceLocation)] = [:]
    var devicesOf: [Int: Set<String>] = [:]
    for entry in decoder.irqEntries {
      let number = entry.irq.irq
      guard let earlier = first[number] else {
        first[number] = entry
        if let device = entry.device { devicesOf[number] = [device] }
        continue
      }
      let note = [Diagnostic.Note("first listed here", at: earlier.at)]
      if let device = entry.device, devicesOf[number]?.contains(device) == true {
        decoder.diagnostics.append(
          .error(
            "E306", "duplicate irq \(number) in device \(device)", at: entry.at, notes: note,
            help: ["list each IRQ of a device once"]))
        continue
      }
      if let device = entry.device { devicesOf[number, default: []].insert(device) }
      var differences: [String] = []
      if entry.irq.name != earlier.irq.name { differences.append("name") }
      if entry.irq.affinity != earlier.irq.affinity { differences.append("affinity") }
      if entry.irq.movable != earlier.irq.movable { differences.append("movable") }
      if entry.irq.present != earlier.irq.present { differences.append("present") }
      if !differences.isEmpty {
        decoder.diagnostics.append(
          .error(
            "E306",
            "irq \(number) is shared with \(earlier.device ?? "another device") but its "
              + differences.joined(separator: ", ") + " differ", at: entry.at, notes: note,
            help: [
              "a shared IRQ line is one IRQ: give every device's entry the same facts, or "
                + "discover again"
            ]))
      }
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
