import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// The one door through which apply touches a host: every read, write,
/// directory operation, atomic file replacement and command goes through it.
///
/// Paths are always absolute host paths (`/sys/fs/cgroup/...`); an
/// implementation decides where they really live (`RootedHost` maps them under
/// `--root`, `MemoryHost` keeps them in memory, `FaultyHost` wraps another one
/// and fails a chosen operation). Keeping the seam this narrow is what lets the
/// tests fault every single write point and prove rollback.
public protocol HostIO: AnyObject {
  /// The file's content; `ENOENT` when it does not exist.
  func read(_ path: String) throws(HostIOError) -> String
  /// Like `read`, but following symbolic links as if the root were `/`
  /// (never out of it): for facts that sysfs only offers through its own
  /// links (`/sys/bus/pci/devices/ADDR/class`). Never for what apply writes
  /// or restores.
  func readResolvingLinks(_ path: String) throws(HostIOError) -> String
  /// What is at the path, without following a final symlink.
  func kind(_ path: String) -> HostFileKind
  /// Entry names of a directory, sorted.
  func list(_ path: String) throws(HostIOError) -> [String]
  /// One `write(2)` of `value` to an existing kernel file (or a new regular
  /// file when the root is a plain directory tree).
  func write(_ path: String, _ value: String) throws(HostIOError)
  func makeDirectory(_ path: String) throws(HostIOError)
  func removeDirectory(_ path: String) throws(HostIOError)
  /// Temp file, fsync, rename over `path`, fsync the directory; creates
  /// missing parent directories first.
  func replaceAtomically(_ path: String, _ content: String) throws(HostIOError)
  /// Creates `path` with `content` only if it does not exist (`EEXIST`).
  func createExclusive(_ path: String, _ content: String) throws(HostIOError)
  func removeFile(_ path: String) throws(HostIOError)
  /// Runs `argv` (looked up on PATH) to completion. Its output goes to
  /// `evidence`, a state-directory file the child itself creates just before
  /// exec: after a crash, the file's existence proves the command was started.
  func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult
  /// Takes the exclusive lock on `path` without waiting, creating the file
  /// (and its directory) when missing: an `flock` on a descriptor that stays
  /// open until `release()`, so the kernel drops it when the holder dies and
  /// no lock is ever judged stale by guessing. `holder` is written into the
  /// file for people (`pid=N run=ID`). Nil when another holder has it.
  func lock(_ path: String, holder: String) throws(HostIOError) -> (any HostIOLock)?
  /// Why `program` cannot be run on this host (not found where the host
  /// looks for programs), or nil. Apply asks before its first write.
  func commandProblem(_ program: String) -> HostIOError?
  /// This process's id (written into the lock file for people).
  var processID: Int32 { get }
}

extension HostIO {
  public func readResolvingLinks(_ path: String) throws(HostIOError) -> String {
    try read(path)
  }
  public func commandProblem(_ program: String) -> HostIOError? { nil }
  public var processID: Int32 { getpid() }
}

/// A held lock (`HostIO.lock`).
public protocol HostIOLock: AnyObject {
  func release()
}

public enum HostFileKind: Sendable, Equatable {
  case missing, file, directory, other
}

public struct CommandResult: Sendable, Equatable {
  public var status: Int32
  public var output: String
  public init(status: Int32, output: String) {
    self.status = status
    self.output = output
  }
}

/// A failed host operation, carrying everything an operator needs: what was
/// attempted, where, with which value, the errno and the kernel's reason.
public struct HostIOError: Error, Sendable, Equatable, CustomStringConvertible {
  public var operation: String
  public var path: String
  public var value: String?
  public var errno: Int32
  /// strerror text, or a more specific reason (`short write: 1 of 3 bytes`).
  public var reason: String

  public init(
    operation: String, path: String, value: String? = nil, errno: Int32, reason: String? = nil
  ) {
    self.operation = operation
    self.path = path
    self.value = value
    self.errno = errno
    self.reason = reason ?? Errno.message(errno)
  }

  public var description: String {
    var text = "\(operation) \(path)"
    if let value { text += " = \(Quoted.text(value))" }
    return text + ": \(Errno.name(errno)) (\(reason))"
  }
}

/// Values in messages: quoted, with control characters escaped, so a hostile
/// value can never forge a line of output.
public enum Quoted {
  public static func text(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          out += "\\x" + String(scalar.value, radix: 16)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
