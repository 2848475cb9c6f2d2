import MKCore
import MKPolicy

/// Threads of one workload in one LLC entry of the host model.
struct Share: Sendable, Hashable {
  var llc: Int
  var threads: Int
}

/// An amount on one NUMA node (bytes of memory, or huge pages).
struct NodeAmount: Sendable, Hashable {
  var node: Int
  var amount: UInt64
}

/// The objective's terms for one workload or a whole placement.
struct Terms: Sendable, Hashable {
  var remoteMemory = 0.0
  var remoteDevices = 0.0
  var cacheDomains = 0.0
  var nodes = 0.0
  var sharedSiblings = 0.0
  var movement = 0.0
  var total: Double {
    remoteMemory + remoteDevices + cacheDomains + nodes + sharedSiblings + movement
  }
  static func + (a: Terms, b: Terms) -> Terms {
    Terms(
      remoteMemory: a.remoteMemory + b.remoteMemory,
      remoteDevices: a.remoteDevices + b.remoteDevices,
      cacheDomains: a.cacheDomains + b.cacheDomains, nodes: a.nodes + b.nodes,
      sharedSiblings: a.sharedSiblings + b.sharedSiblings, movement: a.movement + b.movement)
  }
}

/// Where one workload was put, at the level of counts per LLC.
struct Placed: Sendable {
  var shares: [Share]
  var memory: [NodeAmount]
  var hugePages: [NodeAmount]
  var devices: [Int]
  var terms: Terms
}

/// A pair of workloads whose odd threads share one core.
struct SiblingPair: Sendable, Hashable {
  var a: Int
  var b: Int
}

struct LLCState: Sendable {
  var freeCores: Int
  /// Workloads holding a core of which they use one thread (sibling idle).
  var open: [Int] = []
  var pairs: [SiblingPair] = []
  var occupants: [Int] = []
  var exclusive = false
}

/// What a previous plan had, by workload index of the current policy.
struct PreviousPlacement: Sendable {
  /// Threads per LLC entry, indexed like HostModel.llcs.
  var threads: [[Int: Int]]
  var memory: [[Int: UInt64]]
  /// Huge pages per node index (workloads whose pages the host supplies).
  var hugePages: [[Int: UInt64]]
  var cpus: [CPUSet?]
  /// Device indices the workload had.
  var devices: [[Int]]
}

/// The mutable state of one search: free capacity per LLC and node, and
/// every workload placed so far. Adding and removing are exact inverses
/// (apart from which half core a pair reopens), so moves can be undone.
struct PlacementState: Sendable {
  let model: HostModel
  var demands: [Demand]
  let weights: ObjectiveWeights
  let previous: PreviousPlacement?
  var llc: [LLCState]
  /// Node memory not yet taken, by ordinary memory and huge pages alike.
  var memoryFree: [UInt64]
  var deviceOwner: [Int?]
  var placed: [Placed?]
  var pairCost = 0.0
  /// Pair odd threads with another workload's whenever possible (a second
  /// strategy for tight SMT packings; costs sibling sharing).
  var eagerPairing = false
  /// Choose placements that waste least capacity first, cost second (for
  /// packings that the cost-first greedy misses).
  var tight = false

  init(model: HostModel, demands: [Demand], weights: ObjectiveWeights, previous: PreviousPlacement?)
  {
    self.model = model
    self.demands = demands
    self.weights = weights
    self.previous = previous
    llc = model.llcs.map { LLCState(freeCores: $0.cores.count) }
    memoryFree = model.nodes.map(\.memoryAvailable)
    deviceOwner = Array(repeating: nil, count: model.devices.count)
    placed = Array(repeating: nil, count: demands.count)
  }

  /// The same placement scored against `previous` (its movement term),
  /// and bound to keep previous CPU ids where the counts allow.
  func rescored(previous: PreviousPlacement) -> PlacementState {
    var state = PlacementState(model: model, demands: demands, weights: weights, previous: previous)
    state.llc = llc
    state.memoryFree = memoryFree
    state.deviceOwner = deviceOwner
    state.pairCost = pairCost
    state.eagerPairing = eagerPairing
    state.tight = tight
    for (workload, p) in placed.enumerated() {
      guard var p else { continue }
      p.terms = state.terms(workload, shares: p.shares, memory: p.memory, devices: p.devices)
      state.placed[workload] = p
    }
    return state
  }

  var total: Terms {
    var sum = Terms(sharedSiblings: pairCost)
    for p in placed { if let p { sum = sum + p.terms } }
    return sum
  }

  // MARK: capacity

  /// Whether `workload` may take threads in entry `entry`: the LLC rules hold for the
  /// whole real cache domain, every entry of it (cores with other thread
  /// counts in the same L3 are the same cache).
  func eligible(_ workload: Int, _ entry: Int) -> Bool {
    let demand = demands[workload]
    for entry in model.llcs[entry].domainEntries {
      let s = llc[entry]
      if s.exclusive { return false }
      if demand.llcExclusive && s.occupants.contains(where: { $0 != workload }) { return false }
      for o in s.occupants where demand.avoid.contains(o) { return false }
    }
    return true
  }

  /// Threads `workload` could still get in LLC `entry` without pairing (`pairing` false) or with it.
  func capacity(_ workload: Int, _ entry: Int, pairing: Bool) -> Int {
    guard eligible(workload, entry) else { return 0 }
    let threadsPerCore = model.llcs[entry].threadsPerCore
    let free = llc[entry].freeCores
    switch demands[workload].unit {
    case .wholeCore: return free * threadsPerCore
    case .threadPerCore: return free
    case .thread:
      let extra = pairing && threadsPerCore == 2 && !llc[entry].open.isEmpty ? 1 : 0
      return free * threadsPerCore + extra
    }
  }

  /// Whether placing `threads` of `workload` in `entry` must pair its odd thread with another workload.
  func needsPair(_ workload: Int, _ entry: Int, _ threads: Int) -> Bool {
    let threadsPerCore = model.llcs[entry].threadsPerCore
    guard demands[workload].unit == .thread, threadsPerCore == 2, threads % 2 == 1 else {
      return false
    }
    if eagerPairing && !llc[entry].open.isEmpty { return true }
    return llc[entry].freeCores < threads / 2 + 1
  }

  func pairPenalty(_ workload: Int, _ shares: [Share]) -> Double {
    var p = 0.0
    for s in shares where needsPair(workload, s.llc, s.threads) {
      if let other = llc[s.llc].open.first { p += demands[workload].lambda + demands[other].lambda }
    }
    return p
  }

  // MARK: apply / remove

  /// `partners` names, per LLC, the workload whose open half core `workload`'s odd
  /// thread should join (as in the previous plan).
  mutating func apply(_ workload: Int, _ p: Placed, partners: [Int: Int] = [:]) {
    let demand = demands[workload]
    for s in p.shares {
      let threadsPerCore = model.llcs[s.llc].threadsPerCore
      switch demand.unit {
      case .wholeCore: llc[s.llc].freeCores -= s.threads / threadsPerCore
      case .threadPerCore: llc[s.llc].freeCores -= s.threads
      case .thread:
        if threadsPerCore == 1 {
          llc[s.llc].freeCores -= s.threads
        } else {
          let full = s.threads / threadsPerCore
          let rem = s.threads % threadsPerCore
          llc[s.llc].freeCores -= full
          if rem > 0 {
            let partner = partners[s.llc].flatMap { llc[s.llc].open.firstIndex(of: $0) }
            if let i = partner {
              let other = llc[s.llc].open.remove(at: i)
              llc[s.llc].pairs.append(SiblingPair(a: min(other, workload), b: max(other, workload)))
              pairCost += demand.lambda + demands[other].lambda
            } else if llc[s.llc].open.isEmpty || (llc[s.llc].freeCores > 0 && !eagerPairing) {
              llc[s.llc].freeCores -= 1
              llc[s.llc].open.append(workload)
            } else {
              let other = llc[s.llc].open.removeFirst()
              llc[s.llc].pairs.append(SiblingPair(a: min(other, workload), b: max(other, workload)))
              pairCost += demand.lambda + demands[other].lambda
            }
          }
        }
      }
      llc[s.llc].occupants.append(workload)
      if demand.llcExclusive { llc[s.llc].exclusive = true }
    }
    takeMemory(of: p, demand)
    for dev in p.devices { deviceOwner[dev] = workload }
    placed[workload] = p
  }

  /// Takes (or gives back) the node memory `p` holds: its memory and its
  /// huge pages, which come out of the same node memory.
  mutating func takeMemory(of p: Placed, _ demand: Demand, back: Bool = false) {
    func move(_ node: Int, _ bytes: UInt64) {
      if back { memoryFree[node] += bytes } else { memoryFree[node] -= bytes }
    }
    for m in p.memory { move(m.node, m.amount) }
    for h in p.hugePages { move(h.node, h.amount * demand.hugePageSize) }
  }

  mutating func remove(_ workload: Int) {
    guard let p = placed[workload] else { return }
    let demand = demands[workload]
    for s in p.shares {
      let threadsPerCore = model.llcs[s.llc].threadsPerCore
      switch demand.unit {
      case .wholeCore: llc[s.llc].freeCores += s.threads / threadsPerCore
      case .threadPerCore: llc[s.llc].freeCores += s.threads
      case .thread:
        if threadsPerCore == 1 {
          llc[s.llc].freeCores += s.threads
        } else {
          llc[s.llc].freeCores += s.threads / threadsPerCore
          if s.threads % threadsPerCore > 0 {
            if let i = llc[s.llc].open.firstIndex(of: workload) {
              llc[s.llc].open.remove(at: i)
              llc[s.llc].freeCores += 1
            } else if let i = llc[s.llc].pairs.firstIndex(where: {
              $0.a == workload || $0.b == workload
            }) {
              let pair = llc[s.llc].pairs.remove(at: i)
              let other = pair.a == workload ? pair.b : pair.a
              llc[s.llc].open.append(other)
              pairCost -= demand.lambda + demands[other].lambda
            }
          }
        }
      }
      if let i = llc[s.llc].occupants.firstIndex(of: workload) {
        llc[s.llc].occupants.remove(at: i)
      }
      if demand.llcExclusive { llc[s.llc].exclusive = false }
    }
    takeMemory(of: p, demand, back: true)
    for dev in p.devices { deviceOwner[dev] = nil }
    placed[workload] = nil
  }

  // MARK: objective

  /// The workload's own terms (pairs are accounted in `pairCost`).
  func terms(_ workload: Int, shares: [Share], memory: [NodeAmount], devices: [Int]) -> Terms {
    var t = Terms()
    let threadCount = shares.reduce(0) { $0 + $1.threads }
    // Threads per node, sorted by node (the order the sums below were always
    // taken in, so the terms are the same to the last bit).
    let byNode = cpuNodes(shares)
    var domains = 0
    var lastDomain = -1
    for s in shares {
      let domain = model.llcs[s.llc].domainId
      if domain != lastDomain { domains += 1 }
      lastDomain = domain
    }
    t.cacheDomains = weights.gamma * Double(domains)
    // Nodes with CPUs or memory, counted without building a set.
    var memoryOnly: [Int] = []
    for m in memory where m.amount > 0 {
      if !byNode.contains(where: { $0.node == m.node }) && !memoryOnly.contains(m.node) {
        memoryOnly.append(m.node)
      }
    }
    t.nodes = weights.delta * Double(byNode.count + memoryOnly.count)
    if threadCount > 0 {
      let cpuList = byNode.map { ($0.node, Double($0.threads) / Double(threadCount)) }
      if !memory.isEmpty {
        let gib = 1.0 / Double(1 << 30)
        let totalGiB = Double(memory.reduce(0) { $0 + $1.amount }) * gib
        let demand = cpuList.map { ($0.0, $0.1 * totalGiB) }
        let supply = memory.map { ($0.node, Double($0.amount) * gib) }
        t.remoteMemory =
          weights.alpha * Transport.cost(demand: demand, supply: supply, x: model.remote)
      }
      for dev in devices {
        guard let dn = model.deviceNode[dev] else { continue }
        for (a, f) in cpuList { t.remoteDevices += weights.beta * model.remote[a][dn] * f }
      }
    }
    if let prev = previous, workload < prev.threads.count, prev.cpus[workload] != nil {
      var moved = 0
      var seen = Set<Int>()
      for s in shares {
        moved += abs(s.threads - (prev.threads[workload][s.llc] ?? 0))
        seen.insert(s.llc)
      }
      // Integer sums: the dictionary's order does not matter.
      for (entry, count) in prev.threads[workload] where !seen.contains(entry) { moved += count }
      var gibMoved = 0.0
      var mseen = Set<Int>()
      for m in memory {
        let before = prev.memory[workload][m.node] ?? 0
        gibMoved += Double(m.amount > before ? m.amount - before : before - m.amount)
        mseen.insert(m.node)
      }
      for (node, amount) in prev.memory[workload].sorted(by: { $0.key < $1.key })
      where !mseen.contains(node) {
        gibMoved += Double(amount)
      }
      t.movement = weights.mu / 2 * (Double(moved) + gibMoved / Double(1 << 30))
    }
    return t
  }
}

/// Remote-access cost of memory serving CPUs: local first, then the cheapest
/// remaining (CPU node, memory node) pairs, which is optimal when the
/// distances obey the triangle inequality and at most two nodes remain on a side.
enum Transport {
  static func cost(demand: [(Int, Double)], supply: [(Int, Double)], x: [[Double]]) -> Double {
    var need = demand
    var have = supply
    for i in need.indices {
      for j in have.indices where have[j].0 == need[i].0 {
        let m = min(need[i].1, have[j].1)
        need[i].1 -= m
        have[j].1 -= m
      }
    }
    var cost = 0.0
    var pairs: [(Double, Int, Int)] = []
    for i in need.indices where need[i].1 > 1e-12 {
      for j in have.indices where have[j].1 > 1e-12 {
        pairs.append((x[need[i].0][have[j].0], i, j))
      }
    }
    pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
    for (c, i, j) in pairs {
      let m = min(need[i].1, have[j].1)
      if m <= 0 { continue }
      cost += c * m
      need[i].1 -= m
      have[j].1 -= m
    }
    return cost
  }
}
