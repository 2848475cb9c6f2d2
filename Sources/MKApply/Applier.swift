import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// Why an apply did not start (nothing was written).
public enum ApplyRefusal: Error, Sendable, CustomStringConvertible {
  /// Paths or values outside what apply may touch (E505).
  case unsafe([String])
  /// Another live apply holds the lock (E504).
  case locked(HostLock.Failure)
  /// The state directory holds a journal or record that does not parse (E508).
  case unreadableState(StateStore.LoadError)
  /// A journal from a different plan is waiting to be recovered (E506).
  case interruptedOther(path: String, policy: String)
  /// No journal to recover.
  case nothingToRecover(path: String)
  /// The journal could not be written before the first change.
  case journal(HostIOError)
  /// With `--root`, a program the plan runs is not inside the root (E515):
  /// the problems, and the plan's commands, shown instead of run.
  case commandsUnavailable([String], commands: [String])
  /// A live value apply must know could not be read for another reason than
  /// ENOENT (E520): apply never guesses what it would have to restore.
  case unreadable(HostIOError)
  /// The plan cannot be written as JSON, so it has no digest to bind the
  /// journal to (E270, from `PlanCodec`).
  case unencodable(Diagnostic)

  public var code: String {
    switch self {
    case .unsafe: "E505"
    case .locked(.held): "E504"
    case .locked(.io): "E510"
    case .commandsUnavailable: "E515"
    case .unreadableState: "E508"
    case .interruptedOther: "E506"
    case .nothingToRecover: "E509"
    case .journal: "E510"
    case .unreadable: "E520"
    case .unencodable(let diagnostic): diagnostic.code
    }
  }

  /// The refusal in the front end's `Diagnostic` model: what was refused,
  /// the path, value and errno where there is one, and what to do.
  public var diagnostic: Diagnostic {
    switch self {
    case .unsafe(let problems):
      return .error(
        code, "refusing to apply: the plan touches what apply must not; nothing was written",
        notes: problems.map { Diagnostic.Note($0) },
        help: ["fix the policy or plan (docs/apply.md lists what apply may touch)"])
    case .locked(let failure):
      return .error(code, failure.message, help: failure.help)
    case .commandsUnavailable(let problems, let commands):
      return .error(
        code, "refusing to apply: a command the plan runs cannot be run here; nothing was written",
        notes: problems.map { Diagnostic.Note($0) }
          + commands.map { Diagnostic.Note("not run: \($0)") },
        help: ["install the programs inside the root, or apply on the machine itself"])
    case .unreadableState(.refused(let path, let problems)):
      return .error(
        code,
        "\(path) is refused: it holds what apply never writes or runs; nothing was run or written",
        notes: problems.prefix(50).map { Diagnostic.Note($0) },
        help: ["inspect the file; move it away only if no apply is running"])
    case .unreadableState(let error):
      return .error(
        code, "\(error)",
        help: ["inspect the file; move it away only if no apply is running"])
    case .interruptedOther(let path, let policy):
      return .error(
        code, "an interrupted apply of a different plan (policy \(policy)) left \(path)",
        help: ["run `mkpolicy recover --rollback` or `mkpolicy recover --complete` first"])
    case .nothingToRecover(let path):
      return .error(
        code, "no interrupted apply: \(path) does not exist",
        help: ["nothing to recover; `mkpolicy verify` compares the host with the applied plan"])
    case .journal(let error):
      return .error(
        code, "cannot write the journal before the first change: \(error); nothing was written",
        help: ApplyFailure.help(errno: error.errno, path: error.path))
    case .unreadable(let error):
      return .error(
        code, "cannot read the live state: \(error); nothing was written",
        help: [
          "fix the cause (permissions, a file the kernel refuses to read) and apply again"
        ])
    case .unencodable(let diagnostic):
      return diagnostic
    }
  }

  public var description: String {
    switch self {
    case .unsafe(let problems):
      "refusing to apply: the plan touches what apply must not\n"
        + problems.map { "  \($0)\n" }.joined()
        + "help: fix the policy or plan; nothing was written"
    case .locked(let failure): "\(failure)"
    case .commandsUnavailable(let problems, let commands):
      "refusing to apply: a command the plan runs cannot be run here\n"
        + problems.map { "  \($0)\n" }.joined()
        + "the plan's commands (not run):\n" + commands.map { "  \($0)\n" }.joined()
        + "help: install the programs inside the root, or apply on the machine itself; nothing was written"
    case .unreadableState(let error):
      "\(error)\nhelp: inspect the file; move it away only if no apply is running"
    case .interruptedOther(let path, let policy):
      "an interrupted apply of a different plan (policy \(policy)) left \(path)\nhelp: run `mkpolicy recover --rollback` or `mkpolicy recover --complete` first"
    case .nothingToRecover(let path): "no interrupted apply: \(path) does not exist"
    case .journal(let error):
      "cannot write the journal before the first change: \(error); nothing was written"
    case .unreadable(let error):
      "cannot read the live state: \(error); nothing was written\nhelp: fix the cause (permissions, a file the kernel refuses to read) and apply again"
    case .unencodable(let diagnostic):
      "\(diagnostic.message); nothing was written"
        + diagnostic.help.map { "\nhelp: \($0)" }.joined()
    }
  }
}

/// Applies a plan to a host through the `HostIO` seam: checks every path,
/// records prior values in the journal before the first write, performs each
/// step only if it is not already in effect, reads every write back, and on
/// failure restores the journal's values in reverse order.
public final class Applier {
  public let host: any HostIO
  public let store: StateStore
  public let bootID: String

  /// Names this run's command evidence files: random, never a pid (a
  /// later apply with the same pid must never find this run's files).
  public let runID: String
  /// The state directory's lock, held from before the journal is read
  /// until the apply ends.
  public let lock: HostLock

  public init(host: any HostIO, stateDirectory: String = "/var/lib/mkpolicy", bootID: String? = nil)
  {
    self.host = host
    store = StateStore(host: host, directory: stateDirectory)
    self.bootID = bootID ?? Applier.readBootID(host)
    runID = RunID.make()
    lock = HostLock(store: store, holderText: "pid=\(host.processID) run=\(runID)\n")
  }

  public static func readBootID(_ host: any HostIO) -> String {
    ((try? host.read("/proc/sys/kernel/random/boot_id")) ?? "").trimmingASCIIWhitespace()
  }

  /// Steps the plan needs that are not in effect yet (read-only).
  public func pendingSteps(_ plan: Plan) throws(ApplyRefusal) -> (
    pending: [ApplyStep], unchanged: Int
  ) {
    let steps = try checkedSteps(plan).steps
    let applied: AppliedRecord?
    do { applied = try store.loadApplied() } catch { throw .unreadableState(error) }
    // When the final state of every path already holds, the intermediate
    // steps (a parent widened, then narrowed) are moot: nothing to do.
    let final = Verifier.finalState(steps) + steps.filter { $0.kind == .command }
    if final.allSatisfy({ inEffect($0, applied: applied, plan: plan) }) { return ([], steps.count) }
    let pending = steps.indices.filter {
      !inEffect(steps[$0], applied: applied, plan: plan) && !Self.isMoot(steps, $0, host)
    }.map { steps[$0] }
    return (pending, steps.count - pending.count)
  }

  /// A step inside a directory that a later step removes, once that
  /// directory is gone: nothing left to do for it (its file cannot be read).
  static func isMoot(_ steps: [ApplyStep], _ index: Int, _ host: any HostIO) -> Bool {
    let step = steps[index]
    guard step.kind != .command, step.kind != .file else { return false }
    for later in steps[(index + 1)...] where later.kind == .rmdir {
      let removesIt =
        step.path.hasPrefix(later.path + "/") || (step.path == later.path && step.kind == .mkdir)
      if removesIt && host.kind(later.path) == .missing { return true }
    }
    return false
  }

  /// The commands the applied record says are in effect: none when the
  /// record is from an earlier boot (kernel instances, a stopped service and
  /// everything else a command did are gone with it).
  func commandsInEffect(_ applied: AppliedRecord?) -> [String: [String]] {
    guard let applied = thisBoot(applied) else { return [:] }
    return applied.commands
  }

  /// The record when it is of this boot.
  func thisBoot(_ applied: AppliedRecord?) -> AppliedRecord? {
    guard let applied, applied.bootID == bootID else { return nil }
    return applied
  }

  /// Whether a command step's effect holds by the record. kerf commands of
  /// a plan that describes its instances are never taken from the record:
  /// the reconcile read the instances live and asks only for what is needed.
  func recorded(_ step: ApplyStep, _ applied: AppliedRecord?, plan: Plan) -> Bool {
    // A running irqbalance must be stopped whatever the record says (it was
    // started again); the reconcile asked /proc, and leaves the step out
    // when it is not running.
    if step.path == "irqbalance:stop",
      (try? ProcessProbe(host: host).running(ProcessProbe.irqbalance))??.isEmpty == false
    {
      return false
    }
    if HostSetupReconciler.decidedLive(step) { return false }
    if step.argv?.first == KerfCommandEmitter.kerf,
      InstanceReconciler.describesInstances(plan)
        || thisBoot(applied).map({ InstanceReconciler.describesInstances($0.plan) }) == true
    {
      return false
    }
    return commandsInEffect(applied)[step.path] == step.argv
  }

  /// The steps that reconcile the host with the plan's desired state, after
  /// the path guard and the foreign-partition check.
  func checkedSteps(_ plan: Plan) throws(ApplyRefusal) -> Reconciler.Result {
    let applied: AppliedRecord?
    do { applied = try store.loadApplied() } catch { throw .unreadableState(error) }
    let result: Reconciler.Result
    do {
      result = try Reconciler(host: host).reconcile(plan, record: thisBoot(applied))
    } catch { throw .unreadable(error) }
    let steps = result.steps
    let guardrail = PathGuard(plan: plan, stateDirectory: store.directory)
    let problems =
      guardrail.problems(in: steps, bootloader: plan.bootStaging?.bootloader)
      + foreignPartitionConflicts(steps, parent: plan.effectiveCgroupParent)
    guard problems.isEmpty else { throw .unsafe(problems) }
    return result
  }

  /// CPUs the plan gives its cgroup parent that a partition next to it, not
  /// apply's, holds. The kernel (6.1) accepts such a `cpuset.cpus` write and
  /// turns the other partition `invalid`, which a rollback cannot undo (it
  /// does not revalidate it): refuse before writing anything.
  func foreignPartitionConflicts(_ steps: [ApplyStep], parent: String) -> [String] {
    let slash = parent.lastIndex(of: "/") ?? parent.startIndex
    let above = String(parent[..<slash])
    guard !above.isEmpty else { return [] }
    var problems: [String] = []
    for step in steps where step.kind == .write && step.path == parent + "/cpuset.cpus" {
      guard let wanted = try? CPUSet(cpulist: step.value ?? "", allowEmpty: true) else { continue }
      for sibling in ((try? host.list(above)) ?? []).sorted() {
        let path = above + "/" + sibling
        guard path != parent, host.kind(path) == .directory,
          let mode = ReadBack.read(path + "/cpuset.cpus.partition", host),
          mode == "root" || mode == "isolated",
          let text = ReadBack.read(path + "/cpuset.cpus.effective", host),
          let held = try? CPUSet(cpulist: text, allowEmpty: true)
        else { continue }
        let shared = held.intersection(wanted)
        if !shared.isEmpty {
          problems.append(
            "write \(Quoted.text(step.path)) = \(Quoted.text(wanted.cpulist)): CPUs \(shared.cpulist) are held by the \(mode) partition \(path), which the kernel would turn invalid; give them up there or plan without them"
          )
        }
      }
    }
    return problems
  }

  func inEffect(_ step: ApplyStep, applied: AppliedRecord?, plan: Plan) -> Bool {
    if step.kind == .command { return recorded(step, applied, plan: plan) }
    return ReadBack.difference(step, on: host) == nil
  }

  /// Applies `plan`, or completes it when an interrupted apply of the same
  /// plan left its journal. The lock is taken first: the journal, the
  /// record and the host are read only by its holder.
  public func apply(_ plan: Plan, rollback: Bool = true, dryRun: Bool = false) throws(ApplyRefusal)
    -> ApplyReport
  {
    if dryRun { return try preview(plan) }
    do { try lock.acquire() } catch { throw .locked(error) }
    do {
      return try applyLocked(plan, rollback: rollback)
    } catch {
      lock.release()
      throw error
    }
  }

  /// `--dry-run`: what apply would do, read without the lock.
  func preview(_ plan: Plan) throws(ApplyRefusal) -> ApplyReport {
    let reconciled = try checkedSteps(plan)
    let journal: Journal?
    do { journal = try store.loadJournal() } catch { throw .unreadableState(error) }
    let (pending, unchanged) = try pendingSteps(plan)
    var report = ApplyReport(outcome: .dryRun)
    report.changes = pending
    report.unchanged = unchanged
    report.pending = reconciled.pending
    report.rebootRequired = HostSetupReconciler(host: host).rebootNotice(plan, steps: pending)
    if journal != nil { report.notes.append("an interrupted apply left \(store.journalPath)") }
    return report
  }

  func applyLocked(_ plan: Plan, rollback: Bool) throws(ApplyRefusal) -> ApplyReport {
    let reconciled = try checkedSteps(plan)
    let steps = reconciled.steps
    let digest: String
    do { digest = try StateStore.digest(plan) } catch { throw .unencodable(error.diagnostics[0]) }
    let journal: Journal?
    do { journal = try store.loadJournal() } catch { throw .unreadableState(error) }
    if let journal, journal.planDigest != digest {
      throw .interruptedOther(path: store.journalPath, policy: journal.plan.policy)
    }
    if let journal {
      return try resume(journal, rollback: rollback)
    }
    let (pending, unchanged) = try pendingSteps(plan)
    if pending.isEmpty {
      lock.release()
      var report = ApplyReport(outcome: .nothingToDo)
      report.unchanged = unchanged
      report.pending = reconciled.pending
      report.rebootRequired = HostSetupReconciler(host: host).rebootNotice(plan)
      return report
    }
    try requireCommands(steps)
    try requireStateDirectory()
    let applied = try? store.loadApplied()
    var entries: [JournalEntry] = []
    do {
      for var step in steps {
        if step.kind == .command && step.undo == nil {
          step.undo = Self.undoFromRecord(step.argv ?? [], commandsInEffect(applied))
        }
        entries.append(JournalEntry(step: step, prior: try prior(of: step), status: .pending))
      }
    } catch {
      throw .unreadable(error)
    }
    var fresh = Journal(
      planDigest: digest, plan: plan, runID: runID, phase: .applying, entries: entries)
    if applied != nil || host.kind(store.appliedPath) == .missing {
      fresh.appliedBefore = Journal.AppliedBefore(record: applied)
    }
    do {
      fresh.partitions = try partitionStates(steps, parent: plan.effectiveCgroupParent)
    } catch {
      throw .unreadable(error)
    }
    do {
      try store.save(fresh, to: store.journalPath)
    } catch {
      throw .journal(error)
    }
    var report = execute(&fresh, rollback: rollback)
    report.pending = reconciled.pending + report.pending
    if report.outcome == .applied {
      report.rebootRequired = HostSetupReconciler(host: host).rebootNotice(plan)
    }
    return report
  }

  /// With `--root`, commands run only from inside the root: when one of the
  /// plan's programs is not there, nothing is written and the commands are
  /// shown (E515).
  func requireCommands(_ steps: [ApplyStep]) throws(ApplyRefusal) {
    var missing: [String] = []
    var seen = Set<String>()
    for step in steps where step.kind == .command {
      for argv in [step.argv ?? [], step.undo ?? []] {
        guard let program = argv.first, seen.insert(program).inserted else { continue }
        if let problem = host.commandProblem(program) { missing.append("\(problem)") }
      }
    }
    guard missing.isEmpty else {
      throw .commandsUnavailable(
        missing, commands: steps.filter { $0.kind == .command }.map(\.summary))
    }
  }

  /// The evidence directory must be a directory (or not exist yet): a link
  /// or a file there is refused before the first write (E510).
  func requireStateDirectory() throws(ApplyRefusal) {
    let commands = store.directory + "/commands"
    switch host.kind(commands) {
    case .missing, .directory: return
    case .file, .other:
      throw .locked(
        .io(
          HostIOError(
            operation: "open", path: commands, errno: ENOTDIR,
            reason: "not a directory (a symbolic link or another file)")))
    }
  }

  /// Continues an interrupted apply found in the journal.
  public func recover(complete: Bool) throws(ApplyRefusal) -> ApplyReport {
    do { try lock.acquire() } catch { throw .locked(error) }
    do {
      return try recoverLocked(complete: complete)
    } catch {
      lock.release()
      throw error
    }
  }

  func recoverLocked(complete: Bool) throws(ApplyRefusal) -> ApplyReport {
    let journal: Journal?
    do { journal = try store.loadJournal() } catch { throw .unreadableState(error) }
    guard var journal else { throw .nothingToRecover(path: store.journalPath) }
    try requireCommands(journal.entries.map(\.step))
    try requireStateDirectory()
    if complete {
      return try resume(journal, rollback: true)
    }
    var report = ApplyReport(outcome: .rolledBack)
    report.notes = ["rolling back the interrupted apply of policy \(journal.plan.policy)"]
    rollBack(&journal, through: journal.entries.count - 1, into: &report)
    return report
  }

  /// Runs the rest of a journal; the caller holds the lock.
  func resume(_ journal: Journal, rollback: Bool) throws(ApplyRefusal) -> ApplyReport {
    try requireCommands(journal.entries.map(\.step))
    try requireStateDirectory()
    var journal = journal
    journal.phase = .applying
    var report = execute(&journal, rollback: rollback)
    report.notes = ["completing the interrupted apply found in \(store.journalPath)"] + report.notes
    return report
  }

  // MARK: Coordinator state

  /// kerf verbs that bring an instance up, and the ones that take it down.
  static let bringUp = ["create": "delete", "load": "unload", "start": "kill"]
  static let takeDown = ["delete": "create", "unload": "load", "kill": "start"]

  /// Undoing a teardown command needs the command that brought the instance
  /// up (`kerf unload vm1` is undone by the recorded `kerf load vm1 --kernel
  /// ...`); `kill` is undone by `start`.
  static func undoFromRecord(_ argv: [String], _ commands: [String: [String]]) -> [String]? {
    guard argv.count >= 3, argv[0] == "kerf", let verb = takeDown[argv[1]] else { return nil }
    if verb == "start" { return ["kerf", "start", argv[2]] }
    return commands.sorted { $0.key < $1.key }.map(\.value).first {
      $0.count >= 3 && $0[0] == "kerf" && $0[1] == verb && $0[2] == argv[2]
    }
  }

  /// The recorded commands after this apply: the previous ones, without
  /// those a new command reverses (a `delete vm1` drops `create vm1`), plus
  /// the new ones. The record thus describes what is in effect now.
  static func mergedCommands(previous: [String: [String]], ran: [ApplyStep]) -> [String: [String]] {
    var out = previous
    for step in ran {
      let argv = step.argv ?? []
      if argv.count >= 3, argv[0] == "kerf", let reversed = bringUp[argv[1]] ?? takeDown[argv[1]] {
        out = out.filter {
          !($0.value.count >= 3 && $0.value[1] == reversed && $0.value[2] == argv[2])
        }
      }
      out[step.path] = argv
    }
    return out
  }

  // MARK: Prior values

  static let restorableSettings = [
    "cpuset.mems", "cpuset.cpus", "cpuset.cpus.exclusive", "cpuset.cpus.partition",
    "cpuset.cpu_exclusive",
    "cpuset.sched_load_balance", "cpu.weight", "cpu.max", "memory.min", "memory.low", "memory.high",
    "memory.max", "pids.max", "cgroup.subtree_control",
  ]

  /// The live value a step is about to change. Only ENOENT means "did not
  /// exist"; any other read error is thrown, and apply stops before writing.
  func prior(of step: ApplyStep) throws(HostIOError) -> PriorValue? {
    let reader = Reconciler(host: host)
    switch step.kind {
    case .command:
      return nil
    case .mkdir:
      return PriorValue(exists: host.kind(step.path) == .directory)
    case .rmdir:
      guard host.kind(step.path) == .directory else { return PriorValue(exists: false) }
      var settings: [PriorValue.Setting] = []
      var invalid = false
      for file in Self.restorableSettings {
        guard let text = try reader.live(step.path + "/" + file) else { continue }
        var value = text
        if file == "cpuset.cpus.partition" {
          value = String(text.split(separator: " ").first ?? "member")
          invalid = text.contains("invalid")
        }
        settings.append(PriorValue.Setting(file: file, value: value))
      }
      return PriorValue(exists: true, settings: settings, invalid: invalid ? true : nil)
    case .write, .irq, .kernel, .revalidate:
      guard let text = try reader.live(step.path) else { return PriorValue(exists: false) }
      var value = text
      var invalid: Bool?
      if ReadBack.name(step.path) == "cpuset.cpus.partition" {
        value = String(value.split(separator: " ").first ?? "member")
        if text.contains("invalid") { invalid = true }
      }
      return PriorValue(exists: true, value: value, invalid: invalid)
    case .file:
      do {
        return PriorValue(exists: true, value: try host.read(step.path))
      } catch  where error.errno == ENOENT {
        return PriorValue(
          exists: false, createdDirectories: HostSetupReconciler.missingDirectories(step.path, host)
        )
      }
    }
  }

  // MARK: Forward

  struct StepFailure: Error {
    var detail: ApplyFailure
  }

  func perform(_ step: ApplyStep) throws(HostIOError) {
    switch step.kind {
    case .mkdir: try host.makeDirectory(step.path)
    case .rmdir: try host.removeDirectory(step.path)
    case .write, .irq, .kernel: try host.write(step.path, step.value ?? "")
    case .revalidate:
      try host.write(step.path, "member")
      try host.write(step.path, step.value ?? "")
    case .file: try host.replaceAtomically(step.path, step.value ?? "")
    case .command: break
    }
  }

  /// A step's read-back. In a cgroup whose partition the kernel had
  /// invalidated before this apply, a CPU or memory write is checked for its
  /// value only: the partition stays invalid until its revalidation step,
  /// which is checked for validity.
  func difference(_ step: ApplyStep, _ invalidBefore: Set<String>) -> String? {
    let name = ReadBack.name(step.path)
    guard step.kind == .write, invalidBefore.contains(ReadBack.directory(step.path)),
      ["cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive"].contains(name)
    else { return ReadBack.difference(step, on: host) }
    guard let text = ReadBack.read(step.path, host) else { return "\(step.path) cannot be read" }
    return Reconciler.same(step.path, step.value ?? "", text, host)
      ? nil
      : "\(step.path) reads \(Quoted.text(text)), wanted \(Quoted.text(step.value ?? ""))"
  }

  func execute(_ journal: inout Journal, rollback: Bool) -> ApplyReport {
    var report = ApplyReport(outcome: .applied)
    let invalidBefore = Set(
      (journal.partitions ?? [:]).filter { $0.value.contains("invalid") }.keys.map(
        ReadBack.directory))
    let applied = try? store.loadApplied()
    var index = 0
    do {
      while index < journal.entries.count {
        let entry = journal.entries[index]
        let step = entry.step
        if entry.status == .done || entry.status == .unchanged {
          index += 1
          continue
        }
        if step.kind == .command {
          let evidence = store.evidencePath(runID: journal.runID, command: step.path)
          if entry.status == .started && host.kind(evidence) == .file {
            // The interrupted apply started it: never run a command twice.
            report.notes.append(
              "command [\(step.path)] was started by the interrupted apply; not run again")
            journal.entries[index].status = .done
            try save(journal)
          } else if recorded(step, applied, plan: journal.plan) {
            report.unchanged += 1
            journal.entries[index].status = .unchanged
          } else {
            journal.entries[index].status = .started
            try save(journal)
            let argv = step.argv ?? []
            let result = try runTyped(argv, evidence: evidence)
            journal.entries[index].status = result.status == 0 ? .done : .failed
            guard result.status == 0 else {
              throw StepFailure(
                detail: .command(
                  step, status: result.status, output: result.output.trimmingASCIIWhitespace()))
            }
            if let found = HostSetupReconciler(host: host).readBack(step, plan: journal.plan) {
              throw StepFailure(detail: .readBack(step, found: found))
            }
            report.changes.append(step)
            try save(journal)
          }
        } else if difference(step, invalidBefore) == nil
          || Self.isMoot(journal.entries.map(\.step), index, host)
        {
          report.unchanged += 1
          journal.entries[index].status = .unchanged
        } else {
          try perform(step)
          if let difference = difference(step, invalidBefore) {
            throw StepFailure(detail: .readBack(step, found: difference))
          }
          // Not journaled per write: after a crash every write is checked
          // against the host again, and rollback compares with the prior
          // values; only commands need their progress on disk.
          journal.entries[index].status = .done
          report.changes.append(step)
          if step.kind == .irq, let wanted = try? CPUSet(cpulist: step.value ?? ""),
            let move = IRQMove.deferred(step.path, wanted: wanted, host)
          {
            report.pending.append(move)
          }
        }
        index += 1
      }
      let commands = Self.mergedCommands(
        previous: commandsInEffect(applied),
        ran: journal.entries.filter { $0.step.kind == .command && $0.status == .done }.map(\.step))
      try store.save(
        AppliedRecord(
          planDigest: journal.planDigest, plan: journal.plan, bootID: bootID, commands: commands),
        to: store.appliedPath)
    } catch {
      let detail =
        (error as? StepFailure)?.detail
        ?? (error as? HostIOError).map(ApplyFailure.refused)
        ?? ApplyFailure(cause: .refused, operation: "apply", path: "", reason: "\(error)")
      report.failure = detail.message
      report.failureDetail = detail
      if index >= journal.entries.count { index = journal.entries.count - 1 }
      guard rollback else {
        report.outcome = .leftAsIs
        do { try save(journal) } catch {
          report.notes.append("could not update the journal: \(error)")
        }
        lock.release()
        return report
      }
      report.outcome = .rolledBack
      rollBack(&journal, through: index, into: &report)
      return report
    }
    do {
      try host.removeFile(store.journalPath)
      try expect(
        host.kind(store.journalPath) == .missing, "remove", store.journalPath, "it still exists")
      removeEvidence(journal, into: &report)
    } catch {
      report.failure =
        "applied, but \(error); the next apply will find it and finish (nothing left to do)"
    }
    lock.release()
    return report
  }

  /// A command's evidence file proves it started only while its journal
  /// exists; once the journal is gone they go too, so that a later apply of
  /// the same run id (same boot, a reused pid) never mistakes them for its own.
  func removeEvidence(_ journal: Journal, into report: inout ApplyReport) {
    for entry in journal.entries where entry.step.kind == .command {
      for name in [entry.step.path, "undo-" + entry.step.path] {
        let path = store.evidencePath(runID: journal.runID, command: name)
        guard host.kind(path) == .file else { continue }
        do {
          try host.removeFile(path)
          try expect(host.kind(path) == .missing, "remove", path, "it still exists")
        } catch {
          report.notes.append(
            "could not remove the command evidence \(path): \(error); remove it before the next apply"
          )
        }
      }
    }
  }

  /// Runs the argv rebuilt from its typed `HostCommand`, never the stored
  /// one as written; one that does not parse is not run (EPERM).
  func runTyped(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
    switch HostCommand.parse(argv) {
    case .success(let command): return try host.run(command.argv, evidence: evidence)
    case .failure(let refusal):
      throw HostIOError(
        operation: "run", path: argv.joined(separator: " "), errno: EPERM,
        reason: "refused: \(refusal)")
    }
  }

  func save(_ journal: Journal) throws(HostIOError) {
    try store.save(journal, to: store.journalPath)
  }

  // MARK: Rollback

  /// Restores every recorded value from entry `last` down to the first, then
  /// removes the journal (kept when something could not be restored).
  func rollBack(_ journal: inout Journal, through last: Int, into report: inout ApplyReport) {
    journal.phase = .rollingBack
    do { try save(journal) } catch {
      report.notes.append("could not mark the journal rolling back: \(error)")
    }
    let created = Set(
      journal.entries.filter { $0.step.kind == .mkdir && $0.prior?.exists == false }.map(
        \.step.path))
    var vanishing: [String: String] = [:]
    if last >= 0 {
      // A command undone by running it again (update-grub, daemon-reload)
      // reads the files before it: it runs once they are all restored.
      var reruns: [Int] = []
      for index in stride(from: last, through: 0, by: -1) {
        if HostSetupReconciler.undoneByRerun(journal.entries[index].step) {
          reruns.insert(index, at: 0)
          continue
        }
        restore(
          journal.entries[index], runID: journal.runID, created: created, vanishing: &vanishing,
          into: &report)
        journal.entries[index].status = .restored
      }
      for index in reruns {
        restore(
          journal.entries[index], runID: journal.runID, created: created, vanishing: &vanishing,
          into: &report)
        journal.entries[index].status = .restored
      }
    }
    revalidate(journal, into: &report)
    // Interface files that appeared when a controller was enabled cannot be
    // removed (EPERM): they go when the controller is disabled again, which
    // an earlier entry, restored after them, does. Only one still there fails.
    for (path, failure) in vanishing.sorted(by: { $0.key < $1.key }) {
      if host.kind(path) == .missing {
        report.restored.append("\(path) gone with its controller or queue (did not exist)")
      } else {
        report.notRestored.append(failure)
      }
    }
    if report.notRestored.isEmpty { restoreAppliedRecord(journal, into: &report) }
    if report.notRestored.isEmpty {
      if (try? host.removeFile(store.journalPath)) == nil, host.kind(store.journalPath) != .missing
      {
        report.notes.append("could not remove \(store.journalPath)")
      } else {
        removeEvidence(journal, into: &report)
      }
    } else {
      report.outcome = .rollbackIncomplete
      try? save(journal)
    }
    lock.release()
  }

  /// An apply killed after it wrote the applied record (before it removed
  /// its journal) left the record naming its plan: once the host is rolled
  /// back, the record before it is put back (or removed when there was
  /// none), so that `verify` compares the host with the plan it has again.
  func restoreAppliedRecord(_ journal: Journal, into report: inout ApplyReport) {
    guard let before = journal.appliedBefore, let current = try? store.loadApplied(),
      current.planDigest == journal.planDigest, current != before.record
    else { return }
    do {
      if let record = before.record {
        try store.save(record, to: store.appliedPath)
        report.restored.append("\(store.appliedPath) names plan \(record.planDigest) again")
      } else {
        try host.removeFile(store.appliedPath)
        report.restored.append("\(store.appliedPath) removed (did not exist)")
      }
    } catch {
      report.notRestored.append("\(store.appliedPath) could not be put back: \(error)")
    }
  }

  func restore(
    _ entry: JournalEntry, runID: String, created: Set<String>,
    vanishing: inout [String: String], into report: inout ApplyReport
  ) {
    let step = entry.step
    do {
      switch step.kind {
      case .command:
        let evidence = store.evidencePath(runID: runID, command: step.path)
        guard entry.status == .done || (entry.status == .started && host.kind(evidence) == .file)
        else { return }
        guard let undo = step.undo else {
          report.notRestored.append(
            "command [\(step.path)] \((step.argv ?? []).joined(separator: " ")) took effect and has no known undo"
          )
          return
        }
        let undoEvidence = store.evidencePath(runID: runID, command: "undo-" + step.path)
        let result = try runTyped(undo, evidence: undoEvidence)
        guard result.status == 0 else {
          report.notRestored.append(
            "command [\(step.path)]: undo \(undo.joined(separator: " ")) exited with status \(result.status)"
          )
          return
        }
        try? host.removeFile(evidence)
        report.restored.append("ran \(undo.joined(separator: " ")) (undoes [\(step.path)])")
      case .mkdir:
        guard entry.prior?.exists == false, host.kind(step.path) == .directory else { return }
        try host.removeDirectory(step.path)
        try expect(host.kind(step.path) == .missing, "rmdir", step.path, "it still exists")
        report.restored.append("\(step.path) removed (did not exist)")
      case .rmdir:
        guard let prior = entry.prior, prior.exists else { return }
        if host.kind(step.path) != .directory {
          try host.makeDirectory(step.path)
          report.restored.append("\(step.path) recreated")
        }
        for setting in prior.settings ?? [] {
          let path = step.path + "/" + setting.file
          guard host.kind(path) != .missing else { continue }
          try restoreValue(path, setting.value, kind: .write, into: &report)
        }
      case .write, .irq, .kernel, .revalidate:
        guard let prior = entry.prior else { return }
        if prior.exists {
          try restoreValue(step.path, prior.value ?? "", kind: step.kind, into: &report)
        } else if !created.contains(ReadBack.directory(step.path)), host.kind(step.path) == .file {
          do {
            try host.removeFile(step.path)
            report.restored.append("\(step.path) removed (did not exist)")
          } catch  where step.kind == .write || step.kind == .kernel {
            // A NIC queue's file goes with the queue, when the channel count is restored.
            vanishing[step.path] = "\(error)"
          }
        }
      case .file:
        guard let prior = entry.prior else { return }
        if prior.exists {
          if (try? host.read(step.path)) != prior.value {
            try host.replaceAtomically(step.path, prior.value ?? "")
            try expect(
              (try? host.read(step.path)) == prior.value, "replace", step.path, "content differs")
            report.restored.append("\(step.path) restored (\(prior.value?.utf8.count ?? 0) bytes)")
          }
        } else {
          if host.kind(step.path) == .file {
            try host.removeFile(step.path)
            report.restored.append("\(step.path) removed (did not exist)")
          }
          try HostSetupReconciler(host: host).removeCreated(prior, into: &report)
        }
      }
    } catch {
      report.notRestored.append("\(error)")
    }
  }

  /// After values are restored, a partition the kernel invalidated on the
  /// way (and that was valid before apply) is still invalid: the kernel only
  /// checks it again when `member` and then its mode are written. Parents
  /// first, since an invalid parent invalidates its children.
  func revalidate(_ journal: Journal, into report: inout ApplyReport) {
    var wanted: [String: String] = [:]
    for (path, text) in journal.partitions ?? [:] where !text.contains("invalid") {
      wanted[path] = text
    }
    for entry in journal.entries {
      guard let prior = entry.prior, prior.exists, prior.invalid != true else { continue }
      switch entry.step.kind {
      case .write, .revalidate:
        if ReadBack.name(entry.step.path) == "cpuset.cpus.partition", let value = prior.value {
          wanted[entry.step.path] = value
        }
      case .rmdir:
        if let mode = prior.settings?.first(where: { $0.file == "cpuset.cpus.partition" }) {
          wanted[entry.step.path + "/cpuset.cpus.partition"] = mode.value
        }
      default: continue
      }
    }
    for (path, mode) in wanted.sorted(by: { Reconciler.shallowFirst($0.key, $1.key) })
    where mode == "root" || mode == "isolated" {
      guard let text = ReadBack.read(path, host), text.contains("invalid") else { continue }
      do {
        try host.write(path, "member")
        try host.write(path, mode)
        let back = ReadBack.read(path, host) ?? ""
        try expect(
          back == mode, "write", path,
          "reads \(Quoted.text(back)) after member then \(Quoted.text(mode))")
        report.restored.append("\(path) revalidated (member, then \(Quoted.text(mode)))")
      } catch {
        report.notRestored.append("\(error)")
      }
    }
  }

  /// `cpuset.cpus.partition` of every cgroup the steps touch and of the
  /// parent's children, as read now (only ENOENT means none).
  func partitionStates(_ steps: [ApplyStep], parent: String) throws(HostIOError)
    -> [String: String]
  {
    var directories = Set<String>()
    for step in steps where step.kind != .command {
      switch step.kind {
      case .mkdir, .rmdir: directories.insert(step.path)
      default: directories.insert(ReadBack.directory(step.path))
      }
    }
    if host.kind(parent) == .directory {
      directories.insert(parent)
      for name in try host.list(parent) { directories.insert(parent + "/" + name) }
    }
    var out: [String: String] = [:]
    let reader = Reconciler(host: host)
    for directory in directories
    where directory == parent || directory.hasPrefix(parent + "/") {
      guard host.kind(directory) == .directory else { continue }
      if let text = try reader.live(directory + "/cpuset.cpus.partition") {
        out[directory + "/cpuset.cpus.partition"] = text
      }
    }
    return out
  }

  func expect(_ condition: Bool, _ operation: String, _ path: String, _ reason: String)
    throws(HostIOError)
  {
    if !condition {
      throw HostIOError(
        operation: operation, path: path, errno: EIO, reason: "read-back after restore: \(reason)")
    }
  }

  /// Writes a recorded value back if the file does not already hold it.
  func restoreValue(
    _ path: String, _ value: String, kind: ApplyStep.Kind, into report: inout ApplyReport
  ) throws(HostIOError) {
    let check = { () -> String? in
      switch kind {
      case .irq:
        let have = try? CPUSet(cpulist: ReadBack.read(path, self.host) ?? "", allowEmpty: true)
        return have == (try? CPUSet(cpulist: value, allowEmpty: true)) ? nil : "differs"
      case .kernel: return ReadBack.kernelDifference(path, value, self.host)
      case .write, .revalidate:
        // Validity is the revalidation pass's business: here only the value.
        switch ReadBack.name(path) {
        case "cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive", "cpuset.cpus.partition":
          guard let text = ReadBack.read(path, self.host) else { return "cannot be read" }
          let mode = String(text.split(separator: " ").first ?? "")
          let have = ReadBack.name(path) == "cpuset.cpus.partition" ? mode : text
          return Reconciler.same(path, value, have, self.host) ? nil : "differs"
        default: return ReadBack.writeDifference(path, value, self.host)
        }
      default: return ReadBack.writeDifference(path, value, self.host)
      }
    }
    if check() == nil { return }
    var written = value
    if ReadBack.name(path) == "cgroup.subtree_control" {
      let want = Set(value.split(separator: " ").map(String.init))
      let have = Set(
        (ReadBack.read(path, host) ?? "").split(separator: " ").map {
          String($0.hasPrefix("+") ? $0.dropFirst() : $0)
        })
      written =
        (want.subtracting(have).sorted().map { "+" + $0 }
        + have.subtracting(want).sorted().map { "-" + $0 }).joined(separator: " ")
    }
    try host.write(path, written)
    let back = ReadBack.read(path, host) ?? ""
    try expect(
      check() == nil, "write", path, "reads \(Quoted.text(back)), recorded \(Quoted.text(value))")
    report.restored.append("\(path) = \(Quoted.text(value))")
  }
}
