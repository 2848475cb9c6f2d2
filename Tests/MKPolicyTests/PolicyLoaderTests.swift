import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import Testing

@Suite struct PolicyLoaderTests {
  @Test func embeddedDefaultEqualsPoliciesDefault() throws {
    let shipped = try String(
      contentsOfFile: PackagePaths.path("Policies/default.yaml"), encoding: .utf8)
    let copy = try String(
      contentsOfFile: PackagePaths.path("Sources/MKPolicy/Resources/default.yaml"), encoding: .utf8)
    #expect(PolicyLoader.defaultPolicyText == shipped)
    #expect(
      copy == shipped, "copy Policies/default.yaml to Sources/MKPolicy/Resources/default.yaml")
  }

  @Test func defaultPolicyIsOneHousekeepingCPUPerNodeAndASharedPool() throws {
    let result = PolicyLoader.loadDefault()
    #expect(result.diagnostics.isEmpty)
    let policy = try #require(result.policy)
    #expect(policy.host.housekeeping.perNode && policy.host.housekeeping.cpus == .count(1))
    #expect(policy.workloads.count == 1)
    #expect(policy.workloads[0].isolation == .shared && !policy.workloads[0].cpus.isBounded)
    #expect(policy.sourceFiles == [PolicyLoader.defaultPolicyFile])
  }

  @Test func shippedPoliciesAndExamplesAreValid() throws {
    let results = PolicyLoader.loadEach(paths: [
      PackagePaths.path("Policies"), PackagePaths.path("Examples/policies/split-host"),
    ])
    #expect(results.count == 8)
    for result in results {
      #expect(result.diagnostics.isEmpty, "\(result.origin): \(result.diagnostics)")
      #expect(result.policy != nil)
    }
    let names = results.compactMap { $0.policy?.metadata.name }
    #expect(
      names == [
        "ai-inference", "batch-elastic", "cloud-multitenant", "database-nvme", "default",
        "telco-edge", "trading-edge", "split-host",
      ])
  }

  @Test func folderFilesAreMergedInNameOrder() throws {
    let folder = PackagePaths.path("Examples/policies/split-host")
    let result = PolicyLoader.load(paths: [folder])
    let policy = try #require(result.policy)
    #expect(policy.workloads.map(\.name) == ["platform-agents", "payments-api", "search-indexer"])
    #expect(
      policy.sourceFiles.map { $0.split(separator: "/").last! } == [
        "00-host.yaml", "team-payments.yaml", "team-search.yaml",
      ])
    #expect(Set(result.sources.keys) == Set(policy.sourceFiles))
    #expect(policy.workloads[2].location.file.hasSuffix("team-search.yaml"))
  }

  @Test func loadingSeveralCompletePoliciesAsOneReportsBothPlaces() {
    let result = PolicyLoader.load(paths: [
      PackagePaths.path("Policies/default.yaml"), PackagePaths.path("Policies/batch-elastic.yaml"),
    ])
    #expect(result.policy == nil)
    #expect(
      result.diagnostics.map { "\($0.code) \($0.location!.line) \($0.notes.first!.location!.line)" }
        == [
          "E110 9 13", "E110 14 17",
        ])
  }

  @Test func missingPathsAreReported() {
    let result = PolicyLoader.load(paths: ["/nonexistent/policy.yaml"])
    #expect(
      result.diagnostics.map(\.message) == [
        "cannot read '/nonexistent/policy.yaml': No such file or directory"
      ])
    #expect(result.policy == nil)
  }

  @Test func diagnosticsAreDeterministic() {
    let path = PackagePaths.path("Tests/MKPolicyTests/Corpus/invalid/semantic-many-errors.yaml")
    let first = PolicyLoader.load(paths: [path])
    let second = PolicyLoader.load(paths: [path])
    #expect(first.diagnostics == second.diagnostics)
  }
}
