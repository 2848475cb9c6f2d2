import MKCore

/// A complete search for small instances: every device assignment, every split
/// of every workload's threads over LLC domains (odd threads on a core of
/// their own or paired), every rule checked, memory decided by a max-flow.
///
/// The greedy orderings find a placement for almost every feasible instance;
/// this is the last resort that makes "infeasible" exact on small hosts, and
/// the feasibility oracle the explainer needs there. It is bounded by a count
/// of search nodes, so it is deterministic and cannot run away.
struct ExactSearch {
  let model: HostModel
  let demands: [Demand]
  var budget: Int
  private(set) var visited = 0
  private(set) var exhausted = false

  /// Instances this search is meant for.
  static func applies(_ model: HostModel, _ demands: [Demand]) -> Bool {
    model.llcs.count <= 8 && demands.count <= 8
      && demands.reduce(0) { $0 + $1.slots.count } <= 8
  }

  /// Most constrained first, so that dead ends show early.
  let order: [Int]

  init(model: HostModel, demands: [Demand], budget: Int = 50_000) {
    self.model = model
    self.demands = demands
    self.budget = budget
    let threadsPerCore = model.maxThreadsPerCore
    order = demands.indices.sorted { lhs, rhs in
      let lhsKey = [
        demands[lhs].llcExclusive ? 0 : 1, demands[lhs].numa == .single ? 0 : 1,
        -demands[lhs].threads * demands[lhs].slotCost(threadsPerCore),
      ]
      let rhsKey = [
        demands[rhs].llcExclusive ? 0 : 1, demands[rhs].numa == .single ? 0 : 1,
        -demands[rhs].threads * demands[rhs].slotCost(threadsPerCore),
      ]
      return lhsKey != rhsKey ? lhsKey.lexicographicallyPrecedes(rhsKey) : lhs < rhs
    }
  }

  struct Found {
    var shares: [[Share]]
    var partners: [[Int: Int]]
    var devices: [[Int]]
  }

  private struct Slot {
    var free: Int
    var open: [Int] = []
    var occupants: [Int] = []
    var exclusive = false
  }

  mutating func search() -> Found? {
    // Necessary conditions first: total memory, and single-node memory.
    let largest = model.nodes.map(\.memoryAvailable).max() ?? 0
    guard Saturating.sum(demands.map(\.memory)) <= model.totalMemory,
      demands.allSatisfy({ $0.numa != .single || $0.memory <= largest })
    else { return nil }
    var slotList: [(workload: Int, candidates: [Int])] = []
    for demand in demands {
      for candidates in demand.slots { slotList.append((demand.index, candidates)) }
    }
    var used = Array(repeating: false, count: model.devices.count)
    var devices = Array(repeating: [Int](), count: demands.count)
    var found: Found?
    func assign(_ slot: Int) -> Bool {
      if exhausted { return false }
      if slot == slotList.count {
        guard nearFits(devices) else { return false }
        found = cpus(devices)
        return found != nil
      }
      for device in slotList[slot].candidates where !used[device] {
        used[device] = true
        devices[slotList[slot].workload].append(device)
        if assign(slot + 1) { return true }
        devices[slotList[slot].workload].removeLast()
        used[device] = false
      }
      return false
    }
    _ = assign(0)
    return found
  }

  /// Necessary for `nearDevices`: CPUs and memory fit the devices' nodes.
  private func nearFits(_ devices: [[Int]]) -> Bool {
    let threadsPerCore = model.maxThreadsPerCore
    for demand in demands where demand.near {
      let nodes = nodesOf(devices[demand.index])
      guard !nodes.isEmpty else { continue }
      let memory = nodes.reduce(UInt64(0)) { $0 + model.nodes[$1].memoryAvailable }
      let slots = nodes.reduce(0) { $0 + model.slots(of: model.nodes[$1]) }
      if demand.memory > memory || demand.threads * demand.slotCost(threadsPerCore) > slots {
        return false
      }
    }
    return true
  }

  private func nodesOf(_ devices: [Int]) -> Set<Int> {
    Set(devices.compactMap { model.deviceNode[$0] })
  }

  private mutating func cpus(_ devices: [[Int]]) -> Found? {
    var state = model.llcs.map { Slot(free: $0.cores.count) }
    var shares = Array(repeating: [Share](), count: demands.count)
    var partners = Array(repeating: [Int: Int](), count: demands.count)
    return place(0, &state, &shares, &partners, devices)
      ? Found(shares: shares, partners: partners, devices: devices) : nil
  }

  private mutating func place(
    _ depth: Int, _ state: inout [Slot], _ shares: inout [[Share]], _ partners: inout [[Int: Int]],
    _ devices: [[Int]]
  ) -> Bool {
    visited += 1
    if visited > budget {
      exhausted = true
      return false
    }
    if depth == demands.count { return memoryFits(shares, devices) }
    // Necessary: what is left to place fits the slots still open.
    let threadsPerCore = model.maxThreadsPerCore
    var need = 0
    for position in depth..<order.count {
      need += demands[order[position]].threads * demands[order[position]].slotCost(threadsPerCore)
    }
    var room = 0
    for (entry, entryState) in state.enumerated() where !entryState.exclusive {
      room += entryState.free * model.llcs[entry].threadsPerCore + entryState.open.count
    }
    if need > room { return false }
    let workload = order[depth]
    let demand = demands[workload]
    let devNodes = nodesOf(devices[workload])
    let nodes = demand.near && !devNodes.isEmpty ? devNodes : Set(model.nodes.indices)
    // The LLC rules hold for the whole real cache domain (all its entries).
    let llcs = model.llcs.indices.filter { candidate in
      guard nodes.contains(model.llcs[candidate].node) else { return false }
      return model.llcs[candidate].domainEntries.allSatisfy { entry in
        let entryState = state[entry]
        if entryState.exclusive || (demand.llcExclusive && !entryState.occupants.isEmpty) {
          return false
        }
        return !entryState.occupants.contains { demand.avoid.contains($0) }
      }
    }
    func split(_ position: Int, _ remaining: Int) -> Bool {
      visited += 1
      if visited > budget { exhausted = true }
      if exhausted { return false }
      if remaining == 0 {
        guard rulesHold(workload, shares[workload], nodes.count) else { return false }
        return place(depth + 1, &state, &shares, &partners, devices)
      }
      guard position < llcs.count else { return false }
      let entry = llcs[position]
      let entryThreadsPerCore = model.llcs[entry].threadsPerCore
      let free = state[entry].free
      let most: Int
      switch demand.unit {
      case .wholeCore: most = free * entryThreadsPerCore
      case .threadPerCore: most = free
      case .thread:
        most =
          free * entryThreadsPerCore
          + (entryThreadsPerCore == 2 && !state[entry].open.isEmpty ? 1 : 0)
      }
      var threads = min(remaining, most)
      while threads >= 0 {
        defer { threads -= 1 }
        if demand.unit == .wholeCore && threads % entryThreadsPerCore != 0 { continue }
        if threads == 0 {
          if split(position + 1, remaining) { return true }
          continue
        }
        var options: [Int?] = [nil]
        if demand.unit == .thread && entryThreadsPerCore == 2 && threads % 2 == 1 {
          options = []
          if free >= threads / 2 + 1 { options.append(nil) }
          if free >= threads / 2, let partner = state[entry].open.first { options.append(partner) }
        }
        for partner in options {
          let saved = state[entry]
          switch demand.unit {
          case .wholeCore: state[entry].free -= threads / entryThreadsPerCore
          case .threadPerCore: state[entry].free -= threads
          case .thread:
            if entryThreadsPerCore == 1 {
              state[entry].free -= threads
            } else {
              state[entry].free -= threads / 2
              if threads % 2 == 1 {
                if let partner {
                  state[entry].open.removeAll { $0 == partner }
                  partners[workload][entry] = partner
                } else {
                  state[entry].free -= 1
                  state[entry].open.append(workload)
                }
              }
            }
          }
          state[entry].occupants.append(workload)
          if demand.llcExclusive { state[entry].exclusive = true }
          shares[workload].append(Share(llc: entry, threads: threads))
          if split(position + 1, remaining - threads) { return true }
          shares[workload].removeLast()
          partners[workload][entry] = nil
          state[entry] = saved
        }
      }
      return false
    }
    return split(0, demand.threads)
  }

  private func rulesHold(_ workload: Int, _ shares: [Share], _ allowedCount: Int) -> Bool {
    let demand = demands[workload]
    var perNode: [Int: Int] = [:]
    for share in shares where share.threads > 0 {
      perNode[model.llcs[share.llc].node, default: 0] += share.threads
    }
    switch demand.numa {
    case .single:
      guard perNode.count <= 1 else { return false }
      return perNode.keys.allSatisfy { demand.memory <= model.nodes[$0].memoryAvailable }
    case .spread:
      let granule = demand.unit == .wholeCore ? model.maxThreadsPerCore : 1
      guard perNode.count >= min(2, demand.threads / granule, allowedCount) else { return false }
      return (perNode.values.max() ?? 0) - (perNode.values.min() ?? 0) <= granule
    case .any: return true
    }
  }

  /// Memory and huge pages as one max-flow over (demand -> allowed node):
  /// huge pages come out of node memory, so they compete with it.
  ///
  /// A `numa: single` workload without CPUs still keeps its memory and
  /// pages on one node: each such workload's node is tried in turn.
  private func memoryFits(
    _ shares: [[Share]], _ devices: [[Int]], chosen: [Int: Int] = [:]
  ) -> Bool {
    func allowed(_ workload: Int) -> Set<Int> {
      let demand = demands[workload]
      var nodes = Set(model.nodes.indices)
      let cpuNodes = Set(shares[workload].map { model.llcs[$0.llc].node })
      if demand.numa == .single && !cpuNodes.isEmpty { nodes = cpuNodes }
      let deviceNodes = nodesOf(devices[workload])
      if demand.near && !deviceNodes.isEmpty { nodes.formIntersection(deviceNodes) }
      if let node = chosen[workload] { nodes.formIntersection([node]) }
      return nodes
    }
    if let workload = demands.indices.first(where: { workload in
      demands[workload].numa == .single && shares[workload].isEmpty && chosen[workload] == nil
        && (demands[workload].memory > 0 || demands[workload].hugePageCount > 0)
    }) {
      return allowed(workload).sorted().contains { node in
        var next = chosen
        next[workload] = node
        return memoryFits(shares, devices, chosen: next)
      }
    }
    var need: [Int] = []
    var nodesFor: [Set<Int>] = []
    var units: [UInt64] = []
    for (workload, demand) in demands.enumerated() {
      need.append(
        Int(clamping: roundUp(demand.memory, demand.memoryGranule) / demand.memoryGranule))
      nodesFor.append(allowed(workload))
      units.append(demand.memoryGranule)
      if demand.hugePageCount > 0 {
        need.append(demand.hugePageCount)
        nodesFor.append(
          allowed(workload).filter { model.nodes[$0].hugePageSizes.contains(demand.hugePageSize) })
        units.append(demand.hugePageSize)
      }
    }
    return MaxFlow.fits(
      need: need, allowed: nodesFor,
      capacity: { node, row in Int(model.nodes[node].memoryAvailable / units[row]) },
      nodes: model.nodes.count, unitBytes: units,
      capacityBytes: model.nodes.map(\.memoryAvailable))
  }
}

/// Whether per-workload amounts fit per-node capacities (Edmonds-Karp).
enum MaxFlow {
  /// With `unitBytes` the node capacities are in bytes and each workload's
  /// amount in its own unit; the flow then runs in the smallest unit.
  static func fits(
    need: [Int], allowed: [Set<Int>], capacity: (Int, Int) -> Int, nodes: Int,
    unitBytes: [UInt64]?, capacityBytes: [UInt64]?
  ) -> Bool {
    let rows = need.count
    let size = rows + nodes + 2
    var residual = Array(repeating: Array(repeating: 0, count: size), count: size)
    var total = 0
    let base = unitBytes?.min() ?? 1
    for row in 0..<rows where need[row] > 0 {
      let amount = unitBytes.map { need[row] * Int($0[row] / base) } ?? need[row]
      total += amount
      residual[0][1 + row] = amount
      for node in allowed[row] { residual[1 + row][1 + rows + node] = amount }
    }
    guard total > 0 else { return true }
    for node in 0..<nodes {
      residual[1 + rows + node][size - 1] =
        capacityBytes.map { Int($0[node] / base) } ?? capacity(node, 0)
    }
    var flow = 0
    while true {
      var parent = Array(repeating: -1, count: size)
      parent[0] = 0
      var queue = [0]
      var head = 0
      while head < queue.count && parent[size - 1] < 0 {
        let from = queue[head]
        head += 1
        for to in 0..<size where parent[to] < 0 && residual[from][to] > 0 {
          parent[to] = from
          queue.append(to)
        }
      }
      guard parent[size - 1] >= 0 else { break }
      var bottleneck = Int.max
      var to = size - 1
      while to != 0 {
        bottleneck = min(bottleneck, residual[parent[to]][to])
        to = parent[to]
      }
      to = size - 1
      while to != 0 {
        residual[parent[to]][to] -= bottleneck
        residual[to][parent[to]] += bottleneck
        to = parent[to]
      }
      flow += bottleneck
    }
    return flow == total
  }
}
