import MKCore
import MKPolicy

/// Turns counts per LLC into concrete CPUs: previous CPUs first, siblings
/// paired for whole cores, odd threads placed as the search decided.
enum Binding {
  static func assignment(state: PlacementState, policy: Policy) -> Assignment {
    let model = state.model
    var cpus = Array(repeating: CPUSet(), count: policy.workloads.count)
    // Threads of cores housekeeping touched but did not take, and the
    // siblings of every `smt: off` thread: nobody's, and not the pool's.
    var idle = model.idleSiblings
    for (entry, info) in model.llcs.enumerated() {
      let entryState = state.llc[entry]
      guard !entryState.occupants.isEmpty else { continue }
      let cores = info.cores
      let threadsPerCore = info.threadsPerCore
      var used = Array(repeating: false, count: cores.count)
      var full: [Int: Int] = [:]
      let occupants = entryState.occupants.sorted()
      for workload in occupants {
        let threads = state.placed[workload]?.shares.first { $0.llc == entry }?.threads ?? 0
        switch state.demands[workload].unit {
        case .wholeCore: full[workload] = threads / threadsPerCore
        case .threadPerCore: full[workload] = threads
        case .thread: full[workload] = threadsPerCore == 1 ? threads : threads / threadsPerCore
        }
      }
      func previousCPUs(_ workload: Int) -> CPUSet? { state.previous?.cpus[workload] }
      func takeCore(_ workload: Int, _ core: Int) {
        used[core] = true
        switch state.demands[workload].unit {
        case .threadPerCore:
          let previous = previousCPUs(workload)
          let cpu = cores[core].first { previous?.contains($0) ?? false } ?? cores[core][0]
          cpus[workload].insert(cpu)
          for sibling in cores[core] where sibling != cpu { idle.insert(sibling) }
        default:
          for cpu in cores[core] { cpus[workload].insert(cpu) }
        }
      }
      // Previous cores first.
      for workload in occupants {
        guard let previous = previousCPUs(workload), (full[workload] ?? 0) > 0 else { continue }
        for core in cores.indices where !used[core] && (full[workload] ?? 0) > 0 {
          let keep =
            state.demands[workload].unit == .threadPerCore
            ? cores[core].contains { previous.contains($0) }
            : cores[core].allSatisfy { previous.contains($0) }
          if keep {
            takeCore(workload, core)
            full[workload]! -= 1
          }
        }
      }
      func pick(_ first: Int, _ second: Int?) -> Int? {
        let firstPrevious = previousCPUs(first)
        let secondPrevious = second.flatMap { previousCPUs($0) }
        if let core = cores.indices.first(where: { core in
          !used[core]
            && cores[core].contains {
              firstPrevious?.contains($0) ?? false || secondPrevious?.contains($0) ?? false
            }
        }) {
          return core
        }
        return cores.indices.first { !used[$0] }
      }
      for pair in entryState.pairs.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) {
        guard let core = pick(pair.a, pair.b), cores[core].count >= 2 else { continue }
        used[core] = true
        let swap =
          (previousCPUs(pair.b)?.contains(cores[core][0]) ?? false)
          || (previousCPUs(pair.a)?.contains(cores[core][1]) ?? false)
        cpus[swap ? pair.b : pair.a].insert(cores[core][0])
        cpus[swap ? pair.a : pair.b].insert(cores[core][1])
      }
      for workload in entryState.open.sorted() {
        guard let core = pick(workload, nil) else { continue }
        used[core] = true
        cpus[workload].insert(
          cores[core].first { previousCPUs(workload)?.contains($0) ?? false } ?? cores[core][0])
      }
      for workload in occupants {
        while (full[workload] ?? 0) > 0, let core = cores.indices.first(where: { !used[$0] }) {
          takeCore(workload, core)
          full[workload]! -= 1
        }
      }
    }

    var owned = CPUSet()
    var total = Terms(sharedSiblings: state.pairCost)
    var workloads: [WorkloadAssignment] = []
    for (index, workload) in policy.workloads.enumerated() {
      let placement = state.placed[index]
      if let placement { total = total + placement.terms }
      if workload.ownsCPUs { owned.formUnion(cpus[index]) }
      var nodes = Set((placement?.shares ?? []).map { model.nodes[model.llcs[$0.llc].node].id })
      var memory: [String: UInt64] = [:]
      for part in placement?.memory ?? [] {
        memory[String(model.nodes[part.node].id)] = part.amount
        nodes.insert(model.nodes[part.node].id)
      }
      var huge: [String: Int] = [:]
      for part in placement?.hugePages ?? [] {
        huge[String(model.nodes[part.node].id)] = Int(part.amount)
      }
      // A kernel instance reserves its pages inside its own memory: shown on
      // its memory's nodes, in proportion, as the host supplies none of them.
      if workload.isolation == .kernel, let pages = workload.hugepages, pages.count > 0,
        let parts = placement?.memory, !parts.isEmpty
      {
        for (part, count) in Self.pagesWithin(
          parts.map(\.amount), count: pages.count,
          size: pages.pageSizeBytes
        ).enumerated() where count > 0 {
          huge[String(model.nodes[parts[part].node].id)] = count
        }
      }
      let devices = (placement?.devices ?? []).map { model.devices[$0] }
      var irq = CPUSet()
      if !devices.isEmpty {
        let devNodes = Set(devices.compactMap(\.numaNode))
        let near = cpus[index].filter { cpu in
          model.cpuLLC[cpu].map { devNodes.contains(model.nodes[model.llcs[$0].node].id) }
            ?? false
        }
        let far = cpus[index].filter { !near.contains($0) }
        irq = CPUSet((near + far).prefix(max(0, workload.irqCPUs ?? cpus[index].count)))
      }
      workloads.append(
        WorkloadAssignment(
          workload: workload.name, cpus: cpus[index],
          physicalIds: cpus[index].map { model.physicalId[$0] ?? $0 }, numaNodes: nodes.sorted(),
          memoryBytesByNode: memory, hugePagesByNode: huge,
          devices: devices.map(\.pciAddress).sorted(), irqCPUs: irq))
    }
    let pool = model.online.subtracting(model.housekeeping).subtracting(owned).subtracting(idle)
    return Assignment(
      housekeeping: model.housekeeping, sharedPool: pool, idle: idle, workloads: workloads,
      objective: Objective(
        remoteMemory: total.remoteMemory, remoteDevices: total.remoteDevices,
        cacheDomainsSpanned: total.cacheDomains, nodesSpanned: total.nodes,
        sharedSiblings: total.sharedSiblings, movement: total.movement))
  }
  /// `count` pages split over memory parts in proportion to their bytes,
  /// no part given more whole pages than it holds; what a part cannot hold
  /// goes to the part with the most room left (ties: the first).
  static func pagesWithin(_ bytes: [UInt64], count: Int, size: UInt64) -> [Int] {
    let room = bytes.map { Int($0 / max(1, size)) }
    var split = Apportion.largestRemainder(total: count, weights: bytes.map(Double.init))
    var excess = 0
    for part in split.indices where split[part] > room[part] {
      excess += split[part] - room[part]
      split[part] = room[part]
    }
    while excess > 0 {
      guard
        let part = split.indices.max(by: {
          room[$0] - split[$0] < room[$1] - split[$1]
            || (room[$0] - split[$0] == room[$1] - split[$1] && $0 > $1)
        }),
        room[part] > split[part]
      else {
        // No part holds another whole page: the rest stays on the largest
        // part, so the shown total is still the instance's count.
        if let largest = bytes.indices.max(by: {
          bytes[$0] < bytes[$1] || (bytes[$0] == bytes[$1] && $0 > $1)
        }) {
          split[largest] += excess
        }
        break
      }
      split[part] += 1
      excess -= 1
    }
    return split
  }
}
