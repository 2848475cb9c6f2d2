import Foundation
import MKApply
import MKCore
import MKPlan
import Testing

/// Applies plans to this machine's real cpuset hierarchy (cgroup v1 at
/// /sys/fs/cgroup/cpuset, or cgroup v2 at /sys/fs/cgroup when it offers the
/// cpuset controller) under a dedicated test parent, reads everything back
/// from the kernel, provokes a real kernel error, and removes it all again.
@Suite(.serialized) struct RealKernelTests {
  struct Hierarchy {
    var mount: String
    var v2: Bool
  }

  static var hierarchy: Hierarchy? {
    let fm = FileManager.default
    if fm.fileExists(atPath: "/sys/fs/cgroup/cpuset/cpuset.cpus") {
      return Hierarchy(mount: "/sys/fs/cgroup/cpuset", v2: false)
    }
    if let controllers = try? String(
      contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8),
      controllers.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("cpuset")
    {
      return Hierarchy(mount: "/sys/fs/cgroup", v2: true)
    }
    return nil
  }

  static func listing(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  static func kernelRead(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "<unreadable>")
      .trimmingASCIIWhitespace()
  }

  /// Reported as skipped (not passed) where the machine has no cpuset
  /// hierarchy: neither /sys/fs/cgroup/cpuset nor cgroup v2 with cpuset.
  @Test(.enabled(if: Self.hierarchy != nil, "no cpuset hierarchy on this machine"))
  func appliesReadsBackAndRemovesAPlanOnTheRealCpusetHierarchy() throws {
    let hierarchy = try #require(Self.hierarchy)
    let mount = hierarchy.mount
    let parent = mount + "/mkpolicy-test-\(getpid())"
    let child = parent + "/db"
    let rootCPUs = try CPUSet(
      cpulist: Self.kernelRead(mount + (hierarchy.v2 ? "/cpuset.cpus.effective" : "/cpuset.cpus")))
    let rootMems = Self.kernelRead(
      mount + (hierarchy.v2 ? "/cpuset.mems.effective" : "/cpuset.mems"))
    let childCPU = try #require(rootCPUs.last)
    let stateDirectory =
      FileManager.default.temporaryDirectory.path + "/mkpolicy-kernel-\(UUID().uuidString)"
    let before = Self.listing(mount)
    defer {
      // Leave the host as it was even if an expectation failed midway.
      rmdir(child)
      rmdir(parent)
      try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    func plan(_ name: String, _ writes: [CgroupOperation]) -> Plan {
      var plan = Fixtures.plan(name, writes)
      plan.cgroupParentPath = parent
      return plan
    }
    let create = plan(
      "kernel-create",
      [
        CgroupOperation(op: .mkdir, path: parent),
        CgroupOperation(op: .write, path: parent + "/cpuset.cpus", value: rootCPUs.cpulist),
        CgroupOperation(op: .write, path: parent + "/cpuset.mems", value: rootMems),
        CgroupOperation(op: .mkdir, path: child),
        CgroupOperation(op: .write, path: child + "/cpuset.cpus", value: "\(childCPU)"),
        CgroupOperation(op: .write, path: child + "/cpuset.mems", value: rootMems),
      ])
    let host = RootedHost(root: "/")

    // 1. Apply, and read every value back from the kernel ourselves.
    let report = try Applier(host: host, stateDirectory: stateDirectory).apply(create)
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(Self.kernelRead(child + "/cpuset.cpus") == "\(childCPU)")
    let effective = hierarchy.v2 ? "/cpuset.cpus.effective" : "/cpuset.effective_cpus"
    #expect(Self.kernelRead(child + effective) == "\(childCPU)")
    #expect(try CPUSet(cpulist: Self.kernelRead(parent + "/cpuset.cpus")) == rootCPUs)
    #expect(try Verifier(host: host, stateDirectory: stateDirectory).verify().differences == [])

    // 2. The same plan again: zero writes.
    let counter = FaultyHost(host, faultAt: nil, fault: .shortWrite)
    let again = try Applier(
      host: counter, stateDirectory: stateDirectory, bootID: Applier.readBootID(host)
    )
    .apply(create)
    #expect(again.outcome == .nothingToDo)
    #expect(counter.mutatingOperations == 0)

    // 3. Drift: change a value behind apply's back; verify lists it.
    try "\(rootCPUs.first ?? 0)".write(
      toFile: child + "/cpuset.cpus", atomically: false, encoding: .utf8)
    let drift = try Verifier(host: host, stateDirectory: stateDirectory).verify()
    if rootCPUs.first != childCPU {
      #expect(
        drift.differences.first?.hasPrefix("\(child)/cpuset.cpus reads \"\(rootCPUs.first ?? 0)\"")
          == true,
        "\(drift.differences)")
    }
    try "\(childCPU)".write(toFile: child + "/cpuset.cpus", atomically: false, encoding: .utf8)

    // 4. A write the kernel refuses (CPUs that do not exist): real errno, full rollback.
    let sibling = parent + "/bad"
    let bad = plan(
      "kernel-bad",
      [
        CgroupOperation(op: .mkdir, path: sibling),
        CgroupOperation(op: .write, path: sibling + "/cpuset.mems", value: rootMems),
        CgroupOperation(op: .write, path: sibling + "/cpuset.cpus", value: "0-4095"),
      ])
    let inside = Self.listing(parent)
    let failed = try Applier(host: host, stateDirectory: stateDirectory).apply(bad)
    #expect(failed.outcome == .rolledBack)
    let failure = failed.failure ?? ""
    #expect(
      failure.hasPrefix("write \(sibling)/cpuset.cpus = \"0-4095\": ")
        && (failure.contains("ERANGE") || failure.contains("EINVAL")),
      "\(failure)")
    #expect(Self.listing(parent) == inside)
    #expect(Self.kernelRead(child + "/cpuset.cpus") == "\(childCPU)")

    // 4b. cgroup v1 has no partitions: the missing interface file is the
    // kernel's ENOENT, and nothing is created in its place.
    if !hierarchy.v2 {
      let partition = plan(
        "kernel-partition",
        [CgroupOperation(op: .write, path: child + "/cpuset.cpus.partition", value: "root")])
      let refused = try Applier(host: host, stateDirectory: stateDirectory).apply(partition)
      #expect(refused.outcome == .rolledBack)
      #expect(
        refused.failure
          == "write \(child)/cpuset.cpus.partition = \"root\": ENOENT (No such file or directory)")
      #expect(!FileManager.default.fileExists(atPath: child + "/cpuset.cpus.partition"))
    }

    // 5. Tear down: the hierarchy is as it was.
    let teardown = plan(
      "kernel-teardown",
      [CgroupOperation(op: .rmdir, path: child), CgroupOperation(op: .rmdir, path: parent)])
    let removed = try Applier(host: host, stateDirectory: stateDirectory).apply(teardown)
    #expect(removed.outcome == .applied, "\(removed.failure ?? "")")
    #expect(Self.listing(mount) == before)
    print(
      "real kernel: applied, read back, refused (\(failure.split(separator: ":").dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")), rolled back and removed \(parent) on \(hierarchy.v2 ? "cgroup v2" : "cgroup v1") cpuset"
    )
  }

  @Test func liveFingerprintOfThisMachineMatchesItself() {
    let check = FingerprintCheck(host: RootedHost(root: "/"))
    let live = check.live()
    guard let kernel = live.kernel, let online = live.online else {
      Issue.record("cannot read this machine's kernel release or online CPUs")
      return
    }
    var fingerprint = HostFingerprint(
      bootId: "another boot", kernelRelease: kernel, onlineCPUs: online,
      devices: live.devices ?? [], digest: "", machineId: live.machineID)
    #expect(check.changes(fingerprint) == [])
    fingerprint.onlineCPUs.insert(4000)
    #expect(
      check.changes(fingerprint) == [
        "online CPUs: planned \(fingerprint.onlineCPUs.cpulist), now \(online.cpulist) (4000 went offline)"
      ])
  }
}
