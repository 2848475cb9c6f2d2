import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a plan's hand-overs (`Plan.handovers`) after its ordinary steps:
/// each step through `HostIO`, its progress in `handover.json` before and
/// after it runs (`HandoverProgress`), under the state directory's lock.
///
/// The rules it keeps, also across a crash (SIGKILL) at any point:
/// - no kerf command runs twice: a step marked `started` whose evidence
///   file exists ran, and is not run again;
/// - the old instance is never stopped before its successor passed the
///   health check: `healthy` is saved before any later step, and a kill of
///   the old instance without it is refused;
/// - a health check that fails, or a step that fails while the old
///   instance still runs, rolls back: the steps that ran are undone in
///   reverse (devices back, the successor killed, unloaded, deleted), and
///   the applied record says the plan without that hand-over, which is what
///   runs (`Plan.withoutHandover`);
/// - a step that fails after the old instance was stopped cannot be rolled
///   back (there is nothing to go back to): progress is kept and the next
///   apply continues from that step.
public final class HandoverExecutor {
  public let host: any HostIO
  public let store: StateStore
  public let clock: any HandoverClock
  public let ports: any PortProbe
  let lock: HostLock
  let bootID: String

  public init(
    host: any HostIO, stateDirectory: String = "/var/lib/mkpolicy",
    clock: any HandoverClock = MonotonicClock(), ports: any PortProbe = LoopbackPortProbe(),
    bootID: String? = nil
  ) {
    self.host = host
    store = StateStore(host: host, directory: stateDirectory)
    self.clock = clock
    self.ports = ports
    self.bootID = bootID ?? Applier.readBootID(host)
    lock = HostLock(store: store, holderText: "pid=\(host.processID) run=handover\n")
  }

  public var progressPath: String { store.directory + "/handover.json" }

  /// Runs every hand-over of `plan` not run yet, continuing one a crash
  /// interrupted. Refused (nothing run) when the lock is held or the
  /// progress file belongs to another plan or cannot be read.
  public func run(_ plan: Plan) throws(ApplyRefusal) -> HandoverReport {
    try run(plan, rollingBackInterrupted: false)
  }

  /// `mkpolicy recover`: settles the hand-over a crash interrupted, from
  /// `handover.json` alone (it keeps its plan). `rollback: false` finishes
  /// it and the plan's later hand-overs, as applying that plan again would;
  /// `rollback: true` undoes what it ran and starts nothing new, which is
  /// possible only while the old instance was never stopped (E539 after).
  public func recover(rollback: Bool) throws(ApplyRefusal) -> HandoverReport {
    let progress: HandoverProgress?
    do { progress = try interrupted() } catch { throw .unreadableState(error) }
    guard let progress else { throw .nothingToRecover(path: progressPath) }
    var digest: String?
    if let plan = progress.plan {
      do { digest = try StateStore.digest(plan) } catch { throw .unencodable(error.diagnostics[0]) }
    }
    guard let plan = progress.plan, digest == progress.planDigest else {
      var report = HandoverReport()
      report.outcome = .stopped
      report.failure = .error(
        "E538",
        "\(progressPath) does not hold the plan \(progress.planDigest) of the interrupted hand-over of '\(progress.workload)'",
        notes: [.init("it was written by an mkpolicy that did not keep the plan there, or edited")],
        help: [
          "apply the plan it belongs to again (`mkpolicy apply --plan PLAN`): it continues or rolls back the hand-over"
        ])
      return report
    }
    return try run(plan, rollingBackInterrupted: rollback)
  }

  /// The interrupted hand-over, as `handover.json` holds it (nil when none).
  public func interrupted() throws(StateStore.LoadError) -> HandoverProgress? {
    try store.load(HandoverProgress.self, from: progressPath)
  }

  func run(_ plan: Plan, rollingBackInterrupted: Bool) throws(ApplyRefusal) -> HandoverReport {
    var report = HandoverReport()
    guard let handovers = plan.handovers, !handovers.isEmpty else { return report }
    do { try lock.acquire() } catch { throw .locked(error) }
    defer { lock.release() }
    let digest: String
    do { digest = try StateStore.digest(plan) } catch { throw .unencodable(error.diagnostics[0]) }
    var progress: HandoverProgress?
    do { progress = try loadProgress(handovers) } catch {
      report.outcome = .stopped
      report.failure = .error(
        "E534", "\(progressPath) cannot be used: \(error)",
        help: [
          "inspect the file; move it away only when no apply runs and no hand-over is half-way"
        ])
      return report
    }
    if let progress, progress.planDigest != digest {
      report.outcome = .stopped
      report.failure = .error(
        "E533",
        "an interrupted hand-over of '\(progress.workload)' from another plan (\(progress.planDigest)) left \(progressPath)",
        help: [
          "apply the plan it belongs to again (it continues or rolls back the hand-over), then this one"
        ])
      return report
    }
    var applied: AppliedRecord?
    do { applied = try store.loadApplied() } catch {
      throw .unreadableState(error)
    }
    for handover in handovers {
      if let done = applied, Self.isDone(handover, done), progress?.workload != handover.workload {
        report.notes.append("'\(handover.workload)' already runs on '\(handover.final.name)'")
        continue
      }
      // A rollback settles the interrupted hand-over only: nothing new starts.
      if rollingBackInterrupted && progress?.workload != handover.workload { continue }
      var current: HandoverProgress
      var rollbackAsked: Diagnostic?
      if let progress, progress.workload == handover.workload {
        current = progress
        if rollingBackInterrupted && current.phase == .running {
          if let stop = oldInstanceStop(handover, current) {
            report.outcome = .stopped
            report.failure = .error(
              "E539",
              "cannot roll back the hand-over of '\(handover.workload)': '\(handover.old.name)' was already stopped (\(stop))",
              notes: [.init("progress kept in \(progressPath)")],
              help: [
                "run `mkpolicy recover --complete` to finish the hand-over onto '\(handover.final.name)'"
              ])
            return report
          }
          rollbackAsked = .error(
            "E531",
            "the hand-over of '\(handover.workload)' was rolled back by `mkpolicy recover --rollback`",
            notes: [.init("'\(handover.old.name)' runs on, untouched")],
            help: ["apply the plan again to try the hand-over again"])
          report.notes.append(
            "rolling back the interrupted hand-over of '\(handover.workload)' found in \(progressPath)"
          )
        } else {
          report.notes.append(
            "continuing the interrupted hand-over of '\(handover.workload)' found in \(progressPath)"
          )
        }
      } else {
        if let problem = HealthChecker.problem(handover.healthCheck, host: host) {
          report.outcome = .stopped
          report.failure = .error(
            "E535", "cannot run the health check of '\(handover.workload)': \(problem)",
            help: ["install the program inside the root, or fix the policy's healthCheck"])
          return report
        }
        current = HandoverProgress(
          plan: plan, planDigest: digest, workload: handover.workload, runID: RunID.make(),
          steps: handover.steps.map(\.id))
        do {
          try host.createExclusive(progressPath, try StateStore.encode(current))
        } catch {
          report.outcome = .stopped
          report.failure = .error(
            "E534",
            "cannot create \(progressPath) before the first step: \(error); nothing was run",
            help: ["the state directory must be a plain directory of this user"])
          return report
        }
      }
      progress = nil
      let result =
        if let rollbackAsked {
          startRollback(
            handover, plan: plan, before: handover.steps.count, &current, into: &report,
            failure: rollbackAsked)
        } else {
          drive(handover, plan: plan, &current, into: &report)
        }
      switch result {
      case .completed:
        do {
          applied = try finish(handover, plan: plan, progress: current, applied: applied)
          report.completed.append(handover.workload)
        } catch {
          report.outcome = .stopped
          report.failure = .error(
            "E532",
            "'\(handover.workload)' was handed over, but the record could not be written: \(error)",
            help: ["run `mkpolicy apply` again: it finds the steps done and writes it"])
          return report
        }
      case .rolledBack(let failure):
        do {
          applied = try finishRollback(handover, plan: plan, progress: current, applied: applied)
        } catch {
          report.notes.append("the record could not be written after the rollback: \(error)")
        }
        report.rolledBack.append(handover.workload)
        report.outcome = .rolledBack
        report.failure = failure
        return report
      case .stopped(let failure):
        report.outcome = .stopped
        report.failure = failure
        return report
      }
    }
    report.outcome = report.completed.isEmpty ? .nothingToDo : .handedOver
    return report
  }

  // MARK: running

  enum Result {
    case completed
    case rolledBack(Diagnostic)
    case stopped(Diagnostic)
  }

  func drive(
    _ handover: Handover, plan: Plan, _ progress: inout HandoverProgress,
    into report: inout HandoverReport
  ) -> Result {
    if progress.phase == .rollingBack {
      return rollBack(handover, plan: plan, &progress, into: &report)
    }
    let oldStopped = handover.steps.firstIndex {
      $0.kind == .kill && $0.argv?.last == handover.old.name
    }
    for (index, step) in handover.steps.enumerated() {
      guard index < progress.steps.count, progress.steps[index].status != .done else { continue }
      do {
        switch step.kind {
        case .healthCheck:
          if progress.healthy {
            progress.steps[index].status = .done
            try save(progress)
            continue
          }
          let (passed, answer) = HealthChecker(host: host, store: store, clock: clock, ports: ports)
            .wait(
              handover.healthCheck, timeout: handover.timeoutMilliseconds, runID: progress.runID,
              name: "health-\(handover.workload)")
          report.steps.append("\(step.id): \(passed ? "passed" : "failed"): \(answer)")
          guard passed else {
            progress.reason = answer
            return startRollback(
              handover, plan: plan, before: index, &progress, into: &report,
              failure: .error(
                "E531",
                "the successor '\(handover.successor.name)' of '\(handover.workload)' failed its health check (\(handover.healthCheck.summary)): \(answer)",
                notes: [
                  .init(
                    "rolled back: the successor was removed; '\(handover.old.name)' runs on, untouched"
                  )
                ],
                help: [
                  "look at the successor's console (kerf), fix the kernel or the check, and apply again"
                ]))
          }
          progress.healthy = true
          progress.steps[index].status = .done
          try save(progress)
        case .drain:
          clock.sleep(milliseconds: handover.drainMilliseconds)
          progress.steps[index].status = .done
          report.steps.append("\(step.id): \(step.summary)")
          try save(progress)
        default:
          guard let argv = step.argv else { continue }
          if step.kind == .kill && argv.last == handover.old.name && !progress.healthy {
            // By construction unreachable: the health check comes first.
            return .stopped(
              .error(
                "E532",
                "refused to stop '\(handover.old.name)': its successor has not passed the health check",
                help: ["report a bug; nothing was stopped"]))
          }
          switch try runStep(step.id, argv, &progress, \.steps[index]) {
          case .ran, .ranBefore:
            report.steps.append("\(step.id): \(step.summary)")
          case .failed(let status, let output):
            let detail =
              "\(step.id) [\(argv.joined(separator: " "))] exited with status \(status)"
              + (output.isEmpty ? "" : ": \(output)")
            if let oldStopped, index >= oldStopped {
              return .stopped(
                .error(
                  "E532",
                  "hand-over of '\(handover.workload)' stopped: \(detail); '\(handover.old.name)' is already stopped, so it cannot be rolled back",
                  notes: [.init("progress kept in \(progressPath)")],
                  help: [
                    "fix the cause and run `mkpolicy apply` again: it continues from this step"
                  ]))
            }
            progress.reason = detail
            return startRollback(
              handover, plan: plan, before: index, &progress, into: &report,
              failure: .error(
                "E530", "hand-over of '\(handover.workload)' failed: \(detail)",
                notes: [
                  .init(
                    "rolled back: the successor was removed and every device given back; '\(handover.old.name)' runs on"
                  )
                ],
                help: ["fix the cause (kerf's message above) and apply again"]))
          }
        }
      } catch {
        return .stopped(
          .error(
            "E532", "hand-over of '\(handover.workload)' stopped: \(error)",
            notes: [.init("progress kept in \(progressPath)")],
            help: ["fix the cause and run `mkpolicy apply` again: it continues where it stopped"]))
      }
    }
    return .completed
  }

  enum StepResult {
    case ran
    /// An interrupted run started it (its evidence exists): not run again.
    case ranBefore
    case failed(Int32, String)
  }

  /// Runs one kerf command at most once: `started` is saved before it runs;
  /// a `started` step whose evidence file exists is taken as run.
  func runStep(
    _ id: String, _ argv: [String], _ progress: inout HandoverProgress,
    _ at: WritableKeyPath<HandoverProgress, HandoverProgress.Step>
  ) throws(HostIOError) -> StepResult {
    let evidence = store.evidencePath(runID: progress.runID, command: id)
    if progress[keyPath: at].status == .started && host.kind(evidence) == .file {
      progress[keyPath: at].status = .done
      try save(progress)
      return .ranBefore
    }
    if progress[keyPath: at].status == .failed, host.kind(evidence) == .file {
      // A failed command had no effect; this is a new try.
      try host.removeFile(evidence)
    }
    progress[keyPath: at].status = .started
    try save(progress)
    let result: CommandResult
    switch HostCommand.parse(argv) {
    case .success(let command): result = try host.run(command.argv, evidence: evidence)
    case .failure(let refusal):
      throw HostIOError(
        operation: "run", path: argv.joined(separator: " "), errno: EPERM,
        reason: "refused: \(refusal)")
    }
    progress[keyPath: at].status = result.status == 0 ? .done : .failed
    try save(progress)
    return result.status == 0
      ? .ran : .failed(result.status, result.output.trimmingASCIIWhitespace())
  }

  // MARK: rollback

  /// The step that stopped the old instance, when it ran (done, or started
  /// with its evidence file): from then on there is nothing to roll back to.
  func oldInstanceStop(_ handover: Handover, _ progress: HandoverProgress) -> String? {
    for (index, step) in handover.steps.enumerated()
    where step.kind == .kill && step.argv?.last == handover.old.name && index < progress.steps.count
    {
      let status = progress.steps[index].status
      if status == .done
        || (status == .started
          && host.kind(store.evidencePath(runID: progress.runID, command: step.id)) == .file)
      {
        return step.id
      }
    }
    return nil
  }

  func startRollback(
    _ handover: Handover, plan: Plan, before index: Int, _ progress: inout HandoverProgress,
    into report: inout HandoverReport, failure: Diagnostic
  ) -> Result {
    var undo: [HandoverProgress.Step] = []
    // Named after the whole step id (`04-release-device:enp32s0`), not its
    // last part: the release and the acquire of one device each have an
    // undo, and each needs its own evidence file.
    let prefix = "handover:\(handover.workload):"
    for j in (0..<index).reversed() {
      let step = handover.steps[j]
      let ran =
        progress.steps[j].status == .done
        || (progress.steps[j].status == .started
          && host.kind(store.evidencePath(runID: progress.runID, command: step.id)) == .file)
      guard ran, let argv = undoArgv(handover, plan: plan, index: j) else { continue }
      undo.append(
        HandoverProgress.Step(
          id: prefix + "undo-"
            + (step.id.hasPrefix(prefix) ? step.id.dropFirst(prefix.count) : step.id[...]),
          status: .pending, argv: argv))
    }
    progress.phase = .rollingBack
    progress.rollback = undo
    progress.reason = progress.reason ?? failure.message
    do { try save(progress) } catch {
      return .stopped(
        .error(
          "E532", "cannot record the rollback of '\(handover.workload)': \(error)",
          help: ["fix the cause and run `mkpolicy apply` again: it rolls back"]))
    }
    pendingFailure = failure
    return rollBack(handover, plan: plan, &progress, into: &report)
  }

  /// The failure that started a rollback, kept for its report when the
  /// rollback itself is resumed after a crash.
  var pendingFailure: Diagnostic?

  func rollBack(
    _ handover: Handover, plan: Plan, _ progress: inout HandoverProgress,
    into report: inout HandoverReport
  ) -> Result {
    for index in progress.rollback.indices where progress.rollback[index].status != .done {
      let step = progress.rollback[index]
      guard let argv = step.argv else { continue }
      do {
        switch try runStep(step.id, argv, &progress, \.rollback[index]) {
        case .ran, .ranBefore:
          report.steps.append("\(step.id): \(argv.joined(separator: " "))")
        case .failed(let status, let output):
          return .stopped(
            .error(
              "E537",
              "rollback of the hand-over of '\(handover.workload)' stopped: \(step.id) exited with status \(status)\(output.isEmpty ? "" : ": \(output)")",
              notes: [.init("progress kept in \(progressPath)")],
              help: ["fix the cause and run `mkpolicy apply` again: it continues the rollback"]))
        }
      } catch {
        return .stopped(
          .error(
            "E537", "rollback of the hand-over of '\(handover.workload)' stopped: \(error)",
            help: ["fix the cause and run `mkpolicy apply` again: it continues the rollback"]))
      }
    }
    return .rolledBack(
      pendingFailure
        ?? .error(
          "E531",
          "the hand-over of '\(handover.workload)' was rolled back: \(progress.reason ?? "it failed")",
          notes: [.init("'\(handover.old.name)' runs on, untouched")],
          help: ["fix the cause and apply again"]))
  }

  /// The command that undoes step `index` (before the old instance is
  /// stopped): the successor's bring-up verbs reversed, a device move undone
  /// with `kerf update` to the devices before it.
  func undoArgv(_ handover: Handover, plan: Plan, index: Int) -> [String]? {
    let step = handover.steps[index]
    guard let argv = step.argv, argv.count >= 3 else { return nil }
    let kerf = KerfCommandEmitter.kerf
    switch step.kind {
    case .create: return [kerf, "delete", argv[2]]
    case .load: return [kerf, "unload", argv[2]]
    case .start: return [kerf, "kill", argv[2]]
    case .releaseDevice, .acquireDevice:
      let before = index == 0 ? [handover.old] : handover.steps[index - 1].instances
      guard let instance = before.first(where: { $0.name == argv[2] }) else { return nil }
      let devices = instance.devices.map { reference in
        plan.coordinatorPool?.devices.first { $0.reference == reference }?.pciAddress ?? reference
      }
      return [
        kerf, "update", instance.name, "--cpus=" + KerfCommandEmitter.ranges(instance.physicalIds),
        "--memory=\(instance.memoryBytes)",
        "--devices=" + (devices.isEmpty ? "none" : devices.joined(separator: ",")),
      ]
    default: return nil
    }
  }

  // MARK: state

  /// The progress file, checked against the plan's hand-overs: its steps
  /// must be one hand-over's, and its undo steps typed kerf commands.
  func loadProgress(_ handovers: [Handover]) throws(StateStore.LoadError) -> HandoverProgress? {
    guard let progress = try store.load(HandoverProgress.self, from: progressPath) else {
      return nil
    }
    var problems: [String] = []
    if let handover = handovers.first(where: { $0.workload == progress.workload }) {
      if progress.steps.map(\.id) != handover.steps.map(\.id) {
        problems.append("steps: not the steps of the hand-over of '\(progress.workload)'")
      }
    }
    for (index, step) in progress.rollback.enumerated() {
      if case .failure(let refusal) = HostCommand.parse(step.argv ?? []) {
        problems.append("rollback[\(index)].argv: \(refusal)")
      }
      if PlanValidator.commandIdProblem(step.id) != nil {
        problems.append("rollback[\(index)].id: not a command id")
      }
    }
    if !RunID.isValid(progress.runID) { problems.append("runID: not a run id") }
    guard problems.isEmpty else { throw .refused(path: progressPath, problems: problems) }
    return progress
  }

  func save(_ progress: HandoverProgress) throws(HostIOError) {
    try store.save(progress, to: progressPath)
  }

  /// Whether the applied record shows the hand-over done (its last command recorded).
  static func isDone(_ handover: Handover, _ record: AppliedRecord) -> Bool {
    guard let last = handover.steps.last(where: { $0.argv != nil }) else { return false }
    return record.commands[last.id] == last.argv
  }

  /// Records the hand-over in the applied record (its commands, and the
  /// successor's bring-up under the usual ids, which `verify` reads), then
  /// removes the progress file and the evidence files.
  func finish(_ handover: Handover, plan: Plan, progress: HandoverProgress, applied: AppliedRecord?)
    throws(HostIOError) -> AppliedRecord
  {
    var record =
      applied
      ?? AppliedRecord(
        planDigest: progress.planDigest, plan: plan, bootID: bootID, commands: [:])
    // The plan the hand-over belongs to is what runs now (apply records a
    // plan only when it changed something else too).
    record.plan = plan
    // `run` checked that the progress belongs to this plan: its digest.
    record.planDigest = progress.planDigest
    record.bootID = bootID
    var ran: [ApplyStep] = []
    for step in handover.steps {
      guard let argv = step.argv else { continue }
      ran.append(ApplyStep(kind: .command, path: step.id, argv: argv))
      if [.create, .load, .start].contains(step.kind) {
        ran.append(ApplyStep(kind: .command, path: "\(step.kind.rawValue):\(argv[2])", argv: argv))
      }
    }
    record.commands = Applier.mergedCommands(previous: record.commands, ran: ran)
    try store.save(record, to: store.appliedPath)
    try clear(progress)
    return record
  }

  /// Records the plan without the hand-over (what runs), then clears the progress.
  func finishRollback(
    _ handover: Handover, plan: Plan, progress: HandoverProgress, applied: AppliedRecord?
  ) throws(HostIOError) -> AppliedRecord {
    let rolledBack = plan.withoutHandover(handover)
    let digest: String
    do { digest = try StateStore.digest(rolledBack) } catch {
      // The same plan less one hand-over encoded for `run`: only a bug gets here.
      throw HostIOError(
        operation: "record", path: store.appliedPath, errno: EINVAL,
        reason: error.diagnostics.map(\.message).joined(separator: "; "))
    }
    var record = AppliedRecord(
      planDigest: digest, plan: rolledBack, bootID: bootID,
      commands: applied?.commands ?? [:])
    record.commands = Applier.mergedCommands(
      previous: record.commands,
      ran: progress.rollback.compactMap { step in
        step.argv.map { ApplyStep(kind: .command, path: step.id, argv: $0) }
      })
    // The successor's own commands are gone with it.
    record.commands = record.commands.filter { !$0.key.hasPrefix("handover:\(handover.workload):") }
    try store.save(record, to: store.appliedPath)
    try clear(progress)
    return record
  }

  /// The evidence files first, the progress file last: interrupted on the
  /// way, the next run finds every step done and finishes again.
  func clear(_ progress: HandoverProgress) throws(HostIOError) {
    for step in progress.steps + progress.rollback {
      let path = store.evidencePath(runID: progress.runID, command: step.id)
      if host.kind(path) == .file { try host.removeFile(path) }
    }
    try host.removeFile(progressPath)
  }

  static func duration(_ milliseconds: Int) -> String {
    milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
  }
}
