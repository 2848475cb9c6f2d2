import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

@Suite struct SolverBasicsTests {
  @Test func housekeepingThenExclusiveWholeCores() throws {
    let topology = Fixtures.host(sockets: 1, nodesPerSocket: 2, llcsPerNode: 2, coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload("db", line: 10, cpus: .init(exactly: 8), smt: .exclusive),
        Fixtures.workload("web", line: 30, isolation: .shared, cpus: .init(min: 2, max: 6)),
      ])
    let solution = try Solver().solve(policy, on: topology).get()
    let a = solution.assignment
    #expect(a.housekeeping == [0, 16])
    let db = try #require(a.workload(named: "db"))
    #expect(db.cpus.count == 8)
    #expect(db.cpus.isDisjoint(with: a.housekeeping))
    let web = try #require(a.workload(named: "web"))
    #expect(web.cpus.count == 6)
    #expect(web.cpus.isDisjoint(with: db.cpus))
    print(
      a.workloads.map { "\($0.workload): \($0.cpus.cpulist) nodes \($0.numaNodes)" }, a.objective)
  }
}

@Suite struct ExplainerSmokeTests {
  @Test func singleNodeTooSmall() throws {
    let topology = Fixtures.host(sockets: 1, nodesPerSocket: 2, llcsPerNode: 2, coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 2, perNode: true,
      [
        Fixtures.workload(
          "db", line: 10, cpus: .init(exactly: 16), smt: .exclusive,
          placement: Placement(numa: .single)),
        Fixtures.workload("router", line: 30, cpus: .init(exactly: 6)),
        Fixtures.workload("web", line: 50, cpus: .init(exactly: 10)),
      ])
    let result = Solver().solve(policy, on: topology)
    guard case .failure(let error) = result else {
      Issue.record("expected a conflict")
      return
    }
    #expect(error.diagnostics.count == 1)
    let d = try #require(error.diagnostics.first)
    #expect(d.code == "E201")
    #expect(d.location == Fixtures.loc(13, 7))
    #expect(
      d.message
        == "workload 'db' needs 16 exclusive threads on one NUMA node; the largest NUMA node has 14 threads after housekeeping (3:3)"
    )
    #expect(d.notes.map(\.message) == ["housekeeping keeps 2 CPUs per NUMA node"])
    // Housekeeping of 1 CPU per node is still a core per node (0 is refused): no help there.
    #expect(d.help == ["lower cpus (min) of 'db' to 12"])
  }

  /// A kernel instance's pages are shown on its memory's nodes, never more
  /// whole pages on a node than its part of the memory holds.
  @Test func kernelInstancePagesAreShownWithinEachNodesMemory() {
    let gib: UInt64 = 1 << 30
    #expect(Binding.pagesWithin([2 * gib, 2 * gib], count: 2, size: gib) == [1, 1])
    // Proportion alone gives [1, 2]; 0.9GiB holds no 1GiB page.
    #expect(Binding.pagesWithin([gib / 10 * 9, gib / 10 * 31], count: 3, size: gib) == [0, 3])
    // 1.6GiB + 1.6GiB hold two whole pages: the third stays on the first, largest part.
    #expect(Binding.pagesWithin([gib / 10 * 16, gib / 10 * 16], count: 3, size: gib) == [2, 1])
  }
}
