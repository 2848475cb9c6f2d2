/// What the agent measured of one workload at one time, already turned into
/// the quantities the decision uses. Every value was read from the host (or
/// a trace); a signal that could not be read is absent, never guessed.
public struct WorkloadSignal: Sendable, Hashable, Codable {
  /// CPU PSI `some` of the workload's cgroup (or the instance's report):
  /// percent of the time since the last measurement that a task waited
  /// (from PSI's `total`; `avg10` on the first measurement).
  public var cpuPressure: Double
  public var memoryPressure: Double?
  public var ioPressure: Double?
  /// Share of the CPUs it holds that it used since the last measurement,
  /// 0...1 (`cpu.stat` usage_usec); nil on the first measurement.
  public var cpuUse: Double?
  /// `memory.events` high and max counts since the last measurement.
  public var memoryHighEvents: UInt64?
  public var memoryMaxEvents: UInt64?
  /// Memory PSI `full` (all tasks stalled), as `memoryPressure`: logged.
  public var memoryFullPressure: Double?
  /// `memory.current`: bytes the cgroup holds now (read when the agent
  /// resizes its memory, so that it never sets a limit below it).
  public var memoryCurrent: UInt64?

  public init(
    cpuPressure: Double, memoryPressure: Double? = nil, ioPressure: Double? = nil,
    cpuUse: Double? = nil, memoryHighEvents: UInt64? = nil, memoryMaxEvents: UInt64? = nil,
    memoryFullPressure: Double? = nil, memoryCurrent: UInt64? = nil
  ) {
    self.cpuPressure = cpuPressure
    self.memoryPressure = memoryPressure
    self.ioPressure = ioPressure
    self.cpuUse = cpuUse
    self.memoryHighEvents = memoryHighEvents
    self.memoryMaxEvents = memoryMaxEvents
    self.memoryFullPressure = memoryFullPressure
    self.memoryCurrent = memoryCurrent
  }
}

/// One round of measurements: the time (milliseconds on a monotonic clock)
/// and the signal of every managed workload that could be read.
public struct Measurements: Sendable, Hashable, Codable {
  public var timeMilliseconds: Int
  public var workloads: [String: WorkloadSignal]
  /// Workloads whose signals could not be read, with why (path, errno).
  public var unreadable: [String: String]

  public init(
    timeMilliseconds: Int, workloads: [String: WorkloadSignal], unreadable: [String: String] = [:]
  ) {
    self.timeMilliseconds = timeMilliseconds
    self.workloads = workloads
    self.unreadable = unreadable
  }
}
