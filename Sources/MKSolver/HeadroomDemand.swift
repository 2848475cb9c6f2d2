import MKCore
import MKPolicy
import MKTopology

/// CPUs and memory the solver keeps free for successor instances
/// (`update: {strategy: handover}`), planned as a demand like any other.
///
/// Each reserve becomes an exclusive, fixed-size kernel-style demand of the
/// search, so nothing else can be placed on it and elastic workloads shrink
/// to make room; a workload's own `update.headroom` is a reserve of its own,
/// and workloads without one share `coordinator.updateHeadroom` (hand-overs
/// run one at a time). A reserve is steered next to the instances it serves
/// (their NUMA node, their LLC when it can), so that a successor runs where
/// its predecessor ran. The search itself is unchanged: the reserve enters
/// it as a synthetic workload and leaves the assignment as `headroom`.
public struct HeadroomDemand: Sendable, Hashable {
  /// `update-headroom` for the shared reserve, else `WORKLOAD-headroom`.
  public var name: String
  /// The handover workloads it serves, in policy order.
  public var serves: [String]
  public var cpus: Int
  public var memoryBytes: UInt64
  public var smt: SMTPolicy
  /// Where the reserve's size was written (or the workload's `update`).
  public var location: SourceLocation

  public static let sharedName = "update-headroom"

  /// The reserves a policy asks for, shared one first.
  public static func build(_ policy: Policy) -> [HeadroomDemand] {
    var shared: HeadroomDemand?
    var own: [HeadroomDemand] = []
    for workload in policy.workloads where workload.isolation == .kernel {
      guard let update = workload.update, update.strategy == .handover else { continue }
      let location = update.location ?? workload.location(of: "update")
      if let headroom = update.headroom {
        own.append(
          HeadroomDemand(
            name: workload.name + "-headroom", serves: [workload.name], cpus: headroom.cpus,
            memoryBytes: headroom.memoryBytes, smt: workload.smt,
            location: headroom.location ?? location))
      } else if let headroom = policy.coordinator.updateHeadroom {
        if shared == nil {
          shared = HeadroomDemand(
            name: sharedName, serves: [], cpus: headroom.cpus,
            memoryBytes: headroom.memoryBytes, smt: workload.smt,
            location: headroom.location ?? location)
        }
        shared?.serves.append(workload.name)
      } else {
        // No size written: the workload's own size, so that a successor of
        // the same size fits (its max when bounded, which elastic sizing may give).
        let cpus = workload.cpus.isBounded ? workload.cpus.max : workload.cpus.min
        let memory = workload.memory.isBounded ? workload.memory.max : workload.memory.min
        own.append(
          HeadroomDemand(
            name: workload.name + "-headroom", serves: [workload.name], cpus: max(1, cpus),
            memoryBytes: memory, smt: workload.smt, location: location))
      }
    }
    return (shared.map { [$0] } ?? []) + own
  }

  /// The name the reserve has inside the search: not a valid workload name,
  /// so it can never meet one of the policy's.
  var searchName: String { "headroom:" + name }

  /// The reserve as a workload of the search: exclusive CPUs, fixed size,
  /// served first (never shrunk), on one node.
  func searchWorkload() -> Workload {
    Workload(
      name: searchName, isolation: .kernel, latency: .normal,
      cpus: .init(exactly: cpus), smt: smt, memory: .init(exactly: memoryBytes),
      placement: Placement(numa: .single), priority: 1000, weight: 1, location: location)
  }
}

/// Where a reserve was placed: part of the assignment and of the plan, so
/// that the next plan keeps it where it is (`--previous`) and a hand-over
/// knows what its successor may use.
public struct HeadroomAssignment: Sendable, Hashable, Codable {
  public var name: String
  /// The handover workloads it serves.
  public var serves: [String]
  /// Logical CPUs, exclusive: no workload, IRQ or task of the host uses them.
  public var cpus: CPUSet
  /// Physical ids of `cpus`, ascending with `cpus`: they are in kerf's pool.
  public var physicalIds: [Int]
  public var numaNodes: [Int]
  /// Memory per node, keyed by node id as a string; in kerf's pool too.
  public var memoryBytesByNode: [String: UInt64]

  public init(
    name: String, serves: [String], cpus: CPUSet, physicalIds: [Int], numaNodes: [Int],
    memoryBytesByNode: [String: UInt64]
  ) {
    self.name = name
    self.serves = serves
    self.cpus = cpus
    self.physicalIds = physicalIds
    self.numaNodes = numaNodes
    self.memoryBytesByNode = memoryBytesByNode
  }

  public var memoryBytes: UInt64 { memoryBytesByNode.values.reduce(0, +) }
}

extension Solver {
  /// `solve` for a policy with update headroom: the policy plus one
  /// synthetic demand per reserve, then each reserve steered to its
  /// instances' node and split out of the workloads.
  func solveWithHeadroom(
    _ policy: Policy, _ reserves: [HeadroomDemand], on topology: Topology, previous: Assignment?
  ) -> Result<Solution, DiagnosticError> {
    var plain = policy
    plain.coordinator.updateHeadroom = nil
    for index in plain.workloads.indices { plain.workloads[index].update = nil }
    var augmented = plain
    augmented.workloads += reserves.map { $0.searchWorkload() }
    let kept = previous.map { Self.withReserves($0, reserves) }
    let solved = solve(augmented, on: topology, previous: kept)
    guard case .success(var solution) = solved else {
      // The policy alone may not fit: that is its own conflict, explained as
      // usual. Else the headroom is what does not fit.
      let alone = solve(plain, on: topology, previous: previous)
      guard case .success(let fits) = alone else { return alone }
      return .failure(
        DiagnosticError(
          HeadroomShortfall(policy: plain, topology: topology, reserves: reserves)
            .diagnostics(fits.assignment)))
    }
    // Steer each reserve next to its instances, unless the plan in force
    // already placed it (kept where it is, like any workload).
    let placement = HeadroomPlacement(policy: augmented, topology: topology)
    for reserve in reserves {
      // Where the plan in force has it, if that is free: a successor may be
      // about to start there (a hand-over plans against it).
      if let before = previous?.headroom?.first(where: { $0.name == reserve.name }) {
        if let kept = placement.restore(solution.assignment, reserve, to: before) {
          solution.assignment = kept
          continue
        }
      }
      guard !Self.isNear(solution.assignment, reserve, topology) else { continue }
      // A trade with the shared pool first (no search); else a search that
      // starts from the reserve on that node.
      if let steered = placement.steer(solution.assignment, reserve) {
        solution.assignment = steered
        continue
      }
      guard let hint = Self.nearHint(solution.assignment, reserve, policy: augmented, topology)
      else { continue }
      if case .success(let steered) = solve(augmented, on: topology, previous: hint),
        Self.isNear(steered.assignment, reserve, topology)
      {
        solution = steered
      }
    }
    var assignment = solution.assignment
    let names = Dictionary(uniqueKeysWithValues: reserves.map { ($0.searchName, $0) })
    assignment.headroom = assignment.workloads.compactMap { placed in
      names[placed.workload].map {
        HeadroomAssignment(
          name: $0.name, serves: $0.serves, cpus: placed.cpus, physicalIds: placed.physicalIds,
          numaNodes: placed.numaNodes, memoryBytesByNode: placed.memoryBytesByNode)
      }
    }
    assignment.workloads.removeAll { names[$0.workload] != nil }
    var diagnostics = solution.diagnostics.map { diagnostic in
      var renamed = diagnostic
      for reserve in reserves {
        renamed.message = renamed.message.split(
          separator: "workload '\(reserve.searchName)'", omittingEmptySubsequences: false
        ).joined(separator: "update headroom '\(reserve.name)'")
      }
      return renamed
    }
    for reserve in reserves where !Self.isNear(solution.assignment, reserve, topology) {
      let served = reserve.serves.joined(separator: "', '")
      // Elastic workloads that grew into the node: lowering their max is
      // what leaves the reserve room there.
      let nodes = Self.servedPlaces(assignment, reserve, topology).nodes
      let places = CPUPlace.map(topology)
      let growers = policy.workloads.filter { workload in
        guard !reserve.serves.contains(workload.name), workload.ownsCPUs,
          !workload.cpus.isFixed,
          let placed = assignment.workload(named: workload.name)
        else { return false }
        return placed.cpus.count > workload.cpus.min
          && placed.cpus.contains { places[$0].map { nodes.contains($0.node) } ?? false }
      }.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
      var help = growers.map {
        "'\($0.name)' grew to \(assignment.workload(named: $0.name)?.cpus.count ?? 0) CPUs on that node: lower its cpus max"
      }
      help.append(
        "or free CPUs and memory on that node otherwise (lower another workload's cpus or memory), or make the headroom smaller"
      )
      diagnostics.append(
        .warning(
          "E467",
          "update headroom '\(reserve.name)' is not on the NUMA node of '\(served)': a successor would run on another node than its predecessor",
          at: reserve.location, help: help))
    }
    return .success(Solution(assignment: assignment, diagnostics: diagnostics))
  }

  /// The plan in force with its reserves as the search's workloads.
  static func withReserves(_ previous: Assignment, _ reserves: [HeadroomDemand]) -> Assignment {
    var out = previous
    for placed in previous.headroom ?? [] {
      guard let reserve = reserves.first(where: { $0.name == placed.name }) else { continue }
      out.workloads.append(
        WorkloadAssignment(
          workload: reserve.searchName, cpus: placed.cpus, physicalIds: placed.physicalIds,
          numaNodes: placed.numaNodes, memoryBytesByNode: placed.memoryBytesByNode))
    }
    out.headroom = nil
    return out
  }

  /// The NUMA nodes and LLC domains of the instances a reserve serves.
  static func servedPlaces(
    _ assignment: Assignment, _ reserve: HeadroomDemand, _ topology: Topology
  ) -> (nodes: Set<Int>, llcs: Set<Int>) {
    var nodes = Set<Int>()
    var llcs = Set<Int>()
    let places = CPUPlace.map(topology)
    for name in reserve.serves {
      guard let placed = assignment.workload(named: name) else { continue }
      for cpu in placed.cpus {
        if let place = places[cpu] {
          nodes.insert(place.node)
          llcs.insert(place.llc)
        }
      }
    }
    return (nodes, llcs)
  }

  /// Whether the reserve's CPUs are all on a node of the instances it serves.
  static func isNear(_ assignment: Assignment, _ reserve: HeadroomDemand, _ topology: Topology)
    -> Bool
  {
    let served = servedPlaces(assignment, reserve, topology).nodes
    let places = CPUPlace.map(topology)
    let placed =
      assignment.workload(named: reserve.searchName)?.cpus
      ?? assignment.headroom?.first { $0.name == reserve.name }?.cpus ?? []
    guard !served.isEmpty else { return true }
    return placed.allSatisfy { places[$0].map { served.contains($0.node) } ?? false }
  }

  /// A previous placement that puts the reserve on free CPUs (the shared
  /// pool's) of its instances' node, their LLC first, with its memory there:
  /// the search starts from it and keeps it when the rules allow. Nil when
  /// the reserve is already near or the node has too little free.
  static func nearHint(
    _ assignment: Assignment, _ reserve: HeadroomDemand, policy: Policy, _ topology: Topology
  ) -> Assignment? {
    guard !isNear(assignment, reserve, topology),
      let index = assignment.workloads.firstIndex(where: { $0.workload == reserve.searchName })
    else { return nil }
    let served = servedPlaces(assignment, reserve, topology)
    let current = assignment.workloads[index]
    let places = CPUPlace.map(topology)
    let free = assignment.sharedPool.filter {
      places[$0].map { served.nodes.contains($0.node) } ?? false
    }
    let ranked = free.sorted { a, b in
      let la = places[a].map { served.llcs.contains($0.llc) } ?? false
      let lb = places[b].map { served.llcs.contains($0.llc) } ?? false
      return la != lb ? la : a < b
    }
    guard ranked.count >= current.cpus.count, let node = served.nodes.min() else { return nil }
    let chosen = CPUSet(ranked.prefix(current.cpus.count))
    var hint = assignment
    hint.workloads[index].cpus = chosen
    hint.workloads[index].physicalIds = chosen.map { places[$0]?.physicalId ?? $0 }
    hint.workloads[index].numaNodes = [node]
    hint.workloads[index].memoryBytesByNode = [String(node): current.memoryBytes]
    hint.sharedPool = assignment.sharedPool.subtracting(chosen).union(current.cpus)
    return hint
  }
}

/// Where a logical CPU is: its NUMA node id, its LLC domain (an index into
/// `Topology.cacheDomains`) and its physical id.
struct CPUPlace: Sendable {
  var node: Int
  var llc: Int
  var physicalId: Int?

  static func map(_ topology: Topology) -> [Int: CPUPlace] {
    var out: [Int: CPUPlace] = [:]
    var llc = 0
    for node in topology.nodes {
      for domain in node.cacheDomains {
        for core in domain.cores {
          for thread in core.threads {
            out[thread.cpu] = CPUPlace(node: node.id, llc: llc, physicalId: thread.physicalId)
          }
        }
        llc += 1
      }
    }
    return out
  }
}
