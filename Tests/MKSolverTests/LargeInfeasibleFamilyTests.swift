import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

/// Generated infeasible families of 500 to 4,000 workloads: each is answered
/// with a located explanation (the error and its notes point at the lines
/// of the workloads named), and the conflict named really is infeasible:
/// those workloads alone, re-solved, do not place. The answer is checked,
/// never the time (docs/solver.md, "Explanations").
@Suite struct LargeInfeasibleFamilyTests {
  static let sizes = [500, 1_000, 4_000]

  /// Two sockets of two nodes of four LLC domains of four SMT2 cores: 16
  /// LLC domains, 128 threads, 126 after housekeeping.
  static let host = Fixtures.host(
    sockets: 2, nodesPerSocket: 2, llcsPerNode: 4, coresPerLLC: 4, memoryGiB: 64,
    devices: [Fixtures.nic])

  /// `conflict` first, then shared one-CPU fillers (a fitting amount) and
  /// memory-only fillers up to `total` workloads.
  static func family(_ conflict: [Workload], total: Int, cpuFillers: Int = 40) -> Policy {
    var workloads = conflict
    let line = 20 + 20 * conflict.count
    for index in 0..<max(0, total - conflict.count) {
      workloads.append(
        Fixtures.workload(
          "fill\(index)", line: line + 20 * index, isolation: .shared,
          cpus: .init(exactly: index < cpuFillers ? 1 : 0), memory: .init(exactly: 1 << 20)))
    }
    return Fixtures.policy(workloads)
  }

  static func failure(_ policy: Policy, on topology: Topology = host) -> DiagnosticError? {
    guard case .failure(let error) = Solver().solve(policy, on: topology) else { return nil }
    return error
  }

  /// Indices of the workloads whose lines the diagnostic and its notes point at.
  static func named(_ diagnostic: Diagnostic, in policy: Policy) -> [Int] {
    let locations = Set([diagnostic.location] + diagnostic.notes.map(\.location))
    return policy.workloads.indices.filter { index in
      let workload = policy.workloads[index]
      return locations.contains(workload.location)
        || workload.fieldLocations.values.contains { locations.contains($0) }
    }
  }

  /// Whether the workloads at `members` alone (with the policy's host
  /// section) are refused by the solver.
  static func infeasibleAlone(_ members: [Int], of policy: Policy, on topology: Topology = host)
    -> Bool
  {
    var alone = policy
    alone.workloads = members.map { policy.workloads[$0] }
    return failure(alone, on: topology) != nil
  }

  // MARK: avoid cliques

  /// 17 workloads that avoid one another on 16 LLC domains: no sum of CPUs
  /// or memory is past the host.
  static func clique(size: Int = 17, cpus: Int = 2) -> [Workload] {
    let names = (0..<size).map { "rt\($0)" }
    return names.enumerated().map { index, name in
      Fixtures.workload(
        name, line: 10 + 20 * index, cpus: .init(exactly: cpus),
        placement: Placement(avoid: names.filter { $0 != name }))
    }
  }

  @Test(arguments: sizes) func avoidCliqueIsAnsweredByItsDomains(total: Int) throws {
    let policy = Self.family(Self.clique(), total: total)
    let error = try #require(Self.failure(policy))
    let d = try #require(error.diagnostics.first { $0.code == "E213" })
    #expect(d.severity == .error)
    #expect(d.message.contains("need at least 17 LLC domains"))
    #expect(d.message.contains("this host has 16"))
    // The conflict: the 17 members (all of them needed, 17 domains for 16).
    let model = try HostModel.build(policy: policy, topology: Self.host).get()
    let demands = Demand.build(policy: policy, model: model, weights: ObjectiveWeights())
    let found = try #require(
      CapacityCheck(policy: policy, model: model, demands: demands).avoidClique())
    #expect(found.members == Array(0..<17))
    // Located: the error at the last member, notes at the first twelve.
    let named = Self.named(d, in: policy)
    #expect(named.count == 13)
    #expect(Set(named).isSubset(of: Set(found.members)))
    #expect(d.location == policy.workloads[16].location(of: "placement.avoid"))
    #expect(Self.infeasibleAlone(found.members, of: policy))
    // One member fewer fits: the clique is the conflict, not the fillers.
    #expect(!Self.infeasibleAlone(Array(found.members.dropLast()), of: policy))
  }

  /// `llc: exclusive` workloads count as avoiding everyone: 12 exclusive
  /// ones and a clique of 5 need 17 domains.
  @Test func exclusiveMembersJoinTheClique() throws {
    var conflict = Self.clique(size: 5)
    for index in 0..<12 {
      conflict.append(
        Fixtures.workload(
          "x\(index)", line: 200 + 20 * index, cpus: .init(exactly: 2),
          placement: Placement(llc: .exclusive)))
    }
    // No CPU fillers: with them the exclusive ones' domains leave the rest
    // too little, which E208 says first.
    let policy = Self.family(conflict, total: 500, cpuFillers: 0)
    let error = try #require(Self.failure(policy))
    let d = try #require(error.diagnostics.first { $0.code == "E213" })
    #expect(d.message.contains("or has placement.llc: exclusive"))
    #expect(Self.infeasibleAlone(Array(0..<17), of: policy))
  }

  // MARK: llc: exclusive over-demand

  /// 17 exclusive workloads on 16 domains: the exclusive ones named by E208
  /// are the conflict.
  @Test(arguments: sizes) func exclusiveOverDemand(total: Int) throws {
    let conflict = (0..<17).map {
      Fixtures.workload(
        "x\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 3),
        placement: Placement(llc: .exclusive))
    }
    let policy = Self.family(conflict, total: total)
    let error = try #require(Self.failure(policy))
    let d = try #require(error.diagnostics.first { $0.code == "E208" })
    #expect(d.message.contains("the 17 workloads with placement.llc: exclusive"))
    let named = Self.named(d, in: policy)
    #expect(!named.isEmpty && named.allSatisfy { $0 < 17 })
    #expect(Self.infeasibleAlone(Array(0..<17), of: policy))
  }

  // MARK: numa: single

  /// One workload larger than any node, under `numa: single`.
  @Test(arguments: sizes) func singleNodeTooBig(total: Int) throws {
    let conflict = [
      Fixtures.workload(
        "db", line: 10, cpus: .init(exactly: 40), placement: Placement(numa: .single))
    ]
    let policy = Self.family(conflict, total: total)
    let error = try #require(Self.failure(policy))
    let d = try #require(error.diagnostics.first)
    #expect(d.code == "E201")
    #expect(d.location == policy.workloads[0].location(of: "cpus"))
    #expect(Self.named(d, in: policy) == [0])
    #expect(Self.infeasibleAlone([0], of: policy))
  }

  /// Three nodes of 8 threads (6 on the first after housekeeping), seven
  /// `numa: single` workloads of 3 CPUs: 21 CPUs of 22 fit by every sum and
  /// none needs half a node, but a node holds only two of them (E214, the
  /// count of them the nodes hold).
  static let threeNodes = Fixtures.host(sockets: 3, memoryGiB: 64)

  static func packing() -> [Workload] {
    (0..<7).map {
      Fixtures.workload(
        "db\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 3), placement: Placement(numa: .single))
    }
  }

  @Test(arguments: sizes) func singleNodePackingIsCounted(total: Int) throws {
    let policy = Self.family(Self.packing(), total: total, cpuFillers: 0)
    let error = try #require(Self.failure(policy, on: Self.threeNodes))
    let d = try #require(error.diagnostics.first)
    #expect(d.code == "E214")
    #expect(d.message.contains("hold at most 6 such workloads"))
    #expect(d.location == policy.workloads[6].location(of: "cpus"))
    let named = Self.named(d, in: policy)
    #expect(named == Array(0..<7))
    #expect(Self.infeasibleAlone(named, of: policy, on: Self.threeNodes))
    // Minimal: any six of them fit.
    #expect(!Self.infeasibleAlone(Array(1..<7), of: policy, on: Self.threeNodes))
  }

  // MARK: rule conflicts no sum shows

  /// Two LLC domains and five workloads that each avoid the next, in a
  /// cycle: no two-colouring, so no placement, while no three of them
  /// avoid each other (no clique for E213) and every sum fits. The
  /// conflict search narrows thousands of workloads to the five by
  /// incremental insertions, going on from the oracle's placement when
  /// the first suspects (three of them) do place.
  static let twoDomains = Fixtures.host(llcsPerNode: 2, memoryGiB: 64)

  static func oddCycle() -> [Workload] {
    (0..<5).map {
      Fixtures.workload(
        "c\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 1),
        placement: Placement(avoid: ["c\(($0 + 1) % 5)"]))
    }
  }

  @Test(arguments: [1_000, 2_000, 4_000]) func avoidCycleIsNarrowed(total: Int) throws {
    let policy = Self.family(Self.oddCycle(), total: total, cpuFillers: 0)
    let error = try #require(Self.failure(policy, on: Self.twoDomains))
    let d = try #require(error.diagnostics.first)
    #expect(d.code == "E201")
    #expect(!d.notes.contains { $0.message.contains("may not be minimal") })
    #expect(d.notes.contains { $0.message.contains("these 5 workloads of the policy's \(total)") })
    let named = Self.named(d, in: policy)
    #expect(named == Array(0..<5))
    #expect(Self.infeasibleAlone(named, of: policy, on: Self.twoDomains))
    // Minimal: without any one of them the cycle is a path, two-coloured.
    for left in 0..<5 {
      #expect(
        !Self.infeasibleAlone(named.filter { $0 != left }, of: policy, on: Self.twoDomains))
    }
  }

  /// Two `llc: exclusive` workloads on a host of four LLC domains leave
  /// two for an avoid 5-cycle: no clique of four (E213 counts 2 + 2), every
  /// sum fits. Narrowed to the seven, and searched to a minimal conflict
  /// (checks from the last feasible placement keep it within the budget).
  @Test(arguments: [1_000, 4_000]) func exclusiveAndCycleIsMinimal(total: Int) throws {
    let host = Fixtures.host(llcsPerNode: 4, memoryGiB: 64)
    var conflict = (0..<2).map {
      Fixtures.workload(
        "x\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 2), memory: .init(exactly: 1 << 30),
        placement: Placement(llc: .exclusive))
    }
    conflict += (0..<5).map {
      Fixtures.workload(
        "c\($0)", line: 50 + 20 * $0, cpus: .init(exactly: 1), memory: .init(exactly: 1 << 30),
        placement: Placement(avoid: ["c\(($0 + 1) % 5)"]))
    }
    let policy = Self.family(conflict, total: total, cpuFillers: 0)
    let error = try #require(Self.failure(policy, on: host))
    let d = try #require(error.diagnostics.first)
    #expect(!d.notes.contains { $0.message.contains("may not be minimal") })
    let named = Self.named(d, in: policy)
    #expect(named == Array(0..<7))
    // Memory is not part of it: the clauses named are CPUs and rules.
    #expect(!d.message.contains("memory"))
    #expect(Self.infeasibleAlone(named, of: policy, on: host))
    for left in named {
      #expect(!Self.infeasibleAlone(named.filter { $0 != left }, of: policy, on: host))
    }
  }

  // MARK: nearDevices

  /// Four NICs per node; workloads near a NIC of node 0 (the only ones
  /// their selector matches) need more CPUs than node 0 has (30 of its 32
  /// threads after housekeeping).
  static let nicHost = Fixtures.host(
    sockets: 2, nodesPerSocket: 2, llcsPerNode: 4, coresPerLLC: 4, memoryGiB: 64,
    devices: [
      .init(.net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", perNode: 4)
    ])

  @Test(arguments: sizes) func nearDevicesTooFew(total: Int) throws {
    let conflict = (0..<4).map {
      Fixtures.workload(
        "io\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 10),
        devices: [
          DeviceRequest(type: .net, pci: "0000:20:*", location: Fixtures.loc(11 + 20 * $0))
        ],
        placement: Placement(nearDevices: true))
    }
    let policy = Self.family(conflict, total: total)
    let error = try #require(Self.failure(policy, on: Self.nicHost))
    let d = try #require(error.diagnostics.first)
    #expect(d.code == "E207")
    #expect(d.message.contains("NUMA node 0"))
    let named = Self.named(d, in: policy)
    #expect(!named.isEmpty && named.allSatisfy { $0 < 4 })
    #expect(Self.infeasibleAlone(Array(0..<4), of: policy, on: Self.nicHost))
  }
}
