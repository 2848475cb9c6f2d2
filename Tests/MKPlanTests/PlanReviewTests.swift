import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

/// The review artefacts on the smallest and the largest example hosts (this
/// machine's 2 threads, the 1,920-thread eight-socket box): the map and the
/// report as golden files, the report's 100 columns, every change's old
/// value, and every map rendered by headless Chromium.
@Suite struct PlanReviewTests {
  /// Golden host cases: name -> (policy or nil for the default, topology).
  static let hosts: [(name: String, policy: String?, topology: String)] = [
    ("this-machine", nil, "Examples/topologies/this-machine.yaml"),
    (
      "eight-socket", "Policies/cloud-multitenant.yaml",
      "Examples/topologies/eight-socket-32-node.yaml"
    ),
  ]

  static func plan(_ policy: String?, _ topology: String, previous: String? = nil) throws
    -> PlanPipeline.Output
  {
    let result = PlanPipeline.run(
      policyPaths: policy.map { [PackagePaths.path($0)] } ?? [],
      topologyPath: PackagePaths.path(topology), previousPath: previous)
    _ = try #require(result.plan, "\(result.diagnostics.map(\.message))")
    return result
  }

  /// `mkpolicy plan ARGUMENTS --out DIR` run from the package root (relative
  /// paths, so the artefacts are the same on every checkout): every file.
  static func planWithCLI(_ arguments: [String]) throws -> [PlanArtifacts.Artifact] {
    let directory = try ShellScriptTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = PackagePaths.runMKPolicy(["plan"] + arguments + ["--out", directory.path])
    try #require(result.status == 0, "\(arguments): \(result.stderr)")
    let manager = FileManager.default
    return try manager.subpathsOfDirectory(atPath: directory.path).sorted().compactMap { path in
      var isDirectory: ObjCBool = false
      let full = directory.appendingPathComponent(path).path
      // The manifest is the writer's own bookkeeping, not an artefact.
      guard manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
        path != ".mkpolicy-files"
      else { return nil }
      return PlanArtifacts.Artifact(
        path: path, bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: full))))
    }
  }

  static func artifacts(_ host: (name: String, policy: String?, topology: String)) throws
    -> [PlanArtifacts.Artifact]
  {
    try planWithCLI((host.policy.map { [$0] } ?? []) + ["--topology", host.topology])
  }

  @Test(arguments: PlanReviewTests.hosts.map(\.name)) func hostMapAndReportMatch(_ name: String)
    throws
  {
    let host = try #require(Self.hosts.first { $0.name == name })
    let artifacts = try Self.artifacts(host)
    for path in ["map.svg", "report.txt"] {
      let artifact = try #require(artifacts.first { $0.path == path })
      let golden = PackagePaths.path("Tests/MKPlanTests/Golden/hosts/\(name)/\(path)")
      if let diff = Golden.mismatch(actual: artifact.text, goldenPath: golden) {
        Issue.record(Comment(rawValue: diff))
      }
    }
  }

  /// Every line of every example's report, and of the hosts', fits 100 columns.
  @Test func reportsFitOneHundredColumns() throws {
    var reports: [(String, String)] = []
    for name in ExampleTests.cases {
      let text = try String(
        contentsOfFile: "\(ExampleTests.examples)/\(name)/plan/report.txt", encoding: .utf8)
      reports.append((name, text))
    }
    for host in Self.hosts {
      let artifacts = try Self.artifacts(host)
      reports.append((host.name, try #require(artifacts.first { $0.path == "report.txt" }).text))
    }
    for (name, text) in reports {
      for (number, line) in text.split(separator: "\n").enumerated() where line.count > 100 {
        Issue.record("\(name) report.txt:\(number + 1) is \(line.count) columns: \(line)")
      }
    }
  }

  /// The wrapping itself: breaks after spaces and commas, keeps the
  /// indentation, breaks a long token hard, loses nothing.
  @Test func longLinesWrapAtBreakPoints() {
    let line = "    " + (1...60).map { "cpu\($0)" }.joined(separator: ",")
    let lines = PlanReport.wrap(line, width: 100)
    #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 100 })
    #expect(lines.joined().filter { $0 != " " } == line.filter { $0 != " " })
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("        ") })
    #expect(lines[0].hasPrefix("    cpu1,"))
    let token = String(repeating: "x", count: 250)
    #expect(PlanReport.wrap(token, width: 100).map(\.count) == [100, 100, 58])
    #expect(PlanReport.wrap("short", width: 100) == ["short"])
  }

  /// Against the host, a cgroup file of a new directory had no value, an IRQ
  /// had the affinity the snapshot read, a boot parameter the command line's
  /// value; only files the snapshot does not record are unknown.
  @Test func everyChangeShowsItsOldValue() throws {
    for name in ExampleTests.cases {
      let (policies, topology) = try ExampleTests.inputs(name)
      let result = PlanPipeline.run(
        policyPaths: policies, topologyPath: topology, previousPath: nil)
      let plan = try #require(result.plan)
      let host = try #require(result.topology)
      let changes = plan.changes.needsReboot + plan.changes.live
      for change in changes {
        #expect(!change.values.isEmpty, "\(name): '\(change.summary)' has no values")
      }
      for change in plan.changes.live where change.summary.hasPrefix("IRQ affinity") {
        #expect(change.values.allSatisfy { $0.old != nil }, "\(name): \(change.values)")
        #expect(change.summary.contains(" of 0000:"), "\(name): IRQs named by device")
      }
      let affinity = Dictionary(
        host.devices.flatMap(\.irqs).map { ($0.irq, $0.affinity) }, uniquingKeysWith: { a, _ in a })
      for setting in plan.irqAffinity where setting.movable && affinity[setting.irq] != setting.cpus
      {
        let listed = plan.changes.live.flatMap(\.values).contains {
          $0.name.contains("\(setting.irq)") || $0.name.contains("IRQs")
        }
        #expect(listed, "\(name): IRQ \(setting.irq) is written but not listed")
      }
      for change in plan.changes.needsReboot {
        #expect(change.disruption != nil, "\(name): '\(change.summary)' needs a reboot")
      }
    }
  }

  /// Replanning against a previous plan that gave a running workload more
  /// CPUs flags the shrink as disruptive, with the CPUs that leave it; the
  /// map's second view shows them moving.
  @Test func cpusTakenFromARunningWorkloadAreDisruptive() throws {
    let topology = PlanFixture.topology()
    let policy = PlanFixture.policy(bootloader: .grubby)
    // Before: a 2-CPU instance, so the shared analytics workload had more CPUs.
    let previous = PlanFixture.plan(
      topology: topology, policy: policy,
      assignment: PlanFixture.assignment(topology, routerCPUs: 2))
    let plan = PlanFixture.plan(topology: topology, policy: policy, previous: previous)
    let taken = plan.changes.live.compactMap(\.disruption).filter {
      $0.reason == .cpusTakenFromRunningWorkload
    }
    #expect(taken.contains { $0.detail.contains("leave running workload 'analytics'") }, "\(taken)")
    let svg = PartitionMapEmitter.render(
      plan, policy: policy, topology: topology, previous: previous)
    #expect(svg.contains("shared pool -&gt; order-router"), "the instance grows into the pool")
  }

  /// Against a plan of another policy: old values come from its cgroup
  /// tree, and the map shows what moves.
  @Test func changesAgainstAnotherPolicysPlan() throws {
    let topology = "Examples/topologies/trading-2s-connectx-e810.yaml"
    let directory = try ShellScriptTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // The default policy's shared pool runs on every CPU; the trading policy takes many.
    let before = try Self.plan(nil, topology)
    let path = directory.appendingPathComponent("plan.json").path
    try PlanCodec.encode(try #require(before.plan)).write(
      toFile: path, atomically: true, encoding: .utf8)
    let after = try Self.plan("Policies/trading-realtime.yaml", topology, previous: path)
    let plan = try #require(after.plan)
    #expect(plan.changes.against == "previous plan")
    let artifacts = try PlanArtifacts.render(
      plan, policy: try #require(after.policy), topology: try #require(after.topology),
      previous: after.previous)
    let svg = try #require(artifacts.first { $0.path == "map.svg" }).text
    #expect(svg.contains("What moved against the previous plan"))
    #expect(svg.contains("shared pool -&gt; market-data"))
    let report = try #require(artifacts.first { $0.path == "report.txt" }).text
    #expect(report.contains("-> "))
    let cgroups = plan.changes.live.filter { $0.summary.hasPrefix("cgroup ") }
    #expect(
      cgroups.contains { $0.values.contains { $0.old != nil } }, "old values from the previous tree"
    )
  }

  /// The map is self-contained and accessible: no scripts, no external
  /// references, generic font families only, a title and description.
  @Test(arguments: ExampleTests.cases) func mapIsSelfContained(_ name: String) throws {
    let svg = try String(
      contentsOfFile: "\(ExampleTests.examples)/\(name)/plan/map.svg", encoding: .utf8)
    #expect(!svg.contains("<script"))
    #expect(!svg.contains("href="))
    #expect(!svg.contains("@import") && !svg.contains("url(http"))
    let families = Set(
      svg.components(separatedBy: "font-family=\"").dropFirst().compactMap {
        $0.split(separator: "\"").first.map(String.init)
      })
    #expect(families.isSubset(of: ["sans-serif", "monospace"]), "\(families)")
    #expect(svg.contains("role=\"img\"") && svg.contains("<title id=\"map-title\">"))
    #expect(svg.contains("<desc id=\"map-desc\">"))
  }

  /// Every example's map and the two hosts' maps render in headless
  /// Chromium (one browser start for all) and are not blank; with
  /// MKPOLICY_UPDATE_GOLDEN=1 the examples' renders are written to
  /// Examples/<case>/plan/map.png for the README.
  @Test func mapsRenderInChromium() throws {
    var pairs: [String] = []
    for name in ExampleTests.cases {
      let png = Golden.updating ? "\(ExampleTests.examples)/\(name)/plan/map.png" : "-"
      pairs.append("\(ExampleTests.examples)/\(name)/plan/map.svg=\(png)")
    }
    for host in Self.hosts {
      let png =
        Golden.updating
        ? PackagePaths.path("Tests/MKPlanTests/Golden/hosts/\(host.name)/map.png") : "-"
      pairs.append(
        PackagePaths.path("Tests/MKPlanTests/Golden/hosts/\(host.name)/map.svg") + "=" + png)
    }
    // The resize golden has the "what moved" view.
    pairs.append(PackagePaths.path("Tests/MKPlanTests/Golden/resize/map.svg") + "=-")
    let result = Subprocess.run(
      [PackagePaths.python, PackagePaths.path("Tests/Python/render_maps.py")] + pairs)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.split(separator: "\n").count >= pairs.count)
  }
}
