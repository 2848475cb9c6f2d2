import MKCore
import MKPolicy
import MKTopology

/// The host as the solver sees it once housekeeping is taken: free cores per
/// last-level-cache domain, memory per node after the host's share, devices,
/// and the remote-access cost matrix X.
///
/// Cores inside one LLC domain are interchangeable for every placement goal,
/// so the search works on counts per domain (`llcs`) and only the final step
/// picks concrete CPUs. An LLC whose cores have different numbers of online
/// threads (hybrid P/E cores, an offline SMT sibling) is split into one entry
/// per thread count (same `domainId`), so that counts stay exact; the rules
/// about LLCs (`llc: exclusive`, `avoid`) are properties of the real domain
/// and are checked over all its entries (`LLC.domainEntries`).
struct HostModel: Sendable {
  struct Node: Sendable {
    var id: Int
    var package: Int
    /// Memory the workloads may take: total minus the host's share.
    var memoryAvailable: UInt64
    var hostMemory: UInt64
    /// Huge page sizes the node's kernel offers (a pool exists, even empty).
    /// The pages themselves come out of `memoryAvailable`: the plan sizes the
    /// pools (boot `hugepages=` or sysfs), so what is free in them today,
    /// volatile state, does not limit it.
    var hugePageSizes: Set<UInt64>
    var llcs: [Int]
  }

  struct LLC: Sendable {
    var domainId: Int
    var node: Int
    var threadsPerCore: Int
    /// Free cores (not touched by housekeeping), each its online CPUs ascending.
    var cores: [[Int]]
    /// Every entry of the same real cache domain, this one included, ascending.
    var domainEntries: [Int] = []
  }

  var nodes: [Node]
  var llcs: [LLC]
  /// Node indices per package, packages in id order.
  var packages: [[Int]]
  /// X(a,b) = (D(a,b) - D(a,a)) / D(a,a), by node index.
  var remote: [[Double]]
  var housekeeping: CPUSet
  /// Online CPUs in cores that housekeeping touched but did not take.
  var idleSiblings: CPUSet
  var online: CPUSet
  var cpuLLC: [Int: Int]
  var physicalId: [Int: Int]
  var devices: [Device]
  /// Node index of each device, nil when the kernel gives none.
  var deviceNode: [Int?]
  var nodeIndex: [Int: Int]
  /// The largest threads-per-core: the granule of `smt: exclusive` sizes.
  var maxThreadsPerCore: Int
  /// For each node, the other nodes from nearest to farthest (ties by index).
  var nearest: [[Int]] = []

  var totalSlots: Int { llcs.reduce(0) { $0 + $1.cores.count * $1.threadsPerCore } }
  /// Thread slots of each node's free cores, by node index: what the
  /// per-node rules (`numa: single`, `nearDevices`) are sized against.
  var nodeSlots: [Int] { nodes.map(slots(of:)) }
  /// Free cores of each node, by node index.
  var nodeCores: [Int] { nodes.map { $0.llcs.reduce(0) { $0 + llcs[$1].cores.count } } }
  /// Thread slots of one node's free cores.
  func slots(of node: Node) -> Int {
    node.llcs.reduce(0) { $0 + llcs[$1].cores.count * llcs[$1].threadsPerCore }
  }
  var totalMemory: UInt64 { nodes.reduce(0) { $0 + $1.memoryAvailable } }
  /// Whether free cores differ in thread count (hybrid cores, offline siblings).
  var hasMixedThreadsPerCore: Bool {
    Set(llcs.map(\.threadsPerCore)).count > 1
  }
  /// The most memory a host may have in all (`Int.max` bytes, 8 EiB): sizes
  /// are shared out in `Int` arithmetic (`ElasticSizing`), and `build`
  /// refuses a snapshot beyond it (E206), so `totalMemory` never overflows.
  static let memoryLimit = UInt64(Int.max)

  /// Builds the model, taking housekeeping CPUs and the host memory share first.
  static func build(policy: Policy, topology: Topology) -> Result<HostModel, DiagnosticError> {
    let topoNodes = topology.nodes
    guard !topoNodes.isEmpty, !topology.onlineCPUs.isEmpty else {
      return .failure(
        DiagnosticError(
          .error(
            "E200", "the topology has no NUMA node with online CPUs",
            help: ["check the topology snapshot (mkpolicy discover) for this host"])))
    }
    var nodeIndex: [Int: Int] = [:]
    var packageOfNode: [Int: Int] = [:]
    for package in topology.packages {
      for die in package.dies { for node in die.nodes { packageOfNode[node.id] = package.id } }
    }
    for (index, node) in topoNodes.enumerated() { nodeIndex[node.id] = index }
    let packageIds = Array(Set(topoNodes.map { packageOfNode[$0.id] ?? 0 })).sorted()
    let packages = packageIds.map { pid in
      topoNodes.indices.filter { packageOfNode[topoNodes[$0].id] ?? 0 == pid }
    }

    // Housekeeping CPUs: whole cores from the lowest-numbered cores. A count
    // is rounded up to whole cores: the sibling of a housekeeping thread
    // shares its core with host noise, so no workload could use it well, and
    // `cpus: 1` means "one core" on SMT and non-SMT hosts alike.
    let hk = policy.host.housekeeping
    var housekeeping = CPUSet()
    let online = topology.onlineCPUs
    func coresOf(_ node: NUMANode) -> [[Int]] {
      node.cacheDomains.flatMap { $0.cores.map { $0.threads.filter(\.online).map(\.cpu).sorted() } }
        .filter { !$0.isEmpty }
    }
    switch hk.cpus {
    case .list(let list):
      let outside = list.subtracting(online)
      guard outside.isEmpty else {
        return .failure(
          DiagnosticError(
            .error(
              "E200",
              "housekeeping CPUs \(outside.cpulist) are not online CPUs of this host (online: \(online.cpulist))",
              at: hk.location(of: "cpuList"),
              help: ["choose housekeeping.cpuList within \(online.cpulist)"])))
      }
      housekeeping = list
    case .count(let count):
      if count > 0 {
        let groups: [[[Int]]] =
          hk.perNode ? topoNodes.map { coresOf($0) } : [topoNodes.flatMap { coresOf($0) }]
        for cores in groups {
          var left = count
          for core in cores where left > 0 {
            for cpu in core { housekeeping.insert(cpu) }
            left -= min(left, core.count)
          }
          if left > 0 {
            let scope = hk.perNode ? "per NUMA node" : "on this host"
            return .failure(
              DiagnosticError(
                .error(
                  "E200",
                  "housekeeping needs \(count) CPUs \(scope) but only \(count - left) are online there",
                  at: hk.location(of: "cpus"),
                  help: ["lower host.housekeeping.cpus to \(count - left)"])))
          }
        }
      }
    }

    var llcs: [LLC] = []
    var idle = CPUSet()
    var cpuLLC: [Int: Int] = [:]
    var physical: [Int: Int] = [:]
    var nodes: [Node] = []
    var hkPerNode: [Int] = []
    var maxTPC = 1
    for (ni, node) in topoNodes.enumerated() {
      var nodeLLCs: [Int] = []
      var hkCount = 0
      for domain in node.cacheDomains {
        var byThreads: [Int: [[Int]]] = [:]
        for core in domain.cores {
          let cpus = core.threads.filter(\.online).map(\.cpu).sorted()
          for thread in core.threads where thread.online {
            if let pid = thread.physicalId { physical[thread.cpu] = pid }
          }
          guard !cpus.isEmpty else { continue }
          let taken = cpus.filter { housekeeping.contains($0) }
          if !taken.isEmpty {
            hkCount += taken.count
            for cpu in cpus where !housekeeping.contains(cpu) { idle.insert(cpu) }
            continue
          }
          byThreads[cpus.count, default: []].append(cpus)
        }
        let first = llcs.count
        for threadsPerCore in byThreads.keys.sorted(by: >) {
          let index = llcs.count
          let cores = byThreads[threadsPerCore, default: []].sorted { $0[0] < $1[0] }
          for core in cores { for cpu in core { cpuLLC[cpu] = index } }
          llcs.append(
            LLC(domainId: domain.id, node: ni, threadsPerCore: threadsPerCore, cores: cores))
          nodeLLCs.append(index)
          maxTPC = max(maxTPC, threadsPerCore)
        }
        let entries = Array(first..<llcs.count)
        for index in entries { llcs[index].domainEntries = entries }
      }
      let huge = Set(node.hugePages.map(\.pageSizeBytes))
      nodes.append(
        Node(
          id: node.id, package: packageIds.firstIndex(of: packageOfNode[node.id] ?? 0) ?? 0,
          memoryAvailable: node.memoryTotalBytes, hostMemory: 0, hugePageSizes: huge,
          llcs: nodeLLCs))
      hkPerNode.append(hkCount)
    }

    // Sizes are added up everywhere: a snapshot whose nodes sum past what a
    // signed 64-bit byte count holds (8 EiB, far beyond any machine) cannot
    // be planned exactly, and is refused rather than wrapped.
    var sum: UInt64 = 0
    for (index, node) in nodes.enumerated() {
      let (next, overflow) = sum.addingReportingOverflow(node.memoryAvailable)
      guard !overflow, next <= Self.memoryLimit else {
        return .failure(
          DiagnosticError(
            .error(
              "E206",
              "the NUMA nodes' memory sums past \(ByteSize.format(Self.memoryLimit)) (node \(node.id) reports \(ByteSize.format(node.memoryAvailable)) after \(index) node\(index == 1 ? "" : "s") with \(ByteSize.format(sum))), more than the planner can represent and more than any machine has",
              help: [
                "check memory.total of the NUMA nodes in the topology snapshot\(topology.source.map { " \($0)" } ?? ""), or discover it again"
              ])))
      }
      sum = next
    }

    // Host memory: over every node in proportion to its memory, in whole
    // granules (independent of where housekeeping CPUs are, so that relaxing
    // one never moves the other); what a node cannot hold moves to the next.
    let granule = max(4096, policy.coordinator.memoryGranuleBytes)
    let hostMemory = hk.memoryBytes
    if hostMemory > 0 {
      let totalMemory = nodes.reduce(UInt64(0)) { $0 + $1.memoryAvailable }
      guard hostMemory <= totalMemory else {
        return .failure(
          DiagnosticError(
            .error(
              "E202",
              "the host keeps \(ByteSize.format(hostMemory)) of memory but this host has \(ByteSize.format(totalMemory))",
              at: hk.location(of: "memory"),
              help: ["lower host.housekeeping.memory to at most \(ByteSize.format(totalMemory))"])))
      }
      let weights = nodes.map { Double($0.memoryAvailable) }
      let granules = (hostMemory + granule - 1) / granule
      var shares = Apportion.largestRemainder(
        total: Int(granules), weights: weights)
      var spill: UInt64 = 0
      for index in nodes.indices {
        var want = UInt64(shares[index]) * granule + spill
        spill = 0
        if want > nodes[index].memoryAvailable {
          spill = want - nodes[index].memoryAvailable
          want = nodes[index].memoryAvailable
        }
        nodes[index].hostMemory = want
        nodes[index].memoryAvailable -= want
        shares[index] = 0
      }
      var index = 0
      while spill > 0 && index < nodes.count {
        let take = min(spill, nodes[index].memoryAvailable)
        nodes[index].hostMemory += take
        nodes[index].memoryAvailable -= take
        spill -= take
        index += 1
      }
    }

    // Remote cost X(a,b) from the distance matrix (21 assumed when missing).
    var remote = Array(
      repeating: Array(repeating: 0.0, count: topoNodes.count), count: topoNodes.count)
    for (a, na) in topoNodes.enumerated() {
      let local = na.id < na.distances.count ? Double(na.distances[na.id]) : 10
      for (b, nb) in topoNodes.enumerated() where a != b {
        let d = nb.id < na.distances.count ? Double(na.distances[nb.id]) : 21
        remote[a][b] = max(0, (d - local) / max(local, 1))
      }
    }

    let devices = topology.devices.sorted { $0.pciAddress < $1.pciAddress }
    var model = HostModel(
      nodes: nodes, llcs: llcs, packages: packages, remote: remote, housekeeping: housekeeping,
      idleSiblings: idle, online: online, cpuLLC: cpuLLC, physicalId: physical,
      devices: devices, deviceNode: devices.map { $0.numaNode.flatMap { nodeIndex[$0] } },
      nodeIndex: nodeIndex, maxThreadsPerCore: maxTPC)
    model.nearest = remote.indices.map { a in
      remote.indices.filter { $0 != a }.sorted {
        remote[a][$0] != remote[a][$1] ? remote[a][$0] < remote[a][$1] : $0 < $1
      }
    }
    return .success(model)
  }
}

/// Integer apportionment with stable tie-breaks.
enum Apportion {
  /// Splits `total` units in proportion to `weights` by largest remainder;
  /// ties go to the lower index. All-zero weights give everything to index 0.
  static func largestRemainder(total: Int, weights: [Double]) -> [Int] {
    guard !weights.isEmpty else { return [] }
    let sum = weights.reduce(0, +)
    guard sum > 0 else { return [total] + Array(repeating: 0, count: weights.count - 1) }
    var result = weights.map { Int((Double(total) * $0 / sum).rounded(.down)) }
    var left = total - result.reduce(0, +)
    let order = weights.indices.sorted { a, b in
      let ra = Double(total) * weights[a] / sum - Double(result[a])
      let rb = Double(total) * weights[b] / sum - Double(result[b])
      return ra != rb ? ra > rb : a < b
    }
    var i = 0
    while left > 0 {
      result[order[i % order.count]] += 1
      left -= 1
      i += 1
    }
    return result
  }
}
