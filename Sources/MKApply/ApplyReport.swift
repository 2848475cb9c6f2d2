import MKCore

/// What an apply, a recovery or a rollback did, for the CLI to print and the
/// tests to check. Every line names a path and a value; failures add the
/// errno and the kernel's reason.
public struct ApplyReport: Sendable, Equatable, Codable {
  public enum Outcome: String, Sendable, Equatable, Codable {
    /// The host already matched the plan: nothing was written.
    case nothingToDo = "nothing to do"
    case applied
    case dryRun = "dry run"
    /// A step failed and every change was put back.
    case rolledBack = "rolled back"
    /// A step failed and `--no-rollback` left the host as it was at that point.
    case leftAsIs = "left as is"
    /// A step failed and some values could not be put back.
    case rollbackIncomplete = "rollback incomplete"
  }

  public var outcome: Outcome
  /// Steps that changed the host (or would, for a dry run), in order, as
  /// data: kind, path, value, command line.
  public var changes: [ApplyStep] = []
  /// Steps already in effect, so skipped.
  public var unchanged = 0
  /// What failed: operation, path, value, errno and reason, in one line.
  public var failure: String?
  /// The same as data (cause, operation, path, value, errno, help), when a
  /// step failed; nil for a failure after every step (E511) or a recovery.
  public var failureDetail: ApplyFailure?
  public var restored: [String] = []
  public var notRestored: [String] = []
  public var notes: [String] = []
  /// Objects the plan manages that do not exist right now and so need no
  /// write (an IRQ whose device is down); not a failure.
  public var pending: [String] = []
  /// Set when what the plan staged takes effect only at the next boot (boot
  /// parameters, systemd's `CPUAffinity=`) and `/run/reboot-required` says
  /// so: the line apply prints.
  public var rebootRequired: String?

  public init(outcome: Outcome) { self.outcome = outcome }

  public var succeeded: Bool { [.nothingToDo, .applied, .dryRun].contains(outcome) }

  /// The human-readable report: what was done on stdout; the failure, what
  /// was restored and what could not be, on stderr, as the front end renders
  /// diagnostics (`DiagnosticRenderer`).
  public func render() -> (stdout: String, stderr: String) {
    var out = ""
    for note in notes { out += "note: \(note)\n" }
    for item in pending { out += "pending: \(item)\n" }
    switch outcome {
    case .dryRun:
      out += "dry run: \(changes.count) change(s) would be made, \(unchanged) already in effect\n"
      for change in changes { out += "  \(change.summary)\n" }
    case .nothingToDo:
      out +=
        unchanged == 0
        ? "nothing to do: the plan has no steps; no writes made\n"
        : "nothing to do: all \(unchanged) step(s) already in effect; no writes made\n"
    case .applied:
      out += "applied: \(changes.count) change(s), \(unchanged) already in effect\n"
      for change in changes { out += "  \(change.summary)\n" }
    case .rolledBack, .leftAsIs, .rollbackIncomplete:
      break
    }
    if let rebootRequired { out += rebootRequired + "\n" }
    let errors = diagnostics.filter { $0.severity == .error }
    return (out, errors.isEmpty ? "" : DiagnosticRenderer().text(errors))
  }

  /// The failure and what could not be restored, in the front end's
  /// `Diagnostic` model (codes in docs/diagnostics.md): E501 names the
  /// operation, path, value and errno (or the read-back, or the command's
  /// status), lists the changes made before it and what was restored, and
  /// says what to do; E507 lists what could not be restored; E523 notes
  /// objects that are pending.
  public var diagnostics: [Diagnostic] {
    var out: [Diagnostic] = []
    if let failure {
      if outcome == .applied {
        out.append(
          .error(
            "E511", failure, help: ["run `mkpolicy apply` again (it finds nothing left to do)"]))
      } else {
        var notes = changes.map { Diagnostic.Note("changed before the failure: \($0.summary)") }
        var help = failureDetail?.help ?? []
        switch outcome {
        case .leftAsIs:
          notes.append(
            Diagnostic.Note("--no-rollback: the host is left as is; the journal is kept"))
          help.append(
            "run `mkpolicy recover --rollback` to undo, or `mkpolicy recover --complete` to finish")
        case .rolledBack, .rollbackIncomplete:
          notes += restored.map { Diagnostic.Note("restored: \($0)") }
          if notRestored.isEmpty {
            notes.append(
              Diagnostic.Note(
                "rolled back: every changed value is back to what the journal recorded"))
          }
        default: break
        }
        out.append(.error("E501", "apply failed: \(failure)", notes: notes, help: help))
      }
    }
    if !notRestored.isEmpty {
      out.append(
        .error(
          "E507", "could not restore \(notRestored.count) value(s)",
          notes: notRestored.map { Diagnostic.Note($0) },
          help: ["fix the cause above and run `mkpolicy recover --rollback`; the journal is kept"]))
    }
    for item in pending {
      out.append(Diagnostic(.note, "E523", item))
    }
    return out
  }

  /// The report as JSON (`--format json`): outcome, every change as data,
  /// counts, notes, and the diagnostics.
  public func json() throws(DiagnosticError) -> String {
    struct Document: Encodable {
      var report: ApplyReport
      var succeeded: Bool
      var diagnostics: [Diagnostic]
    }
    return try StateStore.encode(
      Document(report: self, succeeded: succeeded && failure == nil, diagnostics: diagnostics))
  }
}
