import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

/// Sizes at the limits of their types: a diagnostic, never a trap.
@Suite struct ArithmeticLimitTests {
  @Test(arguments: [UInt64(1) << 63, UInt64.max, UInt64.max - 4095])
  func hugeWorkloadMemoryIsAnError(memory: UInt64) throws {
    let policy = Fixtures.policy(
      housekeeping: 1,
      [
        Fixtures.workload("a", line: 10, cpus: .init(exactly: 1), memory: .init(exactly: memory)),
        Fixtures.workload(
          "b", line: 30, isolation: .kernel, cpus: .init(exactly: 1),
          memory: .init(min: memory, max: memory)),
      ])
    guard case .failure(let error) = Solver().solve(policy, on: Fixtures.host()) else {
      Issue.record("placed \(memory) bytes")
      return
    }
    // Each workload's memory is a conflict of its own.
    #expect(!error.diagnostics.isEmpty)
    for d in error.diagnostics {
      #expect(d.code == "E202")
      #expect([Fixtures.loc(15, 7), Fixtures.loc(35, 7)].contains(d.location))
    }
  }

  @Test func elasticMemoryWithoutBoundIsShared() throws {
    let policy = Fixtures.policy(
      housekeeping: 1,
      [
        Fixtures.workload("a", line: 10, cpus: .init(exactly: 1), memory: .init(min: 0, max: .max)),
        Fixtures.workload(
          "b", line: 30, cpus: .init(exactly: 1), memory: .init(min: 1 << 30, max: .max)),
      ])
    let solution = try Solver().solve(policy, on: Fixtures.host()).get()
    #expect(solution.assignment.workloads.allSatisfy { $0.memoryBytes > 0 })
  }

  static func host(nodeMemory: [UInt64]) -> Topology {
    var topology = Fixtures.host(sockets: nodeMemory.count)
    var i = 0
    for p in topology.packages.indices {
      for d in topology.packages[p].dies.indices {
        for n in topology.packages[p].dies[d].nodes.indices {
          topology.packages[p].dies[d].nodes[n].memoryTotalBytes = nodeMemory[i]
          topology.packages[p].dies[d].nodes[n].memoryFreeBytes = 0
          i += 1
        }
      }
    }
    return topology
  }

  @Test(arguments: [
    [UInt64(1) << 63], [UInt64.max], [UInt64(1) << 62, UInt64(1) << 62],
    [UInt64.max / 2 + 1, UInt64.max / 2 + 1], [UInt64(16) << 30, UInt64.max],
  ])
  func nodeMemoryBeyondWhatCanBeAddedIsAnError(nodes: [UInt64]) throws {
    let policy = Fixtures.policy(
      housekeeping: 1, hostMemory: 1 << 30,
      [Fixtures.workload("a", line: 10, cpus: .init(exactly: 1), memory: .init(exactly: 1 << 30))])
    guard case .failure(let error) = Solver().solve(policy, on: Self.host(nodeMemory: nodes))
    else {
      Issue.record("planned on nodes of \(nodes)")
      return
    }
    #expect(error.diagnostics.map(\.code) == ["E206"])
    #expect(error.diagnostics.first?.help.isEmpty == false)
  }

  /// Just under the limit: plans, and hands out more memory than 4 EiB.
  @Test func nodeMemoryUpToTheLimitPlans() throws {
    let policy = Fixtures.policy(
      housekeeping: 1,
      [
        Fixtures.workload(
          "a", line: 10, cpus: .init(exactly: 1), memory: .init(min: 1 << 30, max: .max))
      ])
    let topology = Self.host(nodeMemory: [UInt64(1) << 62, (UInt64(1) << 62) - 4096])
    let solution = try Solver().solve(policy, on: topology).get()
    #expect(solution.assignment.workloads[0].memoryBytes > 1 << 62)
  }

  /// The sum of the minimums over what the host has: answered with the numbers.
  @Test func capacityConflictIsAnsweredWithTheArithmetic() throws {
    let workloads = (0..<4000).map { i in
      Fixtures.workload("w\(i)", line: 10 + 20 * i, cpus: .init(exactly: 1))
    }
    let policy = Fixtures.policy(housekeeping: 2, workloads)
    guard case .failure(let error) = Solver().solve(policy, on: Fixtures.host()) else {
      Issue.record("placed 4000 CPUs on 8")
      return
    }
    let first = try #require(error.diagnostics.first)
    #expect(first.code == "E201")
    #expect(
      first.message.hasPrefix("the workloads' minimum CPUs need 4000 CPUs but this host has 6"))
    // 6 free CPUs: the seventh workload is where the sum passes the host.
    #expect(first.location == Fixtures.loc(10 + 20 * 6 + 3, 7))
    #expect(
      first.help == [
        "lower cpus (min) of these workloads by at least 3994 CPUs in total, or plan for a larger host"
      ])
  }
}
