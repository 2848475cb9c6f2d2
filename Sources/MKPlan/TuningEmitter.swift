import MKCore
import MKPolicy
import MKSolver

/// The CPU and kernel tuning of `partition` workloads (`tuning:`, defaults
/// by latency class): per CPU the cpufreq governor and idle-state limit; host
/// wide the unbound workqueue mask, systemd's CPU affinity and the
/// `kernel.sched_rt_runtime_us` / `kernel.timer_migration` /
/// `vm.stat_interval` sysctls (as `/proc/sys` writes, and in
/// `/etc/sysctl.d` so that they hold after a reboot).
///
/// Host-wide settings are one value for everyone: the strictest asked for
/// wins (throttling off, migration off, the longest stat interval), traced
/// to the first workload that asked. "Host CPUs" (where workqueues and
/// system services go) are the online CPUs minus those of tuned partitions,
/// kernel instances and idle siblings: housekeeping, the shared pool and
/// partitions that keep the defaults, as tuned's `not_isolated_cores`.
public struct TuningEmitter: Sendable {
  public static let sysctlFile = "/etc/sysctl.d/90-mkpolicy.conf"
  public static let systemManagerFile = "/etc/systemd/system.conf.d/90-mkpolicy.conf"

  public struct Output: Sendable {
    public var kernelWrites: [KernelWrite] = []
    public var files: [FileWrite] = []
    public var diagnostics: [Diagnostic] = []
    /// Why a reboot is needed for what this output stages.
    public var rebootReasons: [String] = []
  }

  public init() {}

  /// Each tuned workload with its resolved tuning, in policy order.
  static func tuned(_ input: PlanInput) -> [(
    workload: Workload, assignment: WorkloadAssignment, tuning: Tuning
  )] {
    input.placed.compactMap { workload, assignment in
      workload.resolvedTuning.map { (workload, assignment, $0) }
    }
  }

  /// Where a tuning field came from: its own line, or the latency class
  /// whose default it is.
  static func provenance(_ input: PlanInput, _ workload: Workload, _ key: String) -> Provenance {
    workload.fieldLocations["tuning.\(key)"] != nil
      ? input.provenance(workload, "tuning.\(key)") : input.provenance(workload, "latency")
  }

  /// The CPUs host work may use: online, minus tuned partitions that confine
  /// host work away (`confined`), kernel instances and idle siblings.
  static func hostCPUs(_ input: PlanInput, confined: CPUSet) -> CPUSet {
    var cpus = input.topology.onlineCPUs.subtracting(confined).subtracting(input.assignment.idle)
    for (workload, assignment) in input.placed where workload.isolation == .kernel {
      cpus.subtract(assignment.cpus)
    }
    return cpus
  }

  public func emit(_ input: PlanInput) -> Output {
    var out = Output()
    let tuned = Self.tuned(input)
    guard !tuned.isEmpty else { return out }

    // Per CPU: governor and idle limit.
    for (workload, assignment, tuning) in tuned {
      if let governor = tuning.governor, governor != .keep {
        let provenance = Self.provenance(input, workload, "governor")
        for cpu in assignment.cpus {
          out.kernelWrites.add(
            KernelInterfaces.scalingGovernor, [String(cpu)], governor.rawValue, provenance,
            diagnostics: &out.diagnostics)
        }
        if governor != .performance && governor != .powersave {
          out.diagnostics.append(
            Diagnostic(
              .note, "E451",
              "workload '\(workload.name)' asks for the \(governor.rawValue) governor: intel_pstate and amd_pstate in active mode offer only performance and powersave",
              at: workload.location(of: "tuning.governor"),
              help: [
                "apply fails on such a host (the write is refused); use performance, or boot with intel_pstate=passive"
              ]))
        }
      }
      if let idle = tuning.idle, idle != .keep {
        let value: String
        switch idle {
        case .poll: value = "n/a"
        case .microseconds(let limit): value = String(limit)
        case .keep: continue
        }
        let provenance = Self.provenance(input, workload, "idle")
        for cpu in assignment.cpus {
          out.kernelWrites.add(
            KernelInterfaces.resumeLatency, [String(cpu)], value, provenance,
            diagnostics: &out.diagnostics)
        }
      }
    }

    // Host wide: workqueues and system services off the confined CPUs.
    func confined(_ key: String, _ pick: (Tuning) -> Tuning.Confinement?) -> (
      cpus: CPUSet, provenance: Provenance?
    ) {
      var cpus = CPUSet()
      var provenance: Provenance?
      for (workload, assignment, tuning) in tuned where pick(tuning) == .housekeeping {
        cpus.formUnion(assignment.cpus)
        if provenance == nil { provenance = Self.provenance(input, workload, key) }
      }
      return (cpus, provenance)
    }
    let workqueues = confined("workqueues") { $0.workqueues }
    if let provenance = workqueues.provenance {
      let cpus = Self.hostCPUs(input, confined: workqueues.cpus)
      out.kernelWrites.add(
        KernelInterfaces.workqueueCPUMask, [], cpus.hexMask, provenance,
        diagnostics: &out.diagnostics)
    }
    let services = confined("systemServices") { $0.systemServices }
    if let provenance = services.provenance {
      let cpus = Self.hostCPUs(input, confined: services.cpus)
      out.files.append(
        FileWrite(
          path: Self.systemManagerFile,
          content: """
            # Written by mkpolicy for policy \(ShellScriptEmitter.comment(input.policy.metadata.name)); mkpolicy apply rewrites this file.
            # systemd and every service it starts run on the host CPUs, off the tuned partitions.
            # Read at boot (or systemctl daemon-reexec); a workload's own service sets its CPUAffinity= in its drop-in.
            [Manager]
            CPUAffinity=\(cpus.cpulist)

            """, provenance: provenance))
      out.rebootReasons.append("systemd's CPUAffinity= (\(Self.systemManagerFile))")
    }

    // Host wide: sysctls, strictest wins.
    var sysctls: [(interface: KernelInterface, value: String, provenance: Provenance)] = []
    if let first = tuned.first(where: { $0.tuning.rtThrottling == .off }) {
      sysctls.append(
        (
          KernelInterfaces.schedRTRuntime, "-1",
          Self.provenance(input, first.workload, "rtThrottling")
        ))
    }
    if let first = tuned.first(where: { $0.tuning.timerMigration == .off }) {
      sysctls.append(
        (
          KernelInterfaces.timerMigration, "0",
          Self.provenance(input, first.workload, "timerMigration")
        ))
    }
    var longest: (seconds: Int, provenance: Provenance)?
    for (workload, _, tuning) in tuned {
      guard case .seconds(let seconds) = tuning.statInterval else { continue }
      if seconds > (longest?.seconds ?? 0) {
        longest = (seconds, Self.provenance(input, workload, "statInterval"))
      }
    }
    if let longest {
      sysctls.append((KernelInterfaces.statInterval, String(longest.seconds), longest.provenance))
    }
    // The most tolerant hung-task limit wins: 0 (never report), else the longest.
    var tolerant: (seconds: Int, provenance: Provenance)?
    for (workload, _, tuning) in tuned {
      guard case .seconds(let seconds) = tuning.hungTaskTimeout else { continue }
      let rank = { (value: Int) in value == 0 ? Int.max : value }
      if tolerant == nil || rank(seconds) > rank(tolerant!.seconds) {
        tolerant = (seconds, Self.provenance(input, workload, "hungTaskTimeout"))
      }
    }
    if let tolerant {
      sysctls.append(
        (KernelInterfaces.hungTaskTimeout, String(tolerant.seconds), tolerant.provenance))
    }
    for sysctl in sysctls {
      out.kernelWrites.add(
        sysctl.interface, [], sysctl.value, sysctl.provenance, diagnostics: &out.diagnostics)
    }
    if !sysctls.isEmpty {
      var lines = [
        "# Written by mkpolicy for policy \(ShellScriptEmitter.comment(input.policy.metadata.name)); mkpolicy apply rewrites this file.",
        "# systemd-sysctl sets these again at every boot.",
      ]
      for sysctl in sysctls {
        lines.append("# " + ShellScriptEmitter.describe(sysctl.provenance))
        lines.append("\(sysctl.interface.sysctlName ?? sysctl.interface.id) = \(sysctl.value)")
      }
      out.files.append(
        FileWrite(
          path: Self.sysctlFile, content: lines.joined(separator: "\n") + "\n",
          provenance: sysctls[0].provenance))
    }
    return out
  }

}
