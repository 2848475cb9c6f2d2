import MKCore
import MKPolicy
import MKTopology

/// The review-friendly text form of a plan: the partition map as a
/// character grid, who owns which CPUs on each node, the assignment table,
/// the changes (old -> new, disruptive ones flagged with their reason)
/// grouped as needs reboot / live / coordinator, each with the workload and
/// policy line behind it, then warnings. Every line fits `width` columns
/// (100) whatever the host's size, and rendering is linear in the plan's
/// size (`CPUOwnership` is computed once).
public enum PlanReport {
  public static let width = 100

  public static func render(_ plan: Plan, policy: Policy, topology: Topology) -> String {
    let ownership = CPUOwnership(plan: plan, policy: policy, topology: topology)
    var out: [String] = []
    out.append("mkpolicy plan: policy \(plan.policy)")
    // The host's name when discovery read one; else the snapshot's source line.
    let source =
      topology.hostName
      ?? (topology.source ?? "unnamed host").split(separator: "\n").first.map(String.init) ?? ""
    let host = source.count > 72 ? String(source.prefix(69)) + "..." : source
    out.append(
      "host: \(host), kernel \(plan.topologyFingerprint.kernelRelease.isEmpty ? "unknown" : plan.topologyFingerprint.kernelRelease), cgroup \(plan.cgroupMode), fingerprint \(plan.topologyFingerprint.digest.prefix(19))"
    )
    out.append("")
    out.append("Partition map (one cell per core, | between LLCs)")
    out += PartitionGrid.render(topology: topology, ownership: ownership, width: width - 2).map {
      "  " + $0
    }
    out.append(
      "  \(PartitionGrid.housekeeping) housekeeping  \(PartitionGrid.sharedPool) shared pool  "
        + "\(PartitionGrid.unused) unused or idle  \(PartitionGrid.mixed) threads of different owners"
        + (plan.headroom == nil ? "" : "  \(PartitionGrid.headroom) update headroom")
    )
    let keyed = plan.assignments.indices.filter { ownership.isolation[$0] != .shared }
    if !keyed.isEmpty {
      out.append(
        "  "
          + keyed.map { "\(PartitionGrid.key($0)) \(plan.assignments[$0].workload)" }
          .joined(separator: "  "))
    }
    out.append("")
    out.append("CPU map")
    for node in topology.nodes {
      out.append(
        "  node \(node.id) (CPUs \(node.cpus.cpulist.isEmpty ? "none" : node.cpus.cpulist)):")
      // Owners in order of their first CPU, each with all its CPUs on the node.
      var order: [CPUOwnership.Owner] = []
      var cpus: [CPUOwnership.Owner: [Int]] = [:]
      for cpu in node.cpus {
        let owner = ownership.owner(cpu)
        if cpus[owner] == nil { order.append(owner) }
        cpus[owner, default: []].append(cpu)
      }
      let lists = order.map { CPUSet(cpus[$0] ?? []).cpulist }
      let listWidth = min(lists.map(\.count).max() ?? 0, 40)
      for (owner, list) in zip(order, lists) {
        out.append("    " + pad(list, listWidth) + "  " + ownership.label(owner, plan: plan))
      }
    }
    out.append("")
    out.append("Assignments")
    let latency = Dictionary(
      policy.workloads.map { ($0.name, $0.latency) }, uniquingKeysWith: { a, _ in a })
    var rows = [["KEY", "WORKLOAD", "ISOLATION", "LATENCY", "CPUS", "NODES", "MEMORY"]]
    var details: [[String]] = []
    for (index, assignment) in plan.assignments.enumerated() {
      let isolation = ownership.isolation[index]
      rows.append([
        isolation == .shared ? "\(PartitionGrid.sharedPool)" : String(PartitionGrid.key(index)),
        assignment.workload, isolation?.rawValue ?? "?",
        latency[assignment.workload]?.rawValue ?? "?", String(assignment.cpus.count),
        assignment.numaNodes.isEmpty
          ? "-" : assignment.numaNodes.map(String.init).joined(separator: ","),
        memory(assignment.memoryBytesByNode),
      ])
      var detail = ["cpus \(assignment.cpus.cpulist.isEmpty ? "-" : assignment.cpus.cpulist)"]
      if !assignment.physicalIds.isEmpty {
        detail.append("physical ids \(NumberRanges.format(assignment.physicalIds))")
      }
      if !assignment.devices.isEmpty {
        detail.append("devices \(assignment.devices.joined(separator: ","))")
      }
      if !assignment.irqCPUs.isEmpty { detail.append("irq cpus \(assignment.irqCPUs.cpulist)") }
      details.append(detail)
    }
    let lines = table(rows)
    out.append("  " + lines[0])
    for (line, detail) in zip(lines.dropFirst(), details) {
      out.append("  " + line)
      out.append("      " + detail.joined(separator: "; "))
    }
    let idle = plan.idle.map { $0.isEmpty ? "" : "; idle: \($0.cpulist)" } ?? ""
    out.append(
      "  housekeeping: \(plan.housekeeping.cpulist.isEmpty ? "none" : plan.housekeeping.cpulist); shared pool: \(plan.sharedPool.cpulist.isEmpty ? "none" : plan.sharedPool.cpulist)\(idle)"
    )
    out.append("")
    let all = plan.changes.needsReboot + plan.changes.live + plan.changes.coordinator
    let disruptive = all.filter { $0.disruption != nil }.count
    out.append(
      "Changes (against \(plan.changes.against)): \(all.count), \(disruptive) disruptive")
    section("needs reboot", plan.changes.needsReboot, into: &out)
    section("live", plan.changes.live, into: &out)
    section("coordinator", plan.changes.coordinator, into: &out)
    out.append("")
    let warnings = plan.diagnostics
    out.append("Warnings (\(warnings.count))")
    if warnings.isEmpty { out.append("  none") }
    for diagnostic in warnings {
      let location = diagnostic.location.map { " at \($0)" } ?? ""
      out.append(
        "  \(diagnostic.severity.rawValue)[\(diagnostic.code)]\(location): \(diagnostic.message)")
      for help in diagnostic.help { out.append("    help: \(help)") }
    }
    return out.flatMap { wrap($0, width: width) }.joined(separator: "\n") + "\n"
  }

  static func section(_ title: String, _ changes: [PlanChange], into out: inout [String]) {
    out.append("  \(title) (\(changes.count))")
    if changes.isEmpty { out.append("    none") }
    for change in changes {
      out.append("    \(change.summary)")
      for value in change.values { out.append("      \(value.rendered)") }
      if let disruption = change.disruption {
        out.append("      disruptive (\(disruption.reason.rawValue)): \(disruption.detail)")
      }
      out.append("      <- \(ShellScriptEmitter.describe(change.provenance))")
    }
  }

  /// Breaks a line longer than `width` after a space or comma (a hard break
  /// when there is none); continuation lines are indented 4 past the line's own
  /// indentation.
  public static func wrap(_ line: String, width: Int) -> [String] {
    guard line.count > width else { return [line] }
    let characters = Array(line)
    let leading = characters.prefix { $0 == " " }.count
    let indent = String(repeating: " ", count: min(leading + 4, width / 2))
    var out: [String] = []
    var start = 0
    var prefix = ""
    while characters.count - start + prefix.count > width {
      let room = width - prefix.count
      let end = start + room
      var cut = end
      // The last break point in the window, not inside the indentation.
      var index = end - 1
      while index > start + (out.isEmpty ? leading : 0) {
        if characters[index] == " " || characters[index] == "," {
          cut = index + 1
          break
        }
        index -= 1
      }
      var piece = characters[start..<cut]
      while piece.last == " " { piece.removeLast() }
      out.append(prefix + String(piece))
      start = cut
      while start < characters.count, characters[start] == " " { start += 1 }
      prefix = indent
    }
    if start < characters.count { out.append(prefix + String(characters[start...])) }
    return out
  }

  static func memory(_ byNode: [String: UInt64]) -> String {
    let parts = byNode.keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.compactMap {
      key -> String? in
      guard let bytes = byNode[key], bytes > 0 else { return nil }
      return "\(ByteSize.format(bytes))@\(key)"
    }
    return parts.isEmpty ? "-" : parts.joined(separator: ",")
  }

  static func table(_ rows: [[String]]) -> [String] {
    guard let first = rows.first else { return [] }
    let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { index, cell in index == row.count - 1 ? cell : pad(cell, widths[index])
      }
      .joined(separator: "  ")
    }
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
  }
}
