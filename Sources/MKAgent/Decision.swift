/// One change of one workload's CPUs or memory, with the measurement behind it.
public struct Resize: Sendable, Hashable, Codable {
  /// What the resize changes: `before` and `after` count CPUs, or bytes.
  public enum Resource: String, Sendable, Hashable, Codable, CaseIterable {
    case cpus
    /// The memory the plan grants (`memory.high` of the workload's cgroup).
    case memory
  }
  public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
    /// Under CPU (or, for memory, memory) pressure for the window: grows.
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
  public var resource: Resource
  public var before: Int
  public var after: Int
  public var reason: Reason
  /// The workload the CPUs went to or came from, when one did.
  public var counterpart: String?
  /// What was measured of the workload when deciding (nil: none needed,
  /// as for a restore).
  public var signal: WorkloadSignal?

  public init(
    workload: String, resource: Resource = .cpus, before: Int, after: Int, reason: Reason,
    counterpart: String? = nil, signal: WorkloadSignal? = nil
  ) {
    self.workload = workload
    self.resource = resource
    self.before = before
    self.after = after
    self.reason = reason
    self.counterpart = counterpart
    self.signal = signal
  }

  enum CodingKeys: String, CodingKey {
    case workload, resource, before, after, reason, counterpart, signal
  }

  /// `resource` is absent from the state of agents that resized CPUs only.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    workload = try c.decode(String.self, forKey: .workload)
    resource = try c.decodeIfPresent(Resource.self, forKey: .resource) ?? .cpus
    before = try c.decode(Int.self, forKey: .before)
    after = try c.decode(Int.self, forKey: .after)
    reason = try c.decode(Reason.self, forKey: .reason)
    counterpart = try c.decodeIfPresent(String.self, forKey: .counterpart)
    signal = try c.decodeIfPresent(WorkloadSignal.self, forKey: .signal)
  }
}

/// CPUs per workload in a plan, and the shared pool; memory per workload,
/// and what no workload is granted: what the decision moves.
public struct Allocation: Sendable, Hashable, Codable {
  /// Logical CPUs of every workload that owns CPUs (`partition`, `kernel`).
  public var cpus: [String: Int]
  /// CPUs of the host's shared pool.
  public var pool: Int
  /// Bytes granted to every workload with memory (its `memory.high` when
  /// below its max).
  public var memory: [String: UInt64]
  /// Host memory no workload, the host's own share nor huge pages hold.
  public var memoryFree: UInt64

  public init(
    cpus: [String: Int], pool: Int, memory: [String: UInt64] = [:], memoryFree: UInt64 = 0
  ) {
    self.cpus = cpus
    self.pool = pool
    self.memory = memory
    self.memoryFree = memoryFree
  }

  enum CodingKeys: String, CodingKey { case cpus, pool, memory, memoryFree }

  /// `memory` is absent from the state of agents that resized CPUs only.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    cpus = try c.decode([String: Int].self, forKey: .cpus)
    pool = try c.decode(Int.self, forKey: .pool)
    memory = try c.decodeIfPresent([String: UInt64].self, forKey: .memory) ?? [:]
    memoryFree = try c.decodeIfPresent(UInt64.self, forKey: .memoryFree) ?? 0
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

extension Allocation {
  /// Whether this allocation gives `resize`'s workload what it decided.
  public func holds(_ resize: Resize) -> Bool {
    switch resize.resource {
    case .cpus: cpus[resize.workload] == resize.after
    case .memory: memory[resize.workload].map { Int($0) } == resize.after
    }
  }

  /// Why `holds(resize)` is false, for the round's problems.
  public func shortfall(_ resize: Resize) -> String {
    switch resize.resource {
    case .cpus:
      "\(resize.workload): the solver gave \(cpus[resize.workload] ?? 0) CPUs, not \(resize.after)"
    case .memory:
      "\(resize.workload): the solver gave \(memory[resize.workload] ?? 0) bytes of memory, not \(resize.after)"
    }
  }
}
