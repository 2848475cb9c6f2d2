import Foundation
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// Examples/handover-*/: zero-downtime kernel updates. Each case plans
/// `before.yaml` (the plan in force, kept as previous/plan.json) and then
/// `policy.yaml` against it on the host in `topology`; the artefacts (or,
/// for a policy that must fail, the rendered diagnostics in
/// diagnostics.txt) are compared byte for byte, as Examples/generate-plans.sh
/// writes them. Every state tree of every hand-over step, and of its
/// rollback, passes kerf 0.4.0's own validator.
@Suite struct HandoverExampleTests {
  static let examples = PackagePaths.path("Examples")

  static var cases: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []
    return names.filter { $0.hasPrefix("handover-") }.sorted()
  }

  static func topology(_ name: String) throws -> String {
    try String(contentsOfFile: "\(examples)/\(name)/topology", encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The `mkpolicy plan` arguments of the update, relative to the package root.
  static func arguments(_ name: String) throws -> [String] {
    var arguments = ["Examples/\(name)/policy.yaml", "--topology", try topology(name)]
    if FileManager.default.fileExists(atPath: "\(examples)/\(name)/before.yaml") {
      arguments += ["--previous", "Examples/\(name)/previous/plan.json"]
    }
    return arguments
  }

  @Test func thereAreTheFourCases() {
    #expect(
      Self.cases == [
        "handover-health-fail", "handover-nvme", "handover-realtime", "handover-too-small",
      ])
  }

  @Test(arguments: HandoverExampleTests.cases) func previousPlanMatches(_ name: String) throws {
    guard FileManager.default.fileExists(atPath: "\(Self.examples)/\(name)/before.yaml") else {
      return
    }
    let artifacts = try PlanReviewTests.planWithCLI([
      "Examples/\(name)/before.yaml", "--topology", try Self.topology(name),
    ])
    let plan = try #require(artifacts.first { $0.path == "plan.json" })
    if let diff = Golden.mismatch(
      actual: plan.text, goldenPath: "\(Self.examples)/\(name)/previous/plan.json")
    {
      Issue.record(Comment(rawValue: diff))
    }
  }

  @Test(arguments: HandoverExampleTests.cases) func updateMatches(_ name: String) throws {
    let directory = "\(Self.examples)/\(name)"
    let expected = "\(directory)/diagnostics.txt"
    if FileManager.default.fileExists(atPath: expected) {
      let result = PackagePaths.runMKPolicy(["plan"] + (try Self.arguments(name)))
      #expect(result.status == 1)
      if let diff = Golden.mismatch(actual: result.stderr, goldenPath: expected) {
        Issue.record(Comment(rawValue: diff))
      }
      return
    }
    let artifacts = try PlanReviewTests.planWithCLI(try Self.arguments(name))
    let golden = "\(directory)/plan"
    if Golden.updating { try? FileManager.default.removeItem(atPath: golden) }
    for artifact in artifacts {
      let path = "\(golden)/\(artifact.path)"
      if artifact.path == "state.dtb" {
        if Golden.updating {
          try FileManager.default.createDirectory(
            atPath: golden, withIntermediateDirectories: true)
          try Data(artifact.bytes).write(to: URL(fileURLWithPath: path))
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes == artifact.bytes, "\(name)/state.dtb differs")
      } else if let diff = Golden.mismatch(actual: artifact.text, goldenPath: path) {
        Issue.record(Comment(rawValue: diff))
      }
    }
    let files = try FileManager.default.subpathsOfDirectory(atPath: golden).filter {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: "\(golden)/\($0)", isDirectory: &isDirectory)
      return !isDirectory.boolValue && $0 != "map.png" && $0 != ".mkpolicy-files"
    }
    #expect(files.sorted() == artifacts.map(\.path).sorted(), "stale files in \(name)/plan")
  }

  /// Every intermediate state (each step, each rollback step) and the end
  /// state pass kerf's validator, with the pair where the steps say.
  @Test(arguments: HandoverExampleTests.cases.filter { $0 != "handover-too-small" })
  func everyStepTreePassesKerfValidator(_ name: String) throws {
    let text = try String(
      contentsOfFile: "\(Self.examples)/\(name)/plan/plan.json", encoding: .utf8)
    let plan = try PlanCodec.decode(text, file: "plan.json").get()
    let handover = try #require(plan.handovers?.first)
    let trees = plan.handoverTrees()
    #expect(trees.count == handover.steps.count + handover.rollback.count)
    for (path, tree) in trees {
      let verdict = try DeviceTreeTests.validate(try DeviceTreeBlobWriter.blob(tree))
      #expect(verdict.errors == [], "\(name) \(path)")
      #expect(verdict.cpuErrors == [:], "\(name) \(path)")
      #expect(verdict.poolCPUs == plan.coordinatorPool?.physicalIds, "\(name) \(path)")
    }
  }
}
