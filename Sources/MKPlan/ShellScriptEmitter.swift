import MKCore

/// POSIX shell renderings of a plan's live and coordinator steps, for review
/// and for hosts without mkpolicy: every argument goes through `ShellQuote`,
/// every step carries the workload and policy line behind it as a comment,
/// and `set -eu` stops at the first failing step.
public enum ShellScriptEmitter {
  static func header(_ plan: Plan, _ what: String) -> [String] {
    [
      "#!/bin/sh",
      "# mkpolicy plan for policy \(comment(plan.policy)): \(what).",
      "# Generated; review it like code. Stops at the first failing step.",
      "set -eu",
    ]
  }

  /// The cgroup tree in its kernel-valid order, then runtime huge pages.
  public static func cgroupScript(_ plan: Plan) -> String {
    var lines = header(plan, "cgroup \(plan.cgroupMode) settings in kernel-valid order")
    var directory: String?
    for op in plan.cgroupPrerequisites + plan.cgroupWrites {
      let opDirectory = op.op == .write ? CgroupSequencer.parent(of: op.path) : op.path
      if opDirectory != directory {
        lines.append("")
        lines.append(
          "# " + opDirectory + ": " + describe(Provenance(workload: op.provenance.workload)))
        directory = opDirectory
      }
      let source = op.provenance.source.map { "  # " + comment($0) } ?? ""
      switch op.op {
      case .mkdir: lines.append(ShellQuote.join(["mkdir", "-p", op.path]) + source)
      case .rmdir: lines.append(ShellQuote.join(["rmdir", op.path]) + source)
      case .write:
        lines.append(
          "printf '%s\\n' " + ShellQuote.quote(op.value ?? "") + " > " + ShellQuote.quote(op.path)
            + source)
      }
    }
    let pages = plan.kernelWrites.filter { $0.path.hasPrefix("/sys/devices/system/node/") }
    if !pages.isEmpty {
      lines.append("")
      lines.append(
        "# Huge pages per node at runtime (the kernel predates per-node hugepages= at boot).")
      lines += pages.flatMap(fileWrite)
    }
    if plan.cgroupWrites.isEmpty && pages.isEmpty { lines += ["", "# Nothing to change."] }
    return lines.joined(separator: "\n") + "\n"
  }

  /// NIC channel counts, then IRQ affinity, the default for new IRQs, and
  /// the irqbalance settings. The channel count goes first because a driver
  /// sets its queue vectors' affinity again when the count changes
  /// (virtio_net does; see the multiqueue-nic QEMU scenario): run after
  /// the moves, it would undo them. `host.sh` (the queues' RPS/XPS masks,
  /// the irqbalance restart that reads the ban list) runs after this script.
  public static func irqScript(_ plan: Plan) -> String {
    var lines = header(plan, "IRQ affinity")
    if plan.irqbalanceMode == "stop", plan.irqAffinity.contains(where: \.movable) {
      lines += ["", "# host.irqbalance: stop", "systemctl stop irqbalance"]
    }
    for command in plan.hostSetup?.commands ?? [] where command.kind == .nicChannels {
      lines += [
        "", "# NIC channels before the IRQ moves: " + describe(command.provenance),
        ShellQuote.join(command.argv),
      ]
    }
    var last: Provenance?
    for setting in plan.irqAffinity where setting.movable {
      if setting.provenance != last {
        lines.append("")
        lines.append("# " + describe(setting.provenance))
        last = setting.provenance
      }
      lines.append(
        "printf '%s\\n' " + ShellQuote.quote(setting.cpus.cpulist) + " > "
          + ShellQuote.quote("/proc/irq/\(setting.irq)/smp_affinity_list"))
    }
    let fixed = plan.irqAffinity.filter { !$0.movable }
    if !fixed.isEmpty {
      lines.append("")
      lines.append("# Not movable (kernel-managed); left to the boot parameters:")
      for setting in fixed {
        lines.append(
          "#   IRQ \(setting.irq) on CPUs \(setting.cpus.cpulist): \(comment(setting.handledBy ?? "no boot parameter keeps it off partition CPUs"))"
        )
      }
    }
    let files =
      plan.kernelWrites.filter { !$0.path.hasPrefix("/sys/devices/system/node/") } + plan.fileWrites
    if !files.isEmpty {
      lines.append("")
      lines += files.flatMap(fileWrite)
    }
    if plan.irqAffinity.isEmpty && files.isEmpty { lines += ["", "# Nothing to change."] }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The kerf commands in order.
  public static func kerfScript(_ plan: Plan) -> String {
    var lines = header(plan, "kerf 0.4.0 coordinator commands")
    for command in plan.coordinatorCommands {
      lines.append("")
      lines.append("# \(comment(command.id)): " + describe(command.provenance))
      lines.append(ShellQuote.join(command.argv))
    }
    if plan.coordinatorCommands.isEmpty && plan.handovers == nil {
      lines += ["", "# Nothing to change."]
    }
    for handover in plan.handovers ?? [] {
      // Not runnable as a script: its steps wait on a health check, and a
      // failed check rolls back. The commands are listed for review.
      lines += [
        "",
        "# Hand-over of '\(handover.workload)' to '\(handover.final.name)': run by `mkpolicy apply`, not",
        "# by this script (it waits for the health check and rolls back on failure):",
      ]
      for step in handover.steps {
        lines.append(
          "#   \(step.id): " + (step.argv.map(ShellQuote.join) ?? step.summary))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The grubby staging of boot parameters.
  public static func grubbyScript(_ plan: Plan, argv: [String]) -> String {
    var lines = header(plan, "boot parameters through grubby (needs a reboot)")
    lines.append(ShellQuote.join(argv))
    return lines.joined(separator: "\n") + "\n"
  }

  static func fileWrite(_ file: FileWrite) -> [String] {
    var lines = ["# " + describe(file.provenance)]
    if file.path.hasPrefix("/etc/") {
      let directory = String(file.path[..<(file.path.lastIndex(of: "/") ?? file.path.endIndex)])
      lines.append(ShellQuote.join(["mkdir", "-p", directory]))
    }
    lines.append(
      ShellQuote.join(["printf", "%s", file.content]) + " > " + ShellQuote.quote(file.path))
    return lines
  }

  /// `workload db (policy.yaml:12:5)` or `host (policy.yaml:3:1)`.
  public static func describe(_ provenance: Provenance) -> String {
    let who = provenance.workload.map { "workload \($0)" } ?? "host"
    return comment(provenance.source.map { "\(who) (\($0))" } ?? who)
  }

  /// Text made safe for a one-line comment.
  static func comment(_ text: String) -> String {
    String(text.map { $0.isNewline || $0 == "\0" ? " " : $0 })
  }
}
