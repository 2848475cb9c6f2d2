import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// Why an apply stopped, as data: the operation, the path, the value, the
/// errno (or what the read-back found, or the command's exit status), and
/// what the operator can do about it. `ApplyReport.failure` keeps the one-line
/// text; this is what `--format json` and the rendered diagnostic are made of.
public struct ApplyFailure: Sendable, Equatable, Codable {
  public enum Cause: String, Sendable, Equatable, Codable {
    /// The call failed: the kernel (or the file system) returned an errno.
    case refused
    /// The call succeeded but reading the file back shows the effect is
    /// missing (a partition the kernel turned `invalid`, an IRQ that did not move).
    case readBack = "read-back"
    /// A command (kerf, systemctl, a bootloader tool) exited non-zero.
    case command
  }

  public var cause: Cause
  /// `write`, `mkdir`, `rmdir`, `replace`, `irq`, `kernel`, `revalidate`,
  /// `run`, or the state-directory operation that failed.
  public var operation: String
  /// The file or directory; for a command its id (`start:vm1`).
  public var path: String
  /// The value written, when there is one.
  public var value: String?
  /// The errno's symbolic name (`EBUSY`), for `refused`.
  public var errno: String?
  /// strerror, what the read-back found, or the command's status and output.
  public var reason: String
  /// The command line, for `command`.
  public var argv: [String]?
  /// The command's exit status, for `command`.
  public var status: Int32?
  /// What to do about it, most specific first.
  public var help: [String]

  public init(
    cause: Cause, operation: String, path: String, value: String? = nil, errno: String? = nil,
    reason: String, argv: [String]? = nil, status: Int32? = nil, help: [String] = []
  ) {
    self.cause = cause
    self.operation = operation
    self.path = path
    self.value = value
    self.errno = errno
    self.reason = reason
    self.argv = argv
    self.status = status
    self.help = help
  }

  /// The one-line account (what `ApplyReport.failure` holds).
  public var message: String {
    switch cause {
    case .refused:
      var text = "\(operation) \(path)"
      if let value { text += " = \(Quoted.text(value))" }
      return text + ": \(errno ?? "error") (\(reason))"
    case .readBack:
      let shown = value.map { " = \(Quoted.text($0))" } ?? ""
      return
        "\(operation) \(path)\(shown): read-back mismatch (the call succeeded, the effect is missing): \(reason)"
    case .command:
      return
        "command [\(path)] \((argv ?? []).joined(separator: " ")) exited with status \(status ?? -1): \(reason)"
    }
  }

  /// A host operation that returned an errno.
  public static func refused(_ error: HostIOError) -> ApplyFailure {
    ApplyFailure(
      cause: .refused, operation: error.operation, path: error.path, value: error.value,
      errno: Errno.name(error.errno), reason: error.reason,
      help: help(errno: error.errno, path: error.path))
  }

  /// A write whose effect is missing when read back.
  public static func readBack(_ step: ApplyStep, found: String) -> ApplyFailure {
    let operation = step.kind == .file ? "replace" : step.kind.rawValue
    let shown = [.write, .irq, .kernel, .revalidate].contains(step.kind) ? step.value ?? "" : nil
    var help: [String] = []
    if ReadBack.name(step.path).hasPrefix("cpuset.") && found.contains("invalid") {
      help.append(
        "the kernel turned the partition invalid; its cpuset.cpus.partition file says why (CPUs another partition holds, or none left to it): free them, or plan without them"
      )
    } else if step.kind == .irq {
      help.append(
        "the IRQ did not move: a daemon (irqbalance) or the driver resets it; plan with `host.irqbalance: stop`, or leave the IRQ out"
      )
    } else {
      help.append(
        "something else changes this value, or the kernel adjusted it silently: find what (a daemon, a parent cgroup's limits) and apply again"
      )
    }
    return ApplyFailure(
      cause: .readBack, operation: operation, path: step.path, value: shown, reason: found,
      help: help)
  }

  /// A command that exited non-zero.
  public static func command(_ step: ApplyStep, status: Int32, output: String) -> ApplyFailure {
    let argv = step.argv ?? []
    return ApplyFailure(
      cause: .command, operation: "run", path: step.path, reason: Quoted.text(output),
      argv: argv, status: status,
      help: [
        "run `\(argv.map(ApplyStep.shellWord).joined(separator: " "))` by hand to see why it fails, fix that, and apply again"
      ])
  }

  /// What an errno from a host write usually means for the files apply
  /// writes, so the help line says where to look.
  static func help(errno: Int32, path: String) -> [String] {
    let name = ReadBack.name(path)
    if [EACCES, EPERM, EROFS].contains(errno) {
      return [
        "run mkpolicy as root, on a writable /sys/fs/cgroup and /proc (a container may mount them read-only)"
      ]
    }
    if errno == EBUSY && name == "cgroup.subtree_control" {
      return [
        "a process runs in \(ReadBack.directory(path)): a cgroup that hands controllers to its children may hold no process itself; move its processes into a child cgroup first"
      ]
    }
    if [EBUSY, EINVAL, ENOSPC].contains(errno) && name.hasPrefix("cpuset.") {
      return [
        "the kernel refuses these CPUs or nodes here: they must be within the parent's, and not held exclusively by a sibling partition; check the parent's cpuset.cpus.effective and its children's cpuset.cpus.partition"
      ]
    }
    switch errno {
    case ENOENT:
      return [
        "the file or its directory does not exist: the controller may not be enabled in the parent's cgroup.subtree_control, or the kernel lacks the interface"
      ]
    case EINVAL:
      return ["the kernel does not accept this value for \(path): check what the file expects"]
    case ENOSPC:
      return ["the file system is full: free space and apply again"]
    default:
      return ["fix the cause named (the errno and its text) and apply again"]
    }
  }
}
