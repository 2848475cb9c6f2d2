import MKCore
import MKPolicy
import Testing

/// `check` refuses what apply's guard would refuse (issue 12): a cgroup
/// parent at a cgroup v1 hierarchy root, and cgroups another manager owns,
/// with the one rule both use (`CgroupOwnership`).
@Suite struct CgroupOwnershipTests {
  func codes(host: String, workload: String = "db") -> [String] {
    let text = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: p}
      host:
      \(host)
      workloads:
        - name: \(workload)
          isolation: partition
          cpus: 2
      """
    return PolicyLoader.load(text: text, file: "p.yaml").diagnostics.filter {
      $0.severity == .error
    }.map { "\($0.code)@\($0.location.map { "\($0.line):\($0.column)" } ?? "-")" }
  }

  @Test func parentAtAV1HierarchyRootIsRefused() {
    for parent in ["cpuset", "memory", "net_cls", "unified", "cpuset/tenants"] {
      #expect(codes(host: "  cgroupParent: \(parent)") == ["E122@5:17"], "\(parent)")
    }
    #expect(codes(host: "  cgroupParent: tenants/cpuset").isEmpty)
  }

  @Test func foreignParentNeedsTheOptIn() {
    for parent in ["system.slice", "kubepods.slice/x", "tenants/user.slice", "machine.slice"] {
      #expect(codes(host: "  cgroupParent: \(parent)") == ["E123@5:17"], "\(parent)")
      #expect(
        codes(host: "  cgroupParent: \(parent)\n  allowForeignCgroups: true").isEmpty, "\(parent)")
    }
  }

  @Test func workloadNamedLikeAForeignCgroupNeedsTheOptIn() {
    #expect(codes(host: "  irqbalance: ban", workload: "kubepods") == ["E123@7:11"])
    #expect(codes(host: "  irqbalance: ban", workload: "kubepods-burstable") == ["E123@7:11"])
    #expect(codes(host: "  allowForeignCgroups: true", workload: "kubepods").isEmpty)
  }

  @Test func ownershipRule() {
    #expect(CgroupOwnership.componentsBelowMount("/sys/fs/cgroup/cpuset/a/b") == ["a", "b"])
    #expect(CgroupOwnership.componentsBelowMount("/sys/fs/cgroup/cpuset") == ["cpuset"])
    #expect(CgroupOwnership.componentsBelowMount("/sys/fs/cgroup") == [])
    #expect(CgroupOwnership.componentsBelowMount("/etc/x") == nil)
    #expect(CgroupOwnership.parentProblem([], allowForeign: true) != nil)
    #expect(CgroupOwnership.parentProblem(["mkpolicy.slice"], allowForeign: false) == nil)
  }
}
