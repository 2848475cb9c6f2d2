import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

@Suite struct PlanGoldenTests {
  static func check(
    _ name: String, _ plan: Plan, policy: Policy, topology: Topology, previous: Plan? = nil
  ) throws {
    for artifact in try PlanArtifacts.render(
      plan, policy: policy, topology: topology, previous: previous)
    where artifact.path != "state.dtb" {
      let golden = PackagePaths.path("Tests/MKPlanTests/Golden/\(name)/\(artifact.path)")
      if let diff = Golden.mismatch(actual: artifact.text, goldenPath: golden) {
        Issue.record(Comment(rawValue: diff))
      }
    }
  }

  @Test func freshHostV2() throws {
    let topology = PlanFixture.topology()
    try Self.check(
      "fresh-v2", PlanFixture.plan(topology: topology), policy: PlanFixture.policy(),
      topology: topology)
  }
}

extension PlanGoldenTests {
  /// A hybrid (cgroup v1 cpuset) host on 5.10 with a boot-time multikernel
  /// pool: v1 settings, runtime per-node huge pages, `mkkernel_pool=`,
  /// kernel-install staging and realtime extras.
  @Test func hybridOldKernel() throws {
    let topology = PlanFixture.topology(
      release: "5.10.0-28-amd64", cgroupMode: .hybrid, multikernel: .bootParameter)
    let policy = PlanFixture.policy(bootloader: .kernelInstall, realtimeExtras: true)
    let plan = PlanFixture.plan(topology: topology, policy: policy)
    try Self.check("hybrid-5.10", plan, policy: policy, topology: topology)
  }

  /// Re-planning with the instance halved and moved CPUs: teardown, shrink
  /// before grow, `kerf update`, and only the difference in cgroup writes.
  @Test func resizeAgainstPrevious() throws {
    let topology = PlanFixture.topology()
    let policy = PlanFixture.policy(bootloader: .grubby)
    let previous = PlanFixture.plan(topology: topology, policy: policy)
    let plan = PlanFixture.plan(
      topology: topology, policy: policy,
      assignment: PlanFixture.assignment(topology, routerCPUs: 2),
      previous: previous)
    try Self.check("resize", plan, policy: policy, topology: topology, previous: previous)
    // Halving the instance restarts it; the cgroup tree keeps its CPUs.
    let reasons = (plan.changes.needsReboot + plan.changes.live + plan.changes.coordinator)
      .compactMap(\.disruption?.reason)
    #expect(reasons.contains(.instanceRestart), "\(reasons)")
  }
}
