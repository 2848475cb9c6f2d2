/// One change of one workload's CPUs, with the measurement behind it.
public struct Resize: Sendable, Hashable, Codable {
  public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
    /// Under CPU pressure for the window: grows.
    case pressure
    /// Gives CPUs to a workload under pressure (it is idle, of lower
    /// priority, or above its share while the other is below).
    case givesWay = "gives-way"
    /// Idle above its planned size: gives CPUs back.
    case idleReturn = "idle-return"
    /// Below its planned size with CPUs free again: takes them back.
    case restore
  }
  public var workload: String
  public var before: Int
  public var after: Int
  public var reason: Reason
  /// The workload the CPUs went to or came from, when one did.
  public var counterpart: String?
  /// What was measured of the workload when deciding (nil: none needed,
  /// as for a restore).
  public var signal: WorkloadSignal?

  public init(
    workload: String, before: Int, after: Int, reason: Reason, counterpart: String? = nil,
    signal: WorkloadSignal? = nil
  ) {
    self.workload = workload
    self.before = before
    self.after = after
    self.reason = reason
    self.counterpart = counterpart
    self.signal = signal
  }
}

/// CPUs per workload in a plan, and the shared pool: what the decision moves.
public struct Allocation: Sendable, Hashable, Codable {
  /// Logical CPUs of every workload that owns CPUs (`partition`, `kernel`).
  public var cpus: [String: Int]
  /// CPUs of the host's shared pool.
  public var pool: Int

  public init(cpus: [String: Int], pool: Int) {
    self.cpus = cpus
    self.pool = pool
  }
}

/// What the decision function answers: the sizes to re-plan with, the
/// resizes that makes (empty: keep the plan in force), why nothing happened
/// where something might have, and the agent's state with this round's
/// observations (not yet its resizes: see `AgentState.committing`).
public struct Decision: Sendable, Hashable, Codable {
  public var timeMilliseconds: Int
  public var target: Allocation
  public var resizes: [Resize]
  public var notes: [String]
  public var state: AgentState

  public var changes: Bool { !resizes.isEmpty }
}
