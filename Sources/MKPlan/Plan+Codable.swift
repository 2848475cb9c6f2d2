import MKCore
import MKSolver

/// The plan's JSON forms. Two versions are read; the current one is written.
///
/// - `mkpolicy.io/v2` (written since December 2026) states each fact once:
///   `cgroupWrites` is left out when it is the whole `cgroupTree` in the
///   same order (always so without `--previous`: the writes of a fresh host
///   are the tree), and `irqAffinity` holds one entry per run of
///   consecutive IRQs with the same CPUs, devices and provenance
///   (`IRQAffinityRun`: an `irqs` list instead of `irq`, and `cpus` as the
///   kernel's list syntax, `0-29,960-989`, what apply writes to
///   `smp_affinity_list`, instead of one number per line). On the
///   1,920-thread host with 500 workloads this takes the plan from 4.4 MB to
///   about half, and the time to write and hash it with it.
/// - `mkpolicy.io/v1`: every IRQ spelled out, `cgroupWrites` always present.
///
/// Both decode into the same `Plan` (per-IRQ `irqAffinity`, full
/// `cgroupWrites`), so apply, verify, recover, diff, the agent and fleet
/// see no difference. A plan keeps the version it was read with and is
/// encoded in that form again, so the digest of a v1 plan (computed over
/// its v1 JSON) still checks; plans made by this mkpolicy are v2.
extension Plan {
  /// The version `mkpolicy plan` writes.
  public static let currentAPIVersion = "mkpolicy.io/v2"
  /// The versions `PlanCodec.decode` reads, oldest first.
  public static let readableAPIVersions = [version1, currentAPIVersion]

  /// True when the plan is written in the v1 form (it was read from a v1 file).
  var usesVersion1Form: Bool { apiVersion == Self.version1 }
  static let version1 = "mkpolicy.io/v1"

  enum PlanKey: String, CodingKey {
    case apiVersion, kind, mkpolicyVersion, policy, topologyFingerprint, housekeeping
    case sharedPool, idle, assignments, objective, bootParameters, bootStaging, cgroupWrites
    case irqAffinity, fileWrites, coordinatorCommands, diagnostics, cgroupParentPath
    case allowForeignCgroups, irqbalanceMode, bootParameterItems, cgroupMode, cgroupTree
    case cgroupPrerequisites, kernelWrites, defaultIRQAffinity, systemdUnits, coordinatorPool
    case kernelInstances, changes, hostSetup, headroom, handovers
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: PlanKey.self)
    apiVersion = try container.decode(String.self, forKey: .apiVersion)
    kind = try container.decode(String.self, forKey: .kind)
    mkpolicyVersion = try container.decodeIfPresent(String.self, forKey: .mkpolicyVersion)
    policy = try container.decode(String.self, forKey: .policy)
    topologyFingerprint = try container.decode(HostFingerprint.self, forKey: .topologyFingerprint)
    housekeeping = try container.decode(CPUSet.self, forKey: .housekeeping)
    sharedPool = try container.decode(CPUSet.self, forKey: .sharedPool)
    idle = try container.decodeIfPresent(CPUSet.self, forKey: .idle)
    assignments = try container.decode([WorkloadAssignment].self, forKey: .assignments)
    objective = try container.decode(Objective.self, forKey: .objective)
    bootParameters = try container.decode([String].self, forKey: .bootParameters)
    bootStaging = try container.decodeIfPresent(BootStaging.self, forKey: .bootStaging)
    fileWrites = try container.decode([FileWrite].self, forKey: .fileWrites)
    coordinatorCommands = try container.decode(
      [CoordinatorCommand].self, forKey: .coordinatorCommands)
    diagnostics = try container.decode([Diagnostic].self, forKey: .diagnostics)
    cgroupParentPath = try container.decodeIfPresent(String.self, forKey: .cgroupParentPath)
    allowForeignCgroups = try container.decodeIfPresent(Bool.self, forKey: .allowForeignCgroups)
    irqbalanceMode = try container.decodeIfPresent(String.self, forKey: .irqbalanceMode)
    bootParameterItems = try container.decode([BootParameter].self, forKey: .bootParameterItems)
    cgroupMode = try container.decode(String.self, forKey: .cgroupMode)
    cgroupTree = try container.decode([CgroupOperation].self, forKey: .cgroupTree)
    cgroupPrerequisites = try container.decode(
      [CgroupOperation].self, forKey: .cgroupPrerequisites)
    kernelWrites = try container.decode([FileWrite].self, forKey: .kernelWrites)
    defaultIRQAffinity = try container.decodeIfPresent(CPUSet.self, forKey: .defaultIRQAffinity)
    systemdUnits = try container.decode([FileWrite].self, forKey: .systemdUnits)
    coordinatorPool = try container.decodeIfPresent(CoordinatorPool.self, forKey: .coordinatorPool)
    kernelInstances = try container.decode([KernelInstance].self, forKey: .kernelInstances)
    changes = try container.decode(PlanChanges.self, forKey: .changes)
    hostSetup = try container.decodeIfPresent(HostSetup.self, forKey: .hostSetup)
    headroom = try container.decodeIfPresent([HeadroomAssignment].self, forKey: .headroom)
    handovers = try container.decodeIfPresent([Handover].self, forKey: .handovers)
    if apiVersion == Self.version1 {
      cgroupWrites = try container.decode([CgroupOperation].self, forKey: .cgroupWrites)
      irqAffinity = try container.decode([IRQAffinitySetting].self, forKey: .irqAffinity)
    } else {
      // Left out: the writes are the whole tree.
      cgroupWrites =
        try container.decodeIfPresent([CgroupOperation].self, forKey: .cgroupWrites) ?? cgroupTree
      irqAffinity = try container.decode([IRQAffinityRun].self, forKey: .irqAffinity)
        .flatMap(\.settings)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: PlanKey.self)
    try container.encode(apiVersion, forKey: .apiVersion)
    try container.encode(kind, forKey: .kind)
    try container.encodeIfPresent(mkpolicyVersion, forKey: .mkpolicyVersion)
    try container.encode(policy, forKey: .policy)
    try container.encode(topologyFingerprint, forKey: .topologyFingerprint)
    try container.encode(housekeeping, forKey: .housekeeping)
    try container.encode(sharedPool, forKey: .sharedPool)
    try container.encodeIfPresent(idle, forKey: .idle)
    try container.encode(assignments, forKey: .assignments)
    try container.encode(objective, forKey: .objective)
    try container.encode(bootParameters, forKey: .bootParameters)
    try container.encodeIfPresent(bootStaging, forKey: .bootStaging)
    try container.encode(fileWrites, forKey: .fileWrites)
    try container.encode(coordinatorCommands, forKey: .coordinatorCommands)
    try container.encode(diagnostics, forKey: .diagnostics)
    try container.encodeIfPresent(cgroupParentPath, forKey: .cgroupParentPath)
    try container.encodeIfPresent(allowForeignCgroups, forKey: .allowForeignCgroups)
    try container.encodeIfPresent(irqbalanceMode, forKey: .irqbalanceMode)
    try container.encode(bootParameterItems, forKey: .bootParameterItems)
    try container.encode(cgroupMode, forKey: .cgroupMode)
    try container.encode(cgroupTree, forKey: .cgroupTree)
    try container.encode(cgroupPrerequisites, forKey: .cgroupPrerequisites)
    try container.encode(kernelWrites, forKey: .kernelWrites)
    try container.encodeIfPresent(defaultIRQAffinity, forKey: .defaultIRQAffinity)
    try container.encode(systemdUnits, forKey: .systemdUnits)
    try container.encodeIfPresent(coordinatorPool, forKey: .coordinatorPool)
    try container.encode(kernelInstances, forKey: .kernelInstances)
    try container.encode(changes, forKey: .changes)
    try container.encodeIfPresent(hostSetup, forKey: .hostSetup)
    try container.encodeIfPresent(headroom, forKey: .headroom)
    try container.encodeIfPresent(handovers, forKey: .handovers)
    if usesVersion1Form {
      try container.encode(cgroupWrites, forKey: .cgroupWrites)
      try container.encode(irqAffinity, forKey: .irqAffinity)
    } else {
      if cgroupWrites != cgroupTree {
        try container.encode(cgroupWrites, forKey: .cgroupWrites)
      }
      try container.encode(IRQAffinityRun.runs(of: irqAffinity), forKey: .irqAffinity)
    }
  }
}

/// Consecutive IRQs of `Plan.irqAffinity` that share everything but their
/// number (the vectors of one device, with the same CPUs), written once in
/// a v2 plan: a 1,920-thread host's 808 IRQs are about a hundred runs.
/// Grouping only neighbours keeps the list's order, so decoding gives back
/// exactly the settings that were encoded. `cpus` is written in the
/// kernel's list syntax (`720-839`; empty when the affinity of a managed
/// IRQ is not recorded): the recorded affinities of managed vectors are a
/// hundred CPUs each, one vector per run, and were most of a v1 plan.
struct IRQAffinityRun: Codable, Hashable {
  /// The IRQ numbers, in the plan's order.
  var irqs: [Int]
  var cpus: CPUSet
  var movable: Bool
  var handledBy: String?
  var provenance: Provenance
  var devices: [String]?
  var present: Bool?

  init(_ setting: IRQAffinitySetting) {
    irqs = [setting.irq]
    cpus = setting.cpus
    movable = setting.movable
    handledBy = setting.handledBy
    provenance = setting.provenance
    devices = setting.devices
    present = setting.present
  }

  /// True when `setting` differs from this run's settings only in its number.
  func takes(_ setting: IRQAffinitySetting) -> Bool {
    setting.movable == movable && setting.present == present && setting.handledBy == handledBy
      && setting.cpus == cpus && setting.devices == devices && setting.provenance == provenance
  }

  static func runs(of settings: [IRQAffinitySetting]) -> [IRQAffinityRun] {
    var runs: [IRQAffinityRun] = []
    for setting in settings {
      if let last = runs.indices.last, runs[last].takes(setting) {
        runs[last].irqs.append(setting.irq)
      } else {
        runs.append(IRQAffinityRun(setting))
      }
    }
    return runs
  }

  var settings: [IRQAffinitySetting] {
    irqs.map {
      IRQAffinitySetting(
        irq: $0, cpus: cpus, movable: movable, handledBy: handledBy, provenance: provenance,
        devices: devices, present: present)
    }
  }

  enum CodingKeys: String, CodingKey {
    case irqs, cpus, movable, handledBy, provenance, devices, present
  }

  /// An empty `irqs` would make a run that stands for nothing.
  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    irqs = try container.decode([Int].self, forKey: .irqs)
    guard !irqs.isEmpty else {
      throw DecodingError.dataCorruptedError(
        forKey: .irqs, in: container, debugDescription: "an IRQ run lists no IRQ")
    }
    let list = try container.decode(String.self, forKey: .cpus)
    do {
      cpus = try CPUSet(cpulist: list, allowEmpty: true)
    } catch {
      throw DecodingError.dataCorruptedError(
        forKey: .cpus, in: container,
        debugDescription: "\(YAMLScalar.quoted(list)) is not a CPU list: \(error)")
    }
    movable = try container.decode(Bool.self, forKey: .movable)
    handledBy = try container.decodeIfPresent(String.self, forKey: .handledBy)
    provenance = try container.decode(Provenance.self, forKey: .provenance)
    devices = try container.decodeIfPresent([String].self, forKey: .devices)
    present = try container.decodeIfPresent(Bool.self, forKey: .present)
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(irqs, forKey: .irqs)
    try container.encode(cpus.cpulist, forKey: .cpus)
    try container.encode(movable, forKey: .movable)
    try container.encodeIfPresent(handledBy, forKey: .handledBy)
    try container.encode(provenance, forKey: .provenance)
    try container.encodeIfPresent(devices, forKey: .devices)
    try container.encodeIfPresent(present, forKey: .present)
  }
}
