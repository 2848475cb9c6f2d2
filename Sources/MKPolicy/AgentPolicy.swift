import MKCore

/// `agent:`: how `mkpolicy agent` may resize elastic workloads at run time.
///
/// The plan sizes elastic workloads once, from the policy alone; the agent
/// watches pressure (PSI) and use, and moves CPUs between elastic workloads
/// within their `cpus: {min, max}`. This section says what counts as
/// pressure and idleness, how long a condition must hold before the agent
/// acts (hysteresis), and how fast it may act (step, cool-down, a rate cap).
/// Rules are written once for every elastic workload and may be overridden
/// per workload (`workloads:`), where `manage: false` keeps one out.
public struct AgentPolicy: Sendable, Hashable {
  /// How often the agent measures and decides, in milliseconds.
  public var intervalMilliseconds: Int
  /// Resizes over every workload in any 60 seconds.
  public var maxResizesPerMinute: Int
  /// The rules of every elastic workload not overridden.
  public var defaults: AgentRules
  /// Per-workload rules, in the order written.
  public var overrides: [AgentWorkloadRules]
  public var location: SourceLocation?
  /// Where each field's value was written (`interval`, `window`, ...).
  public var fieldLocations: [String: SourceLocation]

  public static let defaultIntervalMilliseconds = 2_000
  public static let defaultMaxResizesPerMinute = 6

  public init(
    intervalMilliseconds: Int = AgentPolicy.defaultIntervalMilliseconds,
    maxResizesPerMinute: Int = AgentPolicy.defaultMaxResizesPerMinute,
    defaults: AgentRules = AgentRules(), overrides: [AgentWorkloadRules] = [],
    location: SourceLocation? = nil, fieldLocations: [String: SourceLocation] = [:]
  ) {
    self.intervalMilliseconds = intervalMilliseconds
    self.maxResizesPerMinute = maxResizesPerMinute
    self.defaults = defaults
    self.overrides = overrides
    self.location = location
    self.fieldLocations = fieldLocations
  }

  public func location(of field: String) -> SourceLocation? { fieldLocations[field] ?? location }

  /// The rules for `workload`, or nil when the agent leaves it alone:
  /// `manage: false`, or neither its CPUs nor its memory can be resized
  /// (CPUs: fixed, or `shared`, whose pool the scheduler already shares by
  /// `cpu.weight` at run time; memory: fixed or unbounded, a kernel
  /// instance's, or no memory pressure threshold to act on).
  public func rules(for workload: Workload) -> AgentRules? {
    let rules = overrides.first { $0.name == workload.name }?.rules ?? defaults
    guard rules.manage else { return nil }
    guard
      Self.isResizable(workload)
        || (Self.isMemoryResizable(workload) && rules.memoryPressurePercent != nil)
    else { return nil }
    return rules
  }

  /// Whether the agent resizes the workload's CPUs.
  public func managesCPUs(_ workload: Workload) -> Bool {
    Self.isResizable(workload) && rules(for: workload) != nil
  }

  /// Whether the agent resizes the workload's memory: elastic and bounded,
  /// on the host kernel, with a memory pressure threshold.
  public func managesMemory(_ workload: Workload) -> Bool {
    Self.isMemoryResizable(workload) && rules(for: workload)?.memoryPressurePercent != nil
  }

  /// Whether the agent can change the workload's CPUs at all.
  public static func isResizable(_ workload: Workload) -> Bool {
    workload.isolation != .shared && !workload.cpus.isFixed
  }

  /// Whether the agent can change the workload's memory at all: `memory:
  /// {min, max}` with min < max and a max, in a host cgroup (`memory.high`).
  /// A kernel instance's memory is not resized: kerf shows the host no
  /// memory use or pressure of a running instance.
  public static func isMemoryResizable(_ workload: Workload) -> Bool {
    workload.isolation != .kernel && workload.memory.min < workload.memory.max
      && workload.memory.isBounded
  }
}

/// What counts as pressure and idleness for one workload, and the bounds of change.
public struct AgentRules: Sendable, Hashable {
  /// 256 MiB: a step a workload under memory pressure notices, small
  /// against the gigabytes elastic workloads are usually given.
  public static let defaultMemoryStepBytes: UInt64 = 256 << 20
  /// False: the agent never resizes this workload.
  public var manage: Bool
  /// PSI `some` (percent of the interval stalled) at or above which the workload
  /// is under pressure; nil leaves that resource out.
  public var cpuPressurePercent: Int?
  public var memoryPressurePercent: Int?
  public var ioPressurePercent: Int?
  /// Use of the CPUs it holds (percent) below which a workload under no
  /// pressure is idle and may give CPUs away.
  public var idlePercent: Int
  /// How long pressure or idleness must hold before the agent acts, in ms.
  public var windowMilliseconds: Int
  /// CPUs added or removed per resize (rounded up to whole cores for `smt: exclusive`).
  public var step: Int
  /// Bytes of memory added or removed per memory resize (whole MiB).
  public var memoryStepBytes: UInt64
  /// No resize of the workload within this long after its last one, in ms.
  public var coolDownMilliseconds: Int
  /// For `isolation: kernel`: a file the instance publishes its own PSI to
  /// (the format of `/proc/pressure/cpu`), read instead of a cgroup's.
  public var report: String?

  public init(
    manage: Bool = true, cpuPressurePercent: Int? = 10, memoryPressurePercent: Int? = nil,
    ioPressurePercent: Int? = nil, idlePercent: Int = 30, windowMilliseconds: Int = 6_000,
    step: Int = 1, memoryStepBytes: UInt64 = AgentRules.defaultMemoryStepBytes,
    coolDownMilliseconds: Int = 30_000, report: String? = nil
  ) {
    self.manage = manage
    self.cpuPressurePercent = cpuPressurePercent
    self.memoryPressurePercent = memoryPressurePercent
    self.ioPressurePercent = ioPressurePercent
    self.idlePercent = idlePercent
    self.windowMilliseconds = windowMilliseconds
    self.step = step
    self.memoryStepBytes = memoryStepBytes
    self.coolDownMilliseconds = coolDownMilliseconds
    self.report = report
  }
}

/// `agent.workloads[i]`: one workload's rules (the defaults with what it overrides).
public struct AgentWorkloadRules: Sendable, Hashable {
  public var name: String
  public var rules: AgentRules
  public var location: SourceLocation
  public var fieldLocations: [String: SourceLocation]

  public init(
    name: String, rules: AgentRules, location: SourceLocation,
    fieldLocations: [String: SourceLocation] = [:]
  ) {
    self.name = name
    self.rules = rules
    self.location = location
    self.fieldLocations = fieldLocations
  }

  public func location(of field: String) -> SourceLocation { fieldLocations[field] ?? location }
}
