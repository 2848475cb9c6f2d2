import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// The kubelet configuration of a host that is a Kubernetes node
/// (`host.kubernetes`), as KubeletConfiguration (kubelet.config.k8s.io/v1beta1)
/// YAML: kubelet's CPU, memory and topology managers see every CPU and every
/// byte the plan gives to the host kernel or to mkpolicy's workloads as
/// reserved, so pods run on the shared pool only.
///
/// - CPUs: the kubelet sees the host kernel's CPUs (kernel instances' CPUs
///   leave the host). `reservedSystemCPUs` is all of those but the shared
///   pool: housekeeping, partitions and idle siblings. The static CPU manager
///   then hands exclusive CPUs to pods from the shared pool only, and with
///   `strict-cpu-reservation` (KEP-4540) burstable and best-effort pods stay
///   off the reserved CPUs too. (Partition CPUs are also kept from pods by
///   the kernel: a cpuset partition's CPUs leave its siblings' cpusets.)
/// - Memory: the static memory manager must be told, per NUMA node, what pods
///   may not have: the housekeeping memory (split over the nodes of the
///   housekeeping CPUs), each workload's memory on that node, kernel
///   instances' memory when the multikernel pool is taken at runtime (it
///   still counts in the host's MemTotal; a pool reserved at boot does not),
///   and the hard eviction threshold (on the first node of the shared pool).
///   kubelet requires the per-node reservations to add up to
///   systemReserved + kubeReserved + evictionHard: this file sets
///   systemReserved to the sum of mkpolicy's reservations so they do.
/// - Huge pages are not reserved here: kubelet already leaves pre-allocated
///   pages out of memory capacity.
public enum KubeletConfigEmitter {
  /// kubelet's default hard eviction thresholds besides memory: stated
  /// explicitly, because an `evictionHard` that lists only
  /// `memory.available` sets the other signals to zero.
  static let defaultEviction = [
    ("imagefs.available", "15%"), ("nodefs.available", "10%"), ("nodefs.inodesFree", "5%"),
  ]

  public struct Reservation: Sendable, Hashable {
    public var reservedCPUs: CPUSet
    public var podCPUs: CPUSet
    /// Bytes per NUMA node id, including the eviction threshold.
    public var memoryByNode: [Int: UInt64]
    public var systemReservedBytes: UInt64
  }

  /// What kubelet must keep away from pods, or why the host cannot be a node.
  public static func reservation(
    _ plan: Plan, policy: Policy, topology: Topology, node: KubernetesNode
  ) throws(DiagnosticError) -> Reservation {
    // Isolation by name, once (a search per assignment was quadratic).
    var isolationOf: [String: Isolation] = [:]
    for workload in policy.workloads where isolationOf[workload.name] == nil {
      isolationOf[workload.name] = workload.isolation
    }
    let kernelCPUs = CPUSet(
      plan.assignments.filter { isolationOf[$0.workload] == .kernel }.flatMap { $0.cpus.sorted() })
    let hostCPUs = topology.onlineCPUs.subtracting(kernelCPUs)
    let podCPUs = plan.sharedPool
    guard !podCPUs.isEmpty else {
      throw DiagnosticError(
        .error(
          "E440", "host.kubernetes: the plan leaves no shared pool, so pods would have no CPU",
          at: node.location,
          help: [
            "leave CPUs to the shared pool (lower a workload's cpus max), or drop host.kubernetes"
          ]))
    }
    let reservedCPUs = hostCPUs.subtracting(podCPUs)

    var memory: [Int: UInt64] = [:]
    func add(_ bytes: UInt64, _ node: Int) {
      let (sum, overflow) = memory[node, default: 0].addingReportingOverflow(bytes)
      memory[node] = overflow ? UInt64.max : sum
    }
    // Housekeeping memory over the nodes of the housekeeping CPUs.
    let housekeepingNodes = topology.nodes.filter {
      !$0.cpus.intersection(plan.housekeeping).isEmpty
    }
    .map(\.id)
    let housekeepingBytes = policy.host.housekeeping.memoryBytes
    if housekeepingBytes > 0, !housekeepingNodes.isEmpty {
      let count = UInt64(housekeepingNodes.count)
      for (index, id) in housekeepingNodes.enumerated() {
        add(housekeepingBytes / count + (index == 0 ? housekeepingBytes % count : 0), id)
      }
    }
    let runtimePool = topology.kernel.multikernel != .bootParameter
    for assignment in plan.assignments {
      let isolation = isolationOf[assignment.workload]
      if isolation == .kernel && !runtimePool { continue }
      for (key, bytes) in assignment.memoryBytesByNode {
        if let id = Int(key), bytes > 0 { add(bytes, id) }
      }
    }
    let systemReserved = memory.values.reduce(UInt64(0)) {
      let (sum, overflow) = $0.addingReportingOverflow($1)
      return overflow ? UInt64.max : sum
    }
    let podNode = topology.nodes.first { !$0.cpus.intersection(podCPUs).isEmpty }?.id ?? 0
    add(node.evictionMemoryBytes, podNode)
    for (id, bytes) in memory {
      if let capacity = topology.nodes.first(where: { $0.id == id })?.memoryTotalBytes,
        bytes > capacity
      {
        throw DiagnosticError(
          .error(
            "E441",
            "host.kubernetes: kubelet would have to reserve \(ByteSize.format(bytes)) on NUMA node \(id), which has \(ByteSize.format(capacity))",
            at: node.location,
            help: ["lower the memory of workloads on node \(id), or host.kubernetes.evictionMemory"]
          ))
      }
    }
    return Reservation(
      reservedCPUs: reservedCPUs, podCPUs: podCPUs, memoryByNode: memory,
      systemReservedBytes: systemReserved)
  }

  public static func emit(_ plan: Plan, policy: Policy, topology: Topology, node: KubernetesNode)
    throws(DiagnosticError) -> String
  {
    let reserved = try reservation(plan, policy: policy, topology: topology, node: node)
    var lines: [String] = [
      "# KubeletConfiguration for a node planned by mkpolicy (policy \(policy.metadata.name)).",
      "# Pods run on the shared pool; every other CPU and the memory of the host kernel and of",
      "# mkpolicy's workloads is reserved from them. Merge these fields into the kubelet's",
      "# configuration and restart it after removing cpu_manager_state and memory_manager_state",
      "# from its root directory (the managers keep state across restarts).",
      "# Pod CPUs: \(reserved.podCPUs.cpulist)",
      "apiVersion: kubelet.config.k8s.io/v1beta1",
      "kind: KubeletConfiguration",
      "cpuManagerPolicy: static",
    ]
    if node.strictCPUReservation {
      lines += ["cpuManagerPolicyOptions:", "  strict-cpu-reservation: \"true\""]
    }
    lines += [
      "reservedSystemCPUs: \"\(reserved.reservedCPUs.cpulist)\"",
      "memoryManagerPolicy: Static",
      "topologyManagerPolicy: \(node.topologyManagerPolicy.rawValue)",
      "topologyManagerScope: \(node.topologyManagerScope.rawValue)",
    ]
    if reserved.systemReservedBytes > 0 {
      lines += ["systemReserved:", "  memory: \(quantity(reserved.systemReservedBytes))"]
    }
    lines.append("evictionHard:")
    var eviction = defaultEviction + [("memory.available", quantity(node.evictionMemoryBytes))]
    eviction.sort { $0.0 < $1.0 }
    lines += eviction.map { "  \($0.0): \"\($0.1)\"" }
    lines.append("reservedMemory:")
    for id in reserved.memoryByNode.keys.sorted() {
      lines += [
        "  - numaNode: \(id)", "    limits:",
        "      memory: \(quantity(reserved.memoryByNode[id]!))",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A Kubernetes resource quantity: binary suffixes when exact, else bytes.
  public static func quantity(_ bytes: UInt64) -> String {
    for (suffix, shift) in [("Ti", UInt64(40)), ("Gi", 30), ("Mi", 20), ("Ki", 10)]
    where bytes != 0 && bytes % (UInt64(1) << shift) == 0 {
      return "\(bytes >> shift)\(suffix)"
    }
    return String(bytes)
  }
}
