import MKCore

/// `update:` of a kernel workload: how a change of its kernel (image,
/// initrd, command line or profile) reaches the running instance.
///
/// `handover` starts a successor instance on reserved headroom, checks its
/// health, moves the devices over and only then retires the old instance,
/// so the workload never stops; `restart` is today's kill, unload, load and
/// start of the one instance (downtime, no headroom needed).
public struct UpdatePolicy: Sendable, Hashable {
  public enum Strategy: String, Sendable, Hashable, CaseIterable, Codable {
    case handover, restart
  }

  /// Where the old instance's resources go once it is retired.
  public enum Release: String, Sendable, Hashable, CaseIterable, Codable {
    /// They become the headroom: the successor stays where it started (the
    /// workload and its headroom swap places). The headroom must hold the
    /// whole workload.
    case headroom
    /// The successor takes the old place (`kerf update`) and hands the
    /// headroom back: the workload ends where it was, and the headroom may be
    /// smaller than the workload (the successor starts small and grows).
    case successor
  }

  public var strategy: Strategy
  /// What the successor starts on; nil: the workload's own size (its
  /// minimum CPUs and memory), or `coordinator.updateHeadroom` when set.
  public var headroom: Headroom?
  public var healthCheck: HealthCheck?
  /// How long the old instance keeps running after it released its devices,
  /// so that work in flight finishes, in milliseconds.
  public var drainMilliseconds: Int
  /// How long the successor has to pass its health check, in milliseconds.
  public var timeoutMilliseconds: Int
  public var release: Release
  public var location: SourceLocation?
  /// Where each key of `update` was written, by key (`headroom`, `healthCheck`).
  public var fieldLocations: [String: SourceLocation]

  public static let defaultTimeoutMilliseconds = 60_000

  public init(
    strategy: Strategy = .restart, headroom: Headroom? = nil, healthCheck: HealthCheck? = nil,
    drainMilliseconds: Int = 0, timeoutMilliseconds: Int = UpdatePolicy.defaultTimeoutMilliseconds,
    release: Release = .headroom, location: SourceLocation? = nil,
    fieldLocations: [String: SourceLocation] = [:]
  ) {
    self.strategy = strategy
    self.headroom = headroom
    self.healthCheck = healthCheck
    self.drainMilliseconds = drainMilliseconds
    self.timeoutMilliseconds = timeoutMilliseconds
    self.release = release
    self.location = location
    self.fieldLocations = fieldLocations
  }

  /// The location of one key of `update`, else of `update` itself.
  public func location(of field: String) -> SourceLocation? {
    fieldLocations[field] ?? location
  }
}

/// CPUs and memory kept free for successor instances: nothing else is
/// placed on them, and they are in the coordinator's pool so that a
/// successor can be created without reshaping it.
public struct Headroom: Sendable, Hashable {
  /// Logical CPUs.
  public var cpus: Int
  public var memoryBytes: UInt64
  public var location: SourceLocation?

  public init(cpus: Int, memoryBytes: UInt64, location: SourceLocation? = nil) {
    self.cpus = cpus
    self.memoryBytes = memoryBytes
    self.location = location
  }
}

/// How the successor says it is ready to take over.
public enum HealthCheck: Sendable, Hashable {
  /// An argv run on the host; exit status 0 is healthy.
  case command([String])
  /// A file the successor creates (through a shared path) when it is ready.
  case file(String)
  /// A TCP port the successor accepts connections on when it is ready.
  case port(Int)

  /// `command: a b`, `file: /run/x`, `port: 8080`, for reports.
  public var summary: String {
    switch self {
    case .command(let argv): "command: " + argv.joined(separator: " ")
    case .file(let path): "file: " + path
    case .port(let port): "port: \(port)"
    }
  }
}

extension Workload {
  /// The update strategy in force: as written, else `restart`.
  public var updateStrategy: UpdatePolicy.Strategy { update?.strategy ?? .restart }
}
