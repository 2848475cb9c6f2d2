import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// A re-implementation of the Kubernetes CPU manager's static policy walk
/// (`takeByTopologyNUMAPacked`), the baseline the benchmark compares against:
/// per container in order, whole free sockets when the request is that large,
/// then whole free cores packed into the busiest socket and node, then single
/// threads next to already-taken ones. It has no objective; memory goes to the
/// CPUs' nodes in proportion (spilling to the nearest), devices to the nearest
/// free match (the Topology Manager's best effort).
enum KubeletStaticWalk {
  static func assign(_ policy: Policy, on topology: Topology, sizes: [Int], memory: [UInt64])
    -> Assignment?
  {
    let housekeeping = housekeepingCPUs(policy, topology)
    var free = topology.onlineCPUs.subtracting(housekeeping)
    // Siblings of housekeeping cores stay idle, as in the solver.
    for core in topology.cores where !core.cpus.isDisjoint(with: housekeeping) {
      free.subtract(core.cpus)
    }
    var nodeOf: [Int: Int] = [:]
    var packageOf: [Int: Int] = [:]
    var packageCPUs: [Int: CPUSet] = [:]
    for package in topology.packages {
      for die in package.dies {
        for node in die.nodes {
          for cpu in node.cpus {
            nodeOf[cpu] = node.id
            packageOf[cpu] = package.id
            packageCPUs[package.id, default: []].insert(cpu)
          }
        }
      }
    }
    // Free CPUs per socket and per node, kept up to date as CPUs are taken
    // (the walk ranks every candidate core by them).
    var freeInPackage: [Int: Int] = [:]
    var freeInNode: [Int: Int] = [:]
    for cpu in free {
      if let p = packageOf[cpu] { freeInPackage[p, default: 0] += 1 }
      if let n = nodeOf[cpu] { freeInNode[n, default: 0] += 1 }
    }
    func take(_ cpus: CPUSet) {
      for cpu in cpus where free.contains(cpu) {
        free.remove(cpu)
        if let p = packageOf[cpu] { freeInPackage[p, default: 0] -= 1 }
        if let n = nodeOf[cpu] { freeInNode[n, default: 0] -= 1 }
      }
    }
    let cores = topology.cores.map { $0.cpus }
    var memFree: [Int: UInt64] = [:]
    let totalMem = topology.nodes.reduce(UInt64(0)) { $0 + $1.memoryTotalBytes }
    for node in topology.nodes {
      let share =
        totalMem == 0
        ? 0
        : UInt64(
          Double(policy.host.housekeeping.memoryBytes) * Double(node.memoryTotalBytes)
            / Double(totalMem))
      memFree[node.id] = node.memoryTotalBytes - min(node.memoryTotalBytes, share)
    }
    var deviceTaken = Set<String>()
    var result: [WorkloadAssignment] = []
    for (w, wl) in policy.workloads.enumerated() {
      var need = sizes[w]
      var taken = CPUSet()
      // 1. Whole free sockets.
      for package in topology.packages {
        let cpus = packageCPUs[package.id] ?? []
        if need >= cpus.count && cpus.isSubset(of: free) {
          taken.formUnion(cpus)
          take(cpus)
          need -= cpus.count
        }
      }
      // 2. Whole free cores, busiest socket and node first (packing).
      let wholeCores = wl.smt != .shared
      func rank(_ core: CPUSet) -> (Int, Int, Int) {
        let cpu = core.first ?? 0
        return (
          packageOf[cpu].map { freeInPackage[$0] ?? 0 } ?? 0,
          nodeOf[cpu].map { freeInNode[$0] ?? 0 } ?? 0, cpu
        )
      }
      while need > 0 {
        let candidates = cores.filter { $0.isSubset(of: free) && ($0.count <= need || wholeCores) }
        guard let best = candidates.min(by: { rank($0) < rank($1) }) else { break }
        let chosen = wl.smt == .off ? CPUSet([best.first!]) : best
        taken.formUnion(chosen)
        take(best)
        need -= chosen.count
      }
      // 3. Single threads, next to what the container already has.
      while need > 0 && wl.smt == .shared {
        let partial = cores.filter { !$0.isDisjoint(with: taken) && !$0.isDisjoint(with: free) }
        let pool = partial.isEmpty ? cores.filter { !$0.isDisjoint(with: free) } : partial
        guard
          let core = pool.min(by: { rank($0.intersection(free)) < rank($1.intersection(free)) }),
          let cpu = core.intersection(free).first
        else { break }
        taken.insert(cpu)
        take([cpu])
        need -= 1
      }
      guard need <= 0 else { return nil }
      // Memory: the CPUs' nodes in proportion, then the nearest nodes.
      var perNode: [Int: Int] = [:]
      for cpu in taken { perNode[nodeOf[cpu] ?? 0, default: 0] += 1 }
      var mem: [String: UInt64] = [:]
      var left = memory[w]
      let granule: UInt64 = 1 << 20
      for (node, count) in perNode.sorted(by: { $0.key < $1.key }) where left > 0 {
        let want =
          UInt64(Double(memory[w]) * Double(count) / Double(max(1, taken.count))) / granule
          * granule
        let got = min(want, memFree[node] ?? 0, left)
        if got > 0 {
          mem[String(node), default: 0] += got
          memFree[node]! -= got
          left -= got
        }
      }
      let home =
        perNode.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
      let byDistance = topology.nodes.sorted { a, b in
        let da = a.distances.count > home ? a.distances[home] : 0
        let db = b.distances.count > home ? b.distances[home] : 0
        return da != db ? da < db : a.id < b.id
      }
      for node in byDistance where left > 0 {
        let got = min(memFree[node.id] ?? 0, left)
        if got > 0 {
          mem[String(node.id), default: 0] += got
          memFree[node.id]! -= got
          left -= got
        }
      }
      guard left == 0 else { return nil }
      var devices: [String] = []
      for request in wl.devices {
        for _ in 0..<request.count {
          let matching = topology.devices.filter {
            !deviceTaken.contains($0.pciAddress) && deviceMatches(request, $0)
          }
          guard
            let pick = matching.min(by: { a, b in
              let la = perNode[a.numaNode ?? -1] ?? 0
              let lb = perNode[b.numaNode ?? -1] ?? 0
              return la != lb ? la > lb : a.pciAddress < b.pciAddress
            })
          else { return nil }
          deviceTaken.insert(pick.pciAddress)
          devices.append(pick.pciAddress)
        }
      }
      result.append(
        WorkloadAssignment(
          workload: wl.name, cpus: taken, physicalIds: Array(taken),
          numaNodes: Array(Set(taken.compactMap { nodeOf[$0] })).sorted(),
          memoryBytesByNode: mem, devices: devices.sorted()))
    }
    return Assignment(
      housekeeping: housekeeping, sharedPool: free, workloads: result, objective: Objective())
  }

  static func deviceMatches(_ r: DeviceRequest, _ d: Device) -> Bool {
    if let driver = r.driver, d.driver != driver { return false }
    switch r.type {
    case .net: return d.deviceClass == .net
    case .nvme: return d.deviceClass == .nvme
    case .gpu: return d.deviceClass == .gpu
    case .accel: return d.deviceClass == .accel
    case .pci: return true
    }
  }

  static func housekeepingCPUs(_ policy: Policy, _ topology: Topology) -> CPUSet {
    guard case .count(let n) = policy.host.housekeeping.cpus, n > 0 else { return [] }
    var out = CPUSet()
    let groups = policy.host.housekeeping.perNode ? topology.nodes.map { [$0] } : [topology.nodes]
    for nodes in groups {
      var left = n
      for core in nodes.flatMap({ $0.cacheDomains.flatMap(\.cores) }) where left > 0 {
        for cpu in core.cpus { out.insert(cpu) }
        left -= min(left, core.cpus.count)
      }
    }
    return out
  }
}
