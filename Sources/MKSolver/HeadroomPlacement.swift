import MKCore
import MKPolicy
import MKTopology

/// Moves a reserve to where it belongs after the search placed it: back to
/// where the plan in force had it (a successor's headroom must not move
/// under it), or next to the instances it serves (their node, their LLC
/// first), by trading CPUs with the shared pool and memory with the node's
/// free memory or with a shared workload.
///
/// A reserve is idle and exclusive, and shared-pool CPUs are
/// interchangeable for everyone but shared workloads tied to one node, so
/// such a trade keeps every workload's CPUs, sizes and rules (a pool CPU
/// listed by a shared workload with `numa: single` or `spread` is never
/// taken). The search is not asked to do it: its objective has no term for
/// "near another workload", and this keeps the search (`PlacementState`'s
/// insertion) as it is.
struct HeadroomPlacement {
  var policy: Policy
  var topology: Topology

  /// The assignment with `reserve` (by its search name) on the served node,
  /// the served LLCs first, whole cores for whole cores; nil when the node
  /// lacks free cores or memory.
  func steer(_ assignment: Assignment, _ reserve: HeadroomDemand) -> Assignment? {
    guard let index = assignment.workloads.firstIndex(where: { $0.workload == reserve.searchName })
    else { return nil }
    let places = CPUPlace.map(topology)
    let served = Solver.servedPlaces(assignment, reserve, topology)
    guard let node = served.nodes.min() else { return nil }
    let current = assignment.workloads[index]
    let untouchable = pinnedPoolCPUs(assignment)
    let cores = topology.cores
    let away = cores.filter { core in
      let mine = core.cpus.intersection(current.cpus)
      return !mine.isEmpty && places[mine.first ?? -1]?.node != node
    }
    var free = cores.filter { core in
      guard let first = core.cpus.first, places[first]?.node == node else { return false }
      return core.cpus.isSubset(of: assignment.sharedPool)
        && core.cpus.isDisjoint(with: untouchable)
    }
    free.sort { a, b in
      let la = served.llcs.contains(places[a.cpus.first ?? -1]?.llc ?? -1)
      let lb = served.llcs.contains(places[b.cpus.first ?? -1]?.llc ?? -1)
      return la != lb ? la : (a.cpus.first ?? 0) < (b.cpus.first ?? 0)
    }
    var target = current.cpus
    for core in away {
      // Only whole cores trade: a half-held core keeps its owners as they are.
      guard core.cpus.intersection(current.cpus) == core.cpus,
        let match = free.firstIndex(where: { $0.cpus.count == core.cpus.count })
      else { return nil }
      target = target.subtracting(core.cpus).union(free[match].cpus)
      free.remove(at: match)
    }
    return move(
      assignment, index: index, cpus: target, memory: [String(node): current.memoryBytes])
  }

  /// The assignment with the reserve back on `previous` (the plan in
  /// force's placement), when that is free again; nil otherwise.
  func restore(_ assignment: Assignment, _ reserve: HeadroomDemand, to previous: HeadroomAssignment)
    -> Assignment?
  {
    guard let index = assignment.workloads.firstIndex(where: { $0.workload == reserve.searchName }),
      previous.cpus.count == assignment.workloads[index].cpus.count,
      previous.memoryBytes == assignment.workloads[index].memoryBytes
    else { return nil }
    return move(assignment, index: index, cpus: previous.cpus, memory: previous.memoryBytesByNode)
  }

  /// Shared-pool CPUs listed by a shared workload tied to its nodes.
  func pinnedPoolCPUs(_ assignment: Assignment) -> CPUSet {
    let pinned = Set(
      policy.workloads.filter { $0.isolation == .shared && $0.placement.numa != .any }.map(\.name))
    var out = CPUSet()
    for placed in assignment.workloads where pinned.contains(placed.workload) {
      out.formUnion(placed.cpus)
    }
    return out
  }

  /// The reserve at `index` on `cpus` (taken from the shared pool, which
  /// gets the reserve's old CPUs) with `memory` per node (from free node
  /// memory, else traded with a shared workload not tied to its nodes that
  /// runs where the reserve's memory was).
  func move(_ assignment: Assignment, index: Int, cpus target: CPUSet, memory: [String: UInt64])
    -> Assignment?
  {
    let places = CPUPlace.map(topology)
    let current = assignment.workloads[index]
    let taken = target.subtracting(current.cpus)
    let given = current.cpus.subtracting(target)
    guard taken.isSubset(of: assignment.sharedPool),
      taken.isDisjoint(with: pinnedPoolCPUs(assignment))
    else { return nil }
    var out = assignment
    out.sharedPool = out.sharedPool.subtracting(taken).union(given)
    for (i, placed) in out.workloads.enumerated() where i != index {
      guard !placed.cpus.isDisjoint(with: taken) else { continue }
      // A shared workload that listed a pool CPU now lists the ones given back.
      out.workloads[i].cpus = placed.cpus.subtracting(taken).union(given)
      out.workloads[i].physicalIds = out.workloads[i].cpus.map { places[$0]?.physicalId ?? $0 }
      out.workloads[i].numaNodes = Set(out.workloads[i].cpus.compactMap { places[$0]?.node })
        .union(out.workloads[i].memoryBytesByNode.keys.compactMap(Int.init)).sorted()
    }
    // Memory: per node, what the reserve gains there must be free or traded.
    var gains: [String: UInt64] = [:]
    var losses: [String: UInt64] = [:]
    for key in Set(memory.keys).union(current.memoryBytesByNode.keys) {
      let before = current.memoryBytesByNode[key] ?? 0
      let after = memory[key] ?? 0
      if after > before { gains[key] = after - before }
      if before > after { losses[key] = before - after }
    }
    if !gains.isEmpty {
      guard case .success(let model) = HostModel.build(policy: policy, topology: topology) else {
        return nil
      }
      for (key, gain) in gains.sorted(by: { $0.key < $1.key }) {
        guard let id = Int(key), let nodeIndex = model.nodeIndex[id] else { return nil }
        var used: UInt64 = 0
        for placed in out.workloads {
          used += placed.memoryBytesByNode[key] ?? 0
          if let workload = policy.workload(named: placed.workload), workload.isolation != .kernel {
            used +=
              UInt64(placed.hugePagesByNode[key] ?? 0) * (workload.hugepages?.pageSizeBytes ?? 0)
          }
        }
        let available = model.nodes[nodeIndex].memoryAvailable
        if used + gain <= available { continue }
        let deficit = used + gain - available
        let lossNodes = Set(losses.keys.compactMap(Int.init))
        guard
          let donor = out.workloads.indices.first(where: { i in
            let placed = out.workloads[i]
            guard i != index, let workload = policy.workload(named: placed.workload),
              workload.isolation == .shared, workload.placement.numa == .any,
              (placed.memoryBytesByNode[key] ?? 0) >= deficit
            else { return false }
            let nodes = Set(placed.cpus.compactMap { places[$0]?.node })
            return nodes.contains(id) && lossNodes.isSubset(of: nodes)
          })
        else { return nil }
        // The donor gives the deficit here and takes as much where the reserve gives up memory.
        out.workloads[donor].memoryBytesByNode[key, default: 0] -= deficit
        var left = deficit
        for (lossKey, bytes) in losses.sorted(by: { $0.key < $1.key }) where left > 0 {
          let moved = min(left, bytes)
          out.workloads[donor].memoryBytesByNode[lossKey, default: 0] += moved
          losses[lossKey] = bytes - moved
          left -= moved
        }
        guard left == 0 else { return nil }
      }
    }
    out.workloads[index].cpus = target
    out.workloads[index].physicalIds = target.map { places[$0]?.physicalId ?? $0 }
    out.workloads[index].memoryBytesByNode = memory.filter { $0.value > 0 }
    out.workloads[index].numaNodes = Set(target.compactMap { places[$0]?.node })
      .union(memory.filter { $0.value > 0 }.keys.compactMap(Int.init)).sorted()
    return out
  }
}
