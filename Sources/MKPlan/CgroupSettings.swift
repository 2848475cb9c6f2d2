import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// What one host workload (`partition` or `shared`) asks of its cgroup,
/// independent of the cgroup version that will carry it.
public struct CgroupSettings: Sendable, Hashable {
  public struct IOLine: Sendable, Hashable {
    public var device: String
    public var majorMinor: String
    public var readBps: UInt64?
    public var writeBps: UInt64?
    public var readIOPS: UInt64?
    public var writeIOPS: UInt64?
    public var provenance: Provenance
  }

  public var name: String
  /// The directory below the cgroup parent (`Workload.cgroupDirectoryName`):
  /// the workload's name, its `launch.path`, or its systemd slice.
  public var directory: String
  /// How the workload's processes get in (`launch:`).
  public var launch: Launch
  public var cpus: CPUSet
  public var mems: CPUSet
  /// `isolated` (realtime and low latency partitions), `root`, or nil (shared).
  public var partition: String?
  public var weight: Int
  /// CPUs' worth of quota per period, for shared workloads capped below their pool.
  public var quotaCPUs: Int?
  public var memoryMin: UInt64?
  public var memoryHigh: UInt64?
  /// nil with `hasMemoryLimits`: no upper limit (`max`).
  public var memoryMax: UInt64?
  /// The workload asked for memory at all (min or max above zero).
  public var hasMemoryLimits: Bool
  public var io: [IOLine]
  public var provenance: Provenance
  public var cpuProvenance: Provenance
  public var memoryProvenance: Provenance
  public var weightProvenance: Provenance
  public var launchProvenance: Provenance

  /// The host workloads of a plan, in policy order, and the diagnostics of
  /// anything that cannot be expressed (an `io` device the host lacks).
  public static func build(_ input: PlanInput) -> (
    settings: [CgroupSettings], diagnostics: [Diagnostic]
  ) {
    var diagnostics: [Diagnostic] = []
    var settings: [CgroupSettings] = []
    for (workload, assignment) in input.placed where workload.isolation != .kernel {
      var mems = CPUSet(assignment.numaNodes)
      if mems.isEmpty {
        mems = CPUSet(
          input.topology.nodes.filter { !$0.cpus.isDisjoint(with: assignment.cpus) }.map(\.id))
      }
      var io: [IOLine] = []
      for limit in workload.io {
        guard let child = input.blockDevice(named: limit.device), let majorMinor = child.majorMinor
        else {
          diagnostics.append(
            .error(
              "E401",
              "io limit for '\(limit.device)': no block device of that name with a MAJ:MIN in the topology",
              at: limit.location,
              help: ["name a block device the host has (see `mkpolicy discover`), such as nvme0n1"])
          )
          continue
        }
        io.append(
          IOLine(
            device: limit.device, majorMinor: majorMinor, readBps: limit.readBytesPerSecond,
            writeBps: limit.writeBytesPerSecond, readIOPS: limit.readIOPS,
            writeIOPS: limit.writeIOPS,
            provenance: Provenance(workload: workload.name, source: limit.location.description)))
      }
      io.sort { $0.majorMinor < $1.majorMinor }
      let partition: String? =
        workload.isolation == .partition
        ? (workload.latency == .realtime || workload.latency == .low ? "isolated" : "root") : nil
      var quota: Int?
      if workload.isolation == .shared, workload.cpus.max < assignment.cpus.count {
        quota = workload.cpus.max
      }
      let hasMemory = workload.memory.max > 0
      let bounded = workload.memory.isBounded
      let granted = assignment.memoryBytes
      settings.append(
        CgroupSettings(
          name: workload.name,
          directory: workload.cgroupDirectoryName(parent: input.policy.host.cgroupParent),
          launch: workload.launch, cpus: assignment.cpus, mems: mems, partition: partition,
          weight: workload.weight, quotaCPUs: quota,
          memoryMin: hasMemory ? workload.memory.min : nil,
          memoryHigh: hasMemory
            ? (granted > 0 && granted < workload.memory.max ? granted : nil) : nil,
          memoryMax: hasMemory && bounded ? workload.memory.max : nil, hasMemoryLimits: hasMemory,
          io: io,
          provenance: Provenance(workload: workload.name, source: workload.location.description),
          cpuProvenance: input.provenance(workload, "cpus"),
          memoryProvenance: input.provenance(workload, "memory"),
          weightProvenance: input.provenance(workload, "weight"),
          launchProvenance: input.provenance(workload, "launch")))
    }
    return (settings, diagnostics)
  }
}
