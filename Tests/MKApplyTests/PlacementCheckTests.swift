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

  @Test func verifyReportsThemAsE540AndE541() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    _ = try Applier(host: host).apply(plan)
    Self.process(host, 300, "feed", "/system.slice/feed.service")
    let report = try Verifier(host: host).verify()
    #expect(report.diagnostics.map(\.code).contains("E540"), "\(report.differences)")
    #expect(!report.matches)
  }
}
