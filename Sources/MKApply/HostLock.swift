#if canImport(Glibc)
  import Glibc
#endif

/// The state directory's lock, so that two applies never interleave.
///
/// It is an `flock` on the lock file's descriptor (`HostIO.lock`), taken
/// without waiting before apply reads its journal or the host, and held until
/// the apply ends: the kernel grants it to one process at a time and drops
/// it when that process dies, so there is no stale lock to judge and no
/// window between checking and taking it. The file itself stays (removing it
/// would let two processes lock two different files); what it holds
/// (`pid=N run=ID`) is only shown to people.
public final class HostLock {
  public struct Holder: Sendable, Equatable {
    /// The pid the holder wrote, when the file names one.
    public var pid: Int32?
  }

  public enum Failure: Error, Sendable, CustomStringConvertible {
    /// Another process holds the lock (E504).
    case held(path: String, holder: Holder)
    /// The state directory or the lock file cannot be used (E510).
    case io(HostIOError)
    public var message: String {
      switch self {
      case .held(let path, let holder):
        "another mkpolicy\(holder.pid.map { " (pid \($0))" } ?? "") holds \(path)"
      case .io(let error): "cannot use the state directory: \(error); nothing was written"
      }
    }
    public var help: [String] {
      switch self {
      case .held: ["wait for it to finish"]
      case .io:
        [
          "the state directory must be a directory (no symbolic link on the way) of the user running mkpolicy, not writable by others"
        ]
      }
    }
    public var description: String { message + "; " + help.joined(separator: "; ") }
  }

  public let store: StateStore
  public let holderText: String
  private var held: (any HostIOLock)?

  public init(store: StateStore, holderText: String) {
    self.store = store
    self.holderText = holderText
  }

  public var isHeld: Bool { held != nil }

  /// What the lock file says about its holder (for the message only).
  public func holder() -> Holder {
    guard let text = try? store.host.read(store.lockPath), text.utf8.count < 256 else {
      return Holder(pid: nil)
    }
    for field in text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    where field.hasPrefix("pid=") {
      if let pid = Int32(field.dropFirst(4)), pid > 0 { return Holder(pid: pid) }
    }
    return Holder(pid: nil)
  }

  /// Takes the lock or fails at once: `.held` when another process has it,
  /// `.io` when the state directory or the file cannot be used.
  public func acquire() throws(Failure) {
    if held != nil { return }
    let taken: (any HostIOLock)?
    do { taken = try store.host.lock(store.lockPath, holder: holderText) } catch {
      throw .io(error)
    }
    guard let taken else { throw .held(path: store.lockPath, holder: holder()) }
    held = taken
  }

  /// Releases the lock if held; idempotent.
  public func release() {
    held?.release()
    held = nil
  }
}
