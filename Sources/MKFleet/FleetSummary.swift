/// The one table `fleet plan` and `fleet check` print: a row per host in
/// inventory order, fixed columns, no timing, so that it can be diffed.
public enum FleetSummary {
  public static func render(_ plans: [HostPlan]) -> String {
    let header = ["HOST", "CLASS", "POLICY", "REBOOT", "LIVE", "COORDINATOR", "WARNINGS", "ERRORS"]
    var rows = [header]
    for plan in plans {
      let failed = plan.artifacts == nil
      rows.append([
        plan.host, plan.hostClass ?? "-", plan.policy ?? "-",
        failed ? "-" : String(plan.needsReboot), failed ? "-" : String(plan.live),
        failed ? "-" : String(plan.coordinator), String(plan.warnings), String(plan.errors),
      ])
    }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    let numeric = Set(3..<header.count)
    var text = ""
    for row in rows {
      var cells: [String] = []
      for (column, cell) in row.enumerated() {
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        cells.append(numeric.contains(column) ? pad + cell : cell + pad)
      }
      text += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    let planned = plans.filter { $0.artifacts != nil }.count
    text +=
      "\(plans.count) host\(plans.count == 1 ? "" : "s"), \(planned) planned, \(plans.count - planned) failed\n"
    return text
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var text = Substring(self)
    while text.last == " " { text = text.dropLast() }
    return String(text)
  }
}
