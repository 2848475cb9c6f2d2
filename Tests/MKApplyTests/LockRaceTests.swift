import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// Issue 12: two applies never both hold the state directory's lock. The
/// old lock judged a dead pid's file stale, and a process paused between
/// that check and its removal deleted the next holder's live lock. The flock
/// has no such window: these tests pause a process exactly there.
@Suite struct LockRaceTests {
  /// Starts `mkpolicy apply` against the root with extra environment.
  static func start(_ root: TestRoot, _ plan: String, _ extra: [String: String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: PackagePaths.mkpolicyBinary)
    process.arguments = ["apply", "--plan", plan, "--yes", "--root", root.root]
    var environment = ProcessInfo.processInfo.environment
    environment["KERF_LOG"] = root.kerfLog
    environment.merge(extra) { $1 }
    process.environment = environment
    process.standardOutput = Pipe()
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    return process
  }

  static func waitStopped(_ pid: Int32) -> Bool {
    for _ in 0..<1000 {
      if ConcurrentApplyTests.state(of: pid) == "T" { return true }
      usleep(10_000)
    }
    return false
  }

  /// A pauses after opening the lock file and before locking it (where the
  /// old code had judged the lock stale), with a dead holder's file there;
  /// B takes the lock and pauses mid-apply; A resumes: it must refuse with
  /// E504 and do nothing, and B then finishes alone.
  @Test func aProcessPausedBeforeLockingNeverTakesAHeldLock() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    // A lock file left by a process that died (pid 99999, another run).
    try root.put("/var/lib/mkpolicy/lock", "pid=99999 run=dead\n")
    let first = try Self.start(root, plan, ["MKPOLICY_TEST_STOP_BEFORE_LOCK": "1"])
    #expect(Self.waitStopped(first.processIdentifier), "A never reached the lock")
    let second = try Self.start(root, plan, ["MKPOLICY_TEST_STOP_BEFORE_OP": "10"])
    #expect(Self.waitStopped(second.processIdentifier), "B never reached its 10th write")
    let writtenByB = root.tree()
    kill(first.processIdentifier, SIGCONT)
    first.waitUntilExit()
    let firstErrors = String(
      decoding: (first.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile()
        ?? Data(),
      as: UTF8.self)
    #expect(first.terminationStatus == 1)
    #expect(
      firstErrors.hasPrefix(
        "error[E504]: another mkpolicy (pid \(second.processIdentifier)) holds /var/lib/mkpolicy/lock\n"
      ), "\(firstErrors)")
    #expect(root.tree() == writtenByB, "A wrote while B held the lock")
    kill(second.processIdentifier, SIGCONT)
    second.waitUntilExit()
    #expect(second.terminationStatus == 0)
    #expect(root.kerfInvocations.count == 3, "\(root.kerfInvocations)")
    #expect(root.mkpolicy(["verify"]).status == 0)
  }

  /// Simultaneous starts: in every pair, the applies ran one after the
  /// other (both 0, the second with nothing to do) or the second refused
  /// with E504; never did both apply, and never did one resume the other's
  /// live journal.
  @Test func simultaneousAppliesNeverInterleave() throws {
    for round in 0..<6 {
      let root = try TestRoot.make()
      defer { root.remove() }
      let plan = try root.savePlan(Fixtures.create, name: "create")
      let pair = try [Self.start(root, plan, [:]), Self.start(root, plan, [:])]
      var outcomes: [(Int32, String)] = []
      for process in pair {
        process.waitUntilExit()
        let errors = String(
          decoding: (process.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile()
            ?? Data(), as: UTF8.self)
        let output = String(
          decoding: (process.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile()
            ?? Data(), as: UTF8.self)
        outcomes.append((process.terminationStatus, errors + output))
      }
      let statuses = outcomes.map(\.0).sorted()
      #expect(statuses == [0, 0] || statuses == [0, 1], "round \(round): \(outcomes)")
      for (status, errors) in outcomes where status == 1 {
        #expect(errors.hasPrefix("error[E504]"), "round \(round): \(errors)")
      }
      #expect(!outcomes.contains { $0.1.contains("completing the interrupted apply") })
      #expect(root.kerfInvocations.count == 3, "round \(round): \(root.kerfInvocations)")
      #expect(root.mkpolicy(["verify"]).status == 0)
    }
  }
}
