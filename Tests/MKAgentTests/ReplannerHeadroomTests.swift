import MKAgent
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

/// The agent's re-plans keep the update headroom where the plan in force
/// has it: a hand-over may be about to start a successor there, so a
/// resize must not move it (the solver keeps a previous headroom only when
/// it is given one).
@Suite struct ReplannerHeadroomTests {
  @Test func resizeKeepsTheHeadroomOfThePlanInForce() throws {
    let loaded = PolicyLoader.load(paths: [
      PackagePaths.path("Examples/handover-realtime/before.yaml")
    ])
    let policy = try #require(loaded.policy, "\(loaded.diagnostics.map(\.message))")
    let topology = try AgentFixtures.topology("Examples/topologies/trading-2s-connectx-e810.yaml")
    let replanner = Replanner(policy: policy, topology: topology)
    let first = try replanner.staticPlan(previous: nil).get()
    let reserve = try #require(first.headroom?.first)

    // The plan in force holds the reserve on other whole cores of the same
    // node, taken from the shared pool (as an earlier plan may have).
    let node = try #require(reserve.numaNodes.first)
    let cores = topology.nodes.first { $0.id == node }.map { node in
      node.cacheDomains.flatMap(\.cores)
    }
    let freeCores = try #require(cores).filter {
      $0.cpus.isSubset(of: first.sharedPool) && $0.cpus.isDisjoint(with: reserve.cpus)
    }
    let coresNeeded = reserve.cpus.count / 2
    try #require(freeCores.count >= coresNeeded)
    let moved = freeCores.suffix(coresNeeded).reduce(CPUSet()) { $0.union($1.cpus) }
    var inForce = first
    inForce.sharedPool = first.sharedPool.subtracting(moved).union(reserve.cpus)
    inForce.headroom = [
      HeadroomAssignment(
        name: reserve.name, serves: reserve.serves, cpus: moved,
        physicalIds: moved.map { cpu in topology.threads.first { $0.cpu == cpu }?.physicalId ?? cpu
        },
        numaNodes: reserve.numaNodes, memoryBytesByNode: reserve.memoryBytesByNode)
    ]

    let elastic = policy.workloads.filter { $0.ownsCPUs && !$0.cpus.isFixed }
    var sizes: [String: Int] = [:]
    for workload in elastic {
      sizes[workload.name] = first.assignments.first { $0.workload == workload.name }?.cpus.count
    }
    let replanned = try replanner.plan(sizes: sizes, previous: inForce).get()
    #expect(replanned.headroom?.first?.cpus == moved)
    #expect(replanned.headroom?.first?.cpus != reserve.cpus)
  }
}
