import FoundationEssentials
import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// The value a step's target had before apply touched it, so that rollback
/// can put it back exactly.
public struct PriorValue: Sendable, Hashable, Codable {
  public var exists: Bool
  /// File content (trimmed for kernel files), or nil for a directory.
  public var value: String?
  /// For a cgroup directory a step removes: its settings, in restore order.
  public var settings: [Setting]?

  public struct Setting: Sendable, Hashable, Codable {
    public var file: String
    public var value: String
  }

  /// For a `cpuset.cpus.partition`: the kernel had already invalidated the
  /// partition before apply, so rollback leaves it so rather than revalidating it.
  public var invalid: Bool?

  /// For a file that did not exist: the directories above it that did not
  /// either (a unit's drop-in directory), deepest first. Writing the file
  /// creates them; rollback removes each one left empty.
  public var createdDirectories: [String]?

  public init(
    exists: Bool, value: String? = nil, settings: [Setting]? = nil, invalid: Bool? = nil,
    createdDirectories: [String]? = nil
  ) {
    self.exists = exists
    self.value = value
    self.settings = settings
    self.invalid = invalid
    self.createdDirectories = createdDirectories
  }
}

/// One journal line: a step, what it found, and how far it got.
public struct JournalEntry: Sendable, Hashable, Codable {
  public enum Status: String, Sendable, Hashable, Codable {
    /// Not attempted yet (or attempted without the journal learning of it).
    case pending
    /// A command about to be started: its evidence file decides after a crash.
    case started
    case done
    /// Already in effect when apply reached it: nothing to undo.
    case unchanged
    /// A command that ran and exited non-zero: not in effect, not undone.
    case failed
    /// Put back to its prior value by a rollback.
    case restored
  }
  public var step: ApplyStep
  public var prior: PriorValue?
  public var status: Status
}

/// What apply writes to `/var/lib/mkpolicy/journal.json` before its first
/// change and after every step: the plan, every prior value and every step's
/// status. Its presence means an apply did not finish; `recover` and the next
/// `apply` read it to complete or roll back.
public struct Journal: Sendable, Hashable, Codable {
  public enum Phase: String, Sendable, Hashable, Codable {
    case applying
    case rollingBack = "rolling-back"
  }
  public var version = 1
  public var planDigest: String
  public var plan: Plan
  /// Names this apply's command evidence files (`commands/RUN-ID.out`).
  public var runID: String
  public var phase: Phase
  public var entries: [JournalEntry]
  /// Every cgroup v2 partition apply could touch, as `cpuset.cpus.partition`
  /// read before the first change (`root`, `isolated invalid (...)`): a
  /// partition the kernel invalidates on the way, even one no step writes,
  /// is revalidated by rollback when it was valid here.
  public var partitions: [String: String]?
  /// The applied record as it was before this apply (`record` nil: there
  /// was none), so that a rollback after the new record was written puts it
  /// back and `verify` compares the host with the plan it has again. Absent
  /// in journals written before it was kept.
  public var appliedBefore: AppliedBefore?

  public struct AppliedBefore: Sendable, Hashable, Codable {
    public var record: AppliedRecord?
    public init(record: AppliedRecord?) { self.record = record }
  }

  public init(planDigest: String, plan: Plan, runID: String, phase: Phase, entries: [JournalEntry])
  {
    self.planDigest = planDigest
    self.plan = plan
    self.runID = runID
    self.phase = phase
    self.entries = entries
  }
}

/// What the last successful apply left behind, for `verify` and for
/// idempotence: the plan, the boot it was applied in, and its commands.
public struct AppliedRecord: Sendable, Hashable, Codable {
  public var version = 1
  public var planDigest: String
  public var plan: Plan
  public var bootID: String?
  /// Command id -> argv of every coordinator or bootloader command that ran.
  public var commands: [String: [String]]

  public init(planDigest: String, plan: Plan, bootID: String?, commands: [String: [String]]) {
    self.planDigest = planDigest
    self.plan = plan
    self.bootID = bootID
    self.commands = commands
  }
}

/// Reads and writes the state directory's files through the seam.
public struct StateStore {
  public let host: any HostIO
  public let directory: String

  public init(host: any HostIO, directory: String = "/var/lib/mkpolicy") {
    self.host = host
    self.directory = directory
  }

  public var journalPath: String { directory + "/journal.json" }
  public var appliedPath: String { directory + "/applied.json" }
  public var lockPath: String { directory + "/lock" }
  public func evidencePath(runID: String, command: String) -> String {
    directory + "/commands/\(runID)-\(command).out"
  }

  /// The state file or report as JSON text (the plan's own canonical form),
  /// or E270: never a stand-in such as `{}` for what could not be written.
  public static func encode<T: Encodable>(_ value: T) throws(DiagnosticError) -> String {
    try PlanCodec.document(value, what: "the \(T.self)")
  }

  /// The plan's digest, as `mkpolicy plan` writes it into plan.json
  /// (SHA-256 of its canonical JSON): journal and record are bound to it.
  /// Throws E270 when the plan cannot be written as JSON.
  public static func digest(_ plan: Plan) throws(DiagnosticError) -> String {
    try PlanCodec.digest(plan)
  }

  /// Writes atomically and reads back: a journal that did not land is a failure.
  public func save<T: Encodable>(_ value: T, to path: String) throws(HostIOError) {
    let text: String
    do { text = try Self.encode(value) } catch {
      throw HostIOError(
        operation: "encode", path: path, errno: EINVAL,
        reason:
          "\(error.diagnostics.first?.message ?? "cannot be written as JSON"); nothing was written")
    }
    try host.replaceAtomically(path, text)
    let back = try? host.read(path)
    guard back == text else {
      throw HostIOError(
        operation: "replace", path: path, errno: EIO,
        reason: "read-back differs from what was written")
    }
  }

  public enum LoadError: Error, Sendable, CustomStringConvertible {
    case unreadable(HostIOError)
    case corrupt(path: String, reason: String)
    /// It parses, but holds what apply never writes or runs (by JSON path).
    case refused(path: String, problems: [String])
    public var description: String {
      switch self {
      case .unreadable(let error): "\(error)"
      case .corrupt(let path, let reason): "\(path) is not a valid mkpolicy state file: \(reason)"
      case .refused(let path, let problems):
        "\(path) is refused: it holds what apply never writes or runs\n"
          + problems.prefix(20).map { "  \($0)\n" }.joined()
          + (problems.count > 20 ? "  ... and \(problems.count - 20) more\n" : "")
          + "nothing was run or written"
      }
    }
  }

  /// Nil when the file does not exist (only ENOENT means that).
  public func load<T: Decodable>(_ type: T.Type, from path: String) throws(LoadError) -> T? {
    let text: String
    do { text = try host.read(path) } catch {
      if error.errno == ENOENT { return nil }
      throw .unreadable(error)
    }
    do {
      return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    } catch {
      throw .corrupt(path: path, reason: "\(error)")
    }
  }

  /// The journal, checked by `StateValidator` before anything uses it.
  public func loadJournal() throws(LoadError) -> Journal? {
    guard let journal = try load(Journal.self, from: journalPath) else { return nil }
    let problems = StateValidator.problems(journal, stateDirectory: directory)
    guard problems.isEmpty else { throw .refused(path: journalPath, problems: problems) }
    return journal
  }

  /// The applied record, checked by `StateValidator` before anything uses it.
  public func loadApplied() throws(LoadError) -> AppliedRecord? {
    guard let record = try load(AppliedRecord.self, from: appliedPath) else { return nil }
    let problems = StateValidator.problems(record)
    guard problems.isEmpty else { throw .refused(path: appliedPath, problems: problems) }
    return record
  }
}
