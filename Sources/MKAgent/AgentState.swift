/// What the agent remembers between decisions: how long each condition has
/// held (hysteresis), when each workload was last resized (cool-down), the
/// back-off after a failed resize, and the times of recent resizes (the
/// per-minute cap). It is saved in the state directory after every decision,
/// so a restarted agent keeps its cool-downs, and `agent status` reads it.
public struct AgentState: Sendable, Hashable, Codable {
  public struct Clock: Sendable, Hashable, Codable {
    /// Since when (ms) CPU pressure has been at or above the threshold.
    public var pressuredSince: Int?
    /// Since when every configured pressure has been below half its threshold.
    public var calmSince: Int?
    /// Since when the workload has been idle (calm, and low use).
    public var idleSince: Int?
    public var lastResize: Int?
    /// No resize of this workload before this time (after a failed one).
    public var backoffUntil: Int?
    /// Failed resizes in a row.
    public var failures: Int = 0
    /// The same for the workload's memory, which is resized apart from its
    /// CPUs: since when memory pressure has held at its limit, since when
    /// it has used little of its memory, its last memory resize, back-off
    /// and failures in a row.
    public var memoryPressuredSince: Int?
    public var memoryIdleSince: Int?
    public var lastMemoryResize: Int?
    public var memoryBackoffUntil: Int?
    public var memoryFailures: Int?
    public init() {}

    /// Conditions observed afresh (after a gap, or a resize).
    mutating func forget(_ resource: Resize.Resource) {
      switch resource {
      case .cpus:
        pressuredSince = nil
        calmSince = nil
        idleSince = nil
      case .memory:
        memoryPressuredSince = nil
        memoryIdleSince = nil
      }
    }
  }

  public var workloads: [String: Clock] = [:]
  /// Times (ms) of the resizes of the last minute, one per workload changed.
  public var recentResizes: [Int] = []
  /// When the last measurement was taken: after a gap of several intervals
  /// (the agent was stopped) conditions are observed afresh.
  public var lastMeasured: Int?
  /// Set by `mkpolicy agent pause`: measure, decide nothing.
  public var paused = false
  /// Total resizes made and failed since the state was created.
  public var resizes = 0
  public var failedResizes = 0

  public init() {}

  public func clock(_ name: String) -> Clock { workloads[name] ?? Clock() }

  /// The longest back-off: ten minutes.
  public static let maxBackoffMilliseconds = 600_000

  /// The state after `decision` was applied.
  public func committing(_ decision: Decision) -> AgentState {
    var next = decision.state
    for resize in decision.resizes {
      var clock = next.clock(resize.workload)
      switch resize.resource {
      case .cpus:
        clock.lastResize = decision.timeMilliseconds
        clock.failures = 0
        clock.backoffUntil = nil
      case .memory:
        clock.lastMemoryResize = decision.timeMilliseconds
        clock.memoryFailures = nil
        clock.memoryBackoffUntil = nil
      }
      // A resize changes what the workload feels: conditions start again.
      clock.forget(resize.resource)
      next.workloads[resize.workload] = clock
      next.recentResizes.append(decision.timeMilliseconds)
      next.resizes += 1
    }
    return next
  }

  /// The state after `decision` could not be applied (the solver refused it
  /// or apply rolled back): every workload it would have resized backs off,
  /// for its cool-down doubled per failure in a row, at most ten minutes.
  public func failing(_ decision: Decision, coolDown: (String) -> Int) -> AgentState {
    var next = decision.state
    next.failedResizes += 1
    for resize in decision.resizes {
      var clock = next.clock(resize.workload)
      let failures: Int
      switch resize.resource {
      case .cpus:
        clock.failures += 1
        failures = clock.failures
      case .memory:
        failures = (clock.memoryFailures ?? 0) + 1
        clock.memoryFailures = failures
      }
      let base = max(1_000, coolDown(resize.workload))
      let shift = min(failures, 10)
      let wait = min(Self.maxBackoffMilliseconds, base << shift)
      switch resize.resource {
      case .cpus: clock.backoffUntil = decision.timeMilliseconds + wait
      case .memory: clock.memoryBackoffUntil = decision.timeMilliseconds + wait
      }
      next.workloads[resize.workload] = clock
    }
    return next
  }
}
