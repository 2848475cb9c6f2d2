import MKCore
import MKPolicy
import MKTopology

/// The review-friendly text form of a plan: who owns which CPUs on each
/// node, the assignment table, the changes grouped as needs reboot / live /
/// coordinator (each with the workload and policy line behind it), then
/// warnings.
public enum PlanReport {
  public static func render(_ plan: Plan, policy: Policy, topology: Topology) -> String {
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
    out.append("CPU map")
    let isolation = Dictionary(
      policy.workloads.map { ($0.name, $0.isolation) }, uniquingKeysWith: { a, _ in a })
    let shared = plan.assignments.filter { isolation[$0.workload] == .shared }.map(\.workload)
    var coreOf: [Int: CPUSet] = [:]
    for core in topology.cores { for cpu in core.cpus { coreOf[cpu] = core.cpus } }
    for node in topology.nodes {
      out.append(
        "  node \(node.id) (CPUs \(node.cpus.cpulist.isEmpty ? "none" : node.cpus.cpulist)):")
      var runs: [(label: String, cpus: [Int])] = []
      for cpu in node.cpus {
        let label = owner(
          cpu, plan: plan, isolation: isolation, shared: shared, core: coreOf[cpu] ?? [cpu])
        if let last = runs.last, last.label == label {
          runs[runs.count - 1].cpus.append(cpu)
        } else {
          runs.append((label, [cpu]))
        }
      }
      // Same owner across non-adjacent runs reads better as one line.
      var merged: [(label: String, cpus: CPUSet)] = []
      for run in runs {
        if let index = merged.firstIndex(where: { $0.label == run.label }) {
          merged[index].cpus.formUnion(CPUSet(run.cpus))
        } else {
          merged.append((run.label, CPUSet(run.cpus)))
        }
      }
      let width = merged.map(\.cpus.cpulist.count).max() ?? 0
      for entry in merged {
        out.append("    " + pad(entry.cpus.cpulist, width) + "  " + entry.label)
      }
    }
    out.append("")
    out.append("Assignments")
    var rows = [
      ["WORKLOAD", "ISOLATION", "CPUS", "PHYSICAL IDS", "NODES", "MEMORY", "DEVICES", "IRQ CPUS"]
    ]
    for assignment in plan.assignments {
      rows.append([
        assignment.workload, isolation[assignment.workload]?.rawValue ?? "?",
        assignment.cpus.cpulist.isEmpty ? "-" : assignment.cpus.cpulist,
        assignment.physicalIds.isEmpty ? "-" : CPUSet(assignment.physicalIds).cpulist,
        assignment.numaNodes.isEmpty
          ? "-" : assignment.numaNodes.map(String.init).joined(separator: ","),
        memory(assignment.memoryBytesByNode),
        assignment.devices.isEmpty ? "-" : assignment.devices.joined(separator: ","),
        assignment.irqCPUs.isEmpty ? "-" : assignment.irqCPUs.cpulist,
      ])
    }
    out += table(rows).map { "  " + $0 }
    let idle = plan.idle.map { $0.isEmpty ? "" : "; idle: \($0.cpulist)" } ?? ""
    out.append(
      "  housekeeping: \(plan.housekeeping.cpulist.isEmpty ? "none" : plan.housekeeping.cpulist); shared pool: \(plan.sharedPool.cpulist.isEmpty ? "none" : plan.sharedPool.cpulist)\(idle)"
    )
    out.append("")
    out.append("Changes (against \(plan.changes.against))")
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
    return out.joined(separator: "\n") + "\n"
  }

  /// Who holds `cpu`; `core` is every thread of its core (for idle siblings,
  /// which name the housekeeping CPUs or the `smt: off` workload they idle for).
  static func owner(
    _ cpu: Int, plan: Plan, isolation: [String: Isolation], shared: [String], core: CPUSet
  ) -> String {
    if plan.housekeeping.contains(cpu) { return "housekeeping" }
    if let owner = plan.assignments.first(where: {
      isolation[$0.workload] != .shared && $0.cpus.contains(cpu)
    }) {
      return "\(owner.workload) (\(isolation[owner.workload]?.rawValue ?? "?"))"
    }
    if plan.idle?.contains(cpu) ?? false {
      let siblings = CPUSet(core.filter { $0 != cpu })
      if !siblings.isDisjoint(with: plan.housekeeping) {
        return "idle (sibling of housekeeping)"
      }
      if let holder = plan.assignments.first(where: { !$0.cpus.isDisjoint(with: siblings) }) {
        return "idle (smt: off sibling of '\(holder.workload)')"
      }
      return "idle"
    }
    if plan.sharedPool.contains(cpu) {
      let users = shared.filter { name in
        plan.assignments.contains { $0.workload == name && $0.cpus.contains(cpu) }
      }
      return "shared pool" + (users.isEmpty ? "" : ": " + users.joined(separator: ", "))
    }
    return "idle"
  }

  static func section(_ title: String, _ changes: [PlanChange], into out: inout [String]) {
    out.append("  \(title) (\(changes.count))")
    if changes.isEmpty { out.append("    none") }
    for change in changes {
      out.append("    \(change.summary)")
      out.append("      <- \(ShellScriptEmitter.describe(change.provenance))")
    }
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
