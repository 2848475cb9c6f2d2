import MKCore
import MKPolicy
import MKTopology

/// The cgroup v2 tree under `host.cgroupParent`: per workload `cpuset.cpus`,
/// `cpuset.mems`, `cpuset.cpus.exclusive` (6.7+, remote partitions),
/// `cpuset.cpus.partition`, `cpu.weight`, `cpu.max`, `memory.min/high/max`
/// and `io.max`, with controllers enabled in every ancestor first.
///
/// Partitions: with `cpuset.cpus.exclusive` each partition is a remote
/// partition (the parent lists the exclusive CPUs and stays a member);
/// without it the parent itself becomes a `root` partition so that its
/// children can be partitions (the kernel's local-partition rule).
///
/// The CPUs the plan leaves idle (`Assignment.idle`) go into an isolated
/// partition of their own that holds no task, `idleCgroup`: a CPU no
/// partition holds belongs to the root cgroup, whose tasks (and those of
/// `system.slice`) the scheduler would otherwise put there.
public struct CgroupV2Emitter: Sendable {
  public static let mount = "/sys/fs/cgroup"
  public static let period = 100_000
  /// Never a workload's name: those have no underscore.
  public static let idleCgroup = "_idle"

  public init() {}

  public func directories(_ input: PlanInput, _ settings: [CgroupSettings])
    -> (directories: [CgroupDirectory], diagnostics: [Diagnostic])
  {
    guard !settings.isEmpty else { return ([], []) }
    var diagnostics: [Diagnostic] = []
    let kernel = input.topology.kernel
    let wanted = ["cpuset", "cpu", "memory", "io"].filter { controller in
      controller != "io" || settings.contains { !$0.io.isEmpty }
    }
    let available =
      kernel.cgroupControllers.isEmpty ? wanted : wanted.filter(kernel.cgroupControllers.contains)
    let missing = wanted.filter { !available.contains($0) }
    if !missing.isEmpty {
      diagnostics.append(
        .warning(
          "E417",
          "cgroup v2 controller\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) not available on this host; those settings are left out",
          at: input.policy.host.location,
          help: ["enable the controller at the cgroup v2 root, or boot with cgroup_enable=..."]))
    }
    let has = Set(available)
    let partitions = settings.filter { $0.partition != nil }
    let remote = kernel.cpusetExclusive
    let idle =
      has.contains("cpuset") && kernel.cpusetPartitions ? input.assignment.idle : CPUSet()
    if !partitions.isEmpty, !kernel.cpusetPartitions {
      diagnostics.append(
        .warning(
          "E408",
          "this kernel has no cpuset.cpus.partition: partition workloads get their CPUs but no exclusivity from the kernel",
          notes: partitions.map { Diagnostic.Note("partition workload '\($0.name)'") },
          help: ["use a kernel of 5.11 or later for isolated partitions"]))
    }
    let parentProvenance = input.hostProvenance
    let subtree = available.map { "+" + $0 }.joined(separator: " ")
    var directories: [CgroupDirectory] = []
    // Every ancestor, from the root down, enables the controllers.
    let components = input.policy.host.cgroupParent.split(separator: "/").map(String.init)
    var path = Self.mount
    directories.append(
      CgroupDirectory(
        path: path, owned: false,
        files: [.init(KernelInterfaces.subtreeControl, subtree, provenance: parentProvenance)],
        provenance: parentProvenance))
    let allCPUs = settings.reduce(input.assignment.sharedPool.union(idle)) { $0.union($1.cpus) }
    let allMems = settings.reduce(CPUSet()) { $0.union($1.mems) }
    let exclusiveCPUs = partitions.reduce(idle) { $0.union($1.cpus) }
    for component in components {
      path += "/" + component
      var files: [CgroupDirectory.File] = []
      if has.contains("cpuset") {
        files.append(
          .init(
            KernelInterfaces.cpusetCPUs, allCPUs.cpulist, role: .cpus, provenance: parentProvenance)
        )
        files.append(
          .init(KernelInterfaces.cpusetMems, allMems.cpulist, provenance: parentProvenance))
        if !partitions.isEmpty || !idle.isEmpty, kernel.cpusetPartitions {
          if remote {
            files.append(
              .init(
                KernelInterfaces.cpusetCPUsExclusive, exclusiveCPUs.cpulist, role: .exclusiveCPUs,
                provenance: parentProvenance))
          } else {
            files.append(
              .init(
                KernelInterfaces.cpusetPartition, "root", role: .partition(reset: "member"),
                provenance: parentProvenance))
          }
        }
      }
      files.append(.init(KernelInterfaces.subtreeControl, subtree, provenance: parentProvenance))
      directories.append(CgroupDirectory(path: path, files: files, provenance: parentProvenance))
    }
    for setting in settings {
      directories.append(
        workloadDirectory(setting, parent: path, has: has, subtree: subtree, kernel: kernel))
    }
    if !idle.isEmpty {
      directories.append(idleDirectory(input, idle, mems: allMems, parent: path, remote: remote))
    }
    return (directories, diagnostics)
  }

  /// The empty isolated partition that keeps the idle CPUs idle, traced to
  /// the `smt: off` workloads (or the housekeeping list) that leave them.
  private func idleDirectory(
    _ input: PlanInput, _ idle: CPUSet, mems: CPUSet, parent: String, remote: Bool
  ) -> CgroupDirectory {
    let causes = input.placed.filter { !input.idleSiblings(of: $0.assignment.cpus).isEmpty }
    let provenance =
      causes.first.map { input.provenance($0.workload, "smt") }
      ?? input.housekeepingProvenance
    var files: [CgroupDirectory.File] = [
      .init(KernelInterfaces.cpusetMems, mems.cpulist, provenance: provenance),
      .init(KernelInterfaces.cpusetCPUs, idle.cpulist, role: .cpus, provenance: provenance),
    ]
    if remote {
      files.append(
        .init(
          KernelInterfaces.cpusetCPUsExclusive, idle.cpulist, role: .exclusiveCPUs,
          provenance: provenance))
    }
    files.append(
      .init(
        KernelInterfaces.cpusetPartition, "isolated", role: .partition(reset: "member"),
        provenance: provenance))
    return CgroupDirectory(
      path: parent + "/" + Self.idleCgroup, files: files, provenance: provenance)
  }

  private func workloadDirectory(
    _ setting: CgroupSettings, parent: String, has: Set<String>, subtree: String,
    kernel: KernelInfo
  ) -> CgroupDirectory {
    var files: [CgroupDirectory.File] = []
    if has.contains("cpuset") {
      files.append(
        .init(KernelInterfaces.cpusetMems, setting.mems.cpulist, provenance: setting.cpuProvenance))
      files.append(
        .init(
          KernelInterfaces.cpusetCPUs, setting.cpus.cpulist, role: .cpus,
          provenance: setting.cpuProvenance))
      if let partition = setting.partition, kernel.cpusetPartitions {
        if kernel.cpusetExclusive {
          files.append(
            .init(
              KernelInterfaces.cpusetCPUsExclusive, setting.cpus.cpulist, role: .exclusiveCPUs,
              provenance: setting.cpuProvenance))
        }
        files.append(
          .init(
            KernelInterfaces.cpusetPartition, partition, role: .partition(reset: "member"),
            provenance: setting.provenance))
      }
    }
    if has.contains("cpu") {
      files.append(
        .init(KernelInterfaces.cpuWeight, "\(setting.weight)", provenance: setting.weightProvenance)
      )
      let quota = setting.quotaCPUs.map { "\($0 * Self.period)" } ?? "max"
      files.append(
        .init(KernelInterfaces.cpuMax, "\(quota) \(Self.period)", provenance: setting.cpuProvenance)
      )
    }
    if has.contains("memory"), setting.hasMemoryLimits {
      files.append(
        .init(
          KernelInterfaces.memoryMin, "\(setting.memoryMin ?? 0)",
          provenance: setting.memoryProvenance))
      files.append(
        .init(
          KernelInterfaces.memoryHigh, setting.memoryHigh.map { "\($0)" } ?? "max",
          provenance: setting.memoryProvenance))
      files.append(
        .init(
          KernelInterfaces.memoryMax, setting.memoryMax.map { "\($0)" } ?? "max",
          provenance: setting.memoryProvenance))
    }
    if has.contains("io") {
      for line in setting.io {
        var value = line.majorMinor
        if let v = line.readBps { value += " rbps=\(v)" }
        if let v = line.writeBps { value += " wbps=\(v)" }
        if let v = line.readIOPS { value += " riops=\(v)" }
        if let v = line.writeIOPS { value += " wiops=\(v)" }
        files.append(
          .init(KernelInterfaces.ioMax, value, key: line.majorMinor, provenance: line.provenance))
      }
    }
    // A manager that builds cgroups below the workload's gets the controllers
    // for them (systemd does this itself for Delegate=yes services).
    if setting.launch.delegate, setting.launch.manager == .cgroup, !subtree.isEmpty {
      files.append(
        .init(
          KernelInterfaces.subtreeControl, subtree,
          provenance: setting.launchProvenance))
    }
    return CgroupDirectory(
      path: parent + "/" + setting.directory, files: files, provenance: setting.provenance)
  }
}
