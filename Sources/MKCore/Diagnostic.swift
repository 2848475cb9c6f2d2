/// One finding of any stage, in the shape compilers use: a stable code, a
/// message, where it happened, and what to do about it.
///
/// Stages never print; they return diagnostics, and the front end renders
/// them as text, JSON or CI annotations. Codes are stable and documented
/// (`docs/diagnostics.md`): E0xx YAML and policy syntax, E1xx policy semantics,
/// E2xx placement, E3xx topology, E4xx planning, E5xx apply.
public struct Diagnostic: Sendable, Hashable, Codable {
  public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case error, warning, note

    private var rank: Int {
      switch self {
      case .error: 0
      case .warning: 1
      case .note: 2
      }
    }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
  }

  /// A secondary location that explains the primary one (the other half of a
  /// duplicate, the workload that took the CPUs another one needed).
  public struct Note: Sendable, Hashable, Codable {
    public var message: String
    public var location: SourceLocation?
    public init(_ message: String, at location: SourceLocation? = nil) {
      self.message = message
      self.location = location
    }
  }

  public var severity: Severity
  /// Stable identifier such as `E012`; tests and users' tooling key on it.
  public var code: String
  public var message: String
  public var location: SourceLocation?
  public var notes: [Note]
  /// Concrete fixes, one per line of `help:` output.
  public var help: [String]

  public init(
    _ severity: Severity, _ code: String, _ message: String, at location: SourceLocation? = nil,
    notes: [Note] = [], help: [String] = []
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.location = location
    self.notes = notes
    self.help = help
  }

  public static func error(
    _ code: String, _ message: String, at location: SourceLocation? = nil, notes: [Note] = [],
    help: [String] = []
  ) -> Diagnostic {
    Diagnostic(.error, code, message, at: location, notes: notes, help: help)
  }

  public static func warning(
    _ code: String, _ message: String, at location: SourceLocation? = nil, notes: [Note] = [],
    help: [String] = []
  ) -> Diagnostic {
    Diagnostic(.warning, code, message, at: location, notes: notes, help: help)
  }
}

/// Collects the diagnostics of one run so that every error is reported, not
/// only the first.
public struct DiagnosticCollector: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []

  public init() {}

  public mutating func emit(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
  public mutating func emit(contentsOf more: [Diagnostic]) { diagnostics.append(contentsOf: more) }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  /// Diagnostics in a deterministic order: by file, line, column, then code.
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let la = a.element.location
      let lb = b.element.location
      switch (la, lb) {
      case (let x?, let y?) where x != y: return x < y
      case (nil, _?): return false
      case (_?, nil): return true
      default: return a.offset < b.offset
      }
    }.map(\.element)
  }
}

/// Thrown by a stage that cannot produce its output; carries everything found.
public struct DiagnosticError: Error, Sendable {
  public var diagnostics: [Diagnostic]
  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
  public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }
}
