import Foundation
import MKTestSupport
import Testing

/// `mkpolicy plan`: one --topology, a file; plan errors in every format.
@Suite struct PlanCommandOptionsTests {
  @Test func aSecondTopologyIsRefusedNotSilentlyUsed() {
    let run = PackagePaths.runMKPolicy([
      "plan", "--topology", "Examples/topologies/telco-edge-1s-e810.yaml", "--topology",
      "Examples/topologies/this-machine.yaml",
    ])
    #expect(run.status == 64)
    #expect(run.stderr.contains("--topology is given 2 times"))
    #expect(run.stdout.isEmpty)
  }

  @Test func aFolderOfSnapshotsIsAClearError() {
    let run = PackagePaths.runMKPolicy(["plan", "--topology", "Examples/topologies/"])
    #expect(run.status == 64)
    #expect(
      run.stderr.contains("--topology Examples/topologies/ is a folder: give one snapshot file"))
    #expect(run.stderr.contains("mkpolicy fleet plan"))
  }

  /// A policy that does not fit: the error as GitHub annotations and as JSON.
  @Test func planErrorsInGitHubAndJSONFormats() throws {
    let directory =
      FileManager.default.temporaryDirectory.path + "/mkplan-format-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let policy = directory + "/big.yaml"
    try """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: big}
    workloads:
      - name: huge
        isolation: partition
        cpus: 4000

    """.write(toFile: policy, atomically: true, encoding: .utf8)
    let arguments = ["plan", policy, "--topology", "Examples/topologies/telco-edge-1s-e810.yaml"]
    let github = PackagePaths.runMKPolicy(arguments + ["--format", "github"])
    #expect(github.status == 1)
    #expect(github.stdout.contains("::error file=\(policy),line=7,"), "\(github.stdout)")
    let json = PackagePaths.runMKPolicy(arguments + ["--format", "json"])
    #expect(json.status == 1)
    let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
    let text = String(describing: decoded)
    #expect(text.contains("E2"), "\(json.stdout)")
    // Success with github: the warnings as annotations, no report.
    let ok = PackagePaths.runMKPolicy([
      "plan", "Policies/telco-edge.yaml", "--topology",
      "Examples/topologies/telco-edge-1s-e810.yaml",
      "--format", "github",
    ])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stdout.hasPrefix("::warning"), "\(ok.stdout)")
  }
}
