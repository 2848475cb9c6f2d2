import Foundation
import MKApply
import MKPlan
import MKTestSupport
import Testing

/// Kills a real `mkpolicy apply` (SIGKILL, through the test hook
/// MKPOLICY_TEST_KILL_BEFORE_OP) before every one of its write points, then
/// runs apply again: it converges to the plan, never repeats a kerf command,
/// and the journal always parses.
@Suite(.serialized) struct CrashTests {
  /// Plans applied in order; the crash test targets the last one.
  static let cases: [(String, [Plan])] = [
    ("create", [Fixtures.create]),
    ("grow", [Fixtures.create, Fixtures.grow]),
    ("move", [Fixtures.create, Fixtures.grow, Fixtures.move]),
    ("shrink", [Fixtures.create, Fixtures.grow, Fixtures.move, Fixtures.shrink]),
    ("teardown", [Fixtures.create, Fixtures.teardown]),
  ]

  @Test(arguments: [0, 1, 2, 3, 4])
  func killAtEveryWritePointThenApplyAgain(_ which: Int) throws {
    let (name, plans) = Self.cases[which]
    let template = try TestRoot.make()
    defer { template.remove() }
    var paths: [String] = []
    for (index, plan) in plans.enumerated() {
      paths.append(try template.savePlan(plan, name: "plan\(index)"))
    }
    for path in paths.dropLast() {
      let result = template.mkpolicy(["apply", "--plan", path, "--yes"])
      #expect(result.status == 0, "\(result.stderr)")
    }
    let target = paths.last!
    // The reference: the same apply, uninterrupted.
    let reference = try template.copy()
    defer { reference.remove() }
    let clean = reference.mkpolicy(["apply", "--plan", target, "--yes"])
    #expect(clean.status == 0, "\(clean.stderr)")
    let expected = reference.tree()
    let expectedKerf = reference.kerfInvocations

    var point = 1
    var killed = 0
    while point < 400 {
      let run = try template.copy()
      defer { run.remove() }
      let crashed = run.mkpolicy(
        ["apply", "--plan", target, "--yes"],
        environment: ["MKPOLICY_TEST_KILL_BEFORE_OP": "\(point)"])
      if crashed.status == 0 { break }
      #expect(
        crashed.status == 9,
        "\(name) point \(point): expected SIGKILL, got \(crashed.status) \(crashed.stderr)")
      killed += 1
      if let text = run.read("/var/lib/mkpolicy/journal.json") {
        #expect(
          (try? JSONDecoder().decode(Journal.self, from: Data(text.utf8))) != nil,
          "\(name) point \(point): the journal does not parse")
      }
      // Odd points recover with `recover --complete` when a journal exists,
      // the others by running the same apply again.
      let journalLeft = run.read("/var/lib/mkpolicy/journal.json") != nil
      let again =
        point % 2 == 1 && journalLeft
        ? run.mkpolicy(["recover", "--complete"])
        : run.mkpolicy(["apply", "--plan", target, "--yes"])
      #expect(again.status == 0, "\(name) point \(point): \(again.stdout) \(again.stderr)")
      #expect(
        run.tree() == expected,
        "\(name) point \(point): did not converge: \(FaultInjectionTests.diff(run.tree(), expected))"
      )
      #expect(
        run.kerfInvocations == expectedKerf,
        "\(name) point \(point): kerf ran \(run.kerfInvocations)")
      let verify = run.mkpolicy(["verify"])
      #expect(verify.status == 0, "\(name) point \(point): \(verify.stdout)")
      #expect(run.read("/var/lib/mkpolicy/journal.json") == nil)
      point += 1
    }
    #expect(killed >= 5, "\(name): only \(killed) write points")
    print("crash test \(name): killed before each of \(killed) write points; every rerun converged")
  }

  @Test func recoverRollbackAfterACrashRestoresTheHost() throws {
    let template = try TestRoot.make()
    defer { template.remove() }
    let plan = try template.savePlan(Fixtures.create, name: "create")
    let before = template.tree()
    for point in [4, 12, 20, 28] {
      let run = try template.copy()
      defer { run.remove() }
      let crashed = run.mkpolicy(
        ["apply", "--plan", plan, "--yes"],
        environment: ["MKPOLICY_TEST_KILL_BEFORE_OP": "\(point)"])
      #expect(crashed.status == 9)
      let status = run.mkpolicy(["recover"])
      #expect(status.status == 2)
      #expect(status.stdout.hasPrefix("interrupted apply of policy create: "))
      let rolled = run.mkpolicy(["recover", "--rollback"])
      #expect(rolled.status == 0, "\(rolled.stdout) \(rolled.stderr)")
      #expect(
        run.tree() == before,
        "point \(point): \(FaultInjectionTests.diff(run.tree(), before)) \(rolled.stdout)")
      let ran = run.kerfInvocations
      // Whatever kerf did was undone, in reverse, once.
      let undo = ["create": "delete", "load": "unload", "start": "kill"]
      let forward = ran.filter { undo[String($0.split(separator: " ")[0])] != nil }
      let backward = ran.filter { undo.values.contains(String($0.split(separator: " ")[0])) }
      #expect(forward.count == backward.count, "point \(point): \(ran)")
      #expect(Set(ran).count == ran.count)
      #expect(run.mkpolicy(["recover"]).stdout.hasPrefix("no interrupted apply"))
    }
  }
}

/// Two real applies at once: the first is stopped (SIGSTOP through the test
/// hook MKPOLICY_TEST_STOP_BEFORE_OP) while it holds the lock mid-way.
@Suite struct ConcurrentApplyTests {
  static func state(of pid: Int32) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(close, offsetBy: 2)...].first
  }

  @Test func aSecondApplyFailsAtOnceWhileTheFirstHoldsTheLock() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let first = Process()
    first.executableURL = URL(fileURLWithPath: PackagePaths.mkpolicyBinary)
    first.arguments = ["apply", "--plan", plan, "--yes", "--root", root.root]
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = root.bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    environment["KERF_LOG"] = root.kerfLog
    environment["MKPOLICY_TEST_STOP_BEFORE_OP"] = "10"
    first.environment = environment
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    let pid = first.processIdentifier
    // Wait (bounded) until it has stopped itself at its 10th write.
    var stopped = false
    for _ in 0..<500 {
      if Self.state(of: pid) == "T" {
        stopped = true
        break
      }
      usleep(10_000)
    }
    #expect(stopped, "the first apply never reached its 10th write")
    let second = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(second.status == 1)
    #expect(
      second.stderr
        == "error[E504]: another mkpolicy (pid \(pid)) holds /var/lib/mkpolicy/lock\n"
        + " = help: wait for it to finish, or remove the file if that process is not mkpolicy\n\n1 error\n"
    )
    let recover = root.mkpolicy(["recover", "--rollback"])
    #expect(recover.status == 1)
    kill(pid, SIGCONT)
    first.waitUntilExit()
    #expect(first.terminationStatus == 0)
    #expect(root.mkpolicy(["verify"]).status == 0)
    #expect(root.kerfInvocations.count == 3)
  }
}
