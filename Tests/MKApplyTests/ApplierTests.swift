import MKApply
import MKCore
import MKPlan
import Testing

@Suite struct ApplierTests {
  @Test func appliesTheSequenceAndReadsEveryValueBack() throws {
    let host = Fixtures.baseHost()
    for (name, plan) in Fixtures.sequence {
      let report = try Applier(host: host).apply(plan)
      #expect(report.outcome == .applied, "\(name): \(report.failure ?? "")")
      #expect(report.failure == nil)
      let verify = try Verifier(host: host).verify()
      #expect(verify.differences == [], "\(name)")
    }
    #expect(host.kind(Fixtures.parent) == .missing)
    #expect(host.commands.map { $0[1] } == ["create", "load", "start", "kill", "unload", "delete"])
  }

  @Test func pageRoundedMemoryReadsBackAsApplied() throws {
    let host = Fixtures.baseHost()
    _ = try Applier(host: host).apply(Fixtures.create)
    #expect(try host.read(Fixtures.parent + "/web/memory.max") == "1073741824\n")
    #expect(try host.read(Fixtures.parent + "/db/cpuset.cpus.partition") == "isolated\n")
    #expect(try Verifier(host: host).verify().differences == [])
  }

  @Test func secondApplyOfTheSamePlanMakesZeroWrites() throws {
    let host = Fixtures.baseHost()
    _ = try Applier(host: host).apply(Fixtures.create)
    host.clearMutations()
    let again = try Applier(host: host).apply(Fixtures.create)
    #expect(again.outcome == .nothingToDo)
    #expect(again.changes == [])
    #expect(host.mutations == [])
    #expect(host.commands.count == 3)
  }

  @Test func dryRunListsEveryChangeAndMakesNone() throws {
    let host = Fixtures.baseHost()
    let report = try Applier(host: host).apply(Fixtures.move, dryRun: true)
    #expect(report.outcome == .dryRun)
    #expect(host.mutations == [])
    let fresh = Fixtures.host(before: 2)
    let moved = try Applier(host: fresh).apply(Fixtures.move, dryRun: true)
    #expect(
      moved.changes.map(\.summary) == [
        "write   /sys/fs/cgroup/mkpolicy.slice/db/cpuset.cpus = \"2\"",
        "write   /sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus = \"3-7\"",
        "irq     /proc/irq/25/smp_affinity_list = \"0\"",
      ])
    #expect(fresh.mutations == [])
  }

  @Test func invalidPartitionIsAFailureWithTheKernelsReason() throws {
    let host = Fixtures.baseHost()
    let before = host.snapshot()
    let plan = Fixtures.plan(
      "bad",
      [
        Fixtures.mkdir(""), Fixtures.write("/cpuset.cpus", "2-5"), Fixtures.mkdir("/a"),
        Fixtures.write("/a/cpuset.cpus", "2-3"), Fixtures.write("/a/cpuset.cpus.partition", "root"),
      ])
    let report = try Applier(host: host).apply(plan)
    #expect(report.outcome == .rolledBack)
    #expect(
      report.failure
        == "write /sys/fs/cgroup/mkpolicy.slice/a/cpuset.cpus.partition = \"root\": read-back mismatch (the call succeeded, the effect is missing): /sys/fs/cgroup/mkpolicy.slice/a/cpuset.cpus.partition reads \"root invalid (Parent is not a partition root)\": the kernel refused the partition"
    )
    #expect(host.snapshot() == before)
    #expect(
      report.restored == [
        "/sys/fs/cgroup/mkpolicy.slice/a removed (did not exist)",
        "/sys/fs/cgroup/mkpolicy.slice removed (did not exist)",
      ])
  }

  /// Seen on a real 6.1 kernel (e2e kernel-says-no): the kernel accepts a
  /// parent's cpuset.cpus over a neighbouring partition's CPUs and turns
  /// that partition invalid for good. Apply refuses before any write.
  @Test func cpusHeldByAForeignPartitionAreRefusedBeforeWriting() throws {
    let host = Fixtures.baseHost()
    try host.makeDirectory("/sys/fs/cgroup/intruder")
    try host.write("/sys/fs/cgroup/intruder/cpuset.cpus", "6-7")
    try host.write("/sys/fs/cgroup/intruder/cpuset.cpus.partition", "root")
    host.clearMutations()
    #expect(throws: ApplyRefusal.self) { try Applier(host: host).apply(Fixtures.create) }
    do {
      _ = try Applier(host: host).apply(Fixtures.create)
    } catch {
      #expect(
        error.description == """
          refusing to apply: the plan touches what apply must not
            write "/sys/fs/cgroup/mkpolicy.slice/cpuset.cpus" = "2-6": CPUs 6 are held by the root partition /sys/fs/cgroup/intruder, which the kernel would turn invalid; give them up there or plan without them
          help: fix the policy or plan; nothing was written
          """)
    }
    #expect(host.mutations == [])
  }

  @Test func irqThatDoesNotMoveIsAFailure() throws {
    let host = Fixtures.host(before: 2)
    host.stuckIRQs = [25]
    let before = host.snapshot()
    let report = try Applier(host: host).apply(Fixtures.move)
    #expect(report.outcome == .rolledBack)
    #expect(
      report.failure
        == "irq /proc/irq/25/smp_affinity_list = \"0\": read-back mismatch (the call succeeded, the effect is missing): /proc/irq/25/smp_affinity_list reads \"0-1\", wanted \"0\""
    )
    #expect(host.snapshot() == before)
  }

  @Test func managedIRQReportsErrnoAndRollsBack() throws {
    let host = Fixtures.host(before: 2)
    host.managedIRQs = [25]
    let before = host.snapshot()
    let report = try Applier(host: host).apply(Fixtures.move)
    #expect(
      report.failure == "write /proc/irq/25/smp_affinity_list = \"0\": EIO (Input/output error)")
    #expect(report.outcome == .rolledBack)
    #expect(host.snapshot() == before)
    #expect(
      report.restored == [
        "/sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus = \"4-7\"",
        "/sys/fs/cgroup/mkpolicy.slice/db/cpuset.cpus = \"2-3\"",
      ])
  }

  @Test func noRollbackLeavesTheHostAndTheJournal() throws {
    let host = Fixtures.host(before: 2)
    host.managedIRQs = [25]
    let report = try Applier(host: host).apply(Fixtures.move, rollback: false)
    #expect(report.outcome == .leftAsIs)
    #expect(try host.read(Fixtures.parent + "/web/cpuset.cpus") == "3-7\n")
    #expect(host.kind("/var/lib/mkpolicy/journal.json") == .file)
    #expect(host.kind("/var/lib/mkpolicy/lock") == .missing)
    let text = report.render().stderr
    #expect(text.contains("--no-rollback: the host is left as is; the journal is kept"))
    host.managedIRQs = []
    let recovered = try Applier(host: host).recover(complete: false)
    #expect(recovered.outcome == .rolledBack)
    #expect(try host.read(Fixtures.parent + "/web/cpuset.cpus") == "4-7\n")
    #expect(try host.read(Fixtures.parent + "/db/cpuset.cpus") == "2-3\n")
    #expect(host.kind("/var/lib/mkpolicy/journal.json") == .missing)
  }

  @Test func liveLockMakesASecondApplyFailAtOnce() throws {
    let host = Fixtures.baseHost()
    host.seed("/var/lib/mkpolicy/lock", "pid=777 boot=\(Fixtures.fingerprint.bootId!)\n")
    host.livePIDs.insert(777)
    #expect {
      _ = try Applier(host: host).apply(Fixtures.create)
    } throws: { error in
      "\(error)"
        == "another mkpolicy (pid 777) holds /var/lib/mkpolicy/lock; wait for it to finish, or remove the file if that process is not mkpolicy"
    }
    #expect(host.mutations == [])
  }

  @Test func staleLocksAreDetected() throws {
    for (content, reason) in [
      ("pid=778 boot=\(Fixtures.fingerprint.bootId!)\n", "its process 778 is gone"),
      ("pid=4242 boot=other-boot\n", "it was taken in another boot (other-boot)"),
    ] {
      let host = Fixtures.baseHost()
      host.seed("/var/lib/mkpolicy/lock", content)
      let report = try Applier(host: host).apply(Fixtures.create)
      #expect(report.outcome == .applied)
      #expect(report.notes == ["removed a stale lock /var/lib/mkpolicy/lock: \(reason)"])
    }
  }

  @Test func verifyListsDriftAfterNormalising() throws {
    let host = Fixtures.baseHost()
    _ = try Applier(host: host).apply(Fixtures.create)
    host.seed(Fixtures.parent + "/db/cpuset.cpus", "2-3")  // same set, other form: no drift
    #expect(try Verifier(host: host).verify().differences == [])
    host.seed(Fixtures.parent + "/web/cpuset.cpus", "4")
    host.seed("/proc/irq/24/smp_affinity_list", "0-7")
    let report = try Verifier(host: host).verify()
    #expect(
      report.differences == [
        "/sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus reads \"4\", wanted \"4-5\"",
        "/proc/irq/24/smp_affinity_list reads \"0-7\", wanted \"0-1\"",
      ])
    #expect(report.notes == ["2 boot parameter(s) are staged and take effect after a reboot"])
  }

  @Test func verifyChecksProcCmdlineAfterAReboot() throws {
    let host = Fixtures.baseHost()
    _ = try Applier(host: host).apply(Fixtures.create)
    host.seed("/proc/sys/kernel/random/boot_id", "99999999-0000-0000-0000-000000000000\n")
    host.seed("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda1 nohz_full=2-3\n")
    let report = try Verifier(host: host).verify()
    #expect(
      report.differences == [
        "/proc/cmdline lacks the staged boot parameter rcu_nocbs=2-3 (rebooted since apply; check the bootloader)"
      ])
    host.seed("/proc/cmdline", "root=/dev/vda1 nohz_full=2-3 rcu_nocbs=2-3\n")
    #expect(try Verifier(host: host).verify().differences == [])
  }

  @Test func unsafePlansAreRefusedBeforeAnyWrite() throws {
    let host = Fixtures.baseHost()
    var plan = Fixtures.plan(
      "escape",
      [CgroupOperation(op: .write, path: "/sys/fs/cgroup/system.slice/cpuset.cpus", value: "0")])
    #expect {
      _ = try Applier(host: host).apply(plan)
    } throws: { error in
      "\(error)"
        == "refusing to apply: the plan touches what apply must not\n  write \"/sys/fs/cgroup/system.slice/cpuset.cpus\": outside the cgroup parent /sys/fs/cgroup/mkpolicy.slice\nhelp: fix the policy or plan; nothing was written"
    }
    plan.cgroupParentPath = "/sys/fs/cgroup/kubepods.slice/mk"
    plan.cgroupWrites = [CgroupOperation(op: .mkdir, path: "/sys/fs/cgroup/kubepods.slice/mk")]
    #expect(throws: ApplyRefusal.self) { _ = try Applier(host: host).apply(plan) }
    plan.allowForeignCgroups = true
    host.seedDirectory("/sys/fs/cgroup/kubepods.slice")
    #expect(try Applier(host: host).apply(plan).outcome == .applied)
    #expect(host.mutations.contains("mkdir /sys/fs/cgroup/kubepods.slice/mk"))
  }

  @Test func interfaceFileNamesAreRejectedAsCgroupNames() {
    #expect(
      PathGuard.cgroupNameProblem("cpu.max")
        == "cgroup name \"cpu.max\" collides with the cpu.* interface files")
    #expect(
      PathGuard.cgroupNameProblem("tasks")
        == "cgroup name \"tasks\" collides with an interface file")
    #expect(PathGuard.cgroupNameProblem("..") != nil)
    #expect(PathGuard.cgroupNameProblem("db") == nil)
    #expect(PathGuard.cgroupNameProblem("mkpolicy.slice") == nil)
  }

  @Test func staleFingerprintSaysWhatChanged() {
    let host = Fixtures.baseHost()
    #expect(FingerprintCheck(host: host).changes(Fixtures.fingerprint) == [])
    host.seed("/sys/devices/system/cpu/online", "0-5\n")
    host.seed("/proc/sys/kernel/osrelease", "6.9.0\n")
    #expect(
      FingerprintCheck(host: host).changes(Fixtures.fingerprint) == [
        "kernel release: planned for 6.8.0-test, running 6.9.0",
        "online CPUs: planned 0-7, now 0-5 (6-7 went offline)",
      ])
  }

  /// A plan binds to the machine, not to the boot: another boot id is fine,
  /// another machine id or fewer CPUs in the hardware is not.
  @Test func aPlanSurvivesAnotherBootButNotAnotherMachine() {
    let host = Fixtures.baseHost()
    host.seed("/etc/machine-id", "0123456789abcdef0123456789abcdef\n")
    host.seed("/sys/devices/system/cpu/possible", "0-7\n")
    var fingerprint = Fixtures.fingerprint
    fingerprint.bootId = "another-boot"
    fingerprint.machineId = "0123456789abcdef0123456789abcdef"
    fingerprint.cpus = CPUSet(range: 0...7)
    #expect(FingerprintCheck(host: host).changes(fingerprint) == [])
    fingerprint.machineId = "fedcba9876543210fedcba9876543210"
    fingerprint.cpus = CPUSet(range: 0...15)
    #expect(
      FingerprintCheck(host: host).changes(fingerprint) == [
        "machine id: the plan was made on machine fedcba9876543210fedcba9876543210, this is 0123456789abcdef0123456789abcdef",
        "CPUs: the plan's hardware has CPUs 0-15, this machine 0-7",
      ])
  }
}

@Suite struct IRQBalanceStopTests {
  @Test func stopModeStopsIrqbalanceBeforeIRQsAndStartsItOnRollback() throws {
    let host = Fixtures.host(before: 2)
    host.startDaemon("irqbalance", pid: 900)
    var plan = Fixtures.move
    plan.irqbalanceMode = "stop"
    #expect(
      plan.applySteps.map(\.kind) == [.write, .write, .command, .irq])
    let report = try Applier(host: host).apply(plan)
    #expect(report.outcome == .applied)
    #expect(host.commands.last == ["systemctl", "stop", "irqbalance"])
    let failing = Fixtures.host(before: 2)
    failing.startDaemon("irqbalance", pid: 900)
    failing.managedIRQs = [25]
    let rolled = try Applier(host: failing).apply(plan)
    #expect(rolled.outcome == .rolledBack)
    #expect(
      failing.commands.suffix(2) == [
        ["systemctl", "stop", "irqbalance"], ["systemctl", "start", "irqbalance"],
      ])
  }
}
