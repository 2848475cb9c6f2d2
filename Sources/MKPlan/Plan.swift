import MKCore
import MKSolver

/// Everything a host needs to reach the state a policy describes, in the
/// order it must happen: the output of `mkpolicy plan` and the input of
/// `mkpolicy apply`. Its JSON form (`Schemas/plan.v2.schema.json`, read and
/// written by `Plan+Codable.swift`) is what reviewers diff and what apply
/// reads back, so it is plain, ordered data.
public struct Plan: Sendable, Hashable, Codable {
  /// `mkpolicy.io/v2` for plans made now; a plan read from an older file
  /// keeps its version, and is written in that version's form.
  public var apiVersion: String = Plan.currentAPIVersion
  public var kind: String = "Plan"
  /// The mkpolicy release that wrote the plan (`0.1.0`): the release only,
  /// not the commit, so that plans and their digests change with releases,
  /// not with every build. Nil in plans written before it was recorded.
  public var mkpolicyVersion: String?
  public var policy: String
  /// Binds the plan to the host it was made for; apply refuses a stale plan.
  public var topologyFingerprint: HostFingerprint
  public var housekeeping: CPUSet
  public var sharedPool: CPUSet
  /// CPUs left idle on purpose (`Assignment.idle`): siblings of `smt: off`
  /// threads and of a housekeeping `cpuList`. No cgroup, IRQ or workload of
  /// the plan holds them. Nil only in plans written before mkpolicy carried it.
  public var idle: CPUSet?
  public var assignments: [WorkloadAssignment]
  public var objective: Objective
  /// Host kernel command-line parameters, in emission order.
  public var bootParameters: [String]
  /// How apply stages `bootParameters` (nil when none are needed).
  public var bootStaging: BootStaging?
  /// cgroup operations in a kernel-valid order (top-down grow, bottom-up shrink).
  public var cgroupWrites: [CgroupOperation]
  public var irqAffinity: [IRQAffinitySetting]
  /// Files apply writes besides cgroups and IRQs (irqbalance configuration).
  public var fileWrites: [FileWrite]
  /// kerf invocations as argv arrays, in order.
  public var coordinatorCommands: [CoordinatorCommand]
  public var diagnostics: [Diagnostic]
  /// The absolute cgroup directory every cgroup operation lives under
  /// (`/sys/fs/cgroup/mkpolicy.slice`; `/sys/fs/cgroup/cpuset/mkpolicy.slice`
  /// on a cgroup v1 host). Apply writes no cgroup file outside it; nil means
  /// `/sys/fs/cgroup/` + the policy's default `mkpolicy.slice`.
  public var cgroupParentPath: String?
  /// `host.allowForeignCgroups`: only then may the parent be inside a cgroup
  /// another manager owns (`kubepods*`, `system.slice`). Nil means false.
  public var allowForeignCgroups: Bool?
  /// `host.irqbalance` (`ban`, `stop`, `keep`). With `stop`, apply runs
  /// `systemctl stop irqbalance` before writing IRQ affinity (and starts it
  /// again on rollback). Nil: apply leaves the irqbalance service alone.
  public var irqbalanceMode: String?
  /// Each boot parameter with the workloads and policy lines behind it, in
  /// the order of `bootParameters`.
  public var bootParameterItems: [BootParameter] = []
  /// `v2`, `v1` or `hybrid`: which hierarchy `cgroupWrites` address.
  public var cgroupMode: String = "v2"
  /// The whole cgroup tree as a fresh host gets it (`cgroupWrites` holds only
  /// the difference when the plan was made against a previous one); the next
  /// plan sequences its changes against this.
  public var cgroupTree: [CgroupOperation] = []
  /// Writes the cgroup tree needs outside `cgroupParentPath`, done before
  /// `cgroupWrites`: enabling the controllers in the root's
  /// `cgroup.subtree_control` (v2). Empty when nothing is needed.
  public var cgroupPrerequisites: [CgroupOperation] = []
  /// Writes under /proc and /sys besides cgroups and per-IRQ affinity:
  /// `/proc/irq/default_smp_affinity` and, on kernels before 5.16, per-node
  /// `nr_hugepages`. Kept apart from `fileWrites`, which are configuration files.
  public var kernelWrites: [FileWrite] = []
  /// The affinity new IRQs start with (`/proc/irq/default_smp_affinity`,
  /// also written through `kernelWrites`): the housekeeping CPUs, so that
  /// vectors that do not exist yet (a device brought up later, see
  /// `IRQAffinitySetting.present`) start on planned CPUs. Nil when the plan
  /// leaves IRQ affinity alone, and in plans written before it was kept.
  public var defaultIRQAffinity: CPUSet?
  /// The same cgroup settings as systemd slice units, for systemd-managed hosts.
  public var systemdUnits: [FileWrite] = []
  /// The coordinator's resource pool (nil without `kernel` workloads).
  public var coordinatorPool: CoordinatorPool?
  /// The multikernel instances of the resulting state, in policy order.
  public var kernelInstances: [KernelInstance] = []
  /// What changes, grouped the way a reviewer approves it.
  public var changes: PlanChanges = PlanChanges()
  /// Tuning, the commands that make staged files take effect, and the
  /// reboot-required marker (`HostSetup`). Nil when there is none, and in
  /// plans written before mkpolicy planned them.
  public var hostSetup: HostSetup?
  /// CPUs and memory kept free for successor instances (in the coordinator
  /// pool, used by no instance). Nil when the policy asks for none.
  public var headroom: [HeadroomAssignment]?
  /// Zero-downtime kernel updates, run after `coordinatorCommands` by
  /// apply's hand-over executor. Nil when the plan has none.
  public var handovers: [Handover]?

  public init(
    policy: String, topologyFingerprint: HostFingerprint, housekeeping: CPUSet, sharedPool: CPUSet,
    assignments: [WorkloadAssignment], objective: Objective, bootParameters: [String] = [],
    bootStaging: BootStaging? = nil, cgroupWrites: [CgroupOperation] = [],
    irqAffinity: [IRQAffinitySetting] = [], fileWrites: [FileWrite] = [],
    coordinatorCommands: [CoordinatorCommand] = [], diagnostics: [Diagnostic] = [],
    cgroupParentPath: String? = nil, allowForeignCgroups: Bool? = nil
  ) {
    self.policy = policy
    self.topologyFingerprint = topologyFingerprint
    self.housekeeping = housekeeping
    self.sharedPool = sharedPool
    self.assignments = assignments
    self.objective = objective
    self.bootParameters = bootParameters
    self.bootStaging = bootStaging
    self.cgroupWrites = cgroupWrites
    self.irqAffinity = irqAffinity
    self.fileWrites = fileWrites
    self.coordinatorCommands = coordinatorCommands
    self.diagnostics = diagnostics
    self.cgroupParentPath = cgroupParentPath
    self.allowForeignCgroups = allowForeignCgroups
  }
}

/// What identifies the host state a plan was computed against.
///
/// Two kinds of fields: the hardware identity a plan stays valid for across
/// reboots (`machineId`, `cpus`, `devices`, `hardwareDigest`, and
/// `kernelRelease` where the kernel matters), and facts of one boot
/// (`bootId`, `onlineCPUs`). `hostName` only names the host for people.
public struct HostFingerprint: Sendable, Hashable, Codable {
  public var bootId: String?
  public var kernelRelease: String
  public var onlineCPUs: CPUSet
  /// PCI addresses of every device in the topology, sorted.
  public var devices: [String]
  /// A stable digest over the whole topology snapshot.
  public var digest: String
  /// The host's name when the topology has one (`hostname` at discovery).
  public var hostName: String?
  /// `/etc/machine-id` of the host the topology was discovered on; nil for
  /// synthesized shapes and when discovery could not read it.
  public var machineId: String?
  /// Every logical CPU of the topology, online or not (the hardware; which
  /// are online is `onlineCPUs`, a fact of the boot). Nil in older plans.
  public var cpus: CPUSet?
  /// SHA-256 over the hardware alone: architecture, machine id, the CPU tree
  /// (packages, dies, nodes, caches, cores, threads and physical ids) and the
  /// PCI devices (address, class, vendor and device id). It leaves out what
  /// a reboot may change on the same machine: the kernel and its command
  /// line, memory totals (boot reservations), IRQ numbers (allocated per
  /// boot), online state, drivers and children. Nil in older plans.
  public var hardwareDigest: String?

  public init(
    bootId: String?, kernelRelease: String, onlineCPUs: CPUSet, devices: [String], digest: String,
    hostName: String? = nil, machineId: String? = nil, cpus: CPUSet? = nil,
    hardwareDigest: String? = nil
  ) {
    self.bootId = bootId
    self.kernelRelease = kernelRelease
    self.onlineCPUs = onlineCPUs
    self.devices = devices
    self.digest = digest
    self.hostName = hostName
    self.machineId = machineId
    self.cpus = cpus
    self.hardwareDigest = hardwareDigest
  }
}

/// Where an emitted item came from, so a reviewer can trace it to the policy.
public struct Provenance: Sendable, Hashable, Codable {
  /// The workload that caused it; nil for host-wide items.
  public var workload: String?
  /// `file:line:col` of the policy line behind it.
  public var source: String?
  public init(workload: String? = nil, source: String? = nil) {
    self.workload = workload
    self.source = source
  }
}

public struct BootStaging: Sendable, Hashable, Codable {
  public var bootloader: String
  /// The file apply writes (`/etc/default/grub.d/90-mkpolicy.cfg`), if any.
  public var path: String?
  public var content: String?
  /// For grubby: the argv to run.
  public var argv: [String]?

  public init(
    bootloader: String, path: String? = nil, content: String? = nil, argv: [String]? = nil
  ) {
    self.bootloader = bootloader
    self.path = path
    self.content = content
    self.argv = argv
  }
}

public struct CgroupOperation: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable {
    case mkdir, write, rmdir
  }
  public var op: Kind
  /// Absolute path under the cgroup mount (`/sys/fs/cgroup/mkpolicy.slice/db/cpuset.cpus`).
  public var path: String
  /// The value written (`write` only).
  public var value: String?
  public var provenance: Provenance

  public init(op: Kind, path: String, value: String? = nil, provenance: Provenance = Provenance()) {
    self.op = op
    self.path = path
    self.value = value
    self.provenance = provenance
  }
}

/// The target affinity of one IRQ. Each IRQ is listed once, also when
/// several devices share it (legacy INTx): `devices` names them all.
public struct IRQAffinitySetting: Sendable, Hashable, Codable {
  public var irq: Int
  /// Movable IRQs: the CPUs apply writes to `/proc/irq/N/smp_affinity_list`.
  /// Managed IRQs: the affinity the kernel gave them (empty when the
  /// topology does not record it, as a stable snapshot does not).
  public var cpus: CPUSet
  /// False for managed or per-CPU vectors; listed for review, not written.
  public var movable: Bool
  /// For an IRQ that cannot move: the boot parameter that handles it instead.
  public var handledBy: String?
  public var provenance: Provenance
  /// PCI addresses of the devices that raise it, sorted (more than one for a
  /// shared line). Nil in plans written before it was kept.
  public var devices: [String]?
  /// False when the IRQ did not exist when the plan was made (allocated but
  /// not requested: a device that is down has no `/proc/irq/N`). Apply and
  /// verify report such an IRQ as pending rather than failing: when it
  /// appears it starts on `Plan.defaultIRQAffinity`. Nil when the topology
  /// does not record presence (a stable snapshot): absent at apply time
  /// means pending then too.
  public var present: Bool?

  public init(
    irq: Int, cpus: CPUSet, movable: Bool = true, handledBy: String? = nil,
    provenance: Provenance = Provenance(), devices: [String]? = nil, present: Bool? = nil
  ) {
    self.irq = irq
    self.cpus = cpus
    self.movable = movable
    self.handledBy = handledBy
    self.provenance = provenance
    self.devices = devices
    self.present = present
  }
}

public struct FileWrite: Sendable, Hashable, Codable {
  public var path: String
  public var content: String
  public var provenance: Provenance
  public init(path: String, content: String, provenance: Provenance = Provenance()) {
    self.path = path
    self.content = content
    self.provenance = provenance
  }
}

public struct CoordinatorCommand: Sendable, Hashable, Codable {
  /// Stable id (`create:db`) so the journal can tell a command already ran.
  public var id: String
  public var argv: [String]
  public var provenance: Provenance
  public init(id: String, argv: [String], provenance: Provenance = Provenance()) {
    self.id = id
    self.argv = argv
    self.provenance = provenance
  }
}

/// One host boot parameter and every policy line that asked for it.
public struct BootParameter: Sendable, Hashable, Codable {
  public var parameter: String
  public var provenance: [Provenance]
  public init(_ parameter: String, provenance: [Provenance]) {
    self.parameter = parameter
    self.provenance = provenance
  }
  /// The part before `=` (`nohz_full`), what the kernel and grubby key on.
  public var key: String { String(parameter.split(separator: "=", maxSplits: 1).first ?? "") }
}

/// The resources handed to kerf with `kerf init`.
public struct CoordinatorPool: Sendable, Hashable, Codable {
  public var physicalIds: [Int]
  /// Bytes per NUMA node, keyed by node id as a string.
  public var memoryBytesByNode: [String: UInt64]
  public var devices: [PoolDevice]
  public var provenance: [Provenance]
  public init(
    physicalIds: [Int], memoryBytesByNode: [String: UInt64], devices: [PoolDevice],
    provenance: [Provenance]
  ) {
    self.physicalIds = physicalIds
    self.memoryBytesByNode = memoryBytesByNode
    self.devices = devices
    self.provenance = provenance
  }
}

/// A PCI device in the coordinator pool, as the device tree describes it.
public struct PoolDevice: Sendable, Hashable, Codable {
  public var pciAddress: String
  /// The name spawned kernels use (`enp9s0`, `nvme0`); nil when none applies.
  public var alias: String?
  /// `pci-network`, `pci-storage`, `pci-display`, `pci-serial` or `pci-device`.
  public var compatible: String
  public var vendorId: UInt32
  public var deviceId: UInt32
  public init(
    pciAddress: String, alias: String?, compatible: String, vendorId: UInt32, deviceId: UInt32
  ) {
    self.pciAddress = pciAddress
    self.alias = alias
    self.compatible = compatible
    self.vendorId = vendorId
    self.deviceId = deviceId
  }
  /// The node name the kernel derives from the address (`pci_0000_09_00_0`).
  public var nodeName: String {
    "pci_" + pciAddress.map { $0 == ":" || $0 == "." ? "_" : $0 }.map(String.init).joined()
  }
  /// How instances and `kerf create --devices` name it.
  public var reference: String { alias ?? nodeName }
}

/// One multikernel instance of the resulting state.
public struct KernelInstance: Sendable, Hashable, Codable {
  /// kerf's instance name: the workload's, or another one for a successor
  /// started beside it by a hand-over (`workload` then names the workload).
  public var name: String
  /// The workload when it differs from `name`; nil otherwise.
  public var workload: String?
  /// kerf's instance id, 1...511, kept stable across plans.
  public var id: Int
  public var physicalIds: [Int]
  public var memoryBytes: UInt64
  public var numaNodes: [Int]
  /// Device references (alias or node name), sorted.
  public var devices: [String]
  public var kernel: String
  public var initrd: String?
  public var cmdline: String
  public var provenance: Provenance
  public init(
    name: String, id: Int, physicalIds: [Int], memoryBytes: UInt64, numaNodes: [Int],
    devices: [String], kernel: String, initrd: String?, cmdline: String, provenance: Provenance,
    workload: String? = nil
  ) {
    self.name = name
    self.workload = workload
    self.id = id
    self.physicalIds = physicalIds
    self.memoryBytes = memoryBytes
    self.numaNodes = numaNodes
    self.devices = devices
    self.kernel = kernel
    self.initrd = initrd
    self.cmdline = cmdline
    self.provenance = provenance
  }
}

/// A change a plan makes, for review: what changes, each setting with its
/// value before and after, and whether approving it disrupts something that
/// runs (and why).
public struct PlanChange: Sendable, Hashable, Codable {
  /// One line naming the change (`cgroup /sys/fs/cgroup/mkpolicy.slice/db`,
  /// `IRQs of 0000:20:01.0 (ens2f0)`, `kerf create order-router`).
  public var summary: String
  /// The settings it changes, old -> new, in the order they are applied.
  public var values: [ValueChange]
  /// Set when the change interrupts something running or takes full effect
  /// only after a reboot; nil for a change nothing notices.
  public var disruption: Disruption?
  public var provenance: Provenance

  public init(
    _ summary: String, values: [ValueChange] = [], disruption: Disruption? = nil,
    provenance: Provenance
  ) {
    self.summary = summary
    self.values = values
    self.disruption = disruption
    self.provenance = provenance
  }

  enum CodingKeys: String, CodingKey { case summary, values, disruption, provenance }

  /// Plans written before changes carried values decode with none.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    summary = try container.decode(String.self, forKey: .summary)
    values = try container.decodeIfPresent([ValueChange].self, forKey: .values) ?? []
    disruption = try container.decodeIfPresent(Disruption.self, forKey: .disruption)
    provenance = try container.decode(Provenance.self, forKey: .provenance)
  }
}

/// One setting of a change with its value before and after.
public struct ValueChange: Sendable, Hashable, Codable {
  /// What holds the value (`cpuset.cpus`, `nohz_full`, `IRQ 110 ens2f0-TxRx-0`, `cpus`).
  public var name: String
  /// The value before; nil when the setting did not exist (a new directory,
  /// a parameter not on the command line) or when `oldUnknown` is set.
  public var old: String?
  /// The value after; nil when the setting goes away (rmdir, removed parameter).
  public var new: String?
  /// True when the plan cannot know the value before: against the host, for
  /// files the topology snapshot does not record. Nil means false.
  public var oldUnknown: Bool?

  public init(_ name: String, old: String?, new: String?, oldUnknown: Bool = false) {
    self.name = name
    self.old = old
    self.new = new
    self.oldUnknown = oldUnknown ? true : nil
  }

  /// `old -> new` as the report prints it: `-` for absent, `?` for unknown.
  public var rendered: String {
    let before = oldUnknown == true ? "?" : (old.map(Self.quoted) ?? "-")
    return "\(name): \(before) -> \(new.map(Self.quoted) ?? "-")"
  }

  static func quoted(_ value: String) -> String { value.isEmpty ? "\"\"" : value }
}

/// Why a change disrupts something, typed so that tools can gate on it.
public struct Disruption: Sendable, Hashable, Codable {
  public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A multikernel instance is stopped and started again (or removed).
    case instanceRestart = "instance-restart"
    /// CPUs leave a workload that is running under the plan in force.
    case cpusTakenFromRunningWorkload = "cpus-taken-from-running-workload"
    /// Memory leaves a workload that is running under the plan in force.
    case memoryTakenFromRunningWorkload = "memory-taken-from-running-workload"
    /// The cgroup partition isolates CPUs at apply, but the boot parameters
    /// that keep ticks, RCU callbacks and managed IRQs off them act only
    /// after the next reboot.
    case rebootForFullIsolation = "reboot-for-full-isolation"
    /// A boot parameter that takes effect only at the next reboot.
    case reboot
  }
  public var reason: Reason
  /// The specifics (`CPUs 4-5 leave 'db'`), for the reviewer.
  public var detail: String
  public init(_ reason: Reason, _ detail: String) {
    self.reason = reason
    self.detail = detail
  }
}

/// Changes grouped by what approving them means: a reboot, a live write, or
/// coordinator commands that move resources between kernels.
public struct PlanChanges: Sendable, Hashable, Codable {
  /// Against `--previous` when given, else against the host as discovered.
  public var against: String = "host"
  public var needsReboot: [PlanChange] = []
  public var live: [PlanChange] = []
  public var coordinator: [PlanChange] = []
  public init() {}
  public var isEmpty: Bool { needsReboot.isEmpty && live.isEmpty && coordinator.isEmpty }
}
