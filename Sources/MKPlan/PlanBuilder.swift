import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// Policy + topology + the solver's assignment (+ the plan in force) -> Plan.
///
/// Runs every emitter, keeps their warnings, and fails with all errors
/// found rather than emitting a partial plan.
public struct PlanBuilder: Sendable {
  public init() {}

  public func build(
    policy: Policy, topology: Topology, assignment solved: Assignment,
    warnings: [Diagnostic] = [], previous inForce: Plan? = nil
  ) -> Result<Plan, DiagnosticError> {
    var diagnostics = DiagnosticCollector()
    diagnostics.emit(contentsOf: warnings)
    // Hand-overs first: every other emitter plans against the state they
    // leave (the workload on its successor), so none restarts it.
    let handover = HandoverPlanner().plan(
      PlanInput(policy: policy, topology: topology, assignment: solved, previous: inForce))
    diagnostics.emit(contentsOf: handover.diagnostics)
    let assignment = handover.assignment
    let previous = handover.previousAfter
    let input = PlanInput(
      policy: policy, topology: topology, assignment: assignment, previous: previous)

    let boot = BootParameterEmitter().emit(input)
    diagnostics.emit(contentsOf: boot.diagnostics)
    let staging = BootStagingEmitter().emit(
      parameters: boot.parameters, bootloader: policy.host.bootloader,
      currentCommandLine: topology.kernel.commandLine,
      previousParameters: previous?.bootParameters ?? [],
      policyName: policy.metadata.name)
    diagnostics.emit(contentsOf: staging.diagnostics)

    let (settings, settingDiagnostics) = CgroupSettings.build(input)
    diagnostics.emit(contentsOf: settingDiagnostics)
    var mode = topology.kernel.cgroupMode
    var directories: [CgroupDirectory] = []
    switch mode {
    case .v2:
      let v2 = CgroupV2Emitter().directories(input, settings)
      directories = v2.directories
      diagnostics.emit(contentsOf: v2.diagnostics)
    case .v1, .hybrid:
      let v1 = CgroupV1Emitter().directories(input, settings)
      directories = v1.directories
      diagnostics.emit(contentsOf: v1.diagnostics)
    case .none:
      if !settings.isEmpty {
        diagnostics.emit(
          .error(
            "E416",
            "the host has no cgroup hierarchy, but \(settings.map { "'\($0.name)'" }.joined(separator: ", ")) need cgroups",
            at: policy.host.location,
            help: ["mount cgroup2 at /sys/fs/cgroup, or plan for a snapshot of a host that has it"])
        )
      }
      mode = .v2
    }
    let sequencer = CgroupSequencer()
    // The root is not ours: its controller enabling is a prerequisite, not part of the tree.
    let rootPrefix = directories.first { !$0.owned }.map { [$0] } ?? []
    let owned = directories.filter(\.owned)
    let prerequisites = sequencer.sequence(rootPrefix, previous: [])
    directories = owned
    let cgroupTree = sequencer.sequence(directories, previous: [])
    let cgroupWrites =
      previous == nil
      ? cgroupTree
      : sequencer.sequence(directories, previous: Self.previousTree(previous, mode: mode.rawValue))
    let units = SystemdSliceEmitter().emit(
      input, settings, directories: directories, mode: mode)
    diagnostics.emit(contentsOf: units.diagnostics)
    let tuning = TuningEmitter().emit(input)
    diagnostics.emit(contentsOf: tuning.diagnostics)
    let queues = NICQueueEmitter().emit(input)
    diagnostics.emit(contentsOf: queues.diagnostics)
    let stalld = StalldUnitEmitter().emit(input)

    let isolcpus = boot.parameters.first { $0.key == "isolcpus" }?.parameter
    let irq = IRQAffinityEmitter().emit(input, managedIRQParameter: isolcpus)
    diagnostics.emit(contentsOf: irq.diagnostics)
    if policy.host.irqbalance == .stop, !irq.settings.isEmpty {
      diagnostics.emit(
        Diagnostic(
          .note, "E419",
          "host.irqbalance is 'stop': apply stops irqbalance before writing IRQ affinity",
          at: policy.host.location))
    }

    let kerf = KerfCommandEmitter().emit(input)
    diagnostics.emit(contentsOf: kerf.diagnostics)

    if diagnostics.hasErrors { return .failure(DiagnosticError(diagnostics.sorted)) }

    var plan = Plan(
      policy: policy.metadata.name, topologyFingerprint: HostFingerprinter.fingerprint(topology),
      housekeeping: assignment.housekeeping, sharedPool: assignment.sharedPool,
      assignments: assignment.workloads, objective: assignment.objective,
      bootParameters: boot.parameters.map(\.parameter), bootStaging: staging.staging,
      cgroupWrites: cgroupWrites, irqAffinity: irq.settings,
      fileWrites: irq.fileWrites, coordinatorCommands: kerf.commands,
      diagnostics: diagnostics.sorted,
      cgroupParentPath: Self.parentPath(policy.host.cgroupParent, mode: mode),
      allowForeignCgroups: policy.host.allowForeignCgroups)
    // The parent's subtree_control in the previous tree says what the root already enables.
    let enabledBefore = Self.previousTree(previous, mode: mode.rawValue).first {
      $0.path.hasSuffix("/cgroup.subtree_control")
    }?.value
    plan.mkpolicyVersion = MKPolicyVersion.release
    plan.idle = assignment.idle
    plan.cgroupPrerequisites = prerequisites.filter { $0.value != enabledBefore }
    plan.kernelWrites = irq.kernelWrites + boot.runtimeHugePages
    plan.defaultIRQAffinity = irq.defaultAffinity
    plan.bootParameterItems = boot.parameters
    plan.irqbalanceMode = policy.host.irqbalance.rawValue
    plan.cgroupMode = mode.rawValue
    plan.cgroupTree = cgroupTree
    plan.systemdUnits = units.units + (stalld.map { [$0.unit] } ?? [])
    plan.coordinatorPool = kerf.pool
    plan.kernelInstances = kerf.instances
    plan.headroom = assignment.headroom
    plan.handovers = handover.handovers.isEmpty ? nil : handover.handovers
    plan.changes = PlanChangeBuilder.changes(
      plan, previous: previous, topology: topology,
      host: Provenance(workload: nil, source: policy.host.location?.description))
    plan.changes.coordinator += HandoverPlanner.changes(handover.handovers)
    var setup = HostSetup()
    setup.kernelWrites = queues.kernelWrites + tuning.kernelWrites
    setup.files = tuning.files
    let commands = HostCommandEmitter().emit(
      plan, policy: policy, kernelRelease: topology.kernel.release,
      rebootReasons: Self.stagedForBoot(tuning.files, previous: previous))
    setup.commands = queues.commands + commands.commands + (stalld.map { [$0.enable] } ?? [])
    setup.rebootRequired = commands.rebootRequired
    diagnostics.emit(contentsOf: commands.diagnostics)
    if diagnostics.hasErrors { return .failure(DiagnosticError(diagnostics.sorted)) }
    plan.diagnostics = diagnostics.sorted
    plan.hostSetup = setup.isEmpty ? nil : setup
    HostSetupChanges.add(
      setup, units: plan.systemdUnits, previous: previous,
      host: Provenance(workload: nil, source: policy.host.location?.description), to: &plan.changes)
    return .success(plan)
  }

  /// Why the staged configuration files that take effect only at boot need a
  /// reboot: each such file whose content differs from the previous plan's.
  static func stagedForBoot(_ files: [FileWrite], previous: Plan?) -> [String] {
    let before = Dictionary(
      (previous?.hostSetup?.files ?? []).map { ($0.path, $0.content) },
      uniquingKeysWith: { a, _ in a })
    return files.filter {
      KernelInterfaces.describing($0.path)?.needsReboot == true && before[$0.path] != $0.content
    }.map { "stage \($0.path)" }
  }

  /// The absolute parent directory (the cpuset hierarchy's on v1 hosts).
  static func parentPath(_ parent: String, mode: CgroupMode) -> String {
    switch mode {
    case .v1, .hybrid: return CgroupV1Emitter.mount + "/cpuset/" + parent
    case .v2, .none: return CgroupV2Emitter.mount + "/" + parent
    }
  }

  /// The cgroup tree the previous plan left in place (empty when it was
  /// for another cgroup mode, whose tree this one does not touch).
  static func previousTree(_ previous: Plan?, mode: String) -> [CgroupOperation] {
    guard let previous, previous.cgroupMode == mode else { return [] }
    return previous.cgroupTree
  }
}
