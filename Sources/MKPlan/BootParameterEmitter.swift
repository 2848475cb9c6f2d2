import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// Host kernel command-line parameters: everything that only takes effect
/// at boot, so every item here means a reboot.
///
/// - `realtime` partitions get tick (`nohz_full`), RCU (`rcu_nocbs`) and
///   scheduler-domain/managed-IRQ (`isolcpus=managed_irq,domain,`) isolation,
///   all three with the same list, as the kernel requires; the list also
///   holds the idle siblings of their `smt: off` cores.
/// - Whenever a workload owns CPUs, IRQs and kernel threads default to the
///   housekeeping CPUs (`irqaffinity`, `kthread_cpus`).
/// - Host huge pages per node (`hugepages=N:COUNT`, kernel 5.16+); older or
///   unknown kernels get runtime per-node sysfs writes instead.
/// - `mkkernel_pool=` only on kernels that reserve the pool at boot.
/// - Realtime extras only when `host.realtimeExtras` asks for them.
public struct BootParameterEmitter: Sendable {
  public struct Output: Sendable {
    public var parameters: [BootParameter] = []
    /// Runtime huge page settings when the kernel cannot take them per node at boot.
    public var runtimeHugePages: [FileWrite] = []
    public var diagnostics: [Diagnostic] = []
  }

  public init() {}

  public func emit(_ input: PlanInput) -> Output {
    var out = Output()
    let placed = input.placed
    let realtime = placed.filter {
      $0.workload.isolation == .partition && $0.workload.latency == .realtime
    }
    let realtimeCPUs = realtime.reduce(CPUSet()) { $0.union($1.assignment.cpus) }
    if !realtimeCPUs.isEmpty {
      // The idle siblings of a realtime partition's `smt: off` cores are
      // isolated with it: no cgroup holds them, so without boot isolation the
      // scheduler would run the root cgroup's tasks there, on the same core
      // as the realtime thread.
      var sources = realtime.map { input.provenance($0.workload, "latency") }
      var isolated = realtimeCPUs
      for (workload, assignment) in realtime {
        let siblings = input.idleSiblings(of: assignment.cpus)
        guard !siblings.isEmpty else { continue }
        isolated.formUnion(siblings)
        sources.append(input.provenance(workload, "smt"))
      }
      let list = isolated.cpulist
      out.parameters.append(
        BootParameter("isolcpus=managed_irq,domain,\(list)", provenance: sources))
      out.parameters.append(BootParameter("nohz_full=\(list)", provenance: sources))
      out.parameters.append(BootParameter("rcu_nocbs=\(list)", provenance: sources))
    }

    let owners = placed.filter { $0.workload.ownsCPUs }
    if !owners.isEmpty, !input.assignment.housekeeping.isEmpty {
      let list = input.assignment.housekeeping.cpulist
      let sources =
        [input.housekeepingProvenance] + owners.map { input.provenance($0.workload, "isolation") }
      out.parameters.append(BootParameter("irqaffinity=\(list)", provenance: sources))
      out.parameters.append(BootParameter("kthread_cpus=\(list)", provenance: sources))
    }

    hugePages(input, placed.filter { $0.workload.isolation != .kernel }, into: &out)

    let instances = placed.filter { $0.workload.isolation == .kernel }
    if input.topology.kernel.multikernel == .bootParameter, !instances.isEmpty {
      let total = instances.reduce(UInt64(0)) { $0 + $1.assignment.memoryBytes }
      if total > 0 {
        out.parameters.append(
          BootParameter(
            "mkkernel_pool=\(Self.memparse(total))",
            provenance: instances.map { input.provenance($0.workload, "memory") }))
      }
    }

    if input.policy.host.realtimeExtras, !realtimeCPUs.isEmpty {
      let sources = [input.hostProvenance]
      for extra in Self.realtimeExtras(architecture: input.topology.architecture) {
        out.parameters.append(BootParameter(extra, provenance: sources))
      }
    }
    return out
  }

  /// The usual realtime extras (tuned `realtime`, OpenShift RT hints), minus
  /// `idle=poll`, which burns a core per CPU for a few microseconds.
  public static func realtimeExtras(architecture: String) -> [String] {
    var extras = ["skew_tick=1", "rcu_nocb_poll", "nosoftlockup", "nowatchdog"]
    if architecture == "x86_64" {
      extras += ["tsc=reliable", "processor.max_cstate=1", "intel_idle.max_cstate=0"]
    }
    return extras
  }

  private func hugePages(
    _ input: PlanInput, _ host: [(workload: Workload, assignment: WorkloadAssignment)],
    into out: inout Output
  ) {
    // page size -> node -> count, and who asked.
    var counts: [UInt64: [Int: Int]] = [:]
    var sources: [UInt64: [Provenance]] = [:]
    for (workload, assignment) in host {
      guard let pages = workload.hugepages else { continue }
      for (nodeKey, count) in assignment.hugePagesByNode where count > 0 {
        guard let node = Int(nodeKey) else { continue }
        counts[pages.pageSizeBytes, default: [:]][node, default: 0] += count
      }
      if !(assignment.hugePagesByNode.values.allSatisfy { $0 == 0 }) {
        sources[pages.pageSizeBytes, default: []].append(input.provenance(workload, "hugepages"))
      }
    }
    guard !counts.isEmpty else { return }
    let perNodeAtBoot: Bool
    if let version = input.kernelVersion {
      perNodeAtBoot = version.major > 5 || (version.major == 5 && version.minor >= 16)
    } else {
      perNodeAtBoot = false
      out.diagnostics.append(
        .warning(
          "E406",
          "kernel release '\(input.topology.kernel.release)' is not a version; huge pages are set at runtime per node",
          help: [
            "give the topology a kernel release such as 6.8.0 to get boot-time per-node huge pages"
          ]))
    }
    for size in counts.keys.sorted() {
      let perNode = counts[size] ?? [:]
      let provenance = sources[size] ?? []
      if perNodeAtBoot {
        let list = perNode.keys.sorted().map { "\($0):\(perNode[$0] ?? 0)" }.joined(separator: ",")
        out.parameters.append(
          BootParameter("hugepagesz=\(Self.memparse(size))", provenance: provenance))
        out.parameters.append(BootParameter("hugepages=\(list)", provenance: provenance))
      } else {
        for node in perNode.keys.sorted() {
          out.runtimeHugePages.append(
            FileWrite(
              path: KernelInterfaces.nodeHugePages.path(String(node), String(size / 1024)),
              content: "\(perNode[node] ?? 0)\n",
              provenance: provenance.first ?? Provenance()))
        }
      }
    }
    if !perNodeAtBoot, input.kernelVersion != nil {
      out.diagnostics.append(
        .warning(
          "E407",
          "kernel \(input.topology.kernel.release) predates per-node hugepages= (5.16); huge pages are allocated at runtime through sysfs",
          help: [
            "runtime allocation of large pages can fall short on fragmented memory; check nr_hugepages after apply"
          ]))
    }
  }

  /// A size as the kernel's memparse reads it (`1G`, `2M`, `4096`).
  public static func memparse(_ bytes: UInt64) -> String {
    for (suffix, factor) in [
      ("T", UInt64(1) << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10),
    ]
    where bytes != 0 && bytes % factor == 0 {
      return "\(bytes / factor)\(suffix)"
    }
    return "\(bytes)"
  }
}
