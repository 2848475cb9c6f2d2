import Foundation
import MKTestSupport
import Testing

/// `mkpolicy fleet plan|check` on Examples/fleet, through the built binary.
@Suite struct ExampleFleetTests {
  @Test func checkPassesOnTheCommittedExample() {
    let result = PackagePaths.runMKPolicy([
      "fleet", "check", "--fleet", "Examples/fleet/fleet.yaml",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasSuffix("fleet check: ok, every plan is current\n"))
    // At least 10 hosts of 5 shapes.
    let rows = result.stdout.split(separator: "\n").dropFirst().filter {
      !$0.hasPrefix("fleet check")
    }
    #expect(rows.count >= 11)
    // Shapes: each snapshot's first comment line names the shape it was made from.
    let snapshots = PackagePaths.path("Examples/fleet/snapshots")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []
    let shapes = Set(
      files.compactMap {
        (try? String(contentsOfFile: snapshots + "/" + $0, encoding: .utf8))?.split(separator: "\n")
          .first
      })
    #expect(shapes.count >= 5)
  }

  /// A policy changed without regenerated plans: check fails at the first
  /// line that differs, which the test finds on its own by planning a
  /// second copy and comparing the files.
  @Test func checkFailsAtTheExactLineWhenAPolicyChangesWithoutPlans() throws {
    let stale = try FleetScratch.example()
    defer { stale.remove() }
    let fresh = try FleetScratch.example()
    defer { fresh.remove() }
    for scratch in [stale, fresh] {
      try scratch.edit(
        "policies/telco-edge.yaml", replacing: "    cpus: {min: 2, max: 4}\n",
        with: "    cpus: {min: 2, max: 3}\n")
    }
    #expect(fresh.fleet(["plan"]).status == 0)

    // The first differing line of each changed file, found independently.
    var expected: [String] = []
    let before = stale.tree("plans")
    let after = fresh.tree("plans")
    for path in after.keys.sorted() where before[path] != after[path] && !path.hasSuffix(".dtb") {
      let old = String(decoding: before[path] ?? Data(), as: UTF8.self).split(
        separator: "\n", omittingEmptySubsequences: false)
      let new = String(decoding: after[path]!, as: UTF8.self).split(
        separator: "\n", omittingEmptySubsequences: false)
      let line = zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }.map {
        $0.offset + 1
      }
      expected.append("plans/\(path):\(line ?? min(old.count, new.count) + 1):")
    }
    #expect(!expected.isEmpty)
    #expect(expected.contains { $0.hasPrefix("plans/edge-par1-01/plan.json:") })

    let result = stale.fleet(["check"])
    #expect(result.status == 1)
    for place in expected {
      #expect(result.stderr.contains("\(place)"), "missing \(place) in:\n\(result.stderr)")
    }
    #expect(result.stderr.contains("error[E610]"))
    #expect(
      result.stderr.contains("help: regenerate the plans and commit them: mkpolicy fleet plan"))
    // Hosts of other classes are still current.
    #expect(!result.stderr.contains("plans/db-fra1-01/"))

    // The same findings as GitHub annotations and JSON (only the changed
    // class's hosts, to keep the test quick).
    let telco = ["--selector", "role=telco-edge"]
    let github = stale.fleet(["check", "--format", "github"] + telco)
    #expect(github.status == 1)
    let first = try #require(expected.first { $0.contains("plan.json") })
    let parts = first.split(separator: ":")
    #expect(github.stdout.contains("::error file=\(parts[0]),line=\(parts[1]),"))
    let json = stale.fleet(["check", "--format", "json"] + telco)
    #expect(json.status == 1)
    #expect(json.stdout.contains("\"code\": \"E610\"") || json.stdout.contains("\"code\":\"E610\""))

    // Regenerating makes it pass again.
    #expect(stale.fleet(["plan"] + telco).status == 0)
    #expect(stale.fleet(["check"] + telco).status == 0)
  }

  @Test func planLeavesExactlyTheCurrentFilesAndIsDeterministic() throws {
    let scratch = try FleetScratch.example()
    defer { scratch.remove() }
    let committed = scratch.tree("plans")
    try scratch.put("plans/edge-par1-01/old-artefact.sh", "#!/bin/sh\n")
    try scratch.put("plans/edge-par1-01/systemd/gone.slice", "[Slice]\n")
    try scratch.put("plans/retired-host/plan.json", "{}\n")
    let check = scratch.fleet(["check"])
    #expect(check.status == 1)
    #expect(check.stderr.contains("error[E612]: plans/edge-par1-01/old-artefact.sh is stale"))
    #expect(
      check.stderr.contains("error[E613]: plans/retired-host holds a plan for 'retired-host'"))

    let sequential = scratch.fleet(["plan", "--jobs", "1"])
    #expect(sequential.status == 0, "\(sequential.stderr)")
    var after = scratch.tree("plans")
    after["retired-host/plan.json"] = nil
    #expect(after == committed)
    #expect(
      !FileManager.default.fileExists(
        atPath: scratch.root + "/plans/edge-par1-01/systemd/gone.slice"))

    let parallel = scratch.fleet(["plan", "--jobs", "8"])
    #expect(parallel.stdout == sequential.stdout)
    #expect(parallel.stderr == sequential.stderr)
    after = scratch.tree("plans")
    after["retired-host/plan.json"] = nil
    #expect(after == committed)
  }

  @Test func selectionAndExitCodes() throws {
    let scratch = try FleetScratch.example()
    defer { scratch.remove() }
    let picked = scratch.fleet(["plan", "--selector", "role=telco-edge", "--detailed-exitcode"])
    #expect(picked.status == 2, "\(picked.stderr)")
    #expect(picked.stdout.contains("3 hosts, 3 planned, 0 failed"))
    let unknown = scratch.fleet(["plan", "--host", "nope"])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("error[E609]: --host nope"))
    let usage = scratch.fleet(["plan", "--selector", "role"])
    #expect(usage.status == 64)

    // A plan error of one host: in every format, with the host named.
    try scratch.edit(
      "policies/database-nvme.yaml", replacing: "\nworkloads:\n",
      with: "\nworkloads:\n  - name: huge\n    isolation: partition\n    cpus: 4000\n")
    let failed = scratch.fleet(["plan", "--format", "github"])
    #expect(failed.status == 1)
    #expect(failed.stdout.contains("::error file=policies/database-nvme.yaml,line="))
    #expect(failed.stderr.contains("db-fra1-01     database"))
  }
}

/// Snapshots name the machine they were discovered on: listing one under
/// another host's name, or one machine twice, is caught.
@Suite struct SnapshotIdentityTests {
  @Test func aSnapshotOfAnotherHostOrTheSameMachineTwiceIsAnError() throws {
    let scratch = try FleetScratch.example()
    defer { scratch.remove() }
    try scratch.edit(
      "fleet.yaml", replacing: "    snapshot: snapshots/edge-par1-02.yaml\n",
      with: "    snapshot: snapshots/edge-par1-01.yaml\n")
    let result = scratch.fleet(["check", "--selector", "role=telco-edge"])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "fleet.yaml:53:15: error[E615]: host 'edge-par1-02': its snapshot 'snapshots/edge-par1-01.yaml' was discovered on host 'edge-par1-01'"
      ), "\(result.stderr)")

    // The same machine twice: the host names agree, the machine ids do not differ.
    try scratch.edit(
      "fleet.yaml",
      replacing:
        "    snapshot: snapshots/edge-par1-01.yaml\n    labels: {role: telco-edge, site: par1}\n  - name: edge-mad1-01",
      with:
        "    snapshot: snapshots/edge-par1-02.yaml\n    labels: {role: telco-edge, site: par1}\n  - name: edge-mad1-01"
    )
    let copy = try #require(scratch.read("snapshots/edge-par1-01.yaml"))
    try scratch.put(
      "snapshots/edge-par1-02.yaml",
      copy.replacingOccurrences(of: "hostName: edge-par1-01", with: "hostName: edge-par1-02"))
    let twice = scratch.fleet(["check", "--selector", "role=telco-edge"])
    #expect(twice.status == 1)
    #expect(
      twice.stderr.contains(
        "error[E616]: host 'edge-par1-02' has the snapshot of the same machine as host 'edge-par1-01'"
      ), "\(twice.stderr)")
  }
}
