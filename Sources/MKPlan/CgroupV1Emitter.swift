import MKCore
import MKPolicy
import MKTopology

/// The cgroup v1 equivalents, for hosts whose cpuset controller is still on
/// a v1 hierarchy (`cgroupMode` v1 or hybrid): the same tree under each of
/// the cpuset, cpu, memory and blkio hierarchies.
///
/// - cpuset: `cpuset.cpus`, `cpuset.mems` (v1 needs both before a task can
///   join), `cpuset.cpu_exclusive` for partitions (and their parent, which v1
///   requires), `cpuset.sched_load_balance` 0 for isolated partitions.
/// - cpu: `cpu.shares` (weight 100 = 1024 shares), `cpu.cfs_quota_us`.
/// - memory: `memory.limit_in_bytes` (max), `memory.soft_limit_in_bytes` (high);
///   v1 has no `memory.min`.
/// - blkio: `blkio.throttle.{read,write}_{bps,iops}_device`.
public struct CgroupV1Emitter: Sendable {
  public static let mount = "/sys/fs/cgroup"
  public static let period = 100_000

  public init() {}

  public func directories(_ input: PlanInput, _ settings: [CgroupSettings])
    -> (directories: [CgroupDirectory], diagnostics: [Diagnostic])
  {
    guard !settings.isEmpty else { return ([], []) }
    var diagnostics: [Diagnostic] = []
    let parent = input.policy.host.cgroupParent
    let provenance = input.hostProvenance
    let partitions = settings.filter { $0.partition != nil }
    let isolated = settings.filter { $0.partition == "isolated" }
    let lowIsolated = input.placed.filter {
      $0.workload.isolation == .partition && $0.workload.latency == .low
    }
    if !lowIsolated.isEmpty {
      diagnostics.append(
        .warning(
          "E409",
          "cgroup v1 cpusets cannot take CPUs out of the root's load balancing at runtime: 'low' latency partitions share scheduler domains until the host moves to cgroup v2",
          at: lowIsolated[0].workload.location(of: "latency"),
          notes: lowIsolated.dropFirst().map {
            Diagnostic.Note("also '\($0.workload.name)'", at: $0.workload.location(of: "latency"))
          },
          help: [
            "boot with systemd.unified_cgroup_hierarchy=1 for isolated cpuset partitions, or use latency: realtime (isolcpus=domain at boot)"
          ]))
    }
    if settings.contains(where: { $0.memoryMin != nil && $0.memoryMin != 0 }) {
      diagnostics.append(
        .warning(
          "E418",
          "cgroup v1 has no memory.min: minimum memory guarantees are not enforced on this host",
          help: ["boot with systemd.unified_cgroup_hierarchy=1 to get memory.min"]))
    }
    let allCPUs = settings.reduce(input.assignment.sharedPool) { $0.union($1.cpus) }
    let allMems = settings.reduce(CPUSet()) { $0.union($1.mems) }
    let components = parent.split(separator: "/").map(String.init)
    var directories: [CgroupDirectory] = []

    func ancestors(_ hierarchy: String, _ files: (Bool) -> [CgroupDirectory.File]) -> String {
      var path = Self.mount + "/" + hierarchy
      for (index, component) in components.enumerated() {
        path += "/" + component
        directories.append(
          CgroupDirectory(
            path: path, files: files(index == components.count - 1), provenance: provenance))
      }
      return path
    }

    // cpuset
    let cpusetParent = ancestors("cpuset") { _ in
      var files: [CgroupDirectory.File] = [
        .init(KernelInterfaces.cpusetCPUs, allCPUs.cpulist, role: .cpus, provenance: provenance),
        .init(KernelInterfaces.cpusetMems, allMems.cpulist, provenance: provenance),
      ]
      if !partitions.isEmpty {
        files.append(
          .init(
            KernelInterfaces.cpusetCPUExclusive, "1", role: .partition(reset: "0"),
            provenance: provenance))
      }
      if !isolated.isEmpty {
        files.append(.init(KernelInterfaces.cpusetSchedLoadBalance, "0", provenance: provenance))
      }
      return files
    }
    for setting in settings {
      var files: [CgroupDirectory.File] = [
        .init(
          KernelInterfaces.cpusetCPUs, setting.cpus.cpulist, role: .cpus,
          provenance: setting.cpuProvenance),
        .init(KernelInterfaces.cpusetMems, setting.mems.cpulist, provenance: setting.cpuProvenance),
      ]
      if setting.partition != nil {
        files.append(
          .init(
            KernelInterfaces.cpusetCPUExclusive, "1", role: .partition(reset: "0"),
            provenance: setting.provenance))
      }
      files.append(
        .init(
          KernelInterfaces.cpusetSchedLoadBalance, setting.partition == "isolated" ? "0" : "1",
          provenance: setting.provenance))
      directories.append(
        CgroupDirectory(
          path: cpusetParent + "/" + setting.directory, files: files, provenance: setting.provenance
        ))
    }

    // cpu
    let cpuParent = ancestors("cpu") { _ in [] }
    for setting in settings {
      let quota = setting.quotaCPUs.map { "\($0 * Self.period)" } ?? "-1"
      directories.append(
        CgroupDirectory(
          path: cpuParent + "/" + setting.directory,
          files: [
            .init(
              KernelInterfaces.cpuShares, "\(max(2, setting.weight * 1024 / 100))",
              provenance: setting.weightProvenance),
            .init(
              KernelInterfaces.cpuCFSPeriod, "\(Self.period)", provenance: setting.cpuProvenance),
            .init(KernelInterfaces.cpuCFSQuota, quota, provenance: setting.cpuProvenance),
          ], provenance: setting.provenance))
    }

    // memory
    let withMemory = settings.filter(\.hasMemoryLimits)
    if !withMemory.isEmpty {
      let memoryParent = ancestors("memory") { _ in [] }
      for setting in withMemory {
        directories.append(
          CgroupDirectory(
            path: memoryParent + "/" + setting.directory,
            files: [
              .init(
                KernelInterfaces.memoryLimit, setting.memoryMax.map { "\($0)" } ?? "-1",
                provenance: setting.memoryProvenance),
              .init(
                KernelInterfaces.memorySoftLimit, setting.memoryHigh.map { "\($0)" } ?? "-1",
                provenance: setting.memoryProvenance),
            ], provenance: setting.provenance))
      }
    }

    // blkio
    let withIO = settings.filter { !$0.io.isEmpty }
    if !withIO.isEmpty {
      let blkioParent = ancestors("blkio") { _ in [] }
      for setting in withIO {
        var files: [CgroupDirectory.File] = []
        for line in setting.io {
          let limits: [(KernelInterface, UInt64?)] = [
            (KernelInterfaces.blkioReadBps, line.readBps),
            (KernelInterfaces.blkioWriteBps, line.writeBps),
            (KernelInterfaces.blkioReadIOPS, line.readIOPS),
            (KernelInterfaces.blkioWriteIOPS, line.writeIOPS),
          ]
          for (name, value) in limits {
            guard let value else { continue }
            files.append(
              .init(
                name, "\(line.majorMinor) \(value)", key: line.majorMinor,
                provenance: line.provenance))
          }
        }
        directories.append(
          CgroupDirectory(
            path: blkioParent + "/" + setting.directory, files: files,
            provenance: setting.provenance))
      }
    }
    return (directories, diagnostics)
  }
}
