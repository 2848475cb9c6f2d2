import MKCore
import MKPlan

/// Compares the live host with the last applied plan (`applied.json`): drift
/// is whatever a reconcile of its desired state would still write (every
/// cgroup value, partition validity, IRQ affinity, kernel tunable and file,
/// after normalising cpulists and page rounding), kernel instances that do
/// not run, irqbalance running (read from /proc), and boot parameters: booted
/// ones are on `/proc/cmdline`, staged ones are pending until the next boot.
public struct Verifier {
  public let host: any HostIO
  public let store: StateStore

  public init(host: any HostIO, stateDirectory: String = "/var/lib/mkpolicy") {
    self.host = host
    store = StateStore(host: host, directory: stateDirectory)
  }

  public struct Report: Sendable, Equatable, Codable {
    public var policy: String
    public var checked = 0
    public var differences: [String] = []
    public var notes: [String] = []
    /// Objects that do not exist now and need nothing (an IRQ whose device is down).
    public var pending: [String] = []
    /// Processes outside an isolated partition that may run on its CPUs
    /// (`PlacementCheck.exposures`): E542 warnings, not drift.
    public var exposed: [String] = []
    public var matches: Bool { differences.isEmpty }

    /// Each difference as an E522 error, each pending object as an E523 note.
    public var diagnostics: [Diagnostic] {
      differences.map { .error(Self.code(for: $0), $0, help: [Self.help(for: $0)]) }
        + exposed.map { .warning("E542", $0, help: [Self.exposedHelp]) }
        + pending.map { Diagnostic(.note, "E523", $0) }
    }

    static let exposedHelp =
      "on cgroup v1 the root cpuset keeps every CPU: boot into the staged CPUAffinity= (systemd's services) or set their affinity; on v2 the partition is invalid (see the drift above)"

    /// E540 for a workload's process outside its partition, E541 for a
    /// foreign process inside an isolated one, E522 for other drift.
    static func code(for difference: String) -> String {
      guard difference.hasPrefix("process ") else { return "E522" }
      if difference.contains(", outside its partition ") { return "E540" }
      if difference.contains(" is foreign in the isolated partition ") { return "E541" }
      return "E522"
    }

    /// What to do about one difference.
    static func help(for difference: String) -> String {
      switch code(for: difference) {
      case "E540":
        return
          "run `systemctl daemon-reload` and restart the service: it starts in its slice (mkpolicy apply installs the drop-in)"
      case "E541":
        return
          "move the process out (echo PID > PARENT/cgroup.procs) or stop it: an isolated partition is its workload's alone"
      default:
        break
      }
      if difference.hasPrefix("an apply was interrupted") {
        return "run `mkpolicy recover` to see it, then `--complete` or `--rollback`"
      }
      if difference.contains("/proc/cmdline lacks") {
        return
          "check the bootloader entry mkpolicy staged, then reboot; `mkpolicy apply --last-applied` stages it again"
      }
      if difference.hasPrefix("cannot read") {
        return "fix the cause named (the errno) and verify again"
      }
      return "run `mkpolicy apply --last-applied` to reconcile the host with the applied plan"
    }

    public func json() throws(DiagnosticError) -> String {
      struct Document: Encodable {
        var report: Report
        var matches: Bool
        var diagnostics: [Diagnostic]
      }
      return try StateStore.encode(
        Document(report: self, matches: matches, diagnostics: diagnostics))
    }

    public func render() -> String {
      var out = ""
      for note in notes { out += "note: \(note)\n" }
      for item in pending { out += "pending: \(item)\n" }
      out += DiagnosticRenderer().text(diagnostics.filter { $0.severity == .warning })
      if differences.isEmpty {
        out +=
          "ok: the host matches the applied plan of policy \(policy) (\(checked) values checked)\n"
      } else {
        out +=
          "drift: \(differences.count) difference(s) from the applied plan of policy \(policy):\n"
        out += DiagnosticRenderer().text(diagnostics.filter { $0.severity == .error })
      }
      return out
    }
  }

  public enum Failure: Error, Sendable, CustomStringConvertible {
    case noRecord(path: String)
    case unreadable(StateStore.LoadError)
    public var code: String {
      switch self {
      case .noRecord: "E512"
      case .unreadable: "E508"
      }
    }
    public var description: String {
      switch self {
      case .noRecord(let path):
        "no applied plan is recorded (\(path) does not exist); run `mkpolicy apply` first"
      case .unreadable(let error): "\(error)"
      }
    }

    /// The failure as the front end renders it, with what to do.
    public var diagnostic: Diagnostic {
      switch self {
      case .noRecord(let path):
        .error(
          code, "no applied plan is recorded (\(path) does not exist)",
          help: ["run `mkpolicy apply` first (or pass --state-dir where the record is)"])
      case .unreadable(let error):
        ApplyRefusal.unreadableState(error).diagnostic
      }
    }
  }

  /// The steps whose effect must still hold: the last operation on each path,
  /// leaving out files inside directories the plan removes.
  public static func finalState(_ steps: [ApplyStep]) -> [ApplyStep] {
    var last: [String: Int] = [:]
    var removed = Set<String>()
    for (index, step) in steps.enumerated() where step.kind != .command {
      last[step.path] = index
      if step.kind == .rmdir { removed.insert(step.path) }
      if step.kind == .mkdir { removed.remove(step.path) }
    }
    return last.sorted { $0.value < $1.value }.compactMap { path, index in
      let step = steps[index]
      if step.kind != .rmdir && removed.contains(where: { path.hasPrefix($0 + "/") }) { return nil }
      return step
    }
  }

  public func verify() throws(Failure) -> Report {
    let record: AppliedRecord?
    do { record = try store.loadApplied() } catch { throw .unreadable(error) }
    guard let record else { throw .noRecord(path: store.appliedPath) }
    var report = Report(policy: record.plan.policy)
    if host.kind(store.journalPath) != .missing {
      report.differences.append(
        "an apply was interrupted: \(store.journalPath) is present (run `mkpolicy recover`)")
    }
    if host.kind(store.directory + "/handover.json") != .missing {
      report.differences.append(
        "a hand-over was interrupted: \(store.directory)/handover.json is present (`mkpolicy recover` shows it; `recover --complete` finishes it, `recover --rollback` undoes it while the old instance runs)"
      )
    }
    let bootNow = Applier.readBootID(host)
    let sameBoot = record.bootID == bootNow
    // Drift is whatever apply would still have to do: the reconcile of the
    // recorded desired state against the live host, without its commands.
    let reconciled: Reconciler.Result
    do {
      reconciled = try Reconciler(host: host).reconcile(
        record.plan, record: sameBoot ? record : nil)
    } catch {
      report.differences.append("cannot read the live state: \(error)")
      return report
    }
    report.pending += reconciled.pending
    report.notes += reconciled.notes
    // The last step on each path: a CPU list shrunk, then grown, is one
    // difference.
    let steps = Self.finalState(reconciled.steps.filter { $0.kind != .command })
    var stepsToCheck = steps
    if !Reconciler.hasDesiredTree(record.plan) {
      // The host setup is reconciled whatever the age of the cgroup part.
      let setup = (try? HostSetupReconciler(host: host).reconcile(record.plan))?.steps ?? []
      stepsToCheck =
        Self.finalState(legacySteps(record.plan))
        + Self.finalState(setup.filter { $0.kind != .command })
    }
    // The reboot marker says what is pending; booted or not is checked below.
    for step in stepsToCheck where !HostSetupReconciler.isMarker(step) {
      report.checked += 1
      if let difference = ReadBack.difference(step, on: host) {
        report.differences.append(difference)
      } else if [.rmdir, .revalidate].contains(step.kind) {
        report.differences.append(step.summary)
      } else if step.kind == .irq, let wanted = try? CPUSet(cpulist: step.value ?? ""),
        let move = IRQMove.deferred(step.path, wanted: wanted, host)
      {
        report.pending.append(move)
      }
    }
    report.differences += HostSetupReconciler.commandDrift(reconciled.steps)
    HostSetupReconciler(host: host).checkBooted(record.plan, sameBoot: sameBoot, into: &report)
    checkInstances(record, sameBoot: sameBoot, into: &report)
    checkIRQBalance(record, sameBoot: sameBoot, into: &report)
    report.differences += PlacementCheck(host: host).problems(record.plan)
    report.exposed = PlacementCheck(host: host).exposures(record.plan)
    checkBootParameters(record.plan, sameBoot: sameBoot, into: &report)
    return report
  }

  /// A plan from before the desired tree: its transition and its tree.
  func legacySteps(_ plan: Plan) -> [ApplyStep] {
    var whole = plan
    whole.cgroupWrites = plan.cgroupWrites + plan.cgroupTree
    return whole.applySteps.filter { $0.kind != .command }.filter { step in
      step.kind != .irq || host.kind(ReadBack.directory(step.path)) != .missing
    }
  }

  /// Every kernel instance of the plan must be running (`active`), read live
  /// from `/sys/fs/multikernel`; an instance the plan does not have must not.
  func checkInstances(_ record: AppliedRecord, sameBoot: Bool, into report: inout Report) {
    let plan = record.plan
    guard !plan.kernelInstances.isEmpty else { return }
    let live: [String: String]?
    do { live = try InstanceProbe(host: host).live() } catch {
      report.differences.append("cannot read the kernel instances: \(error)")
      return
    }
    guard let live else {
      // Nothing to read live: this boot's record of the start commands is
      // all there is (a test root, or a kernel without the interface).
      let started = plan.kernelInstances.filter { record.commands["start:\($0.name)"] != nil }
      if sameBoot && started.count == plan.kernelInstances.count {
        report.notes.append(
          "\(InstanceProbe.root) does not exist: \(started.count) kernel instance(s) started by this boot's apply, not checked live"
        )
        return
      }
      report.differences.append(
        "\(plan.kernelInstances.count) kernel instance(s) planned, but \(InstanceProbe.root) does not exist (no multikernel kernel running)"
      )
      return
    }
    for instance in plan.kernelInstances {
      report.checked += 1
      let status = live[instance.name]
      if status != "active" {
        report.differences.append(
          "kernel instance \(instance.name): \(status.map { "status \(Quoted.text($0))" } ?? "not present in \(InstanceProbe.root)/instances"), wanted active"
        )
      }
    }
  }

  /// `host.irqbalance: stop`: no irqbalance process may run, read live
  /// from `/proc` (a reboot or an operator starts it again). Only where
  /// there is no `/proc` to read does this boot's record of the stop count,
  /// and the report says so.
  func checkIRQBalance(_ record: AppliedRecord, sameBoot: Bool, into report: inout Report) {
    guard record.plan.irqbalanceMode == "stop",
      record.plan.irqAffinity.contains(where: \.movable)
    else { return }
    report.checked += 1
    let running: [Int32]?
    do { running = try ProcessProbe(host: host).running(ProcessProbe.irqbalance) } catch {
      report.differences.append("cannot read whether irqbalance runs: \(error)")
      return
    }
    if let running {
      if !running.isEmpty {
        report.differences.append(
          "irqbalance runs (pid \(running.map(String.init).joined(separator: ", "))), but the plan stops it; it would move the planned IRQs"
        )
      }
      return
    }
    if !sameBoot || record.commands["irqbalance:stop"] == nil {
      report.differences.append(
        "irqbalance: the plan stops it, but /proc cannot be read and it was not stopped in this boot"
      )
    } else {
      report.notes.append(
        "irqbalance: /proc cannot be read; stopped by this boot's apply, not checked live")
    }
  }

  /// Booted parameters are on `/proc/cmdline`; staged ones that are not yet
  /// are pending until the next boot, and missing after a reboot.
  func checkBootParameters(_ plan: Plan, sameBoot: Bool, into report: inout Report) {
    let parameters = plan.bootParameters
    guard !parameters.isEmpty, plan.bootStaging != nil else { return }
    let cmdline = ((try? host.read("/proc/cmdline")) ?? "").trimmingASCIIWhitespace()
    let present = Set(cmdline.split(separator: " ").map(String.init))
    let missing = parameters.filter { !present.contains($0) }
    report.checked += parameters.count
    if missing.isEmpty {
      report.notes.append("\(parameters.count) boot parameter(s) in effect (/proc/cmdline)")
    } else if sameBoot {
      let booted = parameters.count - missing.count
      report.notes.append(
        "\(missing.count) boot parameter(s) are staged and take effect after a reboot"
          + (booted > 0 ? " (\(booted) already in effect)" : ""))
    } else {
      for parameter in missing {
        report.differences.append(
          "/proc/cmdline lacks the staged boot parameter \(parameter) (rebooted since apply; check the bootloader)"
        )
      }
    }
  }
}
