import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

/// The arithmetic answers of infeasible policies (`CapacityCheck`): each rule's
/// sum over the part of the host it confines workloads to, on policies large
/// enough (over `SearchBudget.fullExplanationCells`) that the solver answers
/// with the arithmetic alone, and a fitting neighbour that no check refuses.
@Suite struct CapacityArithmeticTests {
  /// Memory-only workloads that take no CPUs: they make a policy large
  /// without changing any CPU sum.
  static func fillers(_ count: Int, from line: Int = 500) -> [Workload] {
    (0..<count).map {
      Fixtures.workload(
        "fill\($0)", line: line + 20 * $0, isolation: .shared, cpus: .init(exactly: 0),
        memory: .init(exactly: 1 << 20))
    }
  }

  /// `workloads` and enough fillers to pass `SearchBudget.fullExplanationCells`.
  static func solve(_ workloads: [Workload], on topology: Topology, fillers count: Int = 300)
    -> Result<Solution, DiagnosticError>
  {
    Solver().solve(Fixtures.policy(workloads + fillers(count)), on: topology)
  }

  static func codes(_ result: Result<Solution, DiagnosticError>) -> [String] {
    guard case .failure(let e) = result else { return [] }
    return e.diagnostics.map(\.code)
  }

  static func message(_ result: Result<Solution, DiagnosticError>, _ code: String) -> String {
    guard case .failure(let e) = result else { return "" }
    return e.diagnostics.first { $0.code == code }?.message ?? ""
  }

  /// Two nodes of two LLC domains of four SMT2 cores (32 threads, 30 after
  /// housekeeping's core).
  static let host = Fixtures.host(nodesPerSocket: 2, llcsPerNode: 2)

  @Test func llcExclusiveNeedsMoreDomainsThanTheHostHas() {
    let exclusive = (0..<5).map {
      Fixtures.workload(
        "x\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 1),
        placement: Placement(llc: .exclusive))
    }
    let result = Self.solve(exclusive, on: Self.host)
    #expect(Self.codes(result) == ["E208"])
    #expect(Self.message(result, "E208").contains("need at least 5 last-level cache domains"))
    #expect(Self.message(result, "E208").contains("has 4"))
    // Four of them fit.
    #expect(Self.codes(Self.solve(Array(exclusive.prefix(4)), on: Self.host)).isEmpty)
  }

  @Test func llcExclusiveLeavesTooLittleForTheOthers() {
    let workloads = [
      Fixtures.workload(
        "x0", line: 10, cpus: .init(exactly: 1), placement: Placement(llc: .exclusive)),
      Fixtures.workload(
        "x1", line: 30, cpus: .init(exactly: 1), placement: Placement(llc: .exclusive)),
      Fixtures.workload("rest", line: 50, cpus: .init(exactly: 20)),
    ]
    let result = Self.solve(workloads, on: Self.host)
    #expect(Self.codes(result) == ["E208"])
    // Domains of 6, 8, 8, 8 threads: the two exclusive ones take at least 6 + 8.
    #expect(Self.message(result, "E208").contains("at most 16 CPUs but their minimums need 20"))
    var fits = workloads
    fits[2].cpus = .init(exactly: 16)
    #expect(Self.codes(Self.solve(fits, on: Self.host)).isEmpty)
  }

  @Test func singleNodeWorkloadsThatCannotShareANode() {
    let workloads = (0..<3).map {
      Fixtures.workload(
        "s\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 9),
        placement: Placement(numa: .single))
    }
    let result = Self.solve(workloads, on: Self.host)
    #expect(Self.codes(result) == ["E210"])
    #expect(Self.message(result, "E210").contains("the 3 of them need 3 nodes"))
    #expect(Self.codes(Self.solve(Array(workloads.prefix(2)), on: Self.host)).isEmpty)
  }

  @Test func nearDeviceWorkloadsConfinedToOneNode() {
    let nicOnNode0 = TopologyShape.DeviceShape(
      .net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", nodes: [0])
    let host = Fixtures.host(nodesPerSocket: 2, llcsPerNode: 2, devices: [nicOnNode0])
    let near = Fixtures.workload(
      "io", line: 10, cpus: .init(exactly: 16),
      devices: [DeviceRequest(type: .net, count: 1, location: Fixtures.loc(14))],
      placement: Placement(nearDevices: true))
    let result = Self.solve([near], on: host)
    #expect(Self.codes(result) == ["E207"])
    #expect(
      Self.message(result, "E207").contains("need 16 CPUs there (the sum of their minimum cpus)"))
    var fits = near
    fits.cpus = .init(exactly: 14)
    #expect(Self.codes(Self.solve([fits], on: host)).isEmpty)
  }

  @Test func deviceRequestsPastTheMatchingDevices() {
    let host = Fixtures.host(nodesPerSocket: 2, devices: [Fixtures.nic])
    let workloads = (0..<3).map {
      Fixtures.workload(
        "n\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 1),
        devices: [
          DeviceRequest(type: .net, driver: "mlx5_core", count: 1, location: Fixtures.loc(14))
        ])
    }
    // Two LLC entries: 600 fillers pass the cells.
    let result = Self.solve(workloads, on: host, fillers: 600)
    #expect(Self.codes(result) == ["E212"])
    #expect(Self.message(result, "E212").contains("need 3 devices where they match 2 devices"))
    #expect(Self.codes(Self.solve(Array(workloads.prefix(2)), on: host, fillers: 600)).isEmpty)
  }

  @Test func hugePagesPastTheNodesOfferingTheirSize() {
    var host = Fixtures.host(
      nodesPerSocket: 2,
      hugePages: [HugePagePool(pageSizeBytes: 1 << 30, total: 0, free: 0)])
    // Only node 0's kernel offers 1 GiB pages.
    for p in host.packages.indices {
      for d in host.packages[p].dies.indices {
        for n in host.packages[p].dies[d].nodes.indices
        where host.packages[p].dies[d].nodes[n].id == 1 {
          host.packages[p].dies[d].nodes[n].hugePages = []
        }
      }
    }
    let workloads = (0..<2).map {
      Fixtures.workload(
        "h\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 1),
        hugepages: HugePages(pageSizeBytes: 1 << 30, count: 10))
    }
    let result = Self.solve(workloads, on: host, fillers: 600)
    #expect(Self.codes(result) == ["E211"])
    #expect(Self.message(result, "E211").contains("huge pages of 1GiB need 20GiB"))
    #expect(Self.codes(Self.solve(Array(workloads.prefix(1)), on: host, fillers: 600)).isEmpty)
  }

  @Test func smtOffCountsWholeCoresOnAHybridHost() {
    var host = Fixtures.host(coresPerLLC: 8)
    // The last four cores have one thread (E-core-like): 12 threads, 8 cores.
    for k in 4..<8 {
      host.packages[0].dies[0].nodes[0].cacheDomains[0].cores[k].threads.removeLast()
    }
    let workloads = [
      Fixtures.workload("rt", line: 10, cpus: .init(exactly: 6), smt: .off),
      Fixtures.workload("batch", line: 30, cpus: .init(exactly: 3)),
    ]
    // One LLC domain, two model entries: 600 fillers pass the cells.
    let result = Self.solve(workloads, on: host, fillers: 600)
    #expect(Self.codes(result) == ["E201"])
    #expect(Self.message(result, "E201").contains("has 7 free cores"))
    var fits = workloads
    fits[1].cpus = .init(exactly: 2)
    #expect(Self.codes(Self.solve(fits, on: host, fillers: 600)).isEmpty)
  }

  /// A policy of 4,000 workloads whose minimums pass the host: answered by
  /// the arithmetic, with the contributors counted, not listed.
  @Test func fourThousandWorkloadsAnsweredByTheSums() {
    let workloads = (0..<4_000).map {
      Fixtures.workload("w\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 1))
    }
    let result = Solver().solve(Fixtures.policy(workloads), on: Self.host)
    guard case .failure(let e) = result else {
      Issue.record("placed")
      return
    }
    #expect(e.diagnostics.map(\.code) == ["E201"])
    let d = e.diagnostics[0]
    #expect(d.message.contains("need 4000 CPUs but this host has 30"))
    #expect(d.message.contains("workload 'w30' is where the sum passes"))
    #expect(d.notes.count == 5)
    #expect(
      d.help == [
        "lower cpus (min) of these workloads by at least 3970 CPUs in total, or plan for a larger host"
      ])
  }
}
