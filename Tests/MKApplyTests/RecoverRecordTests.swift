import Foundation
import MKApply
import MKPlan
import MKTestSupport
import Testing

/// `recover --rollback` of an apply killed after it wrote `applied.json`
/// (before it removed its journal) puts the applied record back with the
/// host: the record names the plan the host has again, so `verify` finds
/// no drift.
@Suite(.serialized) struct RecoverRecordTests {
  @Test func rollbackAfterTheRecordWasWrittenRestoresTheRecord() throws {
    let template = try TestRoot.make()
    defer { template.remove() }
    let first = try template.savePlan(Fixtures.create, name: "create")
    let second = try template.savePlan(Fixtures.grow, name: "grow")
    let applied = template.mkpolicy(["apply", "--plan", first, "--yes"])
    try #require(applied.status == 0, "\(applied.stderr)")
    let recordBefore = try #require(template.read("/var/lib/mkpolicy/applied.json"))
    let treeBefore = template.tree()
    let newDigest = try StateStore.digest(Fixtures.grow)

    var found = false
    for point in 1..<400 {
      let run = try template.copy()
      defer { run.remove() }
      let crashed = run.mkpolicy(
        ["apply", "--plan", second, "--yes"],
        environment: ["MKPOLICY_TEST_KILL_BEFORE_OP": "\(point)"])
      if crashed.status == 0 { break }
      try #require(crashed.status == 9, "point \(point): \(crashed.stderr)")
      // Only the crash between writing the record and removing the journal.
      guard run.read("/var/lib/mkpolicy/journal.json") != nil,
        let text = run.read("/var/lib/mkpolicy/applied.json"),
        let record = try? JSONDecoder().decode(AppliedRecord.self, from: Data(text.utf8)),
        record.planDigest == newDigest
      else { continue }
      found = true
      let rolled = run.mkpolicy(["recover", "--rollback"])
      #expect(rolled.status == 0, "point \(point): \(rolled.stdout) \(rolled.stderr)")
      #expect(
        run.tree() == treeBefore,
        "point \(point): \(FaultInjectionTests.diff(run.tree(), treeBefore))")
      #expect(run.read("/var/lib/mkpolicy/applied.json") == recordBefore, "point \(point)")
      let verify = run.mkpolicy(["verify"])
      #expect(verify.status == 0, "point \(point): \(verify.stdout) \(verify.stderr)")
      #expect(run.read("/var/lib/mkpolicy/journal.json") == nil)
    }
    #expect(found, "no crash point between writing applied.json and removing the journal")
  }
}
