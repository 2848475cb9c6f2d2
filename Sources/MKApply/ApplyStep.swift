import MKCore
import MKPlan

/// One change apply makes to a host, flattened out of a `Plan` in the order
/// apply performs it. Steps are what the journal records and what rollback
/// undoes in reverse.
public struct ApplyStep: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable {
    case mkdir, write, rmdir, irq, file, command
    /// A kernel tunable outside cgroups: `/proc/irq/default_smp_affinity`,
    /// per-node `nr_hugepages`.
    case kernel
    /// A partition the kernel invalidated: `member` then `value` (`root` or
    /// `isolated`) are written to its `cpuset.cpus.partition`, which is what
    /// makes the kernel check it again (writing `root` alone leaves it invalid).
    case revalidate
  }
  public var kind: Kind
  /// The file or directory changed; for `irq` the `smp_affinity_list` file;
  /// for `command` the command's id.
  public var path: String
  /// Written value (`write`), cpulist (`irq`), file content (`file`).
  public var value: String?
  /// The command line (`command`).
  public var argv: [String]?
  /// The command that undoes `argv`, when one is known.
  public var undo: [String]?

  public init(
    kind: Kind, path: String, value: String? = nil, argv: [String]? = nil, undo: [String]? = nil
  ) {
    self.kind = kind
    self.path = path
    self.value = value
    self.argv = argv
    self.undo = undo
  }

  /// One line for `--dry-run`, the confirmation prompt and reports.
  public var summary: String {
    switch kind {
    case .mkdir: "mkdir   \(path)"
    case .rmdir: "rmdir   \(path)"
    case .write: "write   \(path) = \(Quoted.text(value ?? ""))"
    case .irq: "irq     \(path) = \(Quoted.text(value ?? ""))"
    case .kernel: "kernel  \(path) = \(Quoted.text(value ?? ""))"
    case .revalidate: "revalid \(path) = \"member\" then \(Quoted.text(value ?? ""))"
    case .file:
      "file    \(path) (\((value ?? "").split(separator: "\n", omittingEmptySubsequences: false).count - 1) lines)"
    case .command:
      "run     [\(path)] \((argv ?? []).map(ApplyStep.shellWord).joined(separator: " "))"
    }
  }

  static func shellWord(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "-_./=:,@+%".unicodeScalars.contains($0)
    }
    return plain && !word.isEmpty ? word : Quoted.text(word)
  }
}

extension Plan {
  /// The cgroup parent apply confines itself to.
  public var effectiveCgroupParent: String {
    cgroupParentPath ?? "/sys/fs/cgroup/mkpolicy.slice"
  }

  /// The plan as apply performs it: coordinator teardown first (it gives CPUs
  /// back to the host), then cgroup operations in the plan's kernel-valid
  /// order, IRQ affinity, irqbalance configuration, boot staging, and the
  /// remaining coordinator commands last (CPUs leave the host only once its
  /// own isolation is in place).
  public var applySteps: [ApplyStep] {
    let teardown: Set<String> = ["kill", "unload", "delete"]
    func isTeardown(_ command: CoordinatorCommand) -> Bool {
      command.argv.count > 1 && teardown.contains(command.argv[1])
    }
    func step(_ command: CoordinatorCommand) -> ApplyStep {
      ApplyStep(kind: .command, path: command.id, argv: command.argv, undo: Self.undo(command.argv))
    }
    var steps = coordinatorCommands.filter(isTeardown).map(step)
    for operation in cgroupPrerequisites + cgroupWrites {
      switch operation.op {
      case .mkdir: steps.append(ApplyStep(kind: .mkdir, path: operation.path))
      case .rmdir: steps.append(ApplyStep(kind: .rmdir, path: operation.path))
      case .write:
        steps.append(ApplyStep(kind: .write, path: operation.path, value: operation.value ?? ""))
      }
    }
    for write in kernelWrites {
      steps.append(ApplyStep(kind: .kernel, path: write.path, value: write.content))
    }
    if irqbalanceMode == "stop" {
      steps.append(
        ApplyStep(
          kind: .command, path: "irqbalance:stop", argv: ["systemctl", "stop", "irqbalance"],
          undo: ["systemctl", "start", "irqbalance"]))
    }
    for setting in irqAffinity where setting.movable {
      steps.append(
        ApplyStep(
          kind: .irq, path: "/proc/irq/\(setting.irq)/smp_affinity_list",
          value: setting.cpus.cpulist))
    }
    for file in fileWrites {
      steps.append(ApplyStep(kind: .file, path: file.path, value: file.content))
    }
    if let staging = bootStaging {
      if let path = staging.path, let content = staging.content {
        steps.append(ApplyStep(kind: .file, path: path, value: content))
      }
      if let argv = staging.argv {
        steps.append(
          ApplyStep(
            kind: .command, path: "boot:\(staging.bootloader)", argv: argv, undo: Self.undo(argv)))
      }
    }
    steps += coordinatorCommands.filter { !isTeardown($0) }.map(step)
    return steps
  }

  /// The inverse of a command apply knows how to undo: kerf's bring-up verbs
  /// and grubby's `--args`. Anything else is reported as not undone.
  static func undo(_ argv: [String]) -> [String]? {
    guard let program = argv.first else { return nil }
    if program == "kerf", argv.count >= 3 {
      let inverse = ["create": "delete", "load": "unload", "start": "kill"]
      if let verb = inverse[argv[1]] { return ["kerf", verb, argv[2]] }
      return nil
    }
    if program == "grubby" {
      var out = ["grubby"]
      for argument in argv.dropFirst() {
        if argument.hasPrefix("--args=") {
          out.append("--remove-args=" + argument.dropFirst("--args=".count))
        } else if argument.hasPrefix("--remove-args=") {
          return nil
        } else {
          out.append(argument)
        }
      }
      return out
    }
    return nil
  }
}
