import MKCore

/// The registry: every kernel interface file and configuration file that
/// mkpolicy writes, each described once (`KernelInterface`). Emitters build
/// paths and check values through it; the applier's path guard, read-back
/// and in-memory host look files up in it by path.
public enum KernelInterfaces {
  // MARK: cgroup files (both hierarchies unless said)

  public static let subtreeControl = cgroup(
    "cgroup.subtree_control", .v2, grammar: .controllerTokens, comparison: .tokenSet,
    "controllers enabled for the children")
  public static let cpusetCPUs = cgroup(
    "cpuset.cpus", .both, grammar: .cpulist(allowEmpty: true), comparison: .cpuSet,
    "the CPUs the cgroup's tasks may run on")
  public static let cpusetMems = cgroup(
    "cpuset.mems", .both, grammar: .cpulist(allowEmpty: true), comparison: .cpuSet,
    "the NUMA nodes the cgroup's tasks allocate from")
  public static let cpusetCPUsExclusive = cgroup(
    "cpuset.cpus.exclusive", .v2, grammar: .cpulist(allowEmpty: true), comparison: .cpuSet,
    "CPUs granted to remote partitions below (6.7+)")
  public static let cpusetPartition = cgroup(
    "cpuset.cpus.partition", .v2, counterpart: "cpuset.cpu_exclusive",
    grammar: .choice(["member", "root", "isolated"]), comparison: .firstWord,
    "partition mode; reads `MODE invalid (reason)` when the kernel refuses it")
  public static let cpusetCPUExclusive = cgroup(
    "cpuset.cpu_exclusive", .v1, counterpart: "cpuset.cpus.partition",
    grammar: .choice(["0", "1"]), comparison: .exact, "v1 exclusive cpuset")
  public static let cpusetSchedLoadBalance = cgroup(
    "cpuset.sched_load_balance", .v1, grammar: .choice(["0", "1"]), comparison: .exact,
    "v1: 0 takes the cpuset's CPUs out of load balancing")
  public static let cpuWeight = cgroup(
    "cpu.weight", .v2, counterpart: "cpu.shares", grammar: .integer(1...10000),
    comparison: .exact, "relative CPU share")
  public static let cpuMax = cgroup(
    "cpu.max", .v2, counterpart: "cpu.cfs_quota_us", grammar: .quotaPeriod, comparison: .exact,
    "CPU bandwidth limit: QUOTA PERIOD")
  public static let cpuShares = cgroup(
    "cpu.shares", .v1, counterpart: "cpu.weight", grammar: .integer(2...262144),
    comparison: .exact, "v1 relative CPU share")
  public static let cpuCFSPeriod = cgroup(
    "cpu.cfs_period_us", .v1, grammar: .integer(1000...1_000_000), comparison: .exact,
    "v1 CPU bandwidth period")
  public static let cpuCFSQuota = cgroup(
    "cpu.cfs_quota_us", .v1, counterpart: "cpu.max", grammar: .integer(-1...Int64.max),
    comparison: .exact, "v1 CPU bandwidth quota (-1: none)")
  public static let memoryMin = cgroup(
    "memory.min", .v2, grammar: .bytesOrUnlimited, comparison: .pageRoundedBytes,
    "memory protected from reclaim")
  public static let memoryLow = cgroup(
    "memory.low", .v2, grammar: .bytesOrUnlimited, comparison: .pageRoundedBytes,
    "best-effort memory protection")
  public static let memoryHigh = cgroup(
    "memory.high", .v2, counterpart: "memory.soft_limit_in_bytes", grammar: .bytesOrUnlimited,
    comparison: .pageRoundedBytes, "memory throttling limit")
  public static let memoryMax = cgroup(
    "memory.max", .v2, counterpart: "memory.limit_in_bytes", grammar: .bytesOrUnlimited,
    comparison: .pageRoundedBytes, "hard memory limit")
  public static let memoryLimit = cgroup(
    "memory.limit_in_bytes", .v1, counterpart: "memory.max", grammar: .bytesOrUnlimited,
    comparison: .pageRoundedBytes, "v1 hard memory limit")
  public static let memorySoftLimit = cgroup(
    "memory.soft_limit_in_bytes", .v1, counterpart: "memory.high", grammar: .bytesOrUnlimited,
    comparison: .pageRoundedBytes, "v1 soft memory limit")
  public static let pidsMax = cgroup(
    "pids.max", .both, grammar: .integerOr(0...Int64.max, ["max"]), comparison: .exact,
    "task count limit")
  public static let ioMax = cgroup(
    "io.max", .v2, counterpart: "blkio.throttle.read_bps_device", grammar: .deviceLine,
    comparison: .deviceLine, "per-device I/O limits")
  public static let blkioReadBps = cgroup(
    "blkio.throttle.read_bps_device", .v1, counterpart: "io.max", grammar: .deviceLine,
    comparison: .deviceLine, "v1 read bytes/s limit")
  public static let blkioWriteBps = cgroup(
    "blkio.throttle.write_bps_device", .v1, counterpart: "io.max", grammar: .deviceLine,
    comparison: .deviceLine, "v1 write bytes/s limit")
  public static let blkioReadIOPS = cgroup(
    "blkio.throttle.read_iops_device", .v1, counterpart: "io.max", grammar: .deviceLine,
    comparison: .deviceLine, "v1 read IO/s limit")
  public static let blkioWriteIOPS = cgroup(
    "blkio.throttle.write_iops_device", .v1, counterpart: "io.max", grammar: .deviceLine,
    comparison: .deviceLine, "v1 write IO/s limit")

  // MARK: /proc and /sys

  public static let defaultIRQAffinity = file(
    "irq.default_smp_affinity", .proc, "/proc/irq/default_smp_affinity", grammar: .hexMask,
    comparison: .hexMask, "CPUs new IRQs start on")
  public static let irqAffinity = file(
    "irq.smp_affinity_list", .proc, "/proc/irq/{n}/smp_affinity_list",
    grammar: .cpulist(allowEmpty: false), comparison: .cpuSet,
    "CPUs one IRQ may fire on (the applier also checks effective_affinity_list)")
  public static let nodeHugePages = file(
    "node.nr_hugepages", .sysfs,
    "/sys/devices/system/node/node{n}/hugepages/hugepages-{n}kB/nr_hugepages",
    grammar: .integer(0...999_999_999_999), comparison: .exact,
    "huge pages of one size on one NUMA node")
  public static let workqueueCPUMask = file(
    "workqueue.cpumask", .sysfs, "/sys/devices/virtual/workqueue/cpumask", grammar: .hexMask,
    comparison: .hexMask, "CPUs unbound workqueue workers may run on")
  public static let rpsCPUs = file(
    "net.rps_cpus", .sysfs, "/sys/class/net/{interface}/queues/rx-{n}/rps_cpus",
    grammar: .hexMask, comparison: .hexMask,
    "CPUs receive packet steering hands an RX queue's packets to (0: off)")
  public static let xpsCPUs = file(
    "net.xps_cpus", .sysfs, "/sys/class/net/{interface}/queues/tx-{n}/xps_cpus",
    grammar: .hexMask, comparison: .hexMask, "CPUs that transmit on a TX queue")
  public static let scalingGovernor = file(
    "cpufreq.scaling_governor", .sysfs, "/sys/devices/system/cpu/cpu{n}/cpufreq/scaling_governor",
    grammar: .choice(CPUGovernorName.all), comparison: .exact,
    "one CPU's frequency governor (intel_pstate and amd_pstate in active mode offer performance and powersave only)"
  )
  public static let resumeLatency = file(
    "cpu.pm_qos_resume_latency_us", .sysfs,
    "/sys/devices/system/cpu/cpu{n}/power/pm_qos_resume_latency_us",
    grammar: .integerOr(0...2_000_000_000, ["n/a"]), comparison: .exact,
    "deepest idle state one CPU may enter, as an exit latency in µs (n/a: polling only; 0: any)")
  public static let schedRTRuntime = sysctl(
    "kernel.sched_rt_runtime_us", grammar: .integer(-1...Int64(Int32.max)),
    "realtime throttling: µs per period realtime tasks may run (-1: never throttled)")
  public static let timerMigration = sysctl(
    "kernel.timer_migration", grammar: .choice(["0", "1"]),
    "1 lets timers migrate to busy CPUs, including isolated ones")
  public static let statInterval = sysctl(
    "vm.stat_interval", grammar: .integer(1...86400),
    "seconds between per-CPU vmstat updates (each one interrupts the CPU)")
  public static let hungTaskTimeout = sysctl(
    "kernel.hung_task_timeout_secs", grammar: .integer(0...86400),
    "seconds a task may wait uninterruptibly before the kernel reports it as hung (0: never)")

  // MARK: configuration files

  public static let grubDropIn = config(
    "config.grub", "/etc/default/grub.d/{name}", needsReboot: true,
    "GRUB drop-in that appends the boot parameters (update-grub reads it)")
  public static let kernelCmdline = config(
    "config.kernel-cmdline", "/etc/kernel/cmdline", needsReboot: true,
    "the command line kernel-install writes into boot entries")
  public static let irqbalanceDebian = config(
    "config.irqbalance", "/etc/default/irqbalance", needsReboot: false,
    "irqbalance environment (Debian); read when irqbalance starts")
  public static let irqbalanceRedHat = config(
    "config.irqbalance-sysconfig", "/etc/sysconfig/irqbalance", needsReboot: false,
    "irqbalance environment (Red Hat); read when irqbalance starts")
  public static let sysctlDropIn = config(
    "config.sysctl", "/etc/sysctl.d/{name}", needsReboot: false,
    "sysctl values systemd-sysctl sets again at every boot")
  public static let systemManagerDropIn = config(
    "config.system-conf", "/etc/systemd/system.conf.d/{name}", needsReboot: true,
    "systemd manager settings (CPUAffinity=): read at boot or `systemctl daemon-reexec`")
  public static let systemdUnit = config(
    "config.systemd-unit", "/etc/systemd/system/{name}", needsReboot: false,
    "a systemd unit file (after `systemctl daemon-reload`)")
  public static let systemdDropIn = config(
    "config.systemd-drop-in", "/etc/systemd/system/{name}/{name}", needsReboot: false,
    "a drop-in of a systemd unit (UNIT.d/NAME.conf, after `systemctl daemon-reload`)")
  public static let rebootRequired = KernelInterface(
    id: "config.reboot-required", area: .config,
    pattern: .path("/run/reboot-required"), grammar: .text, comparison: .content,
    needsReboot: false, journaled: false,
    summary:
      "Debian's marker that a reboot is pending (motd, needrestart and unattended-upgrades read it)"
  )
  public static let rebootRequiredPackages = KernelInterface(
    id: "config.reboot-required-pkgs", area: .config,
    pattern: .path("/run/reboot-required.pkgs"), grammar: .text, comparison: .content,
    needsReboot: false, journaled: false,
    summary: "who asked for the pending reboot, one name a line")

  /// Every description, cgroup files first.
  public static let all: [KernelInterface] = [
    subtreeControl, cpusetCPUs, cpusetMems, cpusetCPUsExclusive, cpusetPartition,
    cpusetCPUExclusive, cpusetSchedLoadBalance, cpuWeight, cpuMax, cpuShares, cpuCFSPeriod,
    cpuCFSQuota, memoryMin, memoryLow, memoryHigh, memoryMax, memoryLimit, memorySoftLimit,
    pidsMax, ioMax, blkioReadBps, blkioWriteBps, blkioReadIOPS, blkioWriteIOPS,
    defaultIRQAffinity, irqAffinity, nodeHugePages, workqueueCPUMask, rpsCPUs, xpsCPUs,
    scalingGovernor, resumeLatency, schedRTRuntime, timerMigration, statInterval,
    hungTaskTimeout, grubDropIn, kernelCmdline, irqbalanceDebian, irqbalanceRedHat, sysctlDropIn,
    systemManagerDropIn, systemdUnit, systemdDropIn, rebootRequired, rebootRequiredPackages,
  ]

  /// The description of the file at `path`, or nil when mkpolicy never writes it.
  public static func describing(_ path: String) -> KernelInterface? {
    all.first { $0.pattern.match(path) != nil }
  }

  /// The cgroup interface file called `name` (`cpu.weight`).
  public static func cgroupFile(_ name: String) -> KernelInterface? {
    all.first { $0.area == .cgroup && $0.pattern.cgroupFile == name }
  }

  /// The `/proc/sys` file of a dotted sysctl name.
  public static func sysctl(named name: String) -> KernelInterface? {
    all.first { $0.sysctlName == name }
  }

  // MARK: builders

  static func cgroup(
    _ name: String, _ hierarchy: KernelInterface.Hierarchy, counterpart: String? = nil,
    grammar: KernelInterface.Grammar, comparison: KernelInterface.Comparison, _ summary: String
  ) -> KernelInterface {
    KernelInterface(
      id: name, area: .cgroup, pattern: .cgroup(name), hierarchy: hierarchy,
      counterpart: counterpart, sysctlName: nil, grammar: grammar, comparison: comparison,
      needsReboot: false, journaled: true, summary: summary)
  }

  static func file(
    _ id: String, _ area: KernelInterface.Area, _ path: String, grammar: KernelInterface.Grammar,
    comparison: KernelInterface.Comparison, _ summary: String
  ) -> KernelInterface {
    KernelInterface(
      id: id, area: area, pattern: .path(path), hierarchy: nil, counterpart: nil,
      sysctlName: nil, grammar: grammar, comparison: comparison, needsReboot: false,
      journaled: true, summary: summary)
  }

  static func sysctl(_ name: String, grammar: KernelInterface.Grammar, _ summary: String)
    -> KernelInterface
  {
    KernelInterface(
      id: "sysctl:" + name, area: .proc,
      pattern: .path("/proc/sys/" + name.replacingAll(".", with: "/")), hierarchy: nil,
      counterpart: nil, sysctlName: name, grammar: grammar, comparison: .exact,
      needsReboot: false, journaled: true, summary: summary)
  }

  static func config(_ id: String, _ path: String, needsReboot: Bool, _ summary: String)
    -> KernelInterface
  {
    KernelInterface(
      id: id, area: .config, pattern: .path(path), hierarchy: nil, counterpart: nil,
      sysctlName: nil, grammar: .text, comparison: .content, needsReboot: needsReboot,
      journaled: true, summary: summary)
  }
}

extension KernelInterface {
  init(
    id: String, area: Area, pattern: KernelPathPattern, grammar: Grammar, comparison: Comparison,
    needsReboot: Bool, journaled: Bool, summary: String
  ) {
    self.init(
      id: id, area: area, pattern: pattern, hierarchy: nil, counterpart: nil, sysctlName: nil,
      grammar: grammar, comparison: comparison, needsReboot: needsReboot, journaled: journaled,
      summary: summary)
  }

  /// The path of this file with `values` for its placeholders (`["4"]` for
  /// `/sys/devices/system/cpu/cpu{n}/...`); a programming error when they do
  /// not fit, since emitters pass numbers and names the topology vouches for.
  public func path(_ values: String...) -> String {
    guard let path = pattern.path(values) else {
      preconditionFailure("\(values) do not fit \(pattern)")
    }
    return path
  }

  /// This cgroup file inside `directory`.
  public func path(inCgroup directory: String) -> String {
    directory + "/" + (pattern.cgroupFile ?? id)
  }

  /// The file name inside a cgroup directory.
  public var cgroupFileName: String { pattern.cgroupFile ?? id }
}

/// The cpufreq governors the kernel ships (`scaling_available_governors`
/// says which a CPU offers).
public enum CPUGovernorName {
  public static let all = [
    "performance", "powersave", "schedutil", "ondemand", "conservative", "userspace",
  ]
}
