import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import MKTopology
import Testing

/// The trading example's plan on the in-memory cgroup v2 kernel: the idle
/// siblings of its `smt: off` instance end up in a valid isolated partition
/// that holds no task, next to the workloads' partitions, and verify agrees.
@Suite struct IdlePartitionTests {
  @Test func idleSiblingsAreAValidIsolatedPartitionOnTheKernel() throws {
    // The in-memory kernel models local partitions (before 6.7, no
    // cpuset.cpus.exclusive): the parent slice is a partition root.
    var topology = try #require(
      TopologySnapshot.read(
        path: PackagePaths.path("Examples/topologies/trading-2s-connectx-e810.yaml")
      ).topology)
    topology.kernel.cpusetExclusive = false
    let snapshot = FileManager.default.temporaryDirectory.path + "/idle-\(UUID().uuidString).yaml"
    try TopologySnapshot.yaml(topology).write(toFile: snapshot, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: snapshot) }
    let output = PlanPipeline.run(
      policyPaths: [PackagePaths.path("Policies/trading-realtime.yaml")],
      topologyPath: snapshot, previousPath: nil)
    let plan = try #require(output.plan, "\(output.diagnostics)")
    let idle = try #require(plan.idle)
    #expect(!idle.isEmpty)

    let fingerprint = plan.topologyFingerprint
    let host = MemoryHost(onlineCPUs: fingerprint.onlineCPUs)
    host.seed("/sys/fs/cgroup/cgroup.subtree_control", "")
    host.seed("/proc/sys/kernel/osrelease", fingerprint.kernelRelease + "\n")
    host.seed("/sys/devices/system/cpu/online", fingerprint.onlineCPUs.cpulist + "\n")
    for device in fingerprint.devices { host.seedDirectory("/sys/bus/pci/devices/" + device) }
    for setting in plan.irqAffinity { host.seedIRQ(setting.irq, fingerprint.onlineCPUs) }
    host.seedDirectory("/etc/default/grub.d")
    host.seedDirectory("/etc/default")
    host.seedDirectory("/var/lib")
    host.clearMutations()

    let report = try Applier(host: host).apply(plan)
    #expect(report.succeeded, "\(report.render().stderr)")
    let idleCgroup = "/sys/fs/cgroup/mkpolicy.slice/" + CgroupV2Emitter.idleCgroup
    #expect(try host.read(idleCgroup + "/cpuset.cpus.partition") == "isolated\n")
    #expect(try host.read(idleCgroup + "/cpuset.cpus.effective") == idle.cpulist + "\n")
    #expect(try host.read(idleCgroup + "/cgroup.procs") == "")
    // No other cgroup of the plan runs on them.
    // (market-data is launched by systemd: its cgroup is its slice's.)
    for workload in ["mkpolicy-market_data.slice", "analytics"] {
      let effective = try host.read(
        "/sys/fs/cgroup/mkpolicy.slice/\(workload)/cpuset.cpus.effective")
      let cpus = try CPUSet(
        cpulist: effective.trimmingCharacters(in: .whitespacesAndNewlines), allowEmpty: true)
      #expect(cpus.isDisjoint(with: idle), "\(workload): \(effective)")
    }
    let verify = try Verifier(host: host).verify()
    #expect(verify.differences.isEmpty, "\(verify.differences)")
  }
}
