import MKApply
import MKCore
import MKPlan

/// A plan with a host setup (tuning writes, sysctl and system.conf drop-ins,
/// systemd units, NIC channels, irqbalance, update-grub, stalld, the
/// reboot marker) on top of `Fixtures.create`'s cgroups, and a host that
/// has what it touches: the tuning files with their defaults, a NIC with
/// one channel of eight, cpufreq on CPUs 2-3, a running and enabled
/// irqbalance, a GRUB configuration generated without mkpolicy's drop-in.
enum SetupFixtures {
  static let grubFile = "/etc/default/grub.d/90-mkpolicy.cfg"
  static let sliceUnits = [
    FileWrite(
      path: "/etc/systemd/system/mkpolicy.slice",
      content:
        "# Written by mkpolicy: parent.\n[Unit]\nDescription=mkpolicy workloads\n\n[Slice]\nAllowedCPUs=2-6\n"
    ),
    FileWrite(
      path: "/etc/systemd/system/mkpolicy-db.slice",
      content:
        "# Written by mkpolicy: workload db.\n[Unit]\nDescription=mkpolicy workload db\n\n[Slice]\nAllowedCPUs=2-3\nAllowedMemoryNodes=0\n"
    ),
    FileWrite(
      path: "/etc/systemd/system/feed.service.d/50-mkpolicy.conf",
      content: "[Service]\nSlice=mkpolicy-db.slice\nCPUAffinity=2-3\nDelegate=yes\n"),
    FileWrite(
      path: "/etc/systemd/system/mkpolicy-stalld.service",
      content:
        "[Unit]\nDescription=stalld\n\n[Service]\nType=simple\nExecStart=/usr/bin/stalld --foreground --cpu 2-3\nCPUAffinity=0-1,7\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n"
    ),
  ]

  static let sysctlFile = FileWrite(
    path: TuningEmitter.sysctlFile,
    content:
      "# Written by mkpolicy.\nkernel.sched_rt_runtime_us = -1\nkernel.timer_migration = 0\nvm.stat_interval = 10\n"
  )
  static let systemConf = FileWrite(
    path: TuningEmitter.systemManagerFile, content: "[Manager]\nCPUAffinity=0-1,7\n")

  static func kernel(_ interface: KernelInterface, _ values: [String], _ value: String)
    -> KernelWrite
  {
    KernelWrite.make(interface, values, value, Provenance(workload: "db"))!
  }

  static func command(
    _ id: String, _ kind: MKPlan.HostCommand.Kind, _ argv: [String],
    _ rollback: MKPlan.HostCommand.Rollback, undo: [String]? = nil, triggers: [String] = []
  ) -> MKPlan.HostCommand {
    MKPlan.HostCommand(
      id: id, kind: kind, argv: argv, rollback: rollback, undo: undo, triggers: triggers,
      provenance: Provenance())
  }

  /// `irqbalance`: `ban` (the ban list of `Fixtures.create`, restarted) or
  /// `stop` (stopped and disabled).
  static func plan(irqbalance: String = "ban") -> Plan {
    var plan = Fixtures.create
    plan.coordinatorCommands = []
    plan.irqbalanceMode = irqbalance
    plan.systemdUnits = sliceUnits
    var setup = HostSetup()
    setup.kernelWrites = [
      kernel(KernelInterfaces.workqueueCPUMask, [], "83"),
      kernel(KernelInterfaces.schedRTRuntime, [], "-1"),
      kernel(KernelInterfaces.timerMigration, [], "0"),
      kernel(KernelInterfaces.statInterval, [], "10"),
      kernel(KernelInterfaces.rpsCPUs, ["eth0", "0"], "0"),
      kernel(KernelInterfaces.rpsCPUs, ["eth0", "1"], "0"),
      kernel(KernelInterfaces.xpsCPUs, ["eth0", "0"], "4"),
      kernel(KernelInterfaces.xpsCPUs, ["eth0", "1"], "00000008"),
      kernel(KernelInterfaces.scalingGovernor, ["2"], "performance"),
      kernel(KernelInterfaces.scalingGovernor, ["3"], "performance"),
      kernel(KernelInterfaces.resumeLatency, ["2"], "n/a"),
      kernel(KernelInterfaces.resumeLatency, ["3"], "n/a"),
    ]
    setup.files = [sysctlFile, systemConf]
    setup.commands = [
      command(
        "nic:eth0", .nicChannels, ["ethtool", "-L", "eth0", "combined", "2"], .restorePrior)
    ]
    if irqbalance == "stop" {
      setup.commands.append(
        command(
          "irqbalance:disable", .irqbalanceDisable, ["systemctl", "disable", "irqbalance"],
          .inverse, undo: ["systemctl", "enable", "irqbalance"]))
    } else {
      setup.commands.append(
        command(
          "irqbalance:restart", .irqbalanceRestart, ["systemctl", "try-restart", "irqbalance"],
          .rerun, triggers: ["/etc/default/irqbalance"]))
    }
    setup.commands += [
      command(
        "boot:update-grub", .bootloaderRegeneration, ["update-grub"], .rerun, triggers: [grubFile]),
      command(
        "systemd:daemon-reload", .systemdReload, ["systemctl", "daemon-reload"], .rerun,
        triggers: sliceUnits.map(\.path)),
      command(
        "unit:mkpolicy-stalld.service", .unitEnable,
        ["systemctl", "enable", "--now", "mkpolicy-stalld.service"], .inverse,
        undo: ["systemctl", "disable", "--now", "mkpolicy-stalld.service"]),
    ]
    setup.rebootRequired = RebootRequired(reasons: [
      "add boot parameter nohz_full", "add boot parameter rcu_nocbs",
      "stage \(TuningEmitter.systemManagerFile)",
    ])
    plan.hostSetup = setup
    return plan
  }

  /// `Fixtures.baseHost()` with what the host setup touches.
  static func host() -> MemoryHost {
    let host = Fixtures.baseHost()
    host.seed("/sys/devices/virtual/workqueue/cpumask", "ff")
    host.seed("/proc/sys/kernel/sched_rt_runtime_us", "950000")
    host.seed("/proc/sys/kernel/timer_migration", "1")
    host.seed("/proc/sys/vm/stat_interval", "1")
    host.seedNIC("eth0", channels: 1, maximum: 8)
    for cpu in 0...7 {
      host.seed("/sys/devices/system/cpu/cpu\(cpu)/power/pm_qos_resume_latency_us", "0")
    }
    for cpu in 2...3 {
      let directory = "/sys/devices/system/cpu/cpu\(cpu)/cpufreq"
      host.seed(directory + "/scaling_governor", "schedutil")
      host.seed(directory + "/scaling_available_governors", "performance powersave schedutil\n")
    }
    host.startDaemon("irqbalance", pid: 700)
    host.seed(
      "/etc/systemd/system/multi-user.target.wants/irqbalance.service",
      "/lib/systemd/system/irqbalance.service\n")
    host.seed("/boot/grub/grub.cfg", host.grubConfig())
    host.seed("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro quiet\n")
    host.seed("/proc/1/status", "Name:\tsystemd\nCpus_allowed_list:\t0-7\n")
    host.seed("/run/reboot-required.pkgs", "linux-image-6.1.0-28-amd64\n")
    host.seed("/run/reboot-required", RebootRequired.markerContent)
    host.clearMutations()
    return host
  }
}
