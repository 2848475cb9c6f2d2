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
  /// What failed: operation, path, value, errno and reason.
  public var failure: String?
  public var restored: [String] = []
  public var notRestored: [String] = []
  public var notes: [String] = []
  /// Objects the plan manages that do not exist right now and so need no
  /// write (an IRQ whose device is down); not a failure.
  public var pending: [String] = []

  public init(outcome: Outcome) { self.outcome = outcome }

  public var succeeded: Bool { [.nothingToDo, .applied, .dryRun].contains(outcome) }

  /// The human-readable report: results on stdout, the failure part on stderr.
  public func render() -> (stdout: String, stderr: String) {
    var out = ""
    var err = ""
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
      if let failure { err += "error[E511]: \(failure)\n" }
    case .rolledBack, .leftAsIs, .rollbackIncomplete:
      err += "error[E501]: apply failed: \(failure ?? "unknown failure")\n"
      if !changes.isEmpty {
        err += "changes made before the failure:\n"
        for change in changes { err += "  \(change.summary)\n" }
      }
      if outcome == .leftAsIs {
        err += "--no-rollback: the host is left as is; the journal is kept\n"
        err +=
          "help: run `mkpolicy recover --rollback` to undo, or `mkpolicy recover --complete` to finish\n"
      } else {
        err += "restored (\(restored.count)):\n"
        for line in restored { err += "  \(line)\n" }
        if notRestored.isEmpty {
          err += "rolled back: every changed value is back to what the journal recorded\n"
        } else {
          err += "error[E507]: could not restore (\(notRestored.count)):\n"
          for line in notRestored { err += "  \(line)\n" }
          err +=
            "help: fix the cause above and run `mkpolicy recover --rollback`; the journal is kept\n"
        }
      }
    }
    return (out, err)
  }

  /// The failure and what could not be restored, in the front end's
  /// `Diagnostic` model (codes in docs/diagnostics.md).
  public var diagnostics: [Diagnostic] {
    var out: [Diagnostic] = []
    if let failure {
      if outcome == .applied {
        out.append(
          .error(
            "E511", failure, help: ["run `mkpolicy apply` again (it finds nothing left to do)"]))
      } else {
        out.append(
          .error(
            "E501", "apply failed: \(failure)",
            help: outcome == .leftAsIs
              ? [
                "run `mkpolicy recover --rollback` to undo, or `mkpolicy recover --complete` to finish"
              ]
              : []))
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
  public func json() -> String {
    struct Document: Encodable {
      var report: ApplyReport
      var succeeded: Bool
      var diagnostics: [Diagnostic]
    }
    return StateStore.encode(
      Document(report: self, succeeded: succeeded && failure == nil, diagnostics: diagnostics))
  }
}
