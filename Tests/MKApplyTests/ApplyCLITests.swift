import Foundation
import MKApply
import MKPlan
import MKTestSupport
import MKTopology
import Testing

/// Black-box tests of `mkpolicy apply`, `verify` and `recover` on a --root.
@Suite struct ApplyCLITests {
  static func golden(_ name: String) -> String {
    PackagePaths.path("Tests/MKApplyTests/Golden/\(name)")
  }

  @Test func dryRunPrintsEveryChangeAndWritesNothing() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let before = root.tree()
    let result = root.mkpolicy(["apply", "--plan", plan, "--dry-run"])
    #expect(result.status == 0)
    #expect(result.stderr == "")
    #expect(Golden.mismatch(actual: result.stdout, goldenPath: Self.golden("dry-run.txt")) == nil)
    #expect(root.tree() == before)
    #expect(!FileManager.default.fileExists(atPath: root.root + "/var/lib/mkpolicy"))
  }

  @Test func appliesVerifiesAndReappliesWithoutWrites() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let first = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.hasPrefix("applied: 21 change(s), 0 already in effect\n"))
    #expect(
      root.kerfInvocations == [
        "create vm1 --id=1 --cpus=6 --memory=1073741824", "load vm1 --kernel=/boot/vmlinuz-mk",
        "start vm1",
      ])
    let verify = root.mkpolicy(["verify"])
    #expect(verify.status == 0)
    #expect(
      verify.stdout
        == "note: 2 boot parameter(s) are staged and take effect after a reboot\nok: the host matches the applied plan of policy create (20 values checked)\n"
    )
    let state = root.tree()
    let again = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(again.status == 0)
    #expect(again.stdout == "nothing to do: all 21 step(s) already in effect; no writes made\n")
    #expect(root.tree() == state)
    #expect(root.kerfInvocations.count == 3)

    try root.put("/sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus", "4")
    try root.put("/proc/irq/24/smp_affinity_list", "0-7")
    let drift = root.mkpolicy(["verify"])
    #expect(drift.status == 2)
    #expect(
      drift.stdout
        == """
        note: 2 boot parameter(s) are staged and take effect after a reboot
        drift: 2 difference(s) from the applied plan of policy create:
        error[E522]: /sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus reads "4", wanted "4-5"
         = help: run `mkpolicy apply --last-applied` to reconcile the host with the applied plan

        error[E522]: /proc/irq/24/smp_affinity_list reads "0-7", wanted "0-1"
         = help: run `mkpolicy apply --last-applied` to reconcile the host with the applied plan

        2 errors

        """)
  }

  @Test func afterARebootVerifyChecksTheKernelCommandLine() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    #expect(root.mkpolicy(["apply", "--plan", plan, "--yes"]).status == 0)
    try root.put("/proc/sys/kernel/random/boot_id", "22222222-0000-0000-0000-000000000000\n")
    try root.put("/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro nohz_full=2-3\n")
    let result = root.mkpolicy(["verify"])
    #expect(result.status == 2)
    #expect(
      result.stdout.contains(
        "error[E522]: /proc/cmdline lacks the staged boot parameter rcu_nocbs=2-3 (rebooted since apply; check the bootloader)\n = help: check the bootloader entry mkpolicy staged"
      ))
  }

  @Test func stalePlanIsRefusedWithItsOwnExitCode() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    try root.put("/sys/devices/system/cpu/online", "0-5\n")
    try root.put("/proc/sys/kernel/random/boot_id", "33333333-0000-0000-0000-000000000000\n")
    let result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 3)
    #expect(
      result.stderr
        == """
        error[E503]: the plan from \(plan) is stale: it was made for another state of this host
         = note: online CPUs: planned 0-7, now 0-5 (6-7 went offline)
         = help: make a new plan on this host (`mkpolicy plan`) and review it

        1 error

        """)
    #expect(!FileManager.default.fileExists(atPath: root.root + "/var/lib/mkpolicy"))
  }

  @Test func aSecondConcurrentApplyFailsAtOnce() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    // This test process is alive and in this boot: a live holder.
    try root.put("/var/lib/mkpolicy/lock", "pid=\(getpid()) boot=\(Fixtures.fingerprint.bootId!)\n")
    let result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "error[E504]: another mkpolicy (pid \(getpid())) holds /var/lib/mkpolicy/lock\n"
        + " = help: wait for it to finish, or remove the file if that process is not mkpolicy\n\n1 error\n"
    )
    #expect(root.read("/sys/fs/cgroup/mkpolicy.slice/cpuset.cpus") == nil)
  }

  @Test func unreadableLiveValueStopsApplyBeforeAnyWrite() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.move, name: "move")
    let create = try root.savePlan(Fixtures.create, name: "create")
    #expect(root.mkpolicy(["apply", "--plan", create, "--yes"]).status == 0)
    // IRQ 25's file replaced by a directory: reading it fails with EISDIR,
    // which is not "absent": apply must not guess what it would restore.
    try FileManager.default.removeItem(atPath: root.root + "/proc/irq/25/smp_affinity_list")
    try FileManager.default.createDirectory(
      atPath: root.root + "/proc/irq/25/smp_affinity_list", withIntermediateDirectories: false)
    let before = root.tree()
    let result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "error[E520]: cannot read the live state: read /proc/irq/25/smp_affinity_list: EISDIR (Is a directory); nothing was written\n"
        + " = help: fix the cause (permissions, a file the kernel refuses to read) and apply again\n\n1 error\n"
    )
    #expect(root.tree() == before)
  }

  @Test func confirmationIsAskedUnlessYes() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let declined = root.mkpolicy(["apply", "--plan", plan], stdin: "n\n")
    #expect(declined.status == 1)
    #expect(
      declined.stderr
        == "apply these changes to \(root.root)? [y/N] aborted: nothing was written (pass --yes to skip this question)\n"
    )
    #expect(root.read("/sys/fs/cgroup/mkpolicy.slice/cpuset.cpus") == nil)
    let accepted = root.mkpolicy(["apply", "--plan", plan], stdin: "y\n")
    #expect(accepted.status == 0)
    #expect(root.read("/sys/fs/cgroup/mkpolicy.slice/cpuset.cpus") == "2-6")
  }

  @Test func usageErrors() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let none = root.mkpolicy(["apply"])
    #expect(none.status == 64)
    #expect(none.stderr.hasPrefix("Error: give a policy, --plan PLAN.json or --last-applied\n"))
    let noRecord = root.mkpolicy(["verify"])
    #expect(noRecord.status == 1)
    #expect(
      noRecord.stderr
        == "error[E512]: no applied plan is recorded (/var/lib/mkpolicy/applied.json does not exist)\n"
        + " = help: run `mkpolicy apply` first (or pass --state-dir where the record is)\n\n1 error\n"
    )
    let notAPlan = root.base + "/bad.json"
    try "{\"kind\": 1}".write(toFile: notAPlan, atomically: true, encoding: .utf8)
    let bad = root.mkpolicy(["apply", "--plan", notAPlan, "--yes"])
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("error[E420]: \(notAPlan): "))
    let missing = root.mkpolicy(["apply", "--plan", root.base + "/missing.json", "--yes"])
    #expect(missing.status == 1)
    #expect(
      missing.stderr
        == "error[E420]: \(root.base)/missing.json: cannot read the plan file (ENOENT: No such file or directory)\n"
        + " = help: pass a plan.json written by `mkpolicy plan --format json` or `--out DIR`\n\n1 error\n"
    )
  }
}

/// The whole pipeline: `mkpolicy apply POLICY --topology SNAPSHOT` compiles
/// with the front end, solver and planner, and applies to a --root whose
/// /proc and /sys say it is the snapshot's host.
@Suite struct ApplyPolicyCLITests {
  @Test func compilesAPolicyAndAppliesIt() throws {
    let snapshot = PackagePaths.path("Examples/topologies/xeon-spr-2s-snc4.yaml")
    let policy = PackagePaths.path("Policies/default.yaml")
    let topology = try #require(TopologySnapshot.read(path: snapshot).topology)
    let fingerprint = HostFingerprinter.fingerprint(topology)
    let root = try TestRoot.make()
    defer { root.remove() }
    try FileManager.default.removeItem(atPath: root.root + "/proc/sys/kernel/random/boot_id")
    try root.put("/proc/sys/kernel/osrelease", fingerprint.kernelRelease + "\n")
    try root.put("/sys/devices/system/cpu/online", fingerprint.onlineCPUs.cpulist + "\n")
    for device in fingerprint.devices {
      try FileManager.default.createDirectory(
        atPath: root.root + "/sys/bus/pci/devices/" + device, withIntermediateDirectories: true)
    }
    let dry = root.mkpolicy(["apply", policy, "--topology", snapshot, "--dry-run"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.hasPrefix("dry run: "))
    let applied = root.mkpolicy(["apply", policy, "--topology", snapshot, "--yes"])
    #expect(applied.status == 0, "\(applied.stderr)")
    #expect(applied.stdout.hasPrefix("applied: "))
    #expect(root.read("/sys/fs/cgroup/mkpolicy.slice/cpuset.mems") == "0-7")
    let verify = root.mkpolicy(["verify"])
    #expect(verify.status == 0, "\(verify.stdout)")
    let again = root.mkpolicy(["apply", policy, "--topology", snapshot, "--yes"])
    #expect(again.status == 0)
    #expect(again.stdout.hasPrefix("nothing to do: "))
    // The host changes: the saved plan is now stale.
    let plan = try root.savePlan(
      try #require(
        (try? JSONDecoder().decode(
          AppliedRecord.self,
          from: Data(contentsOf: URL(fileURLWithPath: root.root + "/var/lib/mkpolicy/applied.json"))
        ))?
        .plan), name: "saved")
    try root.put("/proc/sys/kernel/osrelease", "6.99.0\n")
    let stale = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(stale.status == 3)
    #expect(
      stale.stderr.contains(
        " = note: kernel release: planned for \(fingerprint.kernelRelease), running 6.99.0\n"))
  }
}
