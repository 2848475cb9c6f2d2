import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// What `FaultyHost` does to the chosen operation.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
  /// The operation fails with this errno and changes nothing.
  case errno(Int32)
  /// A `write` stores only the first half of its value, then fails (EIO,
  /// "short write"); an atomic replace fails before its rename.
  case shortWrite
  /// The operation reports success and changes nothing: the read-back after
  /// it sees the old value (an IRQ that did not move, a write the kernel
  /// dropped). A command "succeeds" with exit status 1 instead.
  case readBackMismatch

  public static let all: [Fault] = [
    .errno(EBUSY), .errno(EINVAL), .errno(ENOSPC), .errno(EIO), .errno(EPERM), .shortWrite,
    .readBackMismatch,
  ]

  public var description: String {
    switch self {
    case .errno(let code): Errno.name(code)
    case .shortWrite: "short write"
    case .readBackMismatch: "read-back mismatch"
    }
  }
}

/// Wraps a host and injects one fault at the N-th mutating operation
/// (1-based; reads are never counted), for the fault-injection tests.
public final class FaultyHost: HostIO {
  public let inner: any HostIO
  public let faultAt: Int?
  public let fault: Fault
  public private(set) var mutatingOperations = 0
  /// Whether the fault was actually injected (the run reached operation N).
  public var injected: Bool { injectedAt != nil }
  /// The operation that was faulted: its name, path and value.
  public private(set) var injectedAt: (operation: String, path: String, value: String?)?

  public init(_ inner: any HostIO, faultAt: Int?, fault: Fault) {
    self.inner = inner
    self.faultAt = faultAt
    self.fault = fault
  }

  public var processID: Int32 { inner.processID }

  /// True when this operation is the one to fault.
  private func strike(_ operation: String, _ path: String, _ value: String? = nil) -> Bool {
    mutatingOperations += 1
    if mutatingOperations == faultAt {
      injectedAt = (operation, path, value)
      return true
    }
    return false
  }

  private func plainFailure(_ operation: String, _ path: String, _ value: String?) -> HostIOError {
    switch fault {
    case .errno(let code): HostIOError(operation: operation, path: path, value: value, errno: code)
    case .shortWrite, .readBackMismatch:
      HostIOError(operation: operation, path: path, value: value, errno: EIO)
    }
  }

  public func read(_ path: String) throws(HostIOError) -> String { try inner.read(path) }
  public func kind(_ path: String) -> HostFileKind { inner.kind(path) }
  public func list(_ path: String) throws(HostIOError) -> [String] { try inner.list(path) }
  public func lock(_ path: String, holder: String) throws(HostIOError) -> (any HostIOLock)? {
    try inner.lock(path, holder: holder)
  }
  public func commandProblem(_ program: String) -> HostIOError? { inner.commandProblem(program) }
  public func readResolvingLinks(_ path: String) throws(HostIOError) -> String {
    try inner.readResolvingLinks(path)
  }

  public func write(_ path: String, _ value: String) throws(HostIOError) {
    guard strike("write", path, value) else { return try inner.write(path, value) }
    switch fault {
    case .errno(let code):
      throw HostIOError(operation: "write", path: path, value: value, errno: code)
    case .shortWrite:
      let bytes = Array(value.utf8)
      let kept = String(decoding: bytes.prefix(bytes.count / 2), as: UTF8.self)
      try? inner.write(path, kept)
      throw HostIOError(
        operation: "write", path: path, value: value, errno: EIO,
        reason: "short write: \(kept.utf8.count) of \(bytes.count) bytes")
    case .readBackMismatch:
      return
    }
  }

  public func makeDirectory(_ path: String) throws(HostIOError) {
    guard strike("mkdir", path) else { return try inner.makeDirectory(path) }
    if fault == .readBackMismatch { return }
    throw plainFailure("mkdir", path, nil)
  }

  public func removeDirectory(_ path: String) throws(HostIOError) {
    guard strike("rmdir", path) else { return try inner.removeDirectory(path) }
    if fault == .readBackMismatch { return }
    throw plainFailure("rmdir", path, nil)
  }

  public func replaceAtomically(_ path: String, _ content: String) throws(HostIOError) {
    guard strike("replace", path, content) else {
      return try inner.replaceAtomically(path, content)
    }
    if fault == .readBackMismatch { return }
    throw plainFailure("replace", path, nil)
  }

  public func createExclusive(_ path: String, _ content: String) throws(HostIOError) {
    guard strike("create", path, content) else { return try inner.createExclusive(path, content) }
    if fault == .readBackMismatch { return }
    throw plainFailure("create", path, content)
  }

  public func removeFile(_ path: String) throws(HostIOError) {
    guard strike("remove", path) else { return try inner.removeFile(path) }
    if fault == .readBackMismatch { return }
    throw plainFailure("remove", path, nil)
  }

  public func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
    guard strike("run", argv.joined(separator: " ")) else {
      return try inner.run(argv, evidence: evidence)
    }
    if case .errno(let code) = fault {
      throw HostIOError(operation: "run", path: argv.joined(separator: " "), errno: code)
    }
    return CommandResult(status: 1, output: "injected failure\n")
  }
}
