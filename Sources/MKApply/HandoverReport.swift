import MKCore

/// What the hand-over executor did, for the CLI and the tests: each step
/// run (in order), the hand-overs completed and rolled back, and the
/// failure as a diagnostic (E530-E537, docs/diagnostics.md).
public struct HandoverReport: Sendable, Equatable, Codable {
  public enum Outcome: String, Sendable, Equatable, Codable {
    /// The plan has no hand-over, or every one already ran.
    case nothingToDo = "nothing to do"
    case handedOver = "handed over"
    /// A hand-over failed before the old instance was stopped and was
    /// undone: the old instance runs on.
    case rolledBack = "rolled back"
    /// A step failed after the old instance was stopped (or rollback
    /// failed): progress is kept, the next apply continues.
    case stopped
  }

  public var outcome: Outcome = .nothingToDo
  /// `handover:W:NN-KIND: summary` per step that ran now, and the undo steps.
  public var steps: [String] = []
  public var completed: [String] = []
  public var rolledBack: [String] = []
  public var notes: [String] = []
  public var failure: Diagnostic?

  public init() {}

  public var succeeded: Bool { outcome == .nothingToDo || outcome == .handedOver }

  public func render() -> (stdout: String, stderr: String) {
    var out = ""
    for note in notes { out += "note: \(note)\n" }
    for step in steps { out += "  \(step)\n" }
    switch outcome {
    case .nothingToDo: break
    case .handedOver:
      out += "handed over: \(completed.map { "'\($0)'" }.joined(separator: ", "))\n"
    case .rolledBack:
      out += "rolled back: \(rolledBack.map { "'\($0)'" }.joined(separator: ", "))\n"
    case .stopped: break
    }
    return (out, failure.map { DiagnosticRenderer().text([$0]) } ?? "")
  }
}
