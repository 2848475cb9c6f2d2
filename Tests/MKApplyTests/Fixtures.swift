import MKApply
import MKCore
import MKPlan
import MKSolver

/// Hand-built plans for a small cgroup v2 host (CPUs 0-7), in the sequence a
/// host goes through: create partitions, grow, shrink, move CPUs between
/// partitions, tear everything down.
enum Fixtures {
  static let parent = "/sys/fs/cgroup/mkpolicy.slice"
  static let fingerprint = HostFingerprint(
    bootId: "11111111-2222-3333-4444-555555555555", kernelRelease: "6.8.0-test",
    onlineCPUs: CPUSet(range: 0...7),
    devices: [], digest: "sha256:" + String(repeating: "0", count: 64),
    cpus: CPUSet(range: 0...7), hardwareDigest: "sha256:" + String(repeating: "1", count: 64))

  static func write(_ path: String, _ value: String) -> CgroupOperation {
    CgroupOperation(op: .write, path: parent + path, value: value)
  }
  static func mkdir(_ path: String) -> CgroupOperation {
    CgroupOperation(op: .mkdir, path: parent + path)
  }
  static func rmdir(_ path: String) -> CgroupOperation {
    CgroupOperation(op: .rmdir, path: parent + path)
  }

  static func plan(
    _ name: String, _ writes: [CgroupOperation], irqs: [IRQAffinitySetting] = [],
    files: [FileWrite] = [],
    boot: BootStaging? = nil, bootParameters: [String] = [], commands: [CoordinatorCommand] = []
  ) -> Plan {
    Plan(
      policy: name, topologyFingerprint: fingerprint, housekeeping: [0, 1], sharedPool: [],
      assignments: [], objective: Objective(), bootParameters: bootParameters, bootStaging: boot,
      cgroupWrites: writes, irqAffinity: irqs, fileWrites: files, coordinatorCommands: commands,
      cgroupParentPath: parent)
  }

  static let create = plan(
    "create",
    [
      mkdir(""), write("/cgroup.subtree_control", "+cpuset +cpu +memory"),
      write("/cpuset.cpus", "2-6"),
      write("/cpuset.mems", "0"), write("/cpuset.cpus.partition", "root"),
      mkdir("/db"), write("/db/cpuset.cpus", "2,3"), write("/db/cpuset.mems", "0"),
      write("/db/cpuset.cpus.partition", "isolated"),
      mkdir("/web"), write("/web/cpuset.cpus", "4-5"), write("/web/cpuset.cpus.partition", "root"),
      write("/web/memory.max", "1073741825"), write("/web/cpu.weight", "200"),
    ],
    irqs: [IRQAffinitySetting(irq: 24, cpus: [0, 1]), IRQAffinitySetting(irq: 25, cpus: [0, 1])],
    files: [FileWrite(path: "/etc/default/irqbalance", content: "IRQBALANCE_BANNED_CPULIST=2-7\n")],
    boot: BootStaging(
      bootloader: "grub", path: "/etc/default/grub.d/90-mkpolicy.cfg",
      // Exactly the drop-in mkpolicy writes for these parameters (the plan
      // decoder rebuilds it and refuses any other).
      content: """
        # Written by mkpolicy for policy create. mkpolicy apply rewrites this file.
        # Appends the partition boot parameters to GRUB_CMDLINE_LINUX_DEFAULT; run update-grub after changing it.
        GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }"'nohz_full=2-3 rcu_nocbs=2-3'

        """
    ),
    bootParameters: ["nohz_full=2-3", "rcu_nocbs=2-3"],
    commands: [
      CoordinatorCommand(
        id: "create:vm1",
        argv: ["kerf", "create", "vm1", "--id=1", "--cpus=6", "--memory=1073741824"]),
      CoordinatorCommand(
        id: "load:vm1", argv: ["kerf", "load", "vm1", "--kernel=/boot/vmlinuz-mk"]),
      CoordinatorCommand(id: "start:vm1", argv: ["kerf", "start", "vm1"]),
    ])

  static let grow = plan(
    "grow",
    [
      write("/cpuset.cpus", "2-7"), write("/web/cpuset.cpus", "4-7"),
      write("/web/memory.max", "2147483648"),
    ],
    irqs: [IRQAffinitySetting(irq: 24, cpus: [0])])

  static let move = plan(
    "move", [write("/db/cpuset.cpus", "2"), write("/web/cpuset.cpus", "3-7")],
    irqs: [IRQAffinitySetting(irq: 25, cpus: [0])])

  static let shrink = plan(
    "shrink", [write("/web/cpuset.cpus", "3-4"), write("/cpuset.cpus", "2-5")],
    irqs: [IRQAffinitySetting(irq: 24, cpus: [1])])

  static let teardown = plan(
    "teardown",
    [
      write("/web/cpuset.cpus.partition", "member"), write("/db/cpuset.cpus.partition", "member"),
      rmdir("/web"),
      rmdir("/db"), write("/cpuset.cpus.partition", "member"), rmdir(""),
    ],
    irqs: [
      IRQAffinitySetting(irq: 24, cpus: CPUSet(range: 0...7)),
      IRQAffinitySetting(irq: 25, cpus: CPUSet(range: 0...7)),
    ],
    commands: [
      CoordinatorCommand(id: "kill:vm1", argv: ["kerf", "kill", "vm1"]),
      CoordinatorCommand(id: "unload:vm1", argv: ["kerf", "unload", "vm1"]),
      CoordinatorCommand(id: "delete:vm1", argv: ["kerf", "delete", "vm1"]),
    ])

  /// The sequence, each plan applied to the state the previous ones left.
  static let sequence: [(String, Plan)] = [
    ("create", create), ("grow", grow), ("move", move), ("shrink", shrink), ("teardown", teardown),
  ]

  /// A fresh host as it is before any plan.
  static func baseHost() -> MemoryHost {
    let host = MemoryHost(onlineCPUs: CPUSet(range: 0...7))
    host.seed("/sys/fs/cgroup/cgroup.subtree_control", "cpu cpuset memory")
    host.seedIRQ(24, CPUSet(range: 0...7))
    host.seedIRQ(25, CPUSet(range: 0...7))
    host.seed("/proc/sys/kernel/random/boot_id", fingerprint.bootId! + "\n")
    host.seed("/proc/sys/kernel/osrelease", "6.8.0-test\n")
    host.seed("/sys/devices/system/cpu/online", "0-7\n")
    host.seedDirectory("/etc/default/grub.d")
    host.seedDirectory("/var/lib")
    host.clearMutations()
    return host
  }

  /// A host with the plans before `index` in `sequence` applied.
  static func host(before index: Int) -> MemoryHost {
    let host = baseHost()
    for (_, plan) in sequence.prefix(index) {
      _ = try? Applier(host: host).apply(plan)
    }
    host.clearMutations()
    return host
  }
}
