import MKPlan

/// `handover.json` in the state directory: how far the hand-over in
/// progress got, written before and after every step, so that a crash at
/// any point resumes (or rolls back) without running a kerf command twice
/// and without stopping the old instance before its successor passed the
/// health check.
///
/// A step's `started` status plus its command's evidence file (created by
/// the child just before exec, `StateStore.evidencePath`) proves it ran, as
/// in the journal; `healthy` is saved before any step after the health
/// check runs.
public struct HandoverProgress: Sendable, Hashable, Codable {
  public enum Phase: String, Sendable, Hashable, Codable {
    case running
    /// The health check failed (or a step before the old instance was
    /// stopped did): the successor is being removed.
    case rollingBack = "rolling-back"
  }

  public enum Status: String, Sendable, Hashable, Codable {
    case pending, started, done, failed
  }

  public struct Step: Sendable, Hashable, Codable {
    public var id: String
    public var status: Status
    /// For a rollback step: the command that undoes a step that ran.
    public var argv: [String]?
  }

  public var version = 1
  public var planDigest: String
  public var workload: String
  /// Names the evidence files of this hand-over's commands.
  public var runID: String
  public var phase: Phase
  /// The plan's steps, in order.
  public var steps: [Step]
  /// Set once the successor passed its health check (saved before the next step runs).
  public var healthy: Bool
  /// Why it rolls back (the health check's last answer, or the failed step).
  public var reason: String?
  /// The undo steps, in the order they run; filled when rollback starts.
  public var rollback: [Step]
  /// The plan the hand-over belongs to (its digest is `planDigest`), so that
  /// `mkpolicy recover` can finish or undo the hand-over from the state
  /// directory alone, as it does an interrupted apply from its journal.
  /// Absent in files written before it was kept: those are finished by
  /// applying the plan again.
  public var plan: Plan?

  public init(plan: Plan, planDigest: String, workload: String, runID: String, steps: [String]) {
    self.plan = plan
    self.planDigest = planDigest
    self.workload = workload
    self.runID = runID
    phase = .running
    self.steps = steps.map { Step(id: $0, status: .pending) }
    healthy = false
    rollback = []
  }
}
