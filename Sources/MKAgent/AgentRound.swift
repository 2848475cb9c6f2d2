import FoundationEssentials
import MKApply
import MKCore

/// What one round of the agent did: the measurements, the decision, and
/// what became of it. Saved as the last round in `agent.json`, logged as
/// one structured line per resize, and exported as metrics.
public struct AgentRound: Sendable, Hashable, Codable {
  public enum Outcome: String, Sendable, Hashable, Codable {
    /// Nothing to change.
    case unchanged
    /// The new plan was applied (journaled, read back).
    case applied
    /// `--dry-run`: the plan was made, not applied.
    case dryRun = "dry-run"
    /// The solver refused the sizes under the policy's rules; backing off.
    case refused
    /// Apply failed and rolled back; backing off.
    case rolledBack = "rolled-back"
    /// Paused: measured only.
    case paused
    /// Nothing could be decided (no plan applied, another apply running...).
    case skipped
  }

  /// Rounds since the agent started.
  public var sequence: Int
  /// Monotonic milliseconds (the decision's clock).
  public var timeMilliseconds: Int
  /// Wall-clock seconds since the epoch, for people and metrics.
  public var wallSeconds: Int
  public var outcome: Outcome
  public var resizes: [Resize]
  public var notes: [String]
  public var measurements: Measurements
  /// CPUs per managed workload after the round, and their planned sizes.
  public var cpus: [String: Int]
  public var planned: [String: Int]
  /// The CPU counts the agent may give each managed workload: [min, max].
  public var bounds: [String: [Int]] = [:]
  /// Memory granted (bytes) per workload whose memory the agent manages,
  /// their planned memory and bounds [min, max]; nil when it manages none.
  public var memory: [String: UInt64]?
  public var plannedMemory: [String: UInt64]?
  public var memoryBounds: [String: [UInt64]]?
  /// Why the round failed or was skipped (solver diagnostics, apply failure).
  public var problems: [String]
  /// The digest of the plan in force after the round.
  public var planDigest: String?
  /// Set when the round first completed an apply a killed agent left
  /// half-way (what was done), so the journal shows the recovery.
  public var recovery: String?

  public init(
    sequence: Int, timeMilliseconds: Int, wallSeconds: Int, outcome: Outcome,
    resizes: [Resize] = [], notes: [String] = [], measurements: Measurements,
    cpus: [String: Int] = [:], planned: [String: Int] = [:], problems: [String] = [],
    planDigest: String? = nil
  ) {
    self.sequence = sequence
    self.timeMilliseconds = timeMilliseconds
    self.wallSeconds = wallSeconds
    self.outcome = outcome
    self.resizes = resizes
    self.notes = notes
    self.measurements = measurements
    self.cpus = cpus
    self.planned = planned
    self.problems = problems
    self.planDigest = planDigest
  }

  /// One JSON object per resize (journald keeps each as one message), or
  /// one for a round that failed or was skipped with a reason. Keys sorted,
  /// numbers plain: `jq` and log pipelines read them as they are.
  public func journalLines() -> [String] {
    struct Line: Encodable {
      var event: String
      var round: Int
      var outcome: String
      var workload: String?
      /// `memory` for a memory resize (bytes); absent for CPUs.
      var resource: String?
      var before: Int?
      var after: Int?
      var reason: String?
      var counterpart: String?
      var cpuPressure: Double?
      var memoryPressure: Double?
      var ioPressure: Double?
      var cpuUse: Double?
      var memoryFullPressure: Double?
      var memoryCurrent: UInt64?
      var memoryHighEvents: UInt64?
      var problems: [String]?
      var detail: String?
    }
    func compact(_ line: Line) -> String {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      guard let data = try? encoder.encode(line) else { return "{}" }
      return String(decoding: data, as: UTF8.self)
    }
    var out: [String] = []
    if let recovery {
      out.append(
        compact(
          Line(event: "recovery", round: sequence, outcome: outcome.rawValue, detail: recovery)))
    }
    if resizes.isEmpty {
      guard !problems.isEmpty else { return out }
      return out + [
        compact(
          Line(
            event: "decision", round: sequence, outcome: outcome.rawValue, problems: problems))
      ]
    }
    return out
      + resizes.map { resize in
        compact(
          Line(
            event: "resize", round: sequence, outcome: outcome.rawValue, workload: resize.workload,
            resource: resize.resource == .memory ? "memory" : nil,
            before: resize.before, after: resize.after, reason: resize.reason.rawValue,
            counterpart: resize.counterpart,
            cpuPressure: resize.signal.map { Self.round($0.cpuPressure) },
            memoryPressure: resize.signal?.memoryPressure.map(Self.round),
            ioPressure: resize.signal?.ioPressure.map(Self.round),
            cpuUse: resize.signal?.cpuUse.map(Self.round),
            memoryFullPressure: resize.resource == .memory
              ? resize.signal?.memoryFullPressure.map(Self.round) : nil,
            memoryCurrent: resize.resource == .memory ? resize.signal?.memoryCurrent : nil,
            memoryHighEvents: resize.resource == .memory ? resize.signal?.memoryHighEvents : nil,
            problems: problems.isEmpty ? nil : problems))
      }
  }

  /// Two decimals, so logs do not carry float noise.
  static func round(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
