import MKCore
import MKPolicy
import MKTopology

/// The placement problem in plain numbers, as the solver sees it after
/// housekeeping: what external tools (the benchmark's exact MILP reference)
/// need to solve the same problem on the same objective.
public struct PlacementInstance: Sendable, Codable, Hashable {
  public struct LLC: Sendable, Codable, Hashable {
    public var domain: Int
    public var node: Int
    public var threadsPerCore: Int
    /// Free cores (housekeeping's are gone).
    public var cores: Int
  }

  public struct Node: Sendable, Codable, Hashable {
    public var id: Int
    public var package: Int
    public var memoryGiB: Double
  }

  public struct Workload: Sendable, Codable, Hashable {
    public var name: String
    /// `wholeCore`, `threadPerCore` or `thread` (smt exclusive, off, shared).
    public var unit: String
    public var threads: Int
    public var memoryGiB: Double
    public var numa: String
    public var nearDevices: Bool
    public var llcExclusive: Bool
    /// Indices of workloads it may share no LLC with.
    public var avoid: [Int]
    /// Candidate device indices per requested device.
    public var slots: [[Int]]
    public var lambda: Double
  }

  public var llcs: [LLC]
  public var nodes: [Node]
  /// X(a,b) by node index.
  public var remote: [[Double]]
  /// NUMA node index of each device (-1 for none).
  public var deviceNodes: [Int]
  public var workloads: [Workload]
  public var weights: ObjectiveWeights
}

extension Solver {
  /// The instance for the policy's sizes as they would be placed (elastic
  /// sizes at full capacity); nil when the host model cannot be built.
  public func instance(_ policy: Policy, on topology: Topology) -> PlacementInstance? {
    guard case .success(let model) = HostModel.build(policy: policy, topology: topology) else {
      return nil
    }
    let demands = Self.sized(
      Demand.build(policy: policy, model: model, weights: weights), model: model, fraction: 1)
    let gib = Double(1 << 30)
    return PlacementInstance(
      llcs: model.llcs.map {
        .init(
          domain: $0.domainId, node: $0.node, threadsPerCore: $0.threadsPerCore,
          cores: $0.cores.count)
      },
      nodes: model.nodes.map {
        .init(id: $0.id, package: $0.package, memoryGiB: Double($0.memoryAvailable) / gib)
      },
      remote: model.remote, deviceNodes: model.deviceNode.map { $0 ?? -1 },
      workloads: demands.map { d in
        let unit =
          switch d.unit {
          case .wholeCore: "wholeCore"
          case .threadPerCore: "threadPerCore"
          case .thread: "thread"
          }
        return .init(
          name: d.name, unit: unit, threads: d.threads, memoryGiB: Double(d.memory) / gib,
          numa: d.numa.rawValue, nearDevices: d.near, llcExclusive: d.llcExclusive,
          avoid: d.avoid.sorted(), slots: d.slots, lambda: d.lambda)
      }, weights: weights)
  }

  /// The objective of any assignment of this policy on this host (for
  /// comparing other placers on the same scale), or nil when the assignment
  /// uses CPUs the host model does not offer.
  public func objective(of assignment: Assignment, policy: Policy, on topology: Topology)
    -> Objective?
  {
    guard case .success(let model) = HostModel.build(policy: policy, topology: topology) else {
      return nil
    }
    let demands = Demand.build(policy: policy, model: model, weights: weights)
    let state = PlacementState(model: model, demands: demands, weights: weights, previous: nil)
    var total = Terms()
    var owner: [Int: Int] = [:]
    for (w, wl) in policy.workloads.enumerated() {
      guard let wa = assignment.workload(named: wl.name) else { continue }
      var byLLC: [Int: Int] = [:]
      for cpu in wa.cpus {
        guard let l = model.cpuLLC[cpu] else { return nil }
        byLLC[l, default: 0] += 1
        owner[cpu] = w
      }
      let shares = byLLC.keys.sorted().map { Share(llc: $0, threads: byLLC[$0]!) }
      let memory = wa.memoryBytesByNode.keys.compactMap { key -> NodeAmount? in
        guard let id = Int(key), let n = model.nodeIndex[id] else { return nil }
        return NodeAmount(node: n, amount: wa.memoryBytesByNode[key] ?? 0)
      }.sorted { $0.node < $1.node }
      let devices = wa.devices.compactMap { pci in model.devices.firstIndex { $0.pciAddress == pci }
      }
      total = total + state.terms(w, shares: shares, memory: memory, devices: devices)
    }
    // Siblings shared between two workloads, weighted by both latency classes.
    for info in model.llcs {
      for core in info.cores {
        let owners = Array(Set(core.compactMap { owner[$0] })).sorted()
        if owners.count > 1 {
          total.sharedSiblings += owners.reduce(0.0) { $0 + demands[$1].lambda }
        }
      }
    }
    return Objective(
      remoteMemory: total.remoteMemory, remoteDevices: total.remoteDevices,
      cacheDomainsSpanned: total.cacheDomains, nodesSpanned: total.nodes,
      sharedSiblings: total.sharedSiblings, movement: 0)
  }
}
