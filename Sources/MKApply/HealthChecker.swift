import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// The time a hand-over waits on (health check timeout, drain): injected,
/// so that tests never wait on the wall clock.
public protocol HandoverClock: AnyObject {
  /// Milliseconds on a clock that only moves forward.
  func now() -> Int64
  func sleep(milliseconds: Int)
}

/// `CLOCK_MONOTONIC` and `nanosleep`.
public final class MonotonicClock: HandoverClock {
  public init() {}
  public func now() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
  }
  public func sleep(milliseconds: Int) {
    guard milliseconds > 0 else { return }
    var request = timespec(
      tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var left = timespec()
    while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
  }
}

/// Whether something accepts TCP connections on a port of this host (a
/// successor's `healthCheck.port`): injected, so tests decide the answer.
public protocol PortProbe: AnyObject {
  func accepts(port: Int) -> Bool
}

/// A TCP connect to 127.0.0.1:PORT, closed at once.
public final class LoopbackPortProbe: PortProbe {
  public init() {}
  public func accepts(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
    return withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}

/// Runs a successor's health check until it passes or its timeout ends:
/// a `command` through the host (from inside `--root`, exit 0 is healthy;
/// the argv is the reviewed plan's, checked to be an absolute program
/// path), a `file` that appears on the host, or a `port` that accepts.
struct HealthChecker {
  let host: any HostIO
  let store: StateStore
  let clock: any HandoverClock
  let ports: any PortProbe
  /// Between two tries, at most.
  static let interval = 500

  /// Why `probe` cannot be run here, or nil.
  static func problem(_ probe: HealthProbe, host: any HostIO) -> String? {
    if let command = probe.command {
      guard let program = command.first, program.hasPrefix("/"),
        !command.contains(where: {
          $0.contains("\0")
        })
      else { return "the health check command must start with an absolute program path" }
      return host.commandProblem(program).map { "\($0)" }
    }
    if let file = probe.file, !file.hasPrefix("/") {
      return "the health check file must be an absolute path"
    }
    if let port = probe.port, !(1...65535).contains(port) {
      return "the health check port must be between 1 and 65535"
    }
    if probe.command == nil && probe.file == nil && probe.port == nil {
      return "the hand-over has no health check"
    }
    return nil
  }

  /// True when it passed; else the last answer, for the report.
  func wait(_ probe: HealthProbe, timeout: Int, runID: String, name: String) -> (Bool, String) {
    let start = clock.now()
    var attempt = 0
    var last = "not tried"
    while true {
      attempt += 1
      let (passed, answer) = self.attempt(probe, runID: runID, name: "\(name)-\(attempt)")
      if passed { return (true, answer) }
      last = answer
      let elapsed = Int(clock.now() - start)
      if elapsed >= timeout {
        return (false, "\(last) after \(attempt) tries in \(HandoverExecutor.duration(timeout))")
      }
      clock.sleep(milliseconds: min(Self.interval, timeout - elapsed))
    }
  }

  func attempt(_ probe: HealthProbe, runID: String, name: String) -> (Bool, String) {
    if let command = probe.command {
      let evidence = store.evidencePath(runID: runID, command: name)
      defer { try? host.removeFile(evidence) }
      do {
        let result = try host.run(command, evidence: evidence)
        return result.status == 0
          ? (true, "exit status 0")
          : (false, "\(command[0]) exited with status \(result.status)")
      } catch {
        return (false, "\(error)")
      }
    }
    if let file = probe.file {
      return host.kind(file) == .file ? (true, "\(file) exists") : (false, "\(file) does not exist")
    }
    if let port = probe.port {
      return ports.accepts(port: port)
        ? (true, "port \(port) accepts") : (false, "nothing accepts on port \(port)")
    }
    return (false, "no health check")
  }
}
