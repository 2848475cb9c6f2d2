import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// Whether the processes are where the plan puts them, read from `/proc`
/// for `mkpolicy verify`:
///
/// - a process of a `launch: systemd` workload's service (its cgroup is
///   the unit's, `.../feed-handler.service`) that runs anywhere but in the
///   workload's slice (the service started before the drop-in was loaded,
///   or someone moved it) is outside its partition (E540);
/// - a process inside an `isolated` partition that is not the workload's
///   (another workload's service, or anything outside the unit of a
///   systemd-launched workload) is foreign there (E541).
///
/// A workload launched by another manager (`launch: cgroup`) or by hand owns
/// whatever is in its cgroup: only another workload's service counts as
/// foreign there. Where the plan's units name no service, or `/proc` cannot
/// be read, nothing is said.
///
/// Beyond membership, `exposures` reads each process's `Cpus_allowed_list`:
/// a process outside an isolated partition that may still run on the
/// partition's CPUs (E542, a warning). On cgroup v2 the kernel narrows
/// every task outside a valid partition (the `host-tuning` QEMU scenario
/// reads that back), so it shows only with an invalid partition; on v1 the
/// root cpuset keeps every CPU, and every process systemd started before
/// the staged `CPUAffinity=` took effect is one. Apply cannot move them, so
/// it is not drift.
public struct PlacementCheck {
  public let host: any HostIO

  public init(host: any HostIO) { self.host = host }

  /// A `launch: systemd` workload's service and the cgroup it belongs in.
  public struct Service: Sendable, Hashable {
    public var workload: String
    public var unit: String
    /// Relative to the cgroup mount: `/mkpolicy.slice/mkpolicy-db.slice/feed.service`.
    public var cgroup: String
  }

  /// The services the plan's drop-ins put into slices (`UNIT.d/50-mkpolicy.conf`, `Slice=`).
  public static func services(_ plan: Plan) -> [Service] {
    let parent = relative(plan.effectiveCgroupParent)
    return plan.systemdUnits.compactMap { file in
      let parts = file.path.split(separator: "/").map(String.init)
      guard parts.count >= 2, parts[parts.count - 1] == SystemdSliceEmitter.dropInName,
        parts[parts.count - 2].hasSuffix(".d"),
        let line = file.content.split(separator: "\n").first(where: { $0.hasPrefix("Slice=") })
      else { return nil }
      let unit = String(parts[parts.count - 2].dropLast(2))
      let slice = String(line.dropFirst("Slice=".count))
      return Service(
        workload: file.provenance.workload ?? unit, unit: unit,
        cgroup: parent + "/" + slice + "/" + unit)
    }
  }

  /// The plan's isolated partitions, relative to the cgroup mount.
  public static func isolatedPartitions(_ plan: Plan) -> [(cgroup: String, workload: String?)] {
    let operations = plan.cgroupTree.isEmpty ? plan.cgroupWrites : plan.cgroupTree
    return operations.filter {
      $0.op == .write && ReadBack.name($0.path) == "cpuset.cpus.partition" && $0.value == "isolated"
    }.map { (relative(ReadBack.directory($0.path)), $0.provenance.workload) }
  }

  /// `/sys/fs/cgroup/a/b` as `/a/b` (v1: below the controller's mount).
  static func relative(_ path: String) -> String {
    var rest = path.dropFirst("/sys/fs/cgroup".count)
    if let first = rest.split(separator: "/").first,
      CgroupOwnership.v1Hierarchies.contains(String(first)),
      rest.split(separator: "/").count > 1
    {
      rest = rest.dropFirst(first.count + 1)
    }
    return String(rest)
  }

  /// An isolated partition, relative to the cgroup mount, with its CPUs.
  public struct IsolatedPartition: Sendable, Hashable {
    public var cgroup: String
    public var workload: String?
    public var cpus: CPUSet
  }

  /// The plan's isolated partitions with the CPUs it gives them: v2
  /// `cpuset.cpus.partition` = `isolated`, v1 `cpuset.sched_load_balance` =
  /// 0 (how the v1 emitter isolates), each with its `cpuset.cpus`.
  public static func isolatedCPUs(_ plan: Plan) -> [IsolatedPartition] {
    let operations = plan.cgroupTree.isEmpty ? plan.cgroupWrites : plan.cgroupTree
    var cpus: [String: CPUSet] = [:]
    var isolated: [(String, String?)] = []
    for op in operations where op.op == .write {
      let directory = ReadBack.directory(op.path)
      switch (ReadBack.name(op.path), op.value ?? "") {
      case ("cpuset.cpus", let value): cpus[directory] = try? CPUSet(cpulist: value)
      case ("cpuset.cpus.partition", "isolated"), ("cpuset.sched_load_balance", "0"):
        if !isolated.contains(where: { $0.0 == directory }) {
          isolated.append((directory, op.provenance.workload))
        }
      default: break
      }
    }
    return isolated.compactMap { directory, workload in
      guard let set = cpus[directory], !set.isEmpty else { return nil }
      return IsolatedPartition(cgroup: relative(directory), workload: workload, cpus: set)
    }
  }

  struct Task {
    var pid: Int32
    var comm: String
    var cgroup: String
    /// `Cpus_allowed_list` of `/proc/PID/status`: where it may run.
    var allowed: CPUSet? = nil
  }

  /// Every process with its cgroup (the v2 `0::` line, or v1's cpuset
  /// line); nil when `/proc` cannot be listed. Kernel threads (children of
  /// kthreadd) are left out: the kernel places them.
  func tasks() -> [Task]? {
    guard let entries = try? host.list("/proc") else { return nil }
    var out: [Task] = []
    for pid in entries.compactMap({ Int32($0) }).sorted() {
      guard let text = try? host.read("/proc/\(pid)/cgroup") else { continue }
      let lines = text.split(separator: "\n")
      let line =
        lines.first { $0.hasPrefix("0::") }
        ?? lines.first { $0.split(separator: ":").dropFirst().first?.contains("cpuset") == true }
      guard let line, let path = line.split(separator: ":", maxSplits: 2).last else { continue }
      let status = (try? host.read("/proc/\(pid)/status")) ?? ""
      let parent = status.split(separator: "\n").first { $0.hasPrefix("PPid:") }.map {
        String($0.dropFirst("PPid:".count)).trimmingASCIIWhitespace()
      }
      if pid == 2 || parent == "2" { continue }
      let comm = ((try? host.read("/proc/\(pid)/comm")) ?? "?").trimmingASCIIWhitespace()
      let allowed = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        .flatMap { try? CPUSet(cpulist: String($0.dropFirst("Cpus_allowed_list:".count))) }
      out.append(Task(pid: pid, comm: comm, cgroup: String(path), allowed: allowed))
    }
    return out
  }

  static func within(_ cgroup: String, _ directory: String) -> Bool {
    cgroup == directory || cgroup.hasPrefix(directory + "/")
  }

  /// The unit a cgroup belongs to: its component that names a service of the plan.
  static func unit(of cgroup: String, among services: [Service]) -> Service? {
    let components = Set(cgroup.split(separator: "/").map(String.init))
    return services.first { components.contains($0.unit) }
  }

  /// Processes outside each isolated partition that may run on its CPUs
  /// (E542): one line per partition, naming the first five.
  public func exposures(_ plan: Plan) -> [String] {
    let partitions = Self.isolatedCPUs(plan)
    guard !partitions.isEmpty, let tasks = tasks() else { return [] }
    return partitions.compactMap { partition in
      let outside = tasks.filter { task in
        guard let allowed = task.allowed, !Self.within(task.cgroup, partition.cgroup) else {
          return false
        }
        return !allowed.isDisjoint(with: partition.cpus)
      }
      guard !outside.isEmpty else { return nil }
      let named = outside.prefix(5).map { "\($0.pid) (\(Quoted.text($0.comm)))" }
      let more = outside.count > 5 ? " and \(outside.count - 5) more" : ""
      return
        "\(outside.count) process(es) outside the isolated partition \(partition.cgroup) of workload \(partition.workload ?? "?") may run on its CPUs \(partition.cpus.cpulist) (Cpus_allowed_list): \(named.joined(separator: ", "))\(more)"
    }
  }

  /// Every misplaced process, as verify's differences (E540, E541).
  public func problems(_ plan: Plan) -> [String] {
    let services = Self.services(plan)
    let partitions = Self.isolatedPartitions(plan)
    guard !services.isEmpty || !partitions.isEmpty, let tasks = tasks() else { return [] }
    var out: [String] = []
    for task in tasks {
      let name = "process \(task.pid) (\(Quoted.text(task.comm)))"
      if let service = Self.unit(of: task.cgroup, among: services),
        !Self.within(task.cgroup, service.cgroup)
      {
        out.append(
          "\(name) of workload \(service.workload) (\(service.unit)) runs in cgroup \(task.cgroup), outside its partition \(service.cgroup)"
        )
        continue
      }
      for partition in partitions where Self.within(task.cgroup, partition.cgroup) {
        let own = services.filter { $0.workload == partition.workload }
        let other = Self.unit(of: task.cgroup, among: services)
        let foreign =
          other.map { $0.workload != partition.workload }
          ?? (!own.isEmpty && !own.contains { Self.within(task.cgroup, $0.cgroup) })
        if foreign {
          out.append(
            "\(name) in cgroup \(task.cgroup) is foreign in the isolated partition \(partition.cgroup) of workload \(partition.workload ?? "?")"
          )
        }
      }
    }
    return out
  }
}
