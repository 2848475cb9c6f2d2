import Foundation
import MKTestSupport
import Testing

/// `mkpolicy check` on a repository's tree: folders are descended into, and
/// fragments named together are merged as `mkpolicy plan A B` merges them.
@Suite struct CheckTreeTests {
  @Test func checkDescendsIntoFolders() {
    let run = PackagePaths.runMKPolicy(["check", "Examples/fleet/policies"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.contains("ok: Examples/fleet/policies/trading (policy 'trading-edge', 3 workloads)"))
    #expect(
      lines.contains(
        "ok: Examples/fleet/policies/k8s-worker.yaml (policy 'k8s-worker', 2 workloads)"))
    #expect(lines.count == 7, "\(lines)")
  }

  @Test func fragmentsNamedTogetherAreOnePolicy() {
    let run = PackagePaths.runMKPolicy([
      "check", "Examples/fleet/policies/trading/00-host.yaml",
      "Examples/fleet/policies/trading/10-workloads.yaml",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stdout
        == "ok: Examples/fleet/policies/trading/00-host.yaml Examples/fleet/policies/trading/10-workloads.yaml (policy 'trading-edge', 3 workloads)\n"
    )
    // The workloads alone are not a policy (no metadata).
    let alone = PackagePaths.runMKPolicy([
      "check", "Examples/fleet/policies/trading/10-workloads.yaml",
    ])
    #expect(alone.status == 1)
    #expect(alone.stderr.contains("E111"))
  }
}
