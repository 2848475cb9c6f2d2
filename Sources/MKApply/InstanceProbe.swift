import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// Which multikernel instances run right now, read from the kernel's own
/// state, the files `kerf show` reads: `/sys/fs/multikernel/instances/NAME/`
/// and its `status` (`empty`, `ready`, `loaded`, `active`, `failed`).
///
/// Apply trusts this over its record: a reboot takes every instance down
/// while the record on disk still lists the commands that started them.
public struct InstanceProbe {
  public static let root = "/sys/fs/multikernel"
  public let host: any HostIO

  public init(host: any HostIO) { self.host = host }

  /// Instance name -> status; nil when the host has no `/sys/fs/multikernel`
  /// (no multikernel kernel, or not mounted), where nothing can be read live.
  public func live() throws(HostIOError) -> [String: String]? {
    guard host.kind(Self.root) == .directory else { return nil }
    let directory = Self.root + "/instances"
    guard host.kind(directory) == .directory else { return [:] }
    var out: [String: String] = [:]
    for name in try host.list(directory) where host.kind(directory + "/" + name) == .directory {
      do {
        out[name] = try host.read(directory + "/" + name + "/status").trimmingASCIIWhitespace()
      } catch  where error.errno == ENOENT {
        out[name] = "unknown"
      }
    }
    return out
  }
}
