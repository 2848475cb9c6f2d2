import MKCore
import MKPlan

/// Checks the state directory's files on load, with the guards a plan gets:
/// whoever can write `/var/lib/mkpolicy` must not gain a way to run a
/// program or to write outside what a plan may touch.
///
/// A journal is bound to its plan (`planDigest` is the plan's SHA-256
/// digest, and the plan passes `PlanValidator`); every step passes
/// `PathGuard` for that plan; every command and undo argv parses as a typed
/// `HostCommand` (and is rebuilt from it when run); prior values and
/// partition states are of the form their files hold; the run id names
/// evidence files inside `commands/` only. The applied record gets the same
/// plan checks, and its commands the same command check.
public enum StateValidator {
  /// At most this many journal entries (a 1,920-thread host's plan has
  /// well under 100,000 steps).
  public static let maximumEntries = 200_000

  public static func problems(_ journal: Journal, stateDirectory: String) -> [String] {
    var out: [String] = []
    if journal.version != 1 { out.append("version: \(journal.version) is not 1") }
    if !RunID.isValid(journal.runID) {
      out.append("runID: \(Quoted.text(journal.runID)) is not 1-64 letters, digits and -")
    }
    planProblems(journal.plan, digest: journal.planDigest, into: &out)
    if journal.entries.count > maximumEntries {
      out.append("entries: \(journal.entries.count), more than \(maximumEntries)")
      return out
    }
    let guardrail = PathGuard(plan: journal.plan, stateDirectory: stateDirectory)
    if let problem = guardrail.parentProblem() { out.append("plan: \(problem)") }
    var contents: [String: String] = [:]
    for write in journal.plan.fileWrites + journal.plan.kernelWrites
      + (journal.plan.hostSetup?.files ?? []) + journal.plan.systemdUnits
    {
      contents[write.path] = write.content
    }
    for write in journal.plan.hostSetup?.kernelWrites ?? [] {
      contents[write.path] = write.value
    }
    if let path = journal.plan.bootStaging?.path, let content = journal.plan.bootStaging?.content {
      contents[path] = content
    }
    for (index, entry) in journal.entries.enumerated() {
      // A file or kernel write carries exactly the plan's content.
      // (The reboot marker's package list keeps the names already there.)
      if entry.step.kind == .file || entry.step.kind == .kernel,
        contents[entry.step.path] != entry.step.value,
        !(journal.plan.hostSetup?.rebootRequired != nil
          && [RebootRequired.markerPath, RebootRequired.packagesPath].contains(entry.step.path))
      {
        out.append(
          "entries[\(index)]: step: \(Quoted.text(String(entry.step.path.prefix(200)))) does not carry the plan's content for it"
        )
      }
      for problem in entryProblems(entry, guardrail) {
        out.append("entries[\(index)]: \(problem)")
      }
    }
    for (path, value) in (journal.partitions ?? [:]).sorted(by: { $0.key < $1.key }) {
      if ReadBack.name(path) != "cpuset.cpus.partition"
        || guardrail.cgroupPathProblem(path, endsInFile: true) != nil
      {
        out.append("partitions: \(Quoted.text(path)) is not a cpuset.cpus.partition apply manages")
      } else if let problem = PathGuard.valueProblem(value) {
        out.append("partitions[\(Quoted.text(path))]: \(problem)")
      }
    }
    return out
  }

  public static func problems(_ record: AppliedRecord) -> [String] {
    var out: [String] = []
    if record.version != 1 { out.append("version: \(record.version) is not 1") }
    planProblems(record.plan, digest: record.planDigest, into: &out)
    if let boot = record.bootID, boot.utf8.count > 64 || !boot.allSatisfy(\.isASCII) {
      out.append("bootID: not a boot id")
    }
    for (id, argv) in record.commands.sorted(by: { $0.key < $1.key }) {
      if let problem = PlanValidator.commandIdProblem(id) {
        out.append("commands[\(Quoted.text(String(id.prefix(64))))]: \(problem)")
        continue
      }
      if case .failure(let refusal) = HostCommand.parse(argv) {
        out.append("commands[\(Quoted.text(id))]: \(refusal)")
      }
    }
    return out
  }

  static func planProblems(_ plan: Plan, digest: String, into out: inout [String]) {
    let expected: String
    do { expected = try PlanCodec.digest(plan) } catch {
      out.append("plan: \(error.diagnostics.map(\.message).joined(separator: "; "))")
      return
    }
    if digest != expected {
      out.append(
        "planDigest: \(Quoted.text(String(digest.prefix(80)))) is not the digest of the plan it holds (\(expected))"
      )
    }
    for problem in PlanValidator.problems(plan) {
      out.append("plan.\(problem.path): \(problem.message)")
    }
  }

  static func entryProblems(_ entry: JournalEntry, _ guardrail: PathGuard) -> [String] {
    var out: [String] = []
    let step = entry.step
    if let problem = guardrail.problem(step) {
      out.append(
        "step: \(step.kind.rawValue) \(Quoted.text(String(step.path.prefix(200)))): \(problem)")
    }
    if step.kind == .command {
      for (name, argv) in [("argv", step.argv), ("undo", step.undo)] {
        guard let argv else {
          if name == "argv" { out.append("step.argv: missing") }
          continue
        }
        if case .failure(let refusal) = HostCommand.parse(argv) {
          out.append("step.\(name): \(refusal)")
        }
      }
      if entry.prior != nil { out.append("prior: a command has no prior value") }
      return out
    }
    if step.argv != nil || step.undo != nil {
      out.append("step: a \(step.kind.rawValue) step carries a command")
    }
    guard let prior = entry.prior else { return out }
    if let directories = prior.createdDirectories {
      if step.kind != .file || prior.exists {
        out.append("prior.createdDirectories: only for a file that did not exist")
      } else if let problem = HostSetupReconciler.createdDirectoriesProblem(
        step.path, directories)
      {
        out.append("prior.\(problem)")
      }
    }
    if let value = prior.value {
      let setup =
        guardrail.setupConfigFiles.contains(step.path)
        || guardrail.setupKernelFiles.contains(step.path)
      if step.kind == .file {
        if value.utf8.count > 1 << 20 || value.contains("\0") {
          out.append("prior.value: larger than 1 MiB or holds a NUL byte")
        } else if let problem =
          setup
          ? PathGuard.setupPriorProblem(step.path, value) : priorFileProblem(step.path, value)
        {
          out.append("prior.value: \(problem)")
        }
      } else if let problem = PathGuard.valueProblem(value) {
        out.append("prior.value: \(problem)")
      } else if setup, let problem = PathGuard.setupPriorProblem(step.path, value) {
        out.append("prior.value: \(problem)")
      }
    }
    for (index, setting) in (prior.settings ?? []).enumerated() {
      if step.kind != .rmdir || !Applier.restorableSettings.contains(setting.file) {
        out.append(
          "prior.settings[\(index)]: \(Quoted.text(setting.file)) is not a setting apply restores")
      } else if let problem = PathGuard.valueProblem(setting.value) {
        out.append("prior.settings[\(index)].value: \(problem)")
      }
    }
    return out
  }
}

extension StateValidator {
  /// What rollback would write back into a boot or irqbalance file: no
  /// shell expansion, and no boot parameter mkpolicy refuses to carry
  /// (`init=`, `rdinit=`, `systemd.unit=`, ...). A planted "prior value"
  /// must not become the next boot's command line.
  static func priorFileProblem(_ path: String, _ value: String) -> String? {
    let grubPrefix = "${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }"
    for line in value.split(separator: "\n", omittingEmptySubsequences: true) {
      let text = String(line).trimmingASCIIWhitespace()
      if text.hasPrefix("#") { continue }
      let body = text.replacing(grubPrefix, with: "")
      if body.contains("`") || body.contains("$(") || body.contains("${") || body.contains(";")
        || body.contains("|") || body.contains("&")
      {
        return "a line with shell syntax: \(Quoted.text(String(text.prefix(120))))"
      }
      guard path != "/etc/default/irqbalance", path != "/etc/sysconfig/irqbalance" else {
        continue
      }
      let tokens = body.split(whereSeparator: { $0 == " " || $0 == "\"" || $0 == "'" })
      for token in tokens where !token.hasPrefix("GRUB_") {
        if let problem = BootParameterGrammar.keptProblem(String(token)) {
          return "boot parameter \(Quoted.text(String(token.prefix(80)))): \(problem)"
        }
      }
    }
    return nil
  }
}

/// A run's id: 32 random hexadecimal digits, never derived from a pid.
public enum RunID {
  public static func make() -> String { RootedHost.randomHex(16) }

  /// What a journal may hold (older journals: `BOOTID8-PID`).
  public static func isValid(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.count <= 64
      && text.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "-"
      }
  }
}
