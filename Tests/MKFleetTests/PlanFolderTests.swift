import Foundation
import MKCore
import MKFleet
import MKPlan
import Testing

/// Committed plan folders against fresh artefacts: where the first
/// difference is, what is missing, what is stale.
@Suite struct PlanFolderTests {
  static func artifact(_ path: String, _ text: String) -> PlanArtifacts.Artifact {
    PlanArtifacts.Artifact(path: path, bytes: Array(text.utf8))
  }

  @Test func theFirstDifferenceIsReportedAtItsLineAndColumn() throws {
    let scratch = try FleetScratch.make()
    defer { scratch.remove() }
    try scratch.put("plans/h/report.txt", "one\ntwo\nthree four\nfive\n")
    try scratch.put("plans/h/systemd/a.slice", "[Slice]\n")
    try scratch.put("plans/h/old.sh", "#!/bin/sh\n")
    let fresh = [
      Self.artifact("report.txt", "one\ntwo\nthree FOUR\nfive\n"),
      Self.artifact("systemd/a.slice", "[Slice]\n"),
      Self.artifact("cmdline", "\n"),
    ]
    let directory = scratch.root + "/plans/h"
    let problems = PlanFolder.compare(fresh, with: directory, host: "h", regenerate: "regen")
    #expect(problems.map(\.code) == ["E610", "E611", "E612"])
    #expect(
      problems[0].location == SourceLocation(file: directory + "/report.txt", line: 3, column: 7))
    #expect(
      problems[0].notes.map(\.message) == [
        "committed: \"three four\"", "fresh:     \"three FOUR\"",
      ])
    #expect(problems[0].help == ["regenerate the plans and commit them: regen"])
    #expect(problems[1].message.contains("cmdline is missing"))
    #expect(problems[2].message.contains("old.sh is stale"))
    #expect(
      PlanFolder.compare(fresh.dropLast(), with: directory, host: "h", regenerate: "r").count == 2)
  }

  @Test func aShorterFileAndABinaryFile() throws {
    let scratch = try FleetScratch.make()
    defer { scratch.remove() }
    try scratch.put("p/plan.json", "{\n}\n")
    try scratch.put("p/state.dtb", "abc")
    let problems = PlanFolder.compare(
      [Self.artifact("plan.json", "{\n}\n\n"), Self.artifact("state.dtb", "abd")],
      with: scratch.root + "/p", host: "h", regenerate: "r")
    #expect(problems.map(\.code) == ["E610", "E610"])
    #expect(problems[0].location?.line == 3)
    #expect(problems[0].notes.first?.message == "committed: (end of file)")
    #expect(problems[1].notes.first?.message.hasPrefix("first different byte at offset 2") == true)
    let none = PlanFolder.compare([], with: scratch.root + "/nowhere", host: "h", regenerate: "r")
    #expect(none.map(\.code) == ["E611"])
  }

  @Test func theSummaryIsAFixedTable() {
    var ok = HostPlan(
      host: "web-01", hostClass: "web", policy: "web", artifacts: [], diagnostics: [], sources: [:])
    ok.needsReboot = 2
    ok.live = 11
    let failed = HostPlan(
      host: "db-01", hostClass: nil, policy: nil, artifacts: nil,
      diagnostics: [.error("E603", "no class"), .warning("E264", "less")], sources: [:])
    #expect(
      FleetSummary.render([ok, failed]) == """
        HOST    CLASS  POLICY  REBOOT  LIVE  COORDINATOR  WARNINGS  ERRORS
        web-01  web    web          2    11            0         0       0
        db-01   -      -            -     -            -         1       1
        2 hosts, 1 planned, 1 failed

        """)
  }
}
