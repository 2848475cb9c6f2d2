import Foundation
import MKCore
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

/// Update headroom as a demand of the solver: exclusive (no workload, the
/// shared pool or another reserve has its CPUs), on the node of the instance
/// it serves (its LLC when there is room), kept where it is by `--previous`,
/// and when it does not fit, a located E460 saying how much is missing and
/// who could give way.
@Suite struct HeadroomTests {
  static func topology(_ name: String) throws -> Topology {
    let read = TopologySnapshot.read(path: PackagePaths.path("Examples/topologies/\(name).yaml"))
    return try #require(read.topology)
  }

  static func policy(_ text: String) throws -> Policy {
    let loaded = PolicyLoader.load(text: text, file: "policy.yaml")
    return try #require(loaded.policy, "\(loaded.diagnostics)")
  }

  static let base = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: headroom}
    host:
      housekeeping: {cpus: 4, memory: 4GiB}
    coordinator:
      kernel: {image: /boot/vmlinuz-mk}
    workloads:
      - name: router
        isolation: kernel
        latency: realtime
        cpus: 4
        smt: exclusive
        memory: 8GiB
        devices:
          - type: net
            match: {driver: mlx5_core}
        placement: {numa: single, nearDevices: true}
        update:
          strategy: handover
          healthCheck: {port: 9000}
      - name: risk
        isolation: partition
        cpus: {min: 8, max: 16}
        memory: {min: 8GiB}
      - name: batch
        isolation: shared
        latency: batch
        cpus: {min: 2}
        memory: {min: 4GiB}

    """

  @Test func headroomIsExclusiveAndNextToItsInstance() throws {
    let topology = try Self.topology("trading-2s-connectx-e810")
    let solution = try Solver().solve(try Self.policy(Self.base), on: topology).get()
    let assignment = solution.assignment
    let reserve = try #require(assignment.headroom?.first)
    #expect(reserve.name == "router-headroom")
    #expect(reserve.serves == ["router"])
    #expect(reserve.cpus.count == 4)
    #expect(reserve.memoryBytes == 8 << 30)
    #expect(reserve.physicalIds.count == 4)
    #expect(!assignment.workloads.contains { $0.workload.contains("headroom") })
    for placed in assignment.workloads {
      #expect(placed.cpus.isDisjoint(with: reserve.cpus), "\(placed.workload)")
    }
    #expect(reserve.cpus.isDisjoint(with: assignment.sharedPool))
    #expect(reserve.cpus.isDisjoint(with: assignment.housekeeping))
    let router = try #require(assignment.workload(named: "router"))
    #expect(reserve.numaNodes == router.numaNodes)
    let llc = { (cpu: Int) in topology.cacheDomains.firstIndex { $0.cpus.contains(cpu) } }
    #expect(Set(reserve.cpus.map(llc)) == Set(router.cpus.map(llc)), "same LLC when it can")
    #expect(!solution.diagnostics.contains { $0.code == "E467" })
  }

  /// A lower-priority elastic workload that fills the instance's node keeps
  /// it: the reserve lands elsewhere, and E467 names the workload to lower.
  @Test func headroomOffItsNodeIsSaid() throws {
    let text = Self.base.replacingOccurrences(
      of: "    cpus: {min: 8, max: 16}", with: "    cpus: {min: 8, max: 24}")
    let solution = try Solver().solve(
      try Self.policy(text), on: try Self.topology("trading-2s-connectx-e810")
    ).get()
    let warning = try #require(solution.diagnostics.first { $0.code == "E467" })
    #expect(warning.location?.line == 20)
    #expect(warning.help.first == "'risk' grew to 24 CPUs on that node: lower its cpus max")
  }

  @Test func sharedHeadroomServesEveryHandoverWorkloadWithoutItsOwn() throws {
    let text = Self.base.replacingOccurrences(
      of: "  kernel: {image: /boot/vmlinuz-mk}",
      with: "  kernel: {image: /boot/vmlinuz-mk}\n  updateHeadroom: {cpus: 6, memory: 12GiB}")
    let solution = try Solver().solve(
      try Self.policy(text), on: try Self.topology("trading-2s-connectx-e810")
    ).get()
    let reserve = try #require(solution.assignment.headroom?.first)
    #expect(solution.assignment.headroom?.count == 1)
    #expect(reserve.name == HeadroomDemand.sharedName)
    #expect(reserve.cpus.count == 6)
    #expect(reserve.memoryBytes == 12 << 30)
  }

  @Test func previousHeadroomStaysWhereItIs() throws {
    let topology = try Self.topology("trading-2s-connectx-e810")
    let policy = try Self.policy(Self.base)
    let first = try Solver().solve(policy, on: topology).get().assignment
    let again = try Solver().solve(policy, on: topology, previous: first).get().assignment
    #expect(again.headroom == first.headroom)
    #expect(again.workloads == first.workloads)
  }

  @Test func headroomThatDoesNotFitSaysWhatIsMissing() throws {
    let text = Self.base.replacingOccurrences(
      of: "    cpus: {min: 8, max: 16}", with: "    cpus: {min: 52, max: 56}")
    let policy = try Self.policy(text)
    let topology = try Self.topology("trading-2s-connectx-e810")
    // Without the headroom the policy fits.
    var plain = policy
    plain.workloads[0].update = nil
    #expect((try? Solver().solve(plain, on: topology).get()) != nil)
    guard case .failure(let error) = Solver().solve(policy, on: topology) else {
      Issue.record("the headroom cannot fit")
      return
    }
    let diagnostic = try #require(error.diagnostics.first)
    #expect(diagnostic.code == "E460")
    #expect(diagnostic.message.contains("'router-headroom'"))
    #expect(diagnostic.message.contains("2 CPUs missing"))
    #expect(diagnostic.location?.line == 20)
    #expect(diagnostic.help.first?.contains("'batch' (priority 0") == true)
    #expect(diagnostic.help.first?.contains("'risk'") == true)
  }

  @Test func restartWorkloadsGetNoHeadroom() throws {
    let text = Self.base.replacingOccurrences(
      of: "      strategy: handover\n      healthCheck: {port: 9000}",
      with: "      strategy: restart")
    let solution = try Solver().solve(
      try Self.policy(text), on: try Self.topology("trading-2s-connectx-e810")
    ).get()
    #expect(solution.assignment.headroom == nil)
  }
}
