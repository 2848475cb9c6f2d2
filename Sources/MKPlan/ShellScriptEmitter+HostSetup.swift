import MKCore

extension ShellScriptEmitter {
  /// The host setup in apply's order (`HostSetup`): tuning writes,
  /// configuration files, unit files, the commands that make them take
  /// effect, and the reboot marker. NIC channels are in `irq.sh`, which
  /// runs first (apply sets them before the IRQ moves too).
  public static func hostSetupScript(_ plan: Plan) -> String {
    var lines = header(plan, "host tuning and the commands that make staged files take effect")
    guard let setup = plan.hostSetup else {
      lines += ["", "# Nothing to change."]
      return lines.joined(separator: "\n") + "\n"
    }
    if setup.commands.contains(where: { $0.kind == .nicChannels }) {
      // The queues whose masks follow exist once the channel count is set.
      lines += ["", "# NIC channels: set by irq.sh (run it first), before its IRQ moves."]
    }
    var last: Provenance?
    for write in setup.kernelWrites {
      if write.provenance != last {
        lines.append("")
        lines.append("# " + describe(write.provenance))
        last = write.provenance
      }
      lines.append(
        "printf '%s\\n' " + ShellQuote.quote(write.value) + " > " + ShellQuote.quote(write.path))
    }
    for file in setup.files + plan.systemdUnits {
      lines.append("")
      lines += fileWrite(file)
    }
    for command in setup.commands where command.kind != .nicChannels {
      lines += ["", "# " + describe(command.provenance), ShellQuote.join(command.argv)]
    }
    if let marker = setup.rebootRequired {
      lines.append("")
      lines.append("# A reboot is required: " + comment(marker.reasons.joined(separator: "; ")))
      lines.append(
        ShellQuote.join(["printf", "%s", RebootRequired.markerContent]) + " > "
          + ShellQuote.quote(RebootRequired.markerPath))
      lines.append(
        "grep -qx " + ShellQuote.quote(marker.package) + " "
          + ShellQuote.quote(RebootRequired.packagesPath) + " 2>/dev/null || printf '%s\\n' "
          + ShellQuote.quote(marker.package) + " >> "
          + ShellQuote.quote(RebootRequired.packagesPath))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
