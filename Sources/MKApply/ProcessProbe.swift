import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// Which processes of a daemon run right now, read from `/proc/PID/comm`
/// through `HostIO`.
///
/// This is how apply and verify know whether irqbalance is active instead of
/// trusting the record of an earlier `systemctl stop`: a reboot, a package
/// upgrade or an operator starts it again. Reading `/proc` (never asking
/// `systemctl`) keeps it a read: with `--root` it reads the tree's `/proc`,
/// and the machine's own service manager is never queried about a tree it
/// does not manage.
public struct ProcessProbe {
  public let host: any HostIO

  public init(host: any HostIO) { self.host = host }

  /// The ids of processes whose `comm` is `name`, in order; nil when there
  /// is no `/proc` to read, where nothing can be said live. (A `--root`
  /// tree whose `/proc` lists no process runs nothing: empty.)
  /// Only ENOENT (and ESRCH: a process that exits while it is read) means
  /// gone; any other read error throws.
  public func running(_ name: String) throws(HostIOError) -> [Int32]? {
    let entries: [String]
    do { entries = try host.list("/proc") } catch  where error.errno == ENOENT { return nil }
    let pids = entries.compactMap { Int32($0) }.sorted()
    var out: [Int32] = []
    for pid in pids {
      do {
        let comm = try host.read("/proc/\(pid)/comm").trimmingASCIIWhitespace()
        if comm == name { out.append(pid) }
      } catch  where error.errno == ENOENT || error.errno == ESRCH {
        continue
      }
    }
    return out
  }

  /// The process name the kernel reports for irqbalance (`/proc/PID/comm`).
  public static let irqbalance = "irqbalance"
}
