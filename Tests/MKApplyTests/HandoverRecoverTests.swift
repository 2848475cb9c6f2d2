import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// `mkpolicy recover` settles a hand-over a crash interrupted, from
/// `handover.json` alone: `--complete` finishes it exactly as applying its
/// plan again would (no kerf command twice), `--rollback` undoes it while
/// the old instance was never stopped (E539 after), and `verify` then finds
/// nothing to report.
@Suite struct HandoverRecoverTests {
  typealias Executor = HandoverExecutorTests

  /// A host where the hand-over of `after` was interrupted at write point
  /// `point` (an I/O error there, which leaves the state directory as a
  /// crash would); nil when the hand-over has fewer write points.
  static func interrupted(at point: Int, _ before: Plan, _ after: Plan) throws -> (
    MemoryHost, KerfModel
  )? {
    let (host, kerf) = try Executor.host(before)
    host.seed(HandoverFixtures.readyFile, "ready\n")
    _ = try Applier(host: host).apply(after)
    host.clearMutations()
    let faulty = FaultyHost(host, faultAt: point, fault: .errno(EIO))
    _ = try Executor.executor(faulty).run(after)
    return faulty.injected ? (host, kerf) : nil
  }

  @Test func completeFinishesAtEveryWritePoint() throws {
    let (before, after) = HandoverFixtures.plans(release: "successor")
    let handover = try #require(after.handovers?.first)
    var point = 1
    var recovered = 0
    while let (host, kerf) = try Self.interrupted(at: point, before, after) {
      defer { point += 1 }
      guard host.kind("/var/lib/mkpolicy/handover.json") == .file else {
        // Interrupted before handover.json existed, or after it was removed.
        #expect(throws: ApplyRefusal.self) { try Executor.executor(host).recover(rollback: false) }
        continue
      }
      recovered += 1
      let report = try Executor.executor(host).recover(rollback: false)
      #expect(report.outcome == .handedOver, "point \(point): \(report.render())")
      #expect(kerf.log == Executor.kerfSteps(handover), "point \(point)")
      #expect(kerf.instances == ["vm-next": "active"], "point \(point)")
      #expect(host.kind("/var/lib/mkpolicy/handover.json") == .missing, "point \(point)")
      try Executor.expectVerified(host, "point \(point)")
    }
    #expect(recovered >= 10, "only \(recovered) points left a hand-over to recover")
  }

  @Test func rollbackUndoesUntilTheOldInstanceIsStopped() throws {
    let (before, after) = HandoverFixtures.plans(release: "successor")
    let handover = try #require(after.handovers?.first)
    var point = 1
    var rolledBack = 0
    var refused = 0
    while let (host, kerf) = try Self.interrupted(at: point, before, after) {
      defer { point += 1 }
      guard host.kind("/var/lib/mkpolicy/handover.json") == .file else { continue }
      let report = try Executor.executor(host).recover(rollback: true)
      if kerf.log.contains("kerf kill vm") {
        // The old instance is gone: nothing to roll back to; complete instead.
        refused += 1
        #expect(report.outcome == .stopped, "point \(point)")
        #expect(report.failure?.code == "E539", "point \(point)")
        #expect(host.kind("/var/lib/mkpolicy/handover.json") == .file, "point \(point)")
        let complete = try Executor.executor(host).recover(rollback: false)
        #expect(complete.outcome == .handedOver, "point \(point): \(complete.render())")
        #expect(kerf.log == Executor.kerfSteps(handover), "point \(point)")
        #expect(kerf.instances == ["vm-next": "active"], "point \(point)")
      } else {
        rolledBack += 1
        #expect(report.outcome == .rolledBack, "point \(point): \(report.render())")
        #expect(report.failure?.code == "E531", "point \(point)")
        #expect(kerf.instances == ["vm": "active"], "point \(point): \(kerf.log)")
        let record = try #require(try StateStore(host: host).loadApplied())
        #expect(record.plan.handovers == nil, "point \(point)")
      }
      #expect(host.kind("/var/lib/mkpolicy/handover.json") == .missing, "point \(point)")
      try Executor.expectVerified(host, "point \(point)")
    }
    #expect(rolledBack >= 3, "only \(rolledBack) points rolled back")
    #expect(refused >= 1, "no point after the old instance was stopped")
  }

  /// A progress file without its plan (as written before it was kept) is
  /// not guessed at: E538 says to apply that plan again; nothing runs.
  @Test func progressWithoutItsPlanIsRefused() throws {
    let (before, after) = HandoverFixtures.plans()
    let (host, kerf) = try Executor.host(before)
    _ = try Applier(host: host).apply(after)
    var progress = HandoverProgress(
      plan: after, planDigest: try StateStore.digest(after), workload: "vm",
      runID: "0123456789abcdef0123456789abcdef",
      steps: try #require(after.handovers?.first).steps.map(\.id))
    progress.plan = nil
    try host.createExclusive("/var/lib/mkpolicy/handover.json", StateStore.encode(progress))
    let report = try Executor.executor(host).recover(rollback: false)
    #expect(report.outcome == .stopped)
    #expect(report.failure?.code == "E538")
    #expect(kerf.log == [])
    #expect(host.kind("/var/lib/mkpolicy/handover.json") == .file)
  }
}
