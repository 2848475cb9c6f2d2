import Foundation
import MKApply
import MKCore
import MKPlan
import Testing

/// The hand-over executor on an in-memory host with kerf's state machine
/// (strict about order, so a command run twice fails): the steps run in the
/// plan's order, a failed health check rolls back with the old instance
/// untouched, a fault at every step either rolls back (before the old
/// instance is stopped) or stops and continues on the next run, and an
/// interruption at every write point resumes without a command run twice.
/// `verify` finds nothing to report at the end of each.
@Suite struct HandoverExecutorTests {
  /// A host with `before` applied and kerf's model attached.
  static func host(_ before: Plan) throws -> (MemoryHost, KerfModel) {
    let host = Fixtures.baseHost()
    let kerf = KerfModel.attach(to: host)
    let report = try Applier(host: host).apply(before)
    #expect(report.failure == nil, "\(report.render().stderr)")
    kerf.clearLog()
    host.clearMutations()
    return (host, kerf)
  }

  static func executor(_ host: any HostIO, clock: HandoverFixtures.FakeClock = .init())
    -> HandoverExecutor
  {
    HandoverExecutor(host: host, clock: clock, ports: HandoverFixtures.NoPorts())
  }

  /// Applies `after` (its ordinary steps, then the hand-over).
  static func apply(_ after: Plan, on host: any HostIO, clock: HandoverFixtures.FakeClock = .init())
    throws -> HandoverReport
  {
    let report = try Applier(host: host).apply(after)
    #expect(report.failure == nil, "\(report.render().stderr)")
    return try executor(host, clock: clock).run(after)
  }

  static func verified(_ host: any HostIO) throws -> [String] {
    try Verifier(host: host).verify().differences
  }

  static func expectVerified(_ host: any HostIO, _ context: String) throws {
    let differences = try verified(host)
    #expect(differences == [], "\(context) \(differences)")
  }

  static func kerfSteps(_ handover: Handover) -> [String] {
    handover.steps.compactMap { $0.argv?.joined(separator: " ") }
  }

  @Test(arguments: ["headroom", "successor"])
  func handoverRunsTheStepsInOrder(_ release: String) throws {
    let (before, after) = HandoverFixtures.plans(release: release, drain: "1s")
    let handover = try #require(after.handovers?.first)
    let (host, kerf) = try Self.host(before)
    host.seed(HandoverFixtures.readyFile, "ready\n")
    let clock = HandoverFixtures.FakeClock()
    let report = try Self.apply(after, on: host, clock: clock)
    #expect(report.outcome == .handedOver, "\(report.render())")
    #expect(report.completed == ["vm"])
    #expect(kerf.log == Self.kerfSteps(handover))
    #expect(kerf.instances == ["vm-next": "active"])
    #expect(clock.slept == [1000], "the drain, and no waiting for a healthy successor")
    try Self.expectVerified(host, "")
    #expect(host.kind("/var/lib/mkpolicy/handover.json") == .missing)
    // Applying the same plan again finds the hand-over done.
    kerf.clearLog()
    let again = try Self.apply(after, on: host)
    #expect(again.outcome == .nothingToDo)
    #expect(kerf.log == [])
  }

  @Test func failedHealthCheckRollsBackAndLeavesTheOldInstanceUntouched() throws {
    let (before, after) = HandoverFixtures.plans()
    let (host, kerf) = try Self.host(before)
    let clock = HandoverFixtures.FakeClock()
    let report = try Self.apply(after, on: host, clock: clock)
    #expect(report.outcome == .rolledBack)
    #expect(report.failure?.code == "E531")
    #expect(report.failure?.message.contains("/run/mk/vm-ready does not exist") == true)
    let handover = try #require(after.handovers?.first)
    #expect(
      kerf.log == Array(Self.kerfSteps(handover).prefix(3)) + [
        "kerf kill vm-next", "kerf unload vm-next", "kerf delete vm-next",
      ])
    #expect(!kerf.log.contains { $0.split(separator: " ").dropFirst(2).first == "vm" })
    #expect(kerf.instances == ["vm": "active"])
    #expect(clock.time >= 3000, "waited out the 3s timeout")
    let record = try #require(try StateStore(host: host).loadApplied())
    #expect(record.plan.kernelInstances.map(\.name) == ["vm"])
    #expect(record.plan.handovers == nil)
    try Self.expectVerified(host, "")
  }

  /// A kerf step fails (exit status 1): before the old instance is stopped
  /// everything is undone; after, progress is kept and the next run finishes.
  @Test func aFailingKerfStepRollsBackOrStops() throws {
    let (before, after) = HandoverFixtures.plans()
    let handover = try #require(after.handovers?.first)
    let steps = handover.steps.filter { $0.argv != nil }
    let kill = try #require(steps.firstIndex { $0.kind == .kill })
    for failing in steps.indices {
      let (host, kerf) = try Self.host(before)
      host.seed(HandoverFixtures.readyFile, "ready\n")
      let report0 = try Applier(host: host).apply(after)
      #expect(report0.failure == nil)
      var calls = 0
      host.commandResult = { argv in
        if argv.first == "kerf" { calls += 1 }
        if argv.first == "kerf" && calls == failing + 1 {
          return CommandResult(status: 1, output: "kerf: injected failure")
        }
        return kerf.handle(argv)
      }
      let report = try Self.executor(host).run(after)
      if failing < kill {
        #expect(report.outcome == .rolledBack, "step \(failing)")
        #expect(report.failure?.code == "E530", "step \(failing)")
        #expect(kerf.instances == ["vm": "active"], "step \(failing): \(kerf.log)")
        #expect(!kerf.log.contains("kerf kill vm"), "step \(failing)")
        try Self.expectVerified(host, "step \(failing)")
      } else {
        #expect(report.outcome == .stopped, "step \(failing)")
        #expect(report.failure?.code == "E532", "step \(failing)")
        host.commandResult = { kerf.handle($0) }
        let next = try Self.executor(host).run(after)
        #expect(next.outcome == .handedOver, "step \(failing): \(next.render())")
        #expect(kerf.instances == ["vm-next": "active"], "step \(failing)")
        try Self.expectVerified(host, "step \(failing)")
      }
    }
  }

  /// An I/O error at every mutating operation of the hand-over (a crash
  /// there, as far as the state directory is concerned): the next run
  /// resumes; no kerf command runs twice (kerf's model would refuse it) and
  /// the old instance is stopped only after the successor's health check.
  @Test func interruptedAtEveryWritePointItResumes() throws {
    let (before, after) = HandoverFixtures.plans(release: "successor")
    let handover = try #require(after.handovers?.first)
    var point = 1
    var interrupted = 0
    while point < 200 {
      let (host, kerf) = try Self.host(before)
      host.seed(HandoverFixtures.readyFile, "ready\n")
      _ = try Applier(host: host).apply(after)
      host.clearMutations()
      let faulty = FaultyHost(host, faultAt: point, fault: .errno(EIO))
      let first = try Self.executor(faulty).run(after)
      if !faulty.injected {
        #expect(first.outcome == .handedOver)
        break
      }
      interrupted += 1
      let second = try Self.executor(host).run(after)
      #expect(
        second.outcome == .handedOver || first.outcome == .handedOver,
        "point \(point): \(first.render()) then \(second.render())")
      #expect(kerf.log == Self.kerfSteps(handover), "point \(point)")
      #expect(kerf.instances == ["vm-next": "active"], "point \(point)")
      try Self.expectVerified(host, "point \(point)")
      point += 1
    }
    #expect(interrupted >= 10, "only \(interrupted) write points")
  }

  @Test func progressOfAnotherPlanIsRefused() throws {
    let (before, after) = HandoverFixtures.plans()
    let (host, _) = try Self.host(before)
    _ = try Applier(host: host).apply(after)
    var progress = HandoverProgress(
      plan: before, planDigest: "sha256:" + String(repeating: "a", count: 64), workload: "vm",
      runID: "0123456789abcdef0123456789abcdef",
      steps: try #require(after.handovers?.first).steps.map(\.id))
    progress.healthy = false
    try host.createExclusive("/var/lib/mkpolicy/handover.json", StateStore.encode(progress))
    let report = try Self.executor(host).run(after)
    #expect(report.outcome == .stopped)
    #expect(report.failure?.code == "E533")
  }
}
