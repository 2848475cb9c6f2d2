import Foundation
import MKApply
import MKPlan
import MKTestSupport
import Testing

/// The real `mkpolicy apply` of a plan with a hand-over, against a root
/// with a fake kerf that logs every invocation, killed (SIGKILL, through
/// MKPOLICY_TEST_KILL_BEFORE_OP) before every one of its write points and
/// then run again: the fake kerf's log is exactly the uninterrupted run's
/// (no command twice, the old instance stopped only after the successor
/// started and passed its health check), and `verify` exits 0.
@Suite(.serialized) struct HandoverCrashTests {
  /// A root with `before` applied by the real binary (and, when `ready`,
  /// the successor's ready file), `after` saved beside it, and how many
  /// kerf commands ran so far.
  static func rootWithBeforeApplied(_ before: Plan, _ after: Plan, ready: Bool = true) throws
    -> (root: TestRoot, afterPath: String, baseline: Int)
  {
    let root = try TestRoot.make()
    if ready { try root.put(HandoverFixtures.readyFile, "ready\n") }
    let beforePath = try root.savePlan(before, name: "before")
    let afterPath = try root.savePlan(after, name: "after")
    let first = root.mkpolicy(["apply", "--plan", beforePath, "--yes"])
    try #require(first.status == 0, "\(first.stdout) \(first.stderr)")
    return (root, afterPath, root.kerfInvocations.count)
  }

  @Test(arguments: ["headroom", "successor"])
  func killAtEveryWritePointThenApplyAgain(_ release: String) throws {
    let (before, after) = HandoverFixtures.plans(release: release)
    let handover = try #require(after.handovers?.first)
    let (template, afterPath, baseline) = try Self.rootWithBeforeApplied(before, after)
    defer { template.remove() }

    let reference = try template.copy()
    defer { reference.remove() }
    let clean = reference.mkpolicy(["apply", "--plan", afterPath, "--yes"])
    try #require(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
    let expected = Array(reference.kerfInvocations.dropFirst(baseline))
    #expect(expected == handover.steps.compactMap { $0.argv?.dropFirst().joined(separator: " ") })
    let started = try #require(expected.firstIndex(of: "start vm-next"))
    let stopped = try #require(expected.firstIndex(of: "kill vm"))
    #expect(started < stopped)
    #expect(reference.mkpolicy(["verify"]).status == 0)

    var point = 1
    var killed = 0
    while point < 200 {
      let run = try template.copy()
      defer { run.remove() }
      let crashed = run.mkpolicy(
        ["apply", "--plan", afterPath, "--yes"],
        environment: ["MKPOLICY_TEST_KILL_BEFORE_OP": "\(point)"])
      if crashed.status == 0 { break }
      #expect(crashed.status == 9, "point \(point): \(crashed.status) \(crashed.stderr)")
      killed += 1
      if let text = run.read("/var/lib/mkpolicy/handover.json") {
        #expect(
          (try? JSONDecoder().decode(HandoverProgress.self, from: Data(text.utf8))) != nil,
          "point \(point): handover.json does not parse")
      }
      let again = run.mkpolicy(["apply", "--plan", afterPath, "--yes"])
      #expect(again.status == 0, "point \(point): \(again.stdout) \(again.stderr)")
      #expect(
        Array(run.kerfInvocations.dropFirst(baseline)) == expected,
        "point \(point): kerf ran \(run.kerfInvocations.dropFirst(baseline))")
      let verify = run.mkpolicy(["verify"])
      #expect(verify.status == 0, "point \(point): \(verify.stdout) \(verify.stderr)")
      #expect(run.read("/var/lib/mkpolicy/handover.json") == nil, "point \(point)")
      #expect(run.read("/var/lib/mkpolicy/journal.json") == nil, "point \(point)")
      point += 1
    }
    #expect(killed >= 15, "only \(killed) write points")
    print(
      "hand-over crash test (release: \(release)): killed before each of \(killed) write points; every rerun converged"
    )
  }

  /// A successor that never reports ready: apply exits 1 with E531 after
  /// the timeout, the successor is gone, the old instance was never touched,
  /// and `verify` exits 0 (the record says what runs).
  @Test func failingHealthCheckRollsBackWithTheRealBinary() throws {
    let (before, after) = HandoverFixtures.plans()
    let (template, afterPath, baseline) = try Self.rootWithBeforeApplied(
      before, after, ready: false)
    defer { template.remove() }
    let result = template.mkpolicy(["apply", "--plan", afterPath, "--yes"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error[E531]"), "\(result.stderr)")
    #expect(
      Array(template.kerfInvocations.dropFirst(baseline)).map { $0.split(separator: " ")[1] }
        == ["vm-next", "vm-next", "vm-next", "vm-next", "vm-next", "vm-next"])
    let verify = template.mkpolicy(["verify"])
    #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
  }

  /// The real binary killed during the hand-over, then settled by `mkpolicy
  /// recover` instead of a second apply: without a flag it shows the
  /// hand-over and exits 2; `--rollback` brings the old instance back alone
  /// (exit 0), or, once the old instance was stopped, exits 1 with E539 and
  /// `--complete` finishes; kerf never runs a command twice and `verify`
  /// exits 0.
  @Test func recoverSettlesAKilledHandover() throws {
    let (before, after) = HandoverFixtures.plans(release: "successor")
    let handover = try #require(after.handovers?.first)
    let (template, afterPath, baseline) = try Self.rootWithBeforeApplied(before, after)
    defer { template.remove() }
    let steps = handover.steps.compactMap { $0.argv?.dropFirst().joined(separator: " ") }
    var rolledBack = 0
    var completed = 0
    for point in 1..<200 {
      let run = try template.copy()
      defer { run.remove() }
      let crashed = run.mkpolicy(
        ["apply", "--plan", afterPath, "--yes"],
        environment: ["MKPOLICY_TEST_KILL_BEFORE_OP": "\(point)"])
      if crashed.status == 0 { break }
      guard run.read("/var/lib/mkpolicy/handover.json") != nil,
        run.read("/var/lib/mkpolicy/journal.json") == nil
      else { continue }
      let shown = run.mkpolicy(["recover"])
      #expect(shown.status == 2, "point \(point): \(shown.stdout) \(shown.stderr)")
      #expect(shown.stdout.contains("interrupted hand-over of 'vm'"), "point \(point)")
      let rollback = run.mkpolicy(["recover", "--rollback"])
      let ran = Array(run.kerfInvocations.dropFirst(baseline))
      if rollback.status == 0 {
        rolledBack += 1
        #expect(!ran.contains("kill vm"), "point \(point): \(ran)")
        #expect(Set(ran).count == ran.count, "point \(point): a command ran twice: \(ran)")
      } else {
        #expect(rollback.status == 1, "point \(point): \(rollback.stderr)")
        #expect(rollback.stderr.contains("error[E539]"), "point \(point): \(rollback.stderr)")
        let complete = run.mkpolicy(["recover", "--complete"])
        #expect(complete.status == 0, "point \(point): \(complete.stdout) \(complete.stderr)")
        #expect(Array(run.kerfInvocations.dropFirst(baseline)) == steps, "point \(point)")
        completed += 1
      }
      #expect(run.read("/var/lib/mkpolicy/handover.json") == nil, "point \(point)")
      let verify = run.mkpolicy(["verify"])
      #expect(verify.status == 0, "point \(point): \(verify.stdout) \(verify.stderr)")
    }
    #expect(rolledBack >= 3 && completed >= 1, "rolled back \(rolledBack), completed \(completed)")
  }
}
