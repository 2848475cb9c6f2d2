import MKApply
import MKCore
import MKPlan
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The reconcile flows (switching overlapping partitions, revalidating
/// invalid ones, restoring after a reboot, repairing drift) under every fault
/// at every write point, and under a crash at every write point followed by
/// `apply` again or `recover --rollback`: each ends exactly applied or
/// exactly as before, partition validity included.
@Suite struct ReconcileFaultTests {
  struct Flow: CustomStringConvertible, Sendable {
    var name: String
    var start: @Sendable () -> MemoryHost
    var plan: Plan
    var description: String { name }
  }

  static func applied(_ state: DesiredState) -> MemoryHost {
    let host = DesiredState.host()
    _ = try? Applier(host: host).apply(state.plan)
    return host
  }

  static let flows: [Flow] = [
    Flow(name: "switch", start: { applied(.first) }, plan: DesiredState.second.plan),
    Flow(
      name: "revalidate",
      start: {
        let host = applied(.second)
        try? host.write(DesiredState.parent + "/ingest/cpuset.cpus", "8-11")
        return host
      }, plan: DesiredState.first.plan),
    Flow(
      name: "reboot",
      start: {
        let host = applied(.first)
        host.reboot(bootID: "dddddddd-0000-0000-0000-000000000004")
        return host
      }, plan: DesiredState.first.plan),
    Flow(
      name: "repair",
      start: {
        let host = applied(.first)
        try? host.write(DesiredState.parent + "/ledger/cpuset.cpus.partition", "member")
        try? host.write(DesiredState.parent + "/web/cpuset.cpus", "2")
        try? host.makeDirectory(DesiredState.parent + "/stray")
        return host
      }, plan: DesiredState.first.plan),
  ]

  @Test(arguments: flows)
  func everyFaultAtEveryWritePoint(_ flow: Flow) throws {
    let reference = flow.start()
    let counter = FaultyHost(reference, faultAt: nil, fault: .shortWrite)
    let clean = try Applier(host: counter).apply(flow.plan)
    #expect(clean.outcome == .applied, "\(flow.name): \(clean.failure ?? "")")
    let writePoints = counter.mutatingOperations
    let target = reference.snapshot()
    var outcomes: [String: Int] = [:]
    for point in 1...writePoints {
      for fault in Fault.all {
        let host = flow.start()
        host.clearMutations()
        let before = host.snapshot()
        let label = "\(flow.name), \(fault) at write point \(point)"
        do {
          let report = try Applier(host: FaultyHost(host, faultAt: point, fault: fault)).apply(
            flow.plan)
          outcomes[report.outcome.rawValue, default: 0] += 1
          switch report.outcome {
          case .applied:
            #expect(
              host.snapshot() == target,
              "\(label): \(FaultInjectionTests.diff(host.snapshot(), target))")
          case .rolledBack:
            #expect(
              host.snapshot() == before,
              "\(label): \(FaultInjectionTests.diff(host.snapshot(), before)) \(report.notRestored)"
            )
          default:
            Issue.record("\(label): ended \(report.outcome.rawValue): \(report.notRestored)")
          }
        } catch {
          outcomes["refused", default: 0] += 1
          #expect(host.snapshot() == before, "\(label): refused but changed the host")
        }
      }
    }
    #expect(outcomes["rolled back", default: 0] >= writePoints, "\(flow.name): \(outcomes)")
    print(
      "reconcile faults \(flow.name): \(writePoints) write points x \(Fault.all.count) faults: \(outcomes.sorted { $0.key < $1.key })"
    )
  }

  /// Mutations stop for good at operation N, as when the process is killed
  /// there: nothing it tries afterwards reaches the host.
  final class Crash: HostIO {
    let inner: MemoryHost
    let at: Int
    var operations = 0
    init(_ inner: MemoryHost, at: Int) {
      self.inner = inner
      self.at = at
    }
    var crashed: Bool { operations >= at }
    func alive() throws(HostIOError) {
      operations += 1
      if operations >= at {
        throw HostIOError(operation: "killed", path: "-", errno: EIO)
      }
    }
    var processID: Int32 { inner.processID }
    func read(_ path: String) throws(HostIOError) -> String { try inner.read(path) }
    func kind(_ path: String) -> HostFileKind { inner.kind(path) }
    func list(_ path: String) throws(HostIOError) -> [String] { try inner.list(path) }
    func write(_ path: String, _ value: String) throws(HostIOError) {
      try alive()
      try inner.write(path, value)
    }
    func makeDirectory(_ path: String) throws(HostIOError) {
      try alive()
      try inner.makeDirectory(path)
    }
    func removeDirectory(_ path: String) throws(HostIOError) {
      try alive()
      try inner.removeDirectory(path)
    }
    func replaceAtomically(_ path: String, _ content: String) throws(HostIOError) {
      try alive()
      try inner.replaceAtomically(path, content)
    }
    func createExclusive(_ path: String, _ content: String) throws(HostIOError) {
      try alive()
      try inner.createExclusive(path, content)
    }
    func removeFile(_ path: String) throws(HostIOError) {
      try alive()
      try inner.removeFile(path)
    }
    func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
      try alive()
      return try inner.run(argv, evidence: evidence)
    }
    func lock(_ path: String, holder: String) throws(HostIOError) -> (any HostIOLock)? {
      try inner.lock(path, holder: holder)
    }
    func commandProblem(_ program: String) -> HostIOError? { inner.commandProblem(program) }
  }

  @Test(arguments: flows)
  func killAtEveryWritePointThenApplyOrRollBack(_ flow: Flow) throws {
    let reference = flow.start()
    let counter = FaultyHost(reference, faultAt: nil, fault: .shortWrite)
    _ = try Applier(host: counter).apply(flow.plan)
    let target = reference.snapshot()
    for point in 1...counter.mutatingOperations {
      let host = flow.start()
      let before = host.snapshot()
      let crash = Crash(host, at: point)
      _ = try? Applier(host: crash).apply(flow.plan)
      #expect(crash.crashed, "\(flow.name): never reached write point \(point)")
      // The next process: another pid; the dead one's lock is stale.
      host.processID = 5000
      host.livePIDs = [5000]
      let other = host.clone()
      let again = try Applier(host: host).apply(flow.plan)
      #expect(
        again.succeeded && again.failure == nil,
        "\(flow.name) killed at \(point), apply again: \(again.failure ?? "") \(again.notRestored)")
      #expect(
        host.snapshot() == target,
        "\(flow.name) killed at \(point), apply again: \(FaultInjectionTests.diff(host.snapshot(), target))"
      )
      if other.kind("/var/lib/mkpolicy/journal.json") != .missing {
        let back = try Applier(host: other).recover(complete: false)
        #expect(back.notRestored == [], "\(flow.name) killed at \(point), rollback")
        #expect(
          other.snapshot() == before,
          "\(flow.name) killed at \(point), rollback: \(FaultInjectionTests.diff(other.snapshot(), before))"
        )
      }
    }
  }
}
