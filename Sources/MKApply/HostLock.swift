#if canImport(Glibc)
  import Glibc
#endif

/// The state directory's lock file, so that two applies never interleave.
///
/// It is created with `O_EXCL` and names its holder (`pid=N boot=ID`). A lock
/// whose process is gone, or that was taken in another boot, is stale: it is
/// reported and replaced. A live one makes the second apply fail at once.
public struct HostLock {
  public struct Holder: Sendable, Equatable {
    public var pid: Int32
    public var bootID: String
  }

  public enum Failure: Error, Sendable, CustomStringConvertible {
    case held(path: String, holder: Holder)
    case io(HostIOError)
    public var description: String {
      switch self {
      case .held(let path, let holder):
        "another mkpolicy (pid \(holder.pid)) holds \(path); wait for it to finish, or remove the file if that process is not mkpolicy"
      case .io(let error): "cannot take the lock: \(error)"
      }
    }
  }

  public let store: StateStore
  public let bootID: String

  public init(store: StateStore, bootID: String) {
    self.store = store
    self.bootID = bootID
  }

  public func holder() -> Holder? {
    guard let text = try? store.host.read(store.lockPath) else { return nil }
    var pid: Int32 = -1
    var boot = ""
    for field in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
      if field.hasPrefix("pid=") { pid = Int32(field.dropFirst(4)) ?? -1 }
      if field.hasPrefix("boot=") { boot = String(field.dropFirst(5)) }
    }
    return Holder(pid: pid, bootID: boot)
  }

  /// Why an existing lock is stale, or nil when its holder is alive.
  public func staleReason(_ holder: Holder) -> String? {
    if holder.bootID != bootID {
      return "it was taken in another boot (\(holder.bootID.isEmpty ? "unknown" : holder.bootID))"
    }
    if !store.host.processAlive(holder.pid) { return "its process \(holder.pid) is gone" }
    return nil
  }

  /// Fails at once if a live holder exists. Returns notes about stale locks replaced.
  public func acquire() throws(Failure) -> [String] {
    var notes: [String] = []
    let content = "pid=\(store.host.processID) boot=\(bootID)\n"
    if let holder = holder(), staleReason(holder) == nil {
      throw .held(path: store.lockPath, holder: holder)
    }
    for attempt in 0..<2 {
      do {
        try store.host.createExclusive(store.lockPath, content)
        guard (try? store.host.read(store.lockPath)) == content else {
          throw Failure.io(
            HostIOError(
              operation: "create", path: store.lockPath, errno: EIO,
              reason: "read-back mismatch: the lock file does not hold what was written"))
        }
        return notes
      } catch let error as Failure {
        throw error
      } catch let error as HostIOError {
        guard error.errno == EEXIST, attempt == 0 else { throw .io(error) }
        guard let holder = holder() else { throw .io(error) }
        guard let reason = staleReason(holder) else {
          throw .held(path: store.lockPath, holder: holder)
        }
        notes.append("removed a stale lock \(store.lockPath): \(reason)")
        do { try store.host.removeFile(store.lockPath) } catch { throw .io(error) }
      } catch {
        throw .io(HostIOError(operation: "create", path: store.lockPath, errno: EIO))
      }
    }
    throw .io(HostIOError(operation: "create", path: store.lockPath, errno: EEXIST))
  }

  public func release() throws(HostIOError) {
    try store.host.removeFile(store.lockPath)
  }
}
