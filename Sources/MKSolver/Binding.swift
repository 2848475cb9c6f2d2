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
    for (l, info) in model.llcs.enumerated() {
      let s = state.llc[l]
      guard !s.occupants.isEmpty else { continue }
      let cores = info.cores
      let tpc = info.threadsPerCore
      var used = Array(repeating: false, count: cores.count)
      var full: [Int: Int] = [:]
      let occupants = s.occupants.sorted()
      for w in occupants {
        let t = state.placed[w]?.shares.first { $0.llc == l }?.threads ?? 0
        switch state.demands[w].unit {
        case .wholeCore: full[w] = t / tpc
        case .threadPerCore: full[w] = t
        case .thread: full[w] = tpc == 1 ? t : t / tpc
        }
      }
      func prev(_ w: Int) -> CPUSet? { state.previous?.cpus[w] }
      func takeCore(_ w: Int, _ c: Int) {
        used[c] = true
        switch state.demands[w].unit {
        case .threadPerCore:
          let p = prev(w)
          let cpu = cores[c].first { p?.contains($0) ?? false } ?? cores[c][0]
          cpus[w].insert(cpu)
          for sibling in cores[c] where sibling != cpu { idle.insert(sibling) }
        default:
          for cpu in cores[c] { cpus[w].insert(cpu) }
        }
      }
      // Previous cores first.
      for w in occupants {
        guard let p = prev(w), (full[w] ?? 0) > 0 else { continue }
        for c in cores.indices where !used[c] && (full[w] ?? 0) > 0 {
          let keep =
            state.demands[w].unit == .threadPerCore
            ? cores[c].contains { p.contains($0) } : cores[c].allSatisfy { p.contains($0) }
          if keep {
            takeCore(w, c)
            full[w]! -= 1
          }
        }
      }
      func pick(_ a: Int, _ b: Int?) -> Int? {
        let pa = prev(a)
        let pb = b.flatMap { prev($0) }
        if let c = cores.indices.first(where: { c in
          !used[c] && cores[c].contains { pa?.contains($0) ?? false || pb?.contains($0) ?? false }
        }) {
          return c
        }
        return cores.indices.first { !used[$0] }
      }
      for pair in s.pairs.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) {
        guard let c = pick(pair.a, pair.b), cores[c].count >= 2 else { continue }
        used[c] = true
        let swap =
          (prev(pair.b)?.contains(cores[c][0]) ?? false)
          || (prev(pair.a)?.contains(cores[c][1]) ?? false)
        cpus[swap ? pair.b : pair.a].insert(cores[c][0])
        cpus[swap ? pair.a : pair.b].insert(cores[c][1])
      }
      for w in s.open.sorted() {
        guard let c = pick(w, nil) else { continue }
        used[c] = true
        cpus[w].insert(cores[c].first { prev(w)?.contains($0) ?? false } ?? cores[c][0])
      }
      for w in occupants {
        while (full[w] ?? 0) > 0, let c = cores.indices.first(where: { !used[$0] }) {
          takeCore(w, c)
          full[w]! -= 1
        }
      }
    }

    var owned = CPUSet()
    var total = Terms(sharedSiblings: state.pairCost)
    var workloads: [WorkloadAssignment] = []
    for (w, workload) in policy.workloads.enumerated() {
      let p = state.placed[w]
      if let p { total = total + p.terms }
      if workload.ownsCPUs { owned.formUnion(cpus[w]) }
      var nodes = Set((p?.shares ?? []).map { model.nodes[model.llcs[$0.llc].node].id })
      var memory: [String: UInt64] = [:]
      for m in p?.memory ?? [] {
        memory[String(model.nodes[m.node].id)] = m.amount
        nodes.insert(model.nodes[m.node].id)
      }
      var huge: [String: Int] = [:]
      for h in p?.hugePages ?? [] { huge[String(model.nodes[h.node].id)] = Int(h.amount) }
      // A kernel instance reserves its pages inside its own memory: shown on
      // its memory's nodes, in proportion, as the host supplies none of them.
      if workload.isolation == .kernel, let pages = workload.hugepages, pages.count > 0,
        let parts = p?.memory, !parts.isEmpty
      {
        for (i, count) in Self.pagesWithin(
          parts.map(\.amount), count: pages.count,
          size: pages.pageSizeBytes
        ).enumerated() where count > 0 {
          huge[String(model.nodes[parts[i].node].id)] = count
        }
      }
      let devices = (p?.devices ?? []).map { model.devices[$0] }
      var irq = CPUSet()
      if !devices.isEmpty {
        let devNodes = Set(devices.compactMap(\.numaNode))
        let near = cpus[w].filter { cpu in
          model.cpuLLC[cpu].map { devNodes.contains(model.nodes[model.llcs[$0].node].id) } ?? false
        }
        let far = cpus[w].filter { !near.contains($0) }
        irq = CPUSet((near + far).prefix(max(0, workload.irqCPUs ?? cpus[w].count)))
      }
      workloads.append(
        WorkloadAssignment(
          workload: workload.name, cpus: cpus[w],
          physicalIds: cpus[w].map { model.physicalId[$0] ?? $0 }, numaNodes: nodes.sorted(),
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
    for i in split.indices where split[i] > room[i] {
      excess += split[i] - room[i]
      split[i] = room[i]
    }
    while excess > 0 {
      guard
        let i = split.indices.max(by: {
          room[$0] - split[$0] < room[$1] - split[$1]
            || (room[$0] - split[$0] == room[$1] - split[$1] && $0 > $1)
        }),
        room[i] > split[i]
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
      split[i] += 1
      excess -= 1
    }
    return split
  }
}
