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

extension PlanGoldenTests {
  /// The partition launched by systemd (slice, service drop-in with
  /// Delegate=yes), the shared workload in a delegated cgroup another
  /// manager uses, and tuning fields written out: no throttling with stalld,
  /// polling idle, a governor the pstate drivers lack (a note).
  @Test func launchedAndTuned() throws {
    let topology = PlanFixture.topology()
    var feed = PlanFixture.feed
    feed.launch = Launch(
      manager: .systemd, unit: "md-feed@primary.service", delegate: true,
      location: PlanFixture.at(47))
    feed.tuning = Tuning(
      governor: .schedutil, idle: .poll, rtThrottling: .off, statInterval: .seconds(60),
      stalld: true)
    for (key, line) in [
      ("launch", 47), ("tuning.governor", 50), ("tuning.idle", 51),
      ("tuning.rtThrottling", 52), ("tuning.statInterval", 53), ("tuning.stalld", 54),
    ] {
      feed.fieldLocations[key] = PlanFixture.at(line, key == "launch" ? 5 : 7)
    }
    var analytics = PlanFixture.analytics
    analytics.launch = Launch(manager: .cgroup, path: "batch", delegate: true)
    let policy = PlanFixture.policy(
      irqbalance: .stop, workloads: [PlanFixture.router, feed, analytics])
    let plan = PlanFixture.plan(topology: topology, policy: policy)
    #expect(plan.diagnostics.contains { $0.code == "E451" })
    try Self.check("launched-tuned", plan, policy: policy, topology: topology)
  }
}
