import MKApply
import MKCore
import MKPlan
import Testing

/// `mkpolicy verify` on where processes run: a workload's service outside
/// its slice (E540), a process that is not the workload's inside its
/// isolated partition (E541), read from `/proc/PID/cgroup`.
@Suite struct PlacementCheckTests {
  static let parent = "/sys/fs/cgroup/mkpolicy.slice"

  static func plan() -> Plan {
    var plan = Fixtures.plan("placement", [])
    let db = Provenance(workload: "db")
    plan.cgroupTree = [
      CgroupOperation(op: .mkdir, path: parent),
      CgroupOperation(op: .mkdir, path: parent + "/mkpolicy-db.slice", provenance: db),
      CgroupOperation(
        op: .write, path: parent + "/mkpolicy-db.slice/cpuset.cpus.partition", value: "isolated",
        provenance: db),
      CgroupOperation(op: .mkdir, path: parent + "/web", provenance: Provenance(workload: "web")),
    ]
    plan.systemdUnits = [
      FileWrite(
        path: "/etc/systemd/system/feed.service.d/50-mkpolicy.conf",
        content: "[Service]\nSlice=mkpolicy-db.slice\nCPUAffinity=2-3\n", provenance: db),
      FileWrite(
        path: "/etc/systemd/system/api.service.d/50-mkpolicy.conf",
        content: "[Service]\nSlice=web\n", provenance: Provenance(workload: "web")),
    ]
    return plan
  }

  static func process(
    _ host: MemoryHost, _ pid: Int32, _ comm: String, _ cgroup: String, ppid: Int = 1
  ) {
    host.seed("/proc/\(pid)/comm", comm + "\n")
    host.seed("/proc/\(pid)/cgroup", "0::\(cgroup)\n")
    host.seed("/proc/\(pid)/status", "Name:\t\(comm)\nPPid:\t\(ppid)\n")
  }

  @Test func findsAServiceOutsideItsSliceAndForeignProcessesInsideAnIsolatedPartition() {
    let host = MemoryHost(onlineCPUs: CPUSet(range: 0...7))
    Self.process(host, 100, "feed", "/system.slice/feed.service")
    Self.process(host, 101, "feed", "/mkpolicy.slice/mkpolicy-db.slice/feed.service")
    Self.process(host, 102, "stress", "/mkpolicy.slice/mkpolicy-db.slice")
    Self.process(host, 103, "api", "/mkpolicy.slice/mkpolicy-db.slice/api.service")
    Self.process(host, 104, "api", "/mkpolicy.slice/web/api.service")
    Self.process(host, 105, "bash", "/user.slice/user-1000.slice/session-1.scope")
    // Kernel threads are the kernel's to place.
    Self.process(host, 2, "kthreadd", "/")
    Self.process(host, 60, "kworker/2:1", "/mkpolicy.slice/mkpolicy-db.slice", ppid: 2)
    let problems = PlacementCheck(host: host).problems(Self.plan())
    #expect(
      problems == [
        "process 100 (\"feed\") of workload db (feed.service) runs in cgroup /system.slice/feed.service, outside its partition /mkpolicy.slice/mkpolicy-db.slice/feed.service",
        "process 102 (\"stress\") in cgroup /mkpolicy.slice/mkpolicy-db.slice is foreign in the isolated partition /mkpolicy.slice/mkpolicy-db.slice of workload db",
        "process 103 (\"api\") of workload web (api.service) runs in cgroup /mkpolicy.slice/mkpolicy-db.slice/api.service, outside its partition /mkpolicy.slice/web/api.service",
      ], "\(problems)")
  }

  /// A process with its `Cpus_allowed_list`.
  static func task(
    _ host: MemoryHost, _ pid: Int32, _ comm: String, _ cgroup: String, allowed: String,
    v1: Bool = false
  ) {
    host.seed("/proc/\(pid)/comm", comm + "\n")
    host.seed("/proc/\(pid)/cgroup", v1 ? "5:cpuset:\(cgroup)\n" : "0::\(cgroup)\n")
    host.seed(
      "/proc/\(pid)/status", "Name:\t\(comm)\nPPid:\t1\nCpus_allowed_list:\t\(allowed)\n")
  }

  /// Beyond membership: a process outside an isolated partition whose
  /// affinity still includes the partition's CPUs (v2 with the partition
  /// invalid, v1 where the root cpuset keeps every CPU).
  @Test func findsProcessesOutsideAnIsolatedPartitionThatMayRunOnItsCPUs() {
    var plan = Self.plan()
    plan.cgroupTree.insert(
      CgroupOperation(
        op: .write, path: Self.parent + "/mkpolicy-db.slice/cpuset.cpus", value: "2-3",
        provenance: Provenance(workload: "db")), at: 2)
    let host = MemoryHost(onlineCPUs: CPUSet(range: 0...7))
    Self.task(host, 1, "systemd", "/init.scope", allowed: "0-7")
    Self.task(host, 110, "sshd", "/system.slice/ssh.service", allowed: "0-1,4-7")
    Self.task(host, 111, "feed", "/mkpolicy.slice/mkpolicy-db.slice/feed.service", allowed: "2-3")
    Self.task(host, 112, "pinned", "/user.slice", allowed: "3")
    Self.task(host, 60, "kworker/2:1", "/", allowed: "2")
    host.seed("/proc/60/status", "Name:\tkworker/2:1\nPPid:\t2\nCpus_allowed_list:\t2\n")
    let found = PlacementCheck(host: host).exposures(plan)
    #expect(
      found == [
        "2 process(es) outside the isolated partition /mkpolicy.slice/mkpolicy-db.slice of workload db may run on its CPUs 2-3 (Cpus_allowed_list): 1 (\"systemd\"), 112 (\"pinned\")"
      ], "\(found)")
    // Nothing outside the CPUs (what the v2 kernel makes of a valid partition).
    let narrowed = MemoryHost(onlineCPUs: CPUSet(range: 0...7))
    Self.task(narrowed, 1, "systemd", "/init.scope", allowed: "0-1,4-7")
    Self.task(narrowed, 111, "feed", "/mkpolicy.slice/mkpolicy-db.slice", allowed: "2-3")
    #expect(PlacementCheck(host: narrowed).exposures(plan) == [])

    // v1: isolation is sched_load_balance 0 under the cpuset hierarchy.
    let v1Parent = "/sys/fs/cgroup/cpuset/mkpolicy"
    var v1 = Fixtures.plan("placement-v1", [])
    v1.cgroupTree = [
      CgroupOperation(op: .mkdir, path: v1Parent + "/rt"),
      CgroupOperation(op: .write, path: v1Parent + "/rt/cpuset.cpus", value: "4-5"),
      CgroupOperation(op: .write, path: v1Parent + "/rt/cpuset.cpu_exclusive", value: "1"),
      CgroupOperation(
        op: .write, path: v1Parent + "/rt/cpuset.sched_load_balance", value: "0",
        provenance: Provenance(workload: "rt")),
      CgroupOperation(op: .mkdir, path: v1Parent + "/batch"),
      CgroupOperation(op: .write, path: v1Parent + "/batch/cpuset.cpus", value: "6-7"),
    ]
    let v1Host = MemoryHost(onlineCPUs: CPUSet(range: 0...7))
    Self.task(v1Host, 1, "systemd", "/", allowed: "0-7", v1: true)
    Self.task(v1Host, 120, "rt-app", "/mkpolicy/rt", allowed: "4-5", v1: true)
    Self.task(v1Host, 121, "batch", "/mkpolicy/batch", allowed: "6-7", v1: true)
    #expect(
      PlacementCheck(host: v1Host).exposures(v1) == [
        "1 process(es) outside the isolated partition /mkpolicy/rt of workload rt may run on its CPUs 4-5 (Cpus_allowed_list): 1 (\"systemd\")"
      ])
  }

  @Test func verifyReportsThemAsE540AndE541() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    _ = try Applier(host: host).apply(plan)
    Self.process(host, 300, "feed", "/system.slice/feed.service")
    let report = try Verifier(host: host).verify()
    #expect(report.diagnostics.map(\.code).contains("E540"), "\(report.differences)")
    #expect(!report.matches)
  }

  /// E542 is a warning: printed, not drift (apply cannot move the processes).
  @Test func verifyWarnsE542WithoutDrift() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    _ = try Applier(host: host).apply(plan)
    let isolated = try #require(PlacementCheck.isolatedCPUs(plan).first)
    Self.task(host, 400, "cron", "/system.slice/cron.service", allowed: "0-7")
    let report = try Verifier(host: host).verify()
    #expect(report.matches, "\(report.differences)")
    #expect(report.diagnostics.filter { $0.code == "E542" }.map(\.severity) == [.warning])
    let text = report.render()
    #expect(
      text.contains(
        "warning[E542]: 1 process(es) outside the isolated partition \(isolated.cgroup) of workload"
      ),
      "\(text)")
    #expect(
      text.contains(
        "may run on its CPUs \(isolated.cpus.cpulist) (Cpus_allowed_list): 400 (\"cron\")"))
  }
}
