import MKCore
import MKPolicy
import MKTopology

/// Why update headroom does not fit a policy that fits without it: how much
/// is missing (the host's capacity after every workload's minimum, against
/// the reserves in order), and which workloads could give way (those that
/// hold the most, lowest priority first), each said at the line that set
/// the reserve (E460).
struct HeadroomShortfall {
  var policy: Policy
  var topology: Topology
  var reserves: [HeadroomDemand]

  func diagnostics(_ fits: Assignment) -> [Diagnostic] {
    guard case .success(let model) = HostModel.build(policy: policy, topology: topology) else {
      return []
    }
    let mins = Demand.build(policy: policy, model: model, weights: ObjectiveWeights())
    let tpc = model.maxThreadsPerCore
    var freeThreads = model.totalSlots - mins.reduce(0) { $0 + $1.minThreads * $1.slotCost(tpc) }
    let pages = mins.reduce(UInt64(0)) { Saturating.add($0, Solver.hugePageBytes($1)) }
    let taken = Saturating.add(mins.reduce(UInt64(0)) { Saturating.add($0, $1.minMemory) }, pages)
    var freeMemory = model.totalMemory - min(model.totalMemory, taken)
    let granule = max(4096, policy.coordinator.memoryGranuleBytes)
    var out: [Diagnostic] = []
    for reserve in reserves {
      let cpus = reserve.smt == .exclusive ? roundUp(reserve.cpus, tpc) : reserve.cpus
      let cost = reserve.smt == .off ? cpus * tpc : cpus
      let memory = roundUp(reserve.memoryBytes, granule)
      let missingThreads = max(0, cost - max(0, freeThreads))
      let missingMemory = memory - min(memory, freeMemory)
      freeThreads -= cost
      freeMemory -= min(memory, freeMemory)
      guard missingThreads > 0 || missingMemory > 0 else { continue }
      out.append(diagnostic(reserve, missingThreads: missingThreads, missingMemory: missingMemory))
    }
    if out.isEmpty, let first = reserves.first {
      // The totals fit: a rule (one node, whole cores, LLC exclusivity) is what leaves no room.
      out.append(diagnostic(first, missingThreads: 0, missingMemory: 0))
    }
    return out
  }

  func diagnostic(_ reserve: HeadroomDemand, missingThreads: Int, missingMemory: UInt64)
    -> Diagnostic
  {
    var missing: [String] = []
    if missingThreads > 0 {
      missing.append("\(missingThreads) CPU\(missingThreads == 1 ? "" : "s")")
    }
    if missingMemory > 0 { missing.append(ByteSize.format(missingMemory) + " of memory") }
    let what =
      missing.isEmpty
      ? "the host has room in total, but not on one NUMA node beside the workloads' placement rules"
      : missing.joined(separator: " and ") + " missing after every workload's minimum"
    let served = reserve.serves.map { "'\($0)'" }.joined(separator: ", ")
    var help: [String] = []
    let givers = policy.workloads.filter { !reserve.serves.contains($0.name) }
      .filter { $0.ownsCPUs || $0.memory.min > 0 }
      .sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
      .prefix(3)
    if !givers.isEmpty {
      help.append(
        "workloads that could give way (lowest priority first): "
          + givers.map {
            "'\($0.name)' (priority \($0.priority), cpus min \($0.cpus.min), memory min \(ByteSize.format($0.memory.min)))"
          }.joined(separator: ", ")
          + ": lower their minimums or move them to another host")
    }
    help.append(
      "or make the headroom smaller with update.release: successor (the successor starts small and takes the old place)"
    )
    return .error(
      "E460",
      "update headroom '\(reserve.name)' (\(reserve.cpus) CPUs, \(ByteSize.format(reserve.memoryBytes))) for \(served) does not fit: \(what)",
      at: reserve.location,
      notes: givers.map { .init("'\($0.name)' is set here", at: $0.location(of: "cpus")) },
      help: help)
  }
}
