import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology
import Testing

/// The host setup of a plan: tuning by latency class, host-wide values
/// where the strictest wins, NIC queues matched to IRQ CPUs, and the
/// commands that make staged files take effect.
@Suite struct HostSetupTests {
  static func setup(_ plan: Plan) -> HostSetup { plan.hostSetup ?? HostSetup() }

  static func value(_ plan: Plan, _ path: String) -> String? {
    setup(plan).kernelWrites.first { $0.path == path }?.value
  }

  @Test func realtimeDefaults() throws {
    let plan = PlanFixture.plan()
    let feed = try #require(plan.assignments.first { $0.workload == "md-feed" })
    let setup = Self.setup(plan)
    for cpu in feed.cpus {
      #expect(
        Self.value(plan, "/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor")
          == "performance")
      #expect(
        Self.value(plan, "/sys/devices/system/cpu/cpu\(cpu)/power/pm_qos_resume_latency_us")
          == "1")
    }
    // Per-CPU settings never touch CPUs outside the partition.
    let tunedCPUs = setup.kernelWrites.filter { $0.path.hasPrefix("/sys/devices/system/cpu/cpu") }
      .compactMap { Int($0.path.split(separator: "/")[4].dropFirst(3)) }
    #expect(CPUSet(tunedCPUs) == feed.cpus)
    // Workqueues: online minus the partition, the kernel instance and idle CPUs.
    let router = try #require(plan.assignments.first { $0.workload == "order-router" })
    let mask = try #require(Self.value(plan, KernelInterfaces.workqueueCPUMask.path()))
    let expected = PlanFixture.topology().onlineCPUs.subtracting(feed.cpus).subtracting(router.cpus)
      .subtracting(plan.idle ?? [])
    #expect(KernelInterface.parseHexMask(mask) == expected)
    #expect(Self.value(plan, "/proc/sys/kernel/timer_migration") == "0")
    #expect(Self.value(plan, "/proc/sys/vm/stat_interval") == "10")
    #expect(Self.value(plan, "/proc/sys/kernel/sched_rt_runtime_us") == nil)
    let sysctl = try #require(setup.files.first { $0.path == TuningEmitter.sysctlFile })
    #expect(sysctl.content.contains("\nkernel.timer_migration = 0\n"))
    let manager = try #require(setup.files.first { $0.path == TuningEmitter.systemManagerFile })
    #expect(manager.content.contains("\nCPUAffinity=\(expected.cpulist)\n"))
    // One channel per IRQ CPU, then RPS off and XPS per queue.
    let nic = try #require(setup.commands.first { $0.kind == .nicChannels })
    #expect(nic.argv == ["ethtool", "-L", nic.argv[2], "combined", "\(feed.irqCPUs.count)"])
    #expect(Self.value(plan, "/sys/class/net/\(nic.argv[2])/queues/rx-0/rps_cpus") == "0")
    #expect(
      Self.value(plan, "/sys/class/net/\(nic.argv[2])/queues/tx-0/xps_cpus")
        == CPUSet([feed.irqCPUs.first!]).hexMask)
    #expect(setup.rebootRequired != nil)
    #expect(setup.commands.contains { $0.argv == ["update-grub"] && $0.rollback == .rerun })
  }

  @Test func strictestHostWideValueWinsAndKeepWritesNothing() throws {
    var feed = PlanFixture.feed
    feed.tuning = Tuning(statInterval: .seconds(5))
    var other = PlanFixture.analytics
    other.isolation = .partition
    other.latency = .low
    other.tuning = Tuning(
      workqueues: .keep, systemServices: .keep, governor: .keep, idle: .keep,
      rtThrottling: .off, timerMigration: .keep, statInterval: .seconds(120))
    other.fieldLocations["tuning.statInterval"] = PlanFixture.at(60, 7)
    let policy = PlanFixture.policy(workloads: [PlanFixture.router, feed, other])
    let plan = PlanFixture.plan(policy: policy)
    #expect(Self.value(plan, "/proc/sys/vm/stat_interval") == "120")
    #expect(
      Self.setup(plan).kernelWrites.first { $0.path == "/proc/sys/vm/stat_interval" }?.provenance
        == Provenance(workload: "analytics", source: "fixture/policy.yaml:60:7"))
    #expect(Self.value(plan, "/proc/sys/kernel/sched_rt_runtime_us") == "-1")
    // Both take the default hung-task limit (600 s); 0 (never report) would win.
    #expect(Self.value(plan, "/proc/sys/kernel/hung_task_timeout_secs") == "600")
    var never = other
    never.tuning?.hungTaskTimeout = .seconds(0)
    let quiet = PlanFixture.plan(
      policy: PlanFixture.policy(workloads: [PlanFixture.router, feed, never]))
    #expect(Self.value(quiet, "/proc/sys/kernel/hung_task_timeout_secs") == "0")
    let analytics = try #require(plan.assignments.first { $0.workload == "analytics" })
    for cpu in analytics.cpus {
      #expect(Self.value(plan, "/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor") == nil)
    }
    // analytics keeps workqueues: its CPUs stay in the mask.
    let mask = try #require(Self.value(plan, KernelInterfaces.workqueueCPUMask.path()))
    #expect(analytics.cpus.isSubset(of: KernelInterface.parseHexMask(mask) ?? []))
  }

  @Test func nothingTunedWithoutPartitions() {
    let policy = PlanFixture.policy(
      irqbalance: .keep, workloads: [PlanFixture.router, PlanFixture.analytics])
    let plan = PlanFixture.plan(policy: policy)
    #expect(Self.setup(plan).kernelWrites.isEmpty)
    #expect(Self.setup(plan).files.isEmpty)
  }

  @Test func commandsFollowTheirStagedFiles() throws {
    let topology = PlanFixture.topology()
    let stop = PlanFixture.plan(policy: PlanFixture.policy(irqbalance: .stop))
    let disable = try #require(Self.setup(stop).commands.first { $0.kind == .irqbalanceDisable })
    #expect(disable.argv == ["systemctl", "disable", "irqbalance"])
    #expect(disable.undo == ["systemctl", "enable", "irqbalance"] && disable.rollback == .inverse)
    let ban = PlanFixture.plan(policy: PlanFixture.policy(irqbalance: .ban))
    let restart = try #require(Self.setup(ban).commands.first { $0.kind == .irqbalanceRestart })
    #expect(restart.triggers == [IRQAffinityEmitter.irqbalanceConfig])
    #expect(!Self.setup(ban).commands.contains { $0.kind == .irqbalanceDisable })
    let install = PlanFixture.plan(
      topology: topology, policy: PlanFixture.policy(bootloader: .kernelInstall))
    let regenerate = try #require(
      Self.setup(install).commands.first { $0.kind == .bootloaderRegeneration })
    #expect(
      regenerate.argv == ["kernel-install", "add", "6.8.0", "/usr/lib/modules/6.8.0/vmlinuz"])
    #expect(regenerate.triggers == [BootStagingEmitter.kernelCmdlinePath])
    let grubby = PlanFixture.plan(policy: PlanFixture.policy(bootloader: .grubby))
    #expect(!Self.setup(grubby).commands.contains { $0.kind == .bootloaderRegeneration })
  }

  /// Re-planned unchanged: no reboot is asked for again, nothing listed.
  @Test func samePlanAgainstItselfChangesNothing() {
    let first = PlanFixture.plan()
    let again = PlanFixture.plan(previous: first)
    #expect(again.hostSetup?.rebootRequired == nil)
    #expect(!again.changes.live.contains { $0.summary.hasPrefix("sysctl") })
    #expect(!again.changes.live.contains { $0.summary.contains("governor") })
  }
}
