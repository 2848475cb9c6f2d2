import MKCore

/// Host tuning for the CPUs of a `partition` workload (`tuning:`): what
/// tuned's `cpu-partitioning`/`realtime` profiles and OpenShift's
/// PerformanceProfile set besides cgroups and boot parameters. Each field
/// is optional; an absent field takes the default of the workload's latency
/// class (`TuningDefaults`), and `keep` leaves the host's value alone.
public struct Tuning: Sendable, Hashable {
  /// Where host-wide work goes.
  public enum Confinement: String, Sendable, Hashable, CaseIterable, Codable {
    /// Off the workload's CPUs (onto housekeeping and the shared pool).
    case housekeeping
    case keep
  }
  public enum Governor: String, Sendable, Hashable, CaseIterable, Codable {
    case performance, powersave, schedutil, ondemand, conservative, keep
  }
  /// The deepest idle state the workload's CPUs may enter.
  public enum IdleLimit: Sendable, Hashable {
    case keep
    /// No idle state but polling (`pm_qos_resume_latency_us` = `n/a`).
    case poll
    /// States whose exit latency is at most this many microseconds.
    case microseconds(Int)
  }
  public enum Switch: String, Sendable, Hashable, CaseIterable, Codable {
    case off, keep
  }
  /// NIC queues: as many as the workload has IRQ CPUs, one per CPU.
  public enum QueueMatch: String, Sendable, Hashable, CaseIterable, Codable {
    case irqCpus, keep
  }
  public enum Interval: Sendable, Hashable {
    case keep
    case seconds(Int)
  }

  /// Unbound workqueue workers (`/sys/devices/virtual/workqueue/cpumask`).
  public var workqueues: Confinement?
  /// systemd and every service it starts (`CPUAffinity=` in system.conf.d).
  public var systemServices: Confinement?
  /// cpufreq governor of the workload's CPUs.
  public var governor: Governor?
  /// Idle-state limit of the workload's CPUs (`pm_qos_resume_latency_us`).
  public var idle: IdleLimit?
  /// `off`: `kernel.sched_rt_runtime_us = -1`, realtime tasks never throttled.
  public var rtThrottling: Switch?
  /// `off`: `kernel.timer_migration = 0`.
  public var timerMigration: Switch?
  /// `vm.stat_interval` in seconds.
  public var statInterval: Interval?
  /// `kernel.hung_task_timeout_secs` (0: never report). A task that waits on
  /// work queued to a busy isolated CPU can wait long; tuned's
  /// cpu-partitioning raises the limit to 600 s so that the wait is not
  /// reported as a hang.
  public var hungTaskTimeout: Interval?
  /// Channel count of the workload's NICs (`ethtool -L DEV combined N`).
  public var nicChannels: QueueMatch?
  /// `off`: RPS disabled on the workload's NIC queues (packets stay on the IRQ CPU).
  public var rps: Switch?
  /// `irqCpus`: TX queue i is used by the i-th IRQ CPU only.
  public var xps: QueueMatch?
  /// Run stalld on housekeeping, watching the workload's CPUs.
  public var stalld: Bool?

  public init(
    workqueues: Confinement? = nil, systemServices: Confinement? = nil, governor: Governor? = nil,
    idle: IdleLimit? = nil, rtThrottling: Switch? = nil, timerMigration: Switch? = nil,
    statInterval: Interval? = nil, nicChannels: QueueMatch? = nil, rps: Switch? = nil,
    xps: QueueMatch? = nil, stalld: Bool? = nil, hungTaskTimeout: Interval? = nil
  ) {
    self.workqueues = workqueues
    self.systemServices = systemServices
    self.governor = governor
    self.idle = idle
    self.rtThrottling = rtThrottling
    self.timerMigration = timerMigration
    self.statInterval = statInterval
    self.nicChannels = nicChannels
    self.rps = rps
    self.xps = xps
    self.stalld = stalld
    self.hungTaskTimeout = hungTaskTimeout
  }

  /// The policy keys, in documentation order.
  public static let keys = [
    "workqueues", "systemServices", "governor", "idle", "rtThrottling", "timerMigration",
    "statInterval", "hungTaskTimeout", "nicChannels", "rps", "xps", "stalld",
  ]

  /// Every field set: written ones as written, the rest from the defaults of `latency`.
  public func resolved(for latency: LatencyClass) -> Tuning {
    let base = TuningDefaults.for(latency)
    // RPS and XPS are planned per queue, and the queue count is known only
    // when the channels are set: without that their defaults are `keep`.
    let channels = nicChannels ?? base.nicChannels
    let queuesKnown = channels == .irqCpus
    return Tuning(
      workqueues: workqueues ?? base.workqueues,
      systemServices: systemServices ?? base.systemServices,
      governor: governor ?? base.governor, idle: idle ?? base.idle,
      rtThrottling: rtThrottling ?? base.rtThrottling,
      timerMigration: timerMigration ?? base.timerMigration,
      statInterval: statInterval ?? base.statInterval, nicChannels: channels,
      rps: rps ?? (queuesKnown ? base.rps : .keep), xps: xps ?? (queuesKnown ? base.xps : .keep),
      stalld: stalld ?? base.stalld, hungTaskTimeout: hungTaskTimeout ?? base.hungTaskTimeout)
  }
}

/// The tuning a `partition` workload gets when its policy says nothing, by
/// latency class. `realtime` follows tuned's `realtime` profile and the
/// PerformanceProfile's low-latency hints where they agree, except what needs
/// an extra package or trades safety (`rtThrottling` stays on, `stalld` off:
/// both are one line to change); `low` leaves the NIC alone (a channel
/// change resets the link); `normal` and `batch` change nothing.
public enum TuningDefaults {
  public static func `for`(_ latency: LatencyClass) -> Tuning {
    switch latency {
    case .realtime:
      return Tuning(
        workqueues: .housekeeping, systemServices: .housekeeping, governor: .performance,
        idle: .microseconds(1), rtThrottling: .keep, timerMigration: .off,
        statInterval: .seconds(10), nicChannels: .irqCpus, rps: .off, xps: .irqCpus, stalld: false,
        hungTaskTimeout: .seconds(600))
    case .low:
      return Tuning(
        workqueues: .housekeeping, systemServices: .housekeeping, governor: .performance,
        idle: .microseconds(10), rtThrottling: .keep, timerMigration: .off,
        statInterval: .seconds(10), nicChannels: .keep, rps: .keep, xps: .keep, stalld: false,
        hungTaskTimeout: .seconds(600))
    case .normal, .batch:
      return Tuning(
        workqueues: .keep, systemServices: .keep, governor: .keep, idle: .keep, rtThrottling: .keep,
        timerMigration: .keep, statInterval: .keep, nicChannels: .keep, rps: .keep, xps: .keep,
        stalld: false, hungTaskTimeout: .keep)
    }
  }
}
