import Foundation
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// The registry of kernel interface files: patterns, grammars, read-back
/// comparisons, and that every write of every example plan is described
/// by it and valid for its file.
@Suite struct KernelInterfaceTests {
  @Test func patternsMatchAndBuildPaths() throws {
    let rps = KernelInterfaces.rpsCPUs
    #expect(rps.pattern.match("/sys/class/net/ens2f0/queues/rx-3/rps_cpus") == ["ens2f0", "3"])
    #expect(rps.path("ens2f0", "3") == "/sys/class/net/ens2f0/queues/rx-3/rps_cpus")
    #expect(rps.pattern.match("/sys/class/net/../queues/rx-3/rps_cpus") == nil)
    #expect(rps.pattern.match("/sys/class/net/eth0/queues/rx-03/rps_cpus") == nil)
    #expect(rps.pattern.match("/sys/class/net/eth0/queues/rx-/rps_cpus") == nil)
    #expect(rps.pattern.path(["a/b", "1"]) == nil)
    #expect(rps.pattern.path(["waytoolonginterfacename", "1"]) == nil)
    let pages = KernelInterfaces.nodeHugePages
    #expect(
      pages.pattern.match("/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages")
        == ["1", "2048"])
    #expect(
      KernelInterfaces.describing("/proc/sys/kernel/timer_migration")?.sysctlName
        == "kernel.timer_migration")
    #expect(KernelInterfaces.describing("/proc/sys/kernel/panic") == nil)
    #expect(KernelInterfaces.describing("/sys/fs/cgroup/a.slice/db/cpu.weight")?.id == "cpu.weight")
    #expect(KernelInterfaces.describing("/sys/fs/cgroup/a.slice/db/cgroup.procs") == nil)
    #expect(KernelInterfaces.describing("/etc/passwd") == nil)
    #expect(KernelInterfaces.describing("/etc/default/grub.d/90-mkpolicy.cfg")?.needsReboot == true)
    // Ids are unique, and every cgroup counterpart names a described file.
    #expect(Set(KernelInterfaces.all.map(\.id)).count == KernelInterfaces.all.count)
    for interface in KernelInterfaces.all {
      if let other = interface.counterpart {
        #expect(KernelInterfaces.cgroupFile(other) != nil, "\(interface.id) -> \(other)")
      }
    }
  }

  @Test func grammarsRefuseWhatTheKernelRefuses() {
    #expect(KernelInterfaces.workqueueCPUMask.problem(with: "ffff00f3,ffff00f3") == nil)
    #expect(KernelInterfaces.workqueueCPUMask.problem(with: "0-3") != nil)
    #expect(KernelInterfaces.schedRTRuntime.problem(with: "-1") == nil)
    #expect(KernelInterfaces.schedRTRuntime.problem(with: "-2") != nil)
    #expect(KernelInterfaces.timerMigration.problem(with: "2") != nil)
    #expect(KernelInterfaces.resumeLatency.problem(with: "n/a") == nil)
    #expect(KernelInterfaces.resumeLatency.problem(with: "na") != nil)
    #expect(KernelInterfaces.scalingGovernor.problem(with: "turbo") != nil)
    #expect(KernelInterfaces.cpuMax.problem(with: "max 100000") == nil)
    #expect(KernelInterfaces.cpuMax.problem(with: "max") != nil)
    #expect(KernelInterfaces.ioMax.problem(with: "259:0 rbps=500 wiops=max") == nil)
    #expect(KernelInterfaces.ioMax.problem(with: "259 rbps=500") != nil)
    #expect(KernelInterfaces.subtreeControl.problem(with: "+cpuset -io") == nil)
    #expect(KernelInterfaces.subtreeControl.problem(with: "cpuset") != nil)
    #expect(KernelInterfaces.sysctlDropIn.problem(with: "a\0b") != nil)
  }

  @Test func readBackComparesTheWayTheKernelPrints() {
    #expect(KernelInterfaces.rpsCPUs.holds("00000000,00000000\n", wanted: "0"))
    #expect(KernelInterfaces.xpsCPUs.holds("00000004,00000000", wanted: "4,00000000"))
    #expect(!KernelInterfaces.xpsCPUs.holds("00000004", wanted: "4,00000000"))
    #expect(KernelInterfaces.cpusetCPUs.holds("0-2", wanted: "0,1,2"))
    #expect(KernelInterfaces.memoryMax.holds("4096", wanted: "5000"))
    #expect(KernelInterfaces.memoryLimit.holds("9223372036854771712", wanted: "-1"))
    #expect(KernelInterfaces.cpusetPartition.holds("isolated", wanted: "isolated"))
    #expect(!KernelInterfaces.cpusetPartition.holds("isolated invalid (x)", wanted: "isolated"))
    #expect(KernelInterfaces.subtreeControl.holds("cpu cpuset memory", wanted: "+cpuset +cpu"))
    #expect(!KernelInterfaces.subtreeControl.holds("cpu", wanted: "+cpuset +cpu"))
    #expect(KernelInterfaces.timerMigration.holds("0\n", wanted: "0"))
    #expect(KernelInterfaces.workqueueCPUMask.normalised("000000ff") == "ff")
    #expect(KernelInterfaces.cpusetCPUs.normalised("3,1,2") == "1-3")
  }

  /// Every path an example plan writes is described, and its value fits.
  @Test(arguments: ExampleTests.cases) func everyPlannedWriteIsDescribed(_ name: String) throws {
    let plan = try SystemdUnitTests.plan(name)
    var writes: [(String, String)] = []
    for op in plan.cgroupPrerequisites + plan.cgroupTree + plan.cgroupWrites where op.op == .write {
      writes.append((op.path, op.value ?? ""))
    }
    writes += plan.kernelWrites.map { ($0.path, $0.content) }
    writes += plan.fileWrites.map { ($0.path, $0.content) }
    writes += plan.systemdUnits.map { ($0.path, $0.content) }
    if let staging = plan.bootStaging, let path = staging.path {
      writes.append((path, staging.content ?? ""))
    }
    if let setup = plan.hostSetup {
      for write in setup.kernelWrites {
        #expect(KernelInterfaces.describing(write.path)?.id == write.interface, "\(write.path)")
        writes.append((write.path, write.value))
      }
      writes += setup.files.map { ($0.path, $0.content) }
    }
    #expect(!writes.isEmpty)
    for (path, value) in writes {
      let interface = KernelInterfaces.describing(path)
      #expect(interface != nil, "\(name): \(path) is not in the registry")
      #expect(interface?.problem(with: value) == nil, "\(name): \(path) = \(value)")
    }
  }
}
