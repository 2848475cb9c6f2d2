import BenchFamilies
import MKCore
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

@testable import MKSolver

/// Hosts whose LLC domains hold cores of different thread counts (hybrid
/// P/E cores, offline SMT siblings), uneven nodes, and re-plans with
/// `--previous` after edits: every rule checked after every step.
enum HostReshaper {
  /// Makes `topology` hybrid, partly offline and uneven: some cores lose a
  /// thread (E-core-like), some siblings go offline, some cores go offline
  /// entirely, node memory differs.
  static func reshape(_ topology: inout Topology, _ r: inout SplitMix64) {
    for p in topology.packages.indices {
      for d in topology.packages[p].dies.indices {
        for n in topology.packages[p].dies[d].nodes.indices {
          if r.chance(0.5, resolution: 10_000) {
            let total = topology.packages[p].dies[d].nodes[n].memoryTotalBytes
            topology.packages[p].dies[d].nodes[n].memoryTotalBytes =
              total / 4 * UInt64(r.int(2...6))
          }
          for c in topology.packages[p].dies[d].nodes[n].cacheDomains.indices {
            var domain = topology.packages[p].dies[d].nodes[n].cacheDomains[c]
            for k in domain.cores.indices.dropFirst() {
              switch r.int(0...7) {
              case 0 where domain.cores[k].threads.count > 1:
                domain.cores[k].threads[1].online = false
              case 1 where domain.cores[k].threads.count > 1:
                domain.cores[k].threads.removeLast()
              case 2:
                for t in domain.cores[k].threads.indices {
                  domain.cores[k].threads[t].online = false
                }
              default: break
              }
            }
            topology.packages[p].dies[d].nodes[n].cacheDomains[c] = domain
          }
        }
      }
    }
  }

  /// A generated instance on a reshaped host, with huge pages on some
  /// workloads (the hosts offer 2 MiB pages).
  static func instance(seed: UInt64) -> (Policy, Topology) {
    var (policy, topology) = InstanceGenerator.instance(seed: seed &+ 1_000_003)
    var r = SplitMix64(seed: seed &* 0x9E37_79B9 &+ 5)
    reshape(&topology, &r)
    for p in topology.packages.indices {
      for d in topology.packages[p].dies.indices {
        for n in topology.packages[p].dies[d].nodes.indices {
          topology.packages[p].dies[d].nodes[n].hugePages = [
            HugePagePool(pageSizeBytes: 2 << 20, total: 0, free: 0)
          ]
        }
      }
    }
    for w in policy.workloads.indices where r.chance(0.3, resolution: 10_000) {
      policy.workloads[w].hugepages = HugePages(pageSizeBytes: 2 << 20, count: r.int(1...300))
    }
    return (policy, topology)
  }
}

@Suite struct HostShapeTests {
  static func hybridEdge() throws -> Topology {
    let loaded = TopologySnapshot.read(
      path: PackagePaths.path("Examples/topologies/intel-hybrid-edge.yaml"))
    return try #require(loaded.topology)
  }

  /// One L3 of 6 P-cores and 8 E-cores: two workloads that avoid each other
  /// cannot both have CPUs (the fix: rules hold for the real domain, not per
  /// thread-count piece of it).
  @Test func avoidHoldsAcrossCoresOfDifferentThreadCounts() throws {
    let topology = try Self.hybridEdge()
    var placement = Placement()
    placement.avoid = ["b"]
    let policy = Fixtures.policy(
      housekeeping: 1,
      [
        Fixtures.workload("a", line: 10, cpus: .init(exactly: 4), placement: placement),
        Fixtures.workload("b", line: 30, cpus: .init(exactly: 4)),
      ])
    guard case .failure(let error) = Solver().solve(policy, on: topology) else {
      Issue.record("two workloads that avoid each other were placed in one L3")
      return
    }
    #expect(error.diagnostics.first?.code.hasPrefix("E20") == true)
  }

  @Test func llcExclusiveHoldsAcrossCoresOfDifferentThreadCounts() throws {
    let topology = try Self.hybridEdge()
    var placement = Placement()
    placement.llc = .exclusive
    let policy = Fixtures.policy(
      housekeeping: 1,
      [
        Fixtures.workload("a", line: 10, cpus: .init(exactly: 4), placement: placement),
        Fixtures.workload("b", line: 30, cpus: .init(exactly: 2)),
      ])
    if case .success = Solver().solve(policy, on: topology) {
      Issue.record("an llc: exclusive workload shares its only L3")
    }
  }

  /// `numa: single` without CPUs: memory and huge pages on one node.
  @Test func numaSingleHoldsForMemoryWithoutCPUs() throws {
    let topology = Fixtures.host(
      sockets: 2, coresPerLLC: 4, memoryGiB: 8,
      hugePages: [HugePagePool(pageSizeBytes: 1 << 30, total: 0, free: 0)])
    var single = Placement()
    single.numa = .single
    let policy = Fixtures.policy(
      housekeeping: 1,
      [
        Fixtures.workload(
          "a", line: 10, cpus: .init(exactly: 1), memory: .init(exactly: 3 << 30),
          placement: single),
        Fixtures.workload(
          "b", line: 30, cpus: .init(exactly: 0), memory: .init(exactly: 5 << 30),
          hugepages: HugePages(pageSizeBytes: 1 << 30, count: 2), placement: single),
      ])
    let solution = try Solver().solve(policy, on: topology).get()
    let b = try #require(solution.assignment.workload(named: "b"))
    let nodes = Set(b.memoryBytesByNode.filter { $0.value > 0 }.keys)
      .union(b.hugePagesByNode.filter { $0.value > 0 }.keys)
    #expect(nodes.count == 1, "memory \(b.memoryBytesByNode), pages \(b.hugePagesByNode)")
    #expect(RuleCheck.violations(solution.assignment, policy, topology).isEmpty)

    // 6 GiB on one node of 8 GiB after 5 GiB of another single workload on
    // each node: no node holds it, so it is an error, not 3 + 3 GiB.
    var tight = policy
    tight.workloads[0].memory = .init(exactly: 5 << 30)
    tight.workloads[1].hugepages = nil
    tight.workloads[1].memory = .init(exactly: 6 << 30)
    tight.workloads.append(
      Fixtures.workload(
        "c", line: 50, cpus: .init(exactly: 1), memory: .init(exactly: 5 << 30),
        placement: single))
    if case .success(let s) = Solver().solve(tight, on: topology) {
      Issue.record("placed as \(s.assignment.workload(named: "b")!.memoryBytesByNode)")
    }
  }

  /// Generated hybrid, partly offline and uneven hosts, each followed by a
  /// sequence of edits re-planned with the previous plan: every rule holds
  /// after every step; an unchanged re-plan moves no CPU, memory or page;
  /// movement is reported whenever a kept workload's CPUs or memory moved;
  /// no instance the exact oracle places is called infeasible.
  @Test func reshapedHostsAndEditSequencesHoldEveryRule() throws {
    var planned = 0
    var falseInfeasible: [UInt64] = []
    for seed in 0..<UInt64(250) {
      let (policy, topology) = HostReshaper.instance(seed: seed)
      switch try Self.planAndEdit(policy, on: topology, label: "seed \(seed)", editSeed: seed &+ 77)
      {
      case .planned: planned += 1
      case .falseInfeasible: falseInfeasible.append(seed)
      case .infeasible: break
      }
    }
    #expect(planned > 90, "only \(planned) planned")
    #expect(falseInfeasible.isEmpty, "false infeasible seeds: \(falseInfeasible)")
  }

  /// Every benchmark family (`Families`, the generators of
  /// Benchmarks/solver) at 2-6 workloads on small hosts with a NIC on every
  /// node and an NVMe drive on the last: uniform, with E-cores
  /// (`efficiencyCoresPerLLC`), or reshaped (hybrid, partly offline,
  /// uneven), each followed by the same edit sequence with `--previous`
  /// and checked after every step, and no fitting instance the exact oracle
  /// places called infeasible.
  @Test func everyBenchmarkFamilyHoldsEveryRuleOnEveryHostShape() throws {
    var planned: [String: Int] = [:]
    var falseInfeasible: [String] = []
    for family in Families.names {
      for seed in 0..<UInt64(60) {
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 29)
        let sockets = random.int(1...2)
        let nodes = sockets * random.int(1...2)
        let shape = TopologyShape(
          sockets: sockets, nodesPerSocket: nodes / sockets, llcsPerNode: random.int(1...2),
          coresPerLLC: random.int(2...4), threadsPerCore: 2,
          efficiencyCoresPerLLC: seed % 3 == 1 ? random.int(1...2) : 0,
          memoryPerNodeBytes: UInt64(random.int(8...32)) << 30,
          hugePages: [HugePagePool(pageSizeBytes: 2 << 20, total: 0, free: 0)],
          distances: .init(local: 10, sameSocket: 12, remoteSocket: 21),
          devices: [
            .init(.net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core"),
            .init(.nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", nodes: [nodes - 1]),
          ])
        var topology = try TopologySynthesizer.build(shape)
        if seed % 3 == 2 { HostReshaper.reshape(&topology, &random) }
        let policy = Families.policy(
          family, on: topology, workloads: random.int(2...6), seed: seed)
        guard Families.fits(policy, on: topology) else { continue }
        let label = "\(family) seed \(seed)"
        switch try Self.planAndEdit(policy, on: topology, label: label, editSeed: seed) {
        case .planned: planned[family, default: 0] += 1
        case .falseInfeasible: falseInfeasible.append(label)
        case .infeasible: break
        }
      }
    }
    for family in Families.names {
      #expect(
        planned[family, default: 0] >= 20, "\(family): only \(planned[family, default: 0]) planned")
    }
    #expect(falseInfeasible.isEmpty, "false infeasible: \(falseInfeasible)")
  }

  enum Outcome { case planned, infeasible, falseInfeasible }

  /// Plans `policy`, checks every rule, re-plans it unchanged (nothing may
  /// move) and through three edits with the previous plan (grow one
  /// workload, remove one, add one), checking every rule and that movement
  /// is reported whenever a kept workload's CPUs moved. An instance the
  /// solver refuses is checked by the exact oracle when it has no huge
  /// pages (which the oracle does not model).
  static func planAndEdit(
    _ policy: Policy, on topology: Topology, label: String, editSeed: UInt64
  ) throws -> Outcome {
    let solver = Solver()
    guard case .success(let first) = solver.solve(policy, on: topology) else {
      if case .success(let model) = HostModel.build(policy: policy, topology: topology) {
        let mins = Demand.build(policy: policy, model: model, weights: ObjectiveWeights())
        if !mins.contains(where: { $0.hugePageCount > 0 }) {
          var oracle = ExactOracle(model: model, demands: mins)
          if oracle.feasible() == true { return .falseInfeasible }
        }
      }
      return .infeasible
    }
    var broken = RuleCheck.violations(first.assignment, policy, topology)
    #expect(broken.isEmpty, "\(label): \(broken)")
    let same = try solver.solve(policy, on: topology, previous: first.assignment).get()
    #expect(same.assignment.workloads == first.assignment.workloads, "\(label): moved")
    #expect(same.assignment.objective.movement == 0, "\(label)")

    // Edits: grow one workload, remove one, add one; each re-planned
    // against the plan before it.
    var random = SplitMix64(seed: editSeed)
    var current = policy
    var previous = first.assignment
    for step in 0..<3 {
      var next = current
      switch step {
      case 0:
        let grown = random.int(0...(next.workloads.count - 1))
        next.workloads[grown].cpus.min += 1
        next.workloads[grown].cpus.max = max(
          next.workloads[grown].cpus.max, next.workloads[grown].cpus.min)
      case 1 where next.workloads.count > 1:
        let gone = next.workloads.remove(at: random.int(0...(next.workloads.count - 1))).name
        for index in next.workloads.indices {
          next.workloads[index].placement.avoid.removeAll { $0 == gone }
        }
      default:
        next.workloads.append(
          Fixtures.workload("n\(step)", line: 200 + step * 20, cpus: .init(min: 1, max: 2)))
      }
      guard case .success(let replanned) = solver.solve(next, on: topology, previous: previous)
      else {
        break
      }
      broken = RuleCheck.violations(replanned.assignment, next, topology)
      #expect(broken.isEmpty, "\(label) step \(step): \(broken)")
      let moved = replanned.assignment.workloads.contains { now in
        guard let before = previous.workload(named: now.workload) else { return false }
        let kept = before.cpus.intersection(now.cpus).count
        return kept < min(before.cpus.count, now.cpus.count)
      }
      if moved {
        #expect(
          replanned.assignment.objective.movement > 0, "\(label) step \(step): moved, movement 0")
      }
      current = next
      previous = replanned.assignment
    }
    return .planned
  }
}
