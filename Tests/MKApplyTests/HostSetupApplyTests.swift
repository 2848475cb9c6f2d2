import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// Apply performing a plan's host setup: every tuning write, configuration
/// file, unit and command journaled, read back and rolled back; the
/// commands decided from the live host; the reboot marker the Debian way.
@Suite struct HostSetupApplyTests {
  static let wants = "/etc/systemd/system/multi-user.target.wants/"

  @Test func appliesEveryTuningWriteFileUnitAndCommand() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    let report = try Applier(host: host).apply(plan)
    #expect(report.outcome == .applied, "\(report.failure ?? "") \(report.notRestored)")
    // Tuning, read back through the registry's rule.
    #expect(try host.read("/sys/devices/virtual/workqueue/cpumask") == "83\n")
    #expect(try host.read("/proc/sys/kernel/sched_rt_runtime_us") == "-1\n")
    #expect(try host.read("/proc/sys/kernel/timer_migration") == "0\n")
    #expect(try host.read("/proc/sys/vm/stat_interval") == "10\n")
    #expect(try host.read("/sys/class/net/eth0/queues/tx-1/xps_cpus") == "00000008\n")
    #expect(
      try host.read("/sys/devices/system/cpu/cpu3/cpufreq/scaling_governor") == "performance\n")
    #expect(
      try host.read("/sys/devices/system/cpu/cpu2/power/pm_qos_resume_latency_us") == "n/a\n")
    // Files and units.
    #expect(try host.read(TuningEmitter.sysctlFile) == SetupFixtures.sysctlFile.content)
    for unit in SetupFixtures.sliceUnits { #expect(try host.read(unit.path) == unit.content) }
    // Commands, in order: channels before their queues' masks, the
    // regeneration and reload after their files, stalld after the reload.
    #expect(
      host.commands == [
        ["ethtool", "-L", "eth0", "combined", "2"], ["systemctl", "try-restart", "irqbalance"],
        ["update-grub"], ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", "mkpolicy-stalld.service"],
      ])
    let ethtool = try #require(host.mutations.firstIndex { $0.hasPrefix("run ethtool") })
    let xps = try #require(host.mutations.firstIndex { $0.contains("tx-1/xps_cpus") })
    #expect(ethtool < xps)
    // And before the IRQ moves: a driver spreads its queue vectors again
    // for the new count (virtio_net does, in the multiqueue-nic scenario).
    let irq = try #require(host.mutations.firstIndex { $0.contains("/proc/irq/24/") })
    #expect(ethtool < irq, "\(host.mutations)")
    #expect(try host.read("/boot/grub/grub.cfg").contains("nohz_full=2-3 rcu_nocbs=2-3"))
    #expect(host.kind(Self.wants + "mkpolicy-stalld.service") == .file)
    // The marker, keeping the package already there; the report says so.
    #expect(try host.read("/run/reboot-required") == RebootRequired.markerContent)
    #expect(
      try host.read("/run/reboot-required.pkgs") == "linux-image-6.1.0-28-amd64\nmkpolicy\n")
    let rendered = report.render().stdout
    #expect(
      rendered.contains(
        "reboot required (/run/reboot-required): what this plan stages takes effect at the next boot: add boot parameter nohz_full"
      ), "\(rendered)")

    // Again: nothing to do (every command was decided live), still pending a reboot.
    let again = try Applier(host: host).apply(plan)
    #expect(again.outcome == .nothingToDo, "\(again.changes.map(\.summary))")
    #expect(again.rebootRequired != nil)
    let verify = try Verifier(host: host).verify()
    #expect(verify.matches, "\(verify.differences)")
    #expect(verify.notes.contains { $0.contains("CPUAffinity=0-1,7 is staged") }, "\(verify.notes)")
  }

  /// What apply prints for the host setup, dry run then apply: every step
  /// in order, and the reboot line.
  @Test func reportsMatchTheGolden() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan(irqbalance: "stop")
    let dry = try Applier(host: host).apply(plan, dryRun: true).render().stdout
    let applied = try Applier(host: host).apply(plan).render().stdout
    let text = "$ mkpolicy apply --dry-run\n" + dry + "$ mkpolicy apply --yes\n" + applied
    let mismatch = Golden.mismatch(
      actual: text, goldenPath: PackagePaths.path("Tests/MKApplyTests/Golden/host-setup-apply.txt"))
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  @Test func stopDisablesIrqbalanceAndReadsItBack() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan(irqbalance: "stop")
    let report = try Applier(host: host).apply(plan)
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(host.commands.contains(["systemctl", "stop", "irqbalance"]))
    #expect(host.commands.contains(["systemctl", "disable", "irqbalance"]))
    #expect(host.kind(Self.wants + "irqbalance.service") == .missing)
    #expect(try ProcessProbe(host: host).running("irqbalance") == [])

    // A package upgrade enables it again: verify says it returns at boot,
    // and apply disables it again.
    host.seed(Self.wants + "irqbalance.service", "/lib/systemd/system/irqbalance.service\n")
    let drift = try Verifier(host: host).verify()
    #expect(drift.differences.contains { $0.contains("irqbalance is enabled") }, "\(drift)")
    let again = try Applier(host: host).apply(plan)
    #expect(again.changes.map(\.path) == ["irqbalance:disable"])
  }

  @Test func rollbackReenablesIrqbalanceAndRegeneratesGrubFromTheRestoredFile() throws {
    let host = SetupFixtures.host()
    let before = host.snapshot()
    // stalld's unit cannot start: everything before it is undone.
    host.commandResult = { argv in
      argv.contains("mkpolicy-stalld.service")
        ? CommandResult(status: 1, output: "Job failed\n") : CommandResult(status: 0, output: "")
    }
    let report = try Applier(host: host).apply(SetupFixtures.plan(irqbalance: "stop"))
    #expect(report.outcome == .rolledBack, "\(report.notRestored)")
    #expect(report.notRestored == [])
    #expect(host.snapshot() == before, "\(FaultInjectionTests.diff(host.snapshot(), before))")
    let ran = host.commands.map { $0.joined(separator: " ") }
    // The regeneration and the reload run once their files are restored, after everything else.
    #expect(Array(ran.suffix(2)) == ["update-grub", "systemctl daemon-reload"], "\(ran)")
    #expect(ran.contains("systemctl enable irqbalance"))
    #expect(ran.contains("ethtool -L eth0 combined 1"))
    #expect(
      report.restored.contains { $0.contains("rx-1/rps_cpus gone with") }, "\(report.restored)")
  }

  @Test func aFileTheHostLacksIsPendingAndAnAbsentNICIsNamedOnce() throws {
    let host = SetupFixtures.host()
    host.forget("/sys/devices/system/cpu/cpu3/cpufreq")
    host.forget("/sys/class/net/eth0")
    let report = try Applier(host: host).apply(SetupFixtures.plan())
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(
      report.pending.contains {
        $0.hasPrefix("/sys/devices/system/cpu/cpu3/cpufreq/scaling_governor does not exist")
      }, "\(report.pending)")
    #expect(report.pending.filter { $0.contains("eth0") }.count == 1, "\(report.pending)")
    #expect(!host.commands.contains { $0.first == "ethtool" })
  }

  @Test func aGovernorTheDriverDoesNotOfferFailsAndRollsBack() throws {
    let host = SetupFixtures.host()
    // intel_pstate in active mode.
    host.seed(
      "/sys/devices/system/cpu/cpu2/cpufreq/scaling_available_governors", "performance powersave\n")
    host.seed("/sys/devices/system/cpu/cpu2/cpufreq/scaling_governor", "powersave")
    var plan = SetupFixtures.plan()
    plan.hostSetup!.kernelWrites[8] = SetupFixtures.kernel(
      KernelInterfaces.scalingGovernor, ["2"], "schedutil")
    let before = host.snapshot()
    let report = try Applier(host: host).apply(plan)
    #expect(report.outcome == .rolledBack)
    #expect(report.failure?.contains("scaling_governor") == true, "\(report.failure ?? "")")
    #expect(host.snapshot() == before, "\(FaultInjectionTests.diff(host.snapshot(), before))")
  }

  @Test func aHandEditedTuningIsDriftAndApplyPutsItBack() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    _ = try Applier(host: host).apply(plan)
    try host.write("/proc/sys/kernel/timer_migration", "1")
    try host.write("/sys/class/net/eth0/queues/tx-0/xps_cpus", "ff")
    let drift = try Verifier(host: host).verify()
    #expect(drift.differences.count == 2, "\(drift.differences)")
    let again = try Applier(host: host).apply(plan)
    #expect(
      again.changes.map(\.path).sorted() == [
        "/proc/sys/kernel/timer_migration", "/sys/class/net/eth0/queues/tx-0/xps_cpus",
      ])
    // A changed file brings its command back: the drop-in, then update-grub.
    try host.replaceAtomically(SetupFixtures.grubFile, "# emptied by hand\n")
    let third = try Applier(host: host).apply(plan)
    #expect(third.changes.map(\.path) == [SetupFixtures.grubFile, "boot:update-grub"])
  }

  @Test func afterARebootIntoTheStagedParametersNoMarkerIsWritten() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    _ = try Applier(host: host).apply(plan)
    host.reboot(bootID: "22222222-2222-3333-4444-555555555555")
    host.forget("/run")
    host.seed("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz ro quiet nohz_full=2-3 rcu_nocbs=2-3\n")
    host.seed("/proc/1/status", "Cpus_allowed_list:\t0-1,7\n")
    let report = try Applier(host: host).apply(plan)
    #expect(report.succeeded, "\(report.failure ?? "")")
    #expect(host.kind(RebootRequired.markerPath) == .missing)
    #expect(report.rebootRequired == nil)
    let verify = try Verifier(host: host).verify()
    #expect(verify.matches, "\(verify.differences)")
    #expect(verify.notes.contains { $0.contains("CPUAffinity=0-1,7 in effect") }, "\(verify.notes)")
  }

  @Test func theGuardRefusesSetupPathsAndContentOutsideTheRegistry() throws {
    var plan = SetupFixtures.plan()
    plan.hostSetup!.kernelWrites.append(
      KernelWrite(
        path: "/proc/sys/kernel/core_pattern", value: "|/tmp/x", interface: "x",
        provenance: Provenance()))
    plan.hostSetup!.kernelWrites.append(
      KernelWrite(
        path: "/proc/sys/vm/stat_interval", value: "0", interface: "sysctl:vm.stat_interval",
        provenance: Provenance()))
    plan.hostSetup!.files.append(
      FileWrite(path: "/etc/systemd/system/ssh.service", content: "[Service]\n"))
    plan.systemdUnits.append(
      FileWrite(
        path: "/etc/systemd/system/mkpolicy-x.service",
        content: "[Service]\nExecStart=/bin/sh -c reboot\n"))
    plan.hostSetup!.files.append(
      FileWrite(path: TuningEmitter.sysctlFile, content: "kernel.core_pattern = |/tmp/x\n"))
    plan.hostSetup!.commands.append(
      SetupFixtures.command(
        "x", .unitEnable, ["systemctl", "enable", "--now", "ssh.service"], .inverse))
    let host = SetupFixtures.host()
    let before = host.snapshot()
    do {
      _ = try Applier(host: host).apply(plan)
      Issue.record("applied a plan with paths outside the registry")
    } catch {
      let text = "\(error)"
      for needle in [
        "core_pattern", "vm.stat_interval", "ssh.service\": apply installs only its own units",
        "an ExecStart= that is not stalld's", "a line that is not a sysctl mkpolicy sets",
        "systemctl runs only as",
      ] {
        #expect(text.contains(needle), "\(needle) not in \(text)")
      }
    }
    #expect(host.snapshot() == before)
  }

  @Test func aPlantedPriorUnitInTheJournalIsRefused() throws {
    let host = SetupFixtures.host()
    let plan = SetupFixtures.plan()
    // Crash after the first write, leaving a journal.
    let crash = ReconcileFaultTests.Crash(host, at: 2)
    _ = try? Applier(host: crash).apply(plan)
    host.processID = 5000
    host.livePIDs = [5000]
    let path = "/var/lib/mkpolicy/journal.json"
    var journal = try StateStore(host: host).loadJournal()!
    let index = try #require(
      journal.entries.firstIndex { $0.step.path == "/etc/systemd/system/mkpolicy-db.slice" })
    journal.entries[index].prior = PriorValue(
      exists: true, value: "[Service]\nExecStartPre=/bin/sh -c 'curl x | sh'\n")
    try host.replaceAtomically(path, StateStore.encode(journal))
    #expect(throws: ApplyRefusal.self) { try Applier(host: host).recover(complete: false) }
    #expect(host.kind("/etc/systemd/system/mkpolicy-db.slice") == .missing)
  }

  /// Every fault at every write point: fully applied or fully rolled back.
  @Test(arguments: ["ban", "stop"])
  func everyFaultAtEveryWritePoint(_ irqbalance: String) throws {
    let plan = SetupFixtures.plan(irqbalance: irqbalance)
    let reference = SetupFixtures.host()
    let counter = FaultyHost(reference, faultAt: nil, fault: .shortWrite)
    let clean = try Applier(host: counter).apply(plan)
    #expect(clean.outcome == .applied, "\(clean.failure ?? "")")
    let applied = reference.snapshot()
    let points = counter.mutatingOperations
    #expect(points >= 30, "\(points) write points")
    var outcomes: [String: Int] = [:]
    for point in 1...points {
      for fault in Fault.all {
        let host = SetupFixtures.host()
        let before = host.snapshot()
        let faulty = FaultyHost(host, faultAt: point, fault: fault)
        let label =
          "\(irqbalance): \(fault) at write point \(point) \(faulty.injectedAt.map { "\($0)" } ?? "")"
        let report: ApplyReport
        do { report = try Applier(host: faulty).apply(plan) } catch {
          // Refused before the first change (the journal could not be written).
          outcomes["refused", default: 0] += 1
          #expect(host.snapshot() == before, "\(label): refused but changed the host")
          continue
        }
        outcomes[report.outcome.rawValue, default: 0] += 1
        switch report.outcome {
        case .applied:
          #expect(
            host.snapshot() == applied,
            "\(label): \(FaultInjectionTests.diff(host.snapshot(), applied))")
        case .rolledBack:
          #expect(
            host.snapshot() == before,
            "\(label): \(FaultInjectionTests.diff(host.snapshot(), before)) \(report.notRestored)")
          #expect(report.failure != nil)
        default:
          Issue.record("\(label): ended \(report.outcome.rawValue): \(report.notRestored)")
        }
      }
    }
    print(
      "host setup faults (\(irqbalance)): \(points) write points x \(Fault.all.count): \(outcomes)")
  }

  /// Killed before every write point: applying again converges on the
  /// fault-free result, and rolling back restores the host.
  @Test func killAtEveryWritePointThenApplyOrRollBack() throws {
    let plan = SetupFixtures.plan(irqbalance: "stop")
    let reference = SetupFixtures.host()
    let counter = FaultyHost(reference, faultAt: nil, fault: .shortWrite)
    _ = try Applier(host: counter).apply(plan)
    let target = reference.snapshot()
    for point in 1...counter.mutatingOperations {
      let host = SetupFixtures.host()
      let before = host.snapshot()
      let crash = ReconcileFaultTests.Crash(host, at: point)
      _ = try? Applier(host: crash).apply(plan)
      host.processID = 5000
      host.livePIDs = [5000]
      let other = host.clone()
      let again = try Applier(host: host).apply(plan)
      #expect(again.succeeded && again.failure == nil, "killed at \(point): \(again.failure ?? "")")
      #expect(
        host.snapshot() == target,
        "killed at \(point), apply again: \(FaultInjectionTests.diff(host.snapshot(), target))")
      if other.kind("/var/lib/mkpolicy/journal.json") != .missing {
        let back = try Applier(host: other).recover(complete: false)
        #expect(back.notRestored == [], "killed at \(point), rollback")
        #expect(
          other.snapshot() == before,
          "killed at \(point), rollback: \(FaultInjectionTests.diff(other.snapshot(), before))")
      }
    }
  }

  /// sysfs reaches a NIC's queues only through `/sys/class/net/DEV`, a link
  /// the kernel makes: `RootedHost` follows that one link when it leads to
  /// `/sys/devices/.../net/DEV` inside the root, and no other.
  @Test func rootedHostFollowsOnlyTheKernelsNetClassLink() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mkpolicy-netclass-\(UUID().uuidString)"
    ).path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let queue = root + "/sys/devices/pci0000:00/0000:00:03.0/virtio0/net/eth0/queues/rx-0"
    try FileManager.default.createDirectory(atPath: queue, withIntermediateDirectories: true)
    try "00\n".write(toFile: queue + "/rps_cpus", atomically: false, encoding: .utf8)
    try FileManager.default.createDirectory(
      atPath: root + "/sys/class/net", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: root + "/sys/class/net/eth0",
      withDestinationPath: "../../devices/pci0000:00/0000:00:03.0/virtio0/net/eth0")
    try FileManager.default.createDirectory(
      atPath: root + "/etc", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: root + "/sys/class/net/evil", withDestinationPath: "../../../etc")
    let host = RootedHost(root: root)
    let path = "/sys/class/net/eth0/queues/rx-0/rps_cpus"
    #expect(try host.read(path) == "00\n")
    #expect(host.kind("/sys/class/net/eth0") == .directory)
    #expect(try host.list("/sys/class/net/eth0/queues") == ["rx-0"])
    try host.write(path, "4")
    #expect(try String(contentsOfFile: queue + "/rps_cpus", encoding: .utf8) == "4")
    // A link that does not lead to a device's net directory is not followed.
    #expect(throws: HostIOError.self) { try host.read("/sys/class/net/evil/passwd") }
    #expect(host.kind("/sys/class/net/evil") != .directory)
  }
}
