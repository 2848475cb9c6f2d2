import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// The host setup part of a reconcile (`Plan.hostSetup`): the tuning
/// writes, the configuration files, the systemd units, the commands that
/// make staged files take effect and the reboot-required marker, as the
/// steps this host needs now.
///
/// Like the rest of the reconcile it asks the live host rather than the
/// record of an earlier apply: a NIC's channel count is read from its queues
/// in sysfs, whether a unit is enabled from its `multi-user.target.wants`
/// link, whether irqbalance runs from `/proc`, and a command that makes a
/// file take effect (`update-grub`, `daemon-reload`, restarting irqbalance)
/// is planned only when that file does not hold the planned content yet.
/// A file the host does not have (no cpufreq driver in a VM, an interface
/// that is down) is reported as pending and not written, as an absent IRQ is.
///
/// Each write is an ordinary step (`kernel` for `/proc` and `/sys`, `file`
/// for configuration files), so it is journaled with its prior value, read
/// back through the registry's rule and rolled back like every other write.
/// Commands carry their undo: the inverse (`disable` / `enable`), the same
/// command again (`undoneByRerun`, run by rollback once the files are
/// restored) or, for `ethtool -L`, the channel count read before.
public struct HostSetupReconciler {
  public let host: any HostIO

  public init(host: any HostIO) { self.host = host }

  public struct Result: Sendable, Equatable {
    public var steps: [ApplyStep] = []
    public var pending: [String] = []
  }

  /// Where `systemctl enable` links a unit that is `WantedBy=multi-user.target`.
  public static let wantsDirectory = "/etc/systemd/system/multi-user.target.wants"
  public static let irqbalanceUnit = "irqbalance.service"

  public func reconcile(_ plan: Plan) throws(HostIOError) -> Result {
    var result = Result()
    guard let setup = plan.hostSetup else { return result }
    let planned = Self.plannedFiles(plan)

    // NIC channels first: the queues whose masks are written must exist.
    var nicsChanging = Set<String>()
    var nicsMissing = Set<String>()
    for command in setup.commands where command.kind == .nicChannels {
      guard
        case .success(.setup(.nicChannels(let interface, let combined))) = HostCommand.parse(
          command.argv)
      else {
        result.steps.append(Self.step(command, undo: nil))
        continue
      }
      let queues = "/sys/class/net/\(interface)/queues"
      guard host.kind("/sys/class/net/\(interface)") != .missing else {
        nicsMissing.insert(interface)
        result.pending.append(
          "network interface \(interface) does not exist (renamed, or its driver is not bound): its channel count and queue masks are not set"
        )
        continue
      }
      let live = try queueCount(queues)
      if live != combined {
        nicsChanging.insert(interface)
        result.steps.append(
          Self.step(
            command, undo: SetupCommand.nicChannels(interface: interface, combined: live).argv))
      }
    }

    for write in setup.kernelWrites {
      let interface = Self.interface(of: write.path)
      // A queue's file appears once the channel command ran.
      if try exists(write.path) || nicsChanging.contains(interface ?? "") {
        result.steps.append(ApplyStep(kind: .kernel, path: write.path, value: write.value))
        continue
      }
      if nicsMissing.contains(interface ?? "") { continue }  // Reported once above.
      let summary = KernelInterfaces.describing(write.path)?.summary ?? write.interface
      if host.kind(write.path) == .file {
        // xps_cpus of a single-queue device: listed, but the kernel answers ENOENT.
        result.pending.append(
          "\(write.path) exists but the kernel offers no value (ENOENT; XPS needs a multiqueue device): \(Quoted.text(write.value)) not written"
        )
        continue
      }
      result.pending.append(
        "\(write.path) does not exist on this host (\(summary)): \(Quoted.text(write.value)) not written"
      )
    }

    for file in setup.files + plan.systemdUnits {
      result.steps.append(ApplyStep(kind: .file, path: file.path, value: file.content))
    }

    for command in setup.commands where command.kind != .nicChannels {
      switch command.kind {
      case .irqbalanceDisable:
        // Enabled means it comes back at boot; not installed means nothing to do.
        guard host.kind(Self.wantsDirectory + "/" + Self.irqbalanceUnit) != .missing else {
          continue
        }
        result.steps.append(Self.step(command, undo: command.undo))
      case .irqbalanceRestart:
        // It reads the ban list when it starts: a running one must restart
        // once the list changed; one that does not run reads it when it does.
        guard try anyChanged(command.triggers, planned),
          try ProcessProbe(host: host).running(ProcessProbe.irqbalance)?.isEmpty != true
        else { continue }
        result.steps.append(Self.step(command, undo: command.argv))
      case .bootloaderRegeneration, .systemdReload:
        guard try anyChanged(command.triggers, planned) else { continue }
        result.steps.append(Self.step(command, undo: command.argv))
      case .unitEnable:
        let unit = command.argv.last ?? ""
        guard host.kind(Self.wantsDirectory + "/" + unit) == .missing else { continue }
        result.steps.append(Self.step(command, undo: command.undo))
      case .nicChannels:
        continue
      }
    }

    if setup.rebootRequired != nil, try rebootPending(plan, planned) {
      result.steps += try markerSteps(setup.rebootRequired!)
    }
    return result
  }

  /// Whether a step is a NIC channel command (`ethtool -L`): the
  /// reconcile puts these before the IRQ moves.
  static func isNICChannels(_ step: ApplyStep) -> Bool {
    guard case .nicChannels = setupCommand(step) else { return false }
    return true
  }

  static func step(_ command: MKPlan.HostCommand, undo: [String]?) -> ApplyStep {
    ApplyStep(kind: .command, path: command.id, argv: command.argv, undo: undo)
  }

  /// Every file the plan writes whole, by path: what a trigger is compared with.
  static func plannedFiles(_ plan: Plan) -> [String: String] {
    var out: [String: String] = [:]
    for file in plan.fileWrites + (plan.hostSetup?.files ?? []) + plan.systemdUnits {
      out[file.path] = file.content
    }
    if let path = plan.bootStaging?.path, let content = plan.bootStaging?.content {
      out[path] = content
    }
    return out
  }

  /// Whether `path` does not hold what the plan writes there yet.
  func changed(_ path: String, _ planned: [String: String]) throws(HostIOError) -> Bool {
    guard let wanted = planned[path] else { return false }
    return try content(path) != wanted
  }

  func anyChanged(_ paths: [String], _ planned: [String: String]) throws(HostIOError) -> Bool {
    for path in paths where try changed(path, planned) { return true }
    return false
  }

  /// The interface of a `/sys/class/net/DEV/...` path.
  static func interface(of path: String) -> String? {
    let parts = path.split(separator: "/")
    guard parts.count > 3, parts[0] == "sys", parts[1] == "class", parts[2] == "net" else {
      return nil
    }
    return String(parts[3])
  }

  /// The RX queues under `/sys/class/net/DEV/queues`: the channel count
  /// (combined channels each have one RX and one TX queue).
  func queueCount(_ queues: String) throws(HostIOError) -> Int {
    do {
      return try host.list(queues).filter { $0.hasPrefix("rx-") }.count
    } catch  where error.errno == ENOENT {
      return 0
    }
  }

  func exists(_ path: String) throws(HostIOError) -> Bool {
    try content(path) != nil
  }

  /// A file's content; nil on ENOENT, any other error thrown.
  func content(_ path: String) throws(HostIOError) -> String? {
    do {
      return try host.read(path)
    } catch  where error.errno == ENOENT {
      return nil
    }
  }

  // MARK: Directories

  /// The directories above `path` that do not exist, deepest first (what
  /// writing it creates: a unit's `NAME.service.d`, `system.conf.d`).
  public static func missingDirectories(_ path: String, _ host: any HostIO) -> [String]? {
    var out: [String] = []
    var current = ReadBack.directory(path)
    while current.split(separator: "/").count > 1, host.kind(current) == .missing {
      out.append(current)
      current = ReadBack.directory(current)
    }
    return out.isEmpty ? nil : out
  }

  /// Rollback of a file that did not exist: the directories writing it
  /// created go too, each once it is empty (another file apply wrote there
  /// is restored first or after, whichever empties it).
  func removeCreated(_ prior: PriorValue, into report: inout ApplyReport) throws(HostIOError) {
    for directory in prior.createdDirectories ?? [] where host.kind(directory) == .directory {
      guard try host.list(directory).isEmpty else { return }
      try host.removeDirectory(directory)
      report.restored.append("\(directory) removed (did not exist)")
    }
  }

  /// Why a journal's `createdDirectories` are not the directories above its file.
  static func createdDirectoriesProblem(_ path: String, _ directories: [String]) -> String? {
    var expected = ReadBack.directory(path)
    for directory in directories {
      guard directory == expected, PathGuard.pathProblem(directory) == nil,
        directory.split(separator: "/").count > 1
      else {
        return
          "createdDirectories: \(Quoted.text(String(directory.prefix(200)))) is not the next directory above \(Quoted.text(String(path.prefix(200))))"
      }
      expected = ReadBack.directory(directory)
    }
    return nil
  }

  // MARK: Reboot

  /// Whether what the plan stages for the next boot is not in effect yet:
  /// a file read only at boot (the GRUB drop-in, `/etc/kernel/cmdline`,
  /// systemd's `CPUAffinity=`) is about to change, a planned boot parameter
  /// is not on `/proc/cmdline`, or PID 1 does not run on the planned CPUs.
  func rebootPending(_ plan: Plan, _ planned: [String: String]) throws(HostIOError) -> Bool {
    for (path, _) in planned where KernelInterfaces.describing(path)?.needsReboot == true {
      if try changed(path, planned) { return true }
    }
    return !bootParametersBooted(plan) || systemAffinityBooted(plan) == false
  }

  /// Every planned boot parameter is on `/proc/cmdline`.
  func bootParametersBooted(_ plan: Plan) -> Bool {
    guard !plan.bootParameters.isEmpty else { return true }
    let cmdline = Set(
      ((try? host.read("/proc/cmdline")) ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
        .map(String.init))
    return plan.bootParameters.allSatisfy(cmdline.contains)
  }

  /// Whether PID 1 runs on the CPUs of the planned `CPUAffinity=`
  /// (`/proc/1/status`); nil when the plan sets none or it cannot be read.
  func systemAffinityBooted(_ plan: Plan) -> Bool? {
    guard let wanted = Self.plannedSystemAffinity(plan),
      let status = try? host.read("/proc/1/status"),
      let line = status.split(separator: "\n").first(where: {
        $0.hasPrefix("Cpus_allowed_list:")
      }),
      let have = try? CPUSet(
        cpulist: String(line.dropFirst("Cpus_allowed_list:".count)).trimmingASCIIWhitespace())
    else { return nil }
    return have == wanted
  }

  /// The `CPUAffinity=` of the plan's system.conf drop-in.
  static func plannedSystemAffinity(_ plan: Plan) -> CPUSet? {
    guard
      let file = plan.hostSetup?.files.first(where: {
        KernelInterfaces.describing($0.path)?.id == KernelInterfaces.systemManagerDropIn.id
      }),
      let line = file.content.split(separator: "\n").first(where: { $0.hasPrefix("CPUAffinity=") })
    else { return nil }
    return try? CPUSet(cpulist: String(line.dropFirst("CPUAffinity=".count)))
  }

  /// `/run/reboot-required` as Debian's update-notifier writes it, and
  /// `mkpolicy` added to `/run/reboot-required.pkgs` after the names already there.
  func markerSteps(_ marker: RebootRequired) throws(HostIOError) -> [ApplyStep] {
    var lines = (try content(RebootRequired.packagesPath) ?? "").split(separator: "\n").map(
      String.init)
    if !lines.contains(marker.package) { lines.append(marker.package) }
    return [
      ApplyStep(kind: .file, path: RebootRequired.markerPath, value: RebootRequired.markerContent),
      ApplyStep(
        kind: .file, path: RebootRequired.packagesPath,
        value: lines.joined(separator: "\n") + "\n"),
    ]
  }

  /// The line apply and verify print when the plan's staged changes wait
  /// for a reboot: the marker is set (or, for a dry run, about to be).
  public func rebootNotice(_ plan: Plan, steps: [ApplyStep] = []) -> String? {
    guard let marker = plan.hostSetup?.rebootRequired else { return nil }
    let set =
      steps.contains(where: Self.isMarker)
      || ((try? host.read(RebootRequired.packagesPath)) ?? "").split(separator: "\n").contains {
        $0 == marker.package
      } && host.kind(RebootRequired.markerPath) == .file
    guard set else { return nil }
    return
      "reboot required (\(RebootRequired.markerPath)): what this plan stages takes effect at the next boot: \(marker.reasons.joined(separator: ", "))"
  }

  /// A step of the reboot-required marker.
  public static func isMarker(_ step: ApplyStep) -> Bool {
    step.kind == .file
      && (step.path == RebootRequired.markerPath || step.path == RebootRequired.packagesPath)
  }

  /// Booted or pending, for what is read only at boot besides the boot
  /// parameters (`Verifier.checkBootParameters`): systemd's `CPUAffinity=`,
  /// read back from PID 1's `Cpus_allowed_list`. Pending in the boot of the
  /// apply (with the marker as the reminder), a difference after a reboot.
  func checkBooted(_ plan: Plan, sameBoot: Bool, into report: inout Verifier.Report) {
    guard let wanted = Self.plannedSystemAffinity(plan) else { return }
    report.checked += 1
    switch systemAffinityBooted(plan) {
    case true?:
      report.notes.append("systemd CPUAffinity=\(wanted.cpulist) in effect (/proc/1/status)")
    case false?:
      if sameBoot {
        report.notes.append(
          "systemd CPUAffinity=\(wanted.cpulist) is staged and takes effect after a reboot"
            + (host.kind(RebootRequired.markerPath) == .file
              ? " (\(RebootRequired.markerPath) is set)" : ""))
      } else {
        report.differences.append(
          "PID 1 does not run on the staged CPUAffinity=\(wanted.cpulist) (rebooted since apply; check \(TuningEmitter.systemManagerFile))"
        )
      }
    case nil:
      report.notes.append(
        "systemd CPUAffinity=\(wanted.cpulist): /proc/1/status cannot be read, not checked live")
    }
  }

  // MARK: Commands

  /// The typed host setup command of a step, if it is one.
  public static func setupCommand(_ step: ApplyStep) -> SetupCommand? {
    guard step.kind == .command,
      case .success(.setup(let command)) = HostCommand.parse(
        step.argv ?? [])
    else { return nil }
    return command
  }

  /// A host setup command is decided by the reconcile from the live host
  /// (a channel count, a unit's link, a file's content): whether an earlier
  /// apply recorded it says nothing about now.
  public static func decidedLive(_ step: ApplyStep) -> Bool {
    setupCommand(step) != nil
  }

  /// Undone by running it again once the files before it are restored.
  public static func undoneByRerun(_ step: ApplyStep) -> Bool {
    setupCommand(step)?.undoneByRerun == true
  }

  /// What differs after a command exited 0: the service state it was to
  /// set, a NIC's queue count, the regenerated GRUB configuration. Nil when
  /// its effect is in place or cannot be read back.
  public func readBack(_ step: ApplyStep, plan: Plan) -> String? {
    guard step.kind == .command, case .success(let command) = HostCommand.parse(step.argv ?? [])
    else { return nil }
    switch command {
    case .irqbalance(stop: true):
      guard let running = try? ProcessProbe(host: host).running(ProcessProbe.irqbalance),
        !running.isEmpty
      else { return nil }
      return
        "irqbalance still runs (pid \(running.map(String.init).joined(separator: ", "))) after systemctl stop"
    case .setup(.irqbalanceEnabled(false)):
      let link = Self.wantsDirectory + "/" + Self.irqbalanceUnit
      return host.kind(link) == .missing
        ? nil : "irqbalance is still enabled after systemctl disable (\(link) exists)"
    case .setup(.irqbalanceTryRestart):
      guard let running = try? ProcessProbe(host: host).running(ProcessProbe.irqbalance) else {
        return nil
      }
      return running.isEmpty
        ? "irqbalance does not run after systemctl try-restart (it ran before)" : nil
    case .setup(.unitNow(true, let unit)):
      let link = Self.wantsDirectory + "/" + unit
      return host.kind(link) == .missing
        ? "\(unit) is not enabled after systemctl enable --now (\(link) is missing)" : nil
    case .setup(.nicChannels(let interface, let combined)):
      let count = (try? queueCount("/sys/class/net/\(interface)/queues")) ?? 0
      return count == combined
        ? nil
        : "/sys/class/net/\(interface)/queues has \(count) RX queue(s) after ethtool -L \(interface) combined \(combined)"
    case .setup(.updateGrub), .setup(.grubMkconfig):
      let output: String
      if case .setup(.grubMkconfig(let file)) = command {
        output = file
      } else {
        output = SetupCommand.grubConfigs[0]
      }
      guard !plan.bootParameters.isEmpty else { return nil }
      guard let text = try? host.read(output) else {
        return "\(output) cannot be read after \(step.argv?.joined(separator: " ") ?? "")"
      }
      let lines = text.split(separator: "\n").map {
        Set($0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
      }
      let booted = lines.contains { words in plan.bootParameters.allSatisfy(words.contains) }
      return booted
        ? nil
        : "\(output) has no boot entry with the staged parameters after \(step.argv?.joined(separator: " ") ?? "")"
    default:
      return nil
    }
  }

  /// Host setup commands the reconcile still asks for (not one that only
  /// follows a file: the file's own difference says it): for verify.
  public static func commandDrift(_ steps: [ApplyStep]) -> [String] {
    steps.compactMap { step in
      guard let command = setupCommand(step), !command.undoneByRerun else { return nil }
      switch command {
      case .nicChannels(let interface, let combined):
        return
          "network interface \(interface) does not have \(combined) channel(s) (ethtool -L \(interface) combined \(combined))"
      case .irqbalanceEnabled(false):
        return "irqbalance is enabled, but the plan stops it: it returns at the next boot"
      case .unitNow(true, let unit):
        return "\(unit) is not enabled"
      default:
        return "not in effect: \(step.summary)"
      }
    }
  }
}
