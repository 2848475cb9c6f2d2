import MKAgent
import MKCore
import MKPlan
import MKPolicy
import Testing

/// The independent rule check must see a broken plan (else the property
/// tests and the simulator's "0 violations" would prove nothing).
@Suite struct RuleCheckTests {
  static let text = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: rules}
    host: {housekeeping: {cpus: 2}, bootloader: none, irqbalance: keep}
    workloads:
      - {name: a, isolation: partition, cpus: {min: 2, max: 6}, smt: exclusive}
      - {name: b, isolation: partition, cpus: {min: 2, max: 6}, placement: {numa: single}}
      - {name: c, isolation: partition, cpus: {min: 1, max: 3}, placement: {avoid: [a]}}
    """

  @Test func staticPlanIsCleanAndEachEditIsCaught() throws {
    let policy = AgentFixtures.policy(Self.text)
    let topology = try AgentFixtures.smallHost(cores: 4, llcs: 2, nodes: 2)
    let plan = try Replanner(policy: policy, topology: topology).staticPlan(previous: nil).get()
    let check = RuleCheck(policy: policy, topology: topology)
    #expect(check.problems(plan) == [])
    func edited(_ name: String, _ change: (inout CPUSet) -> Void) -> Plan {
      var copy = plan
      let index = copy.assignments.firstIndex { $0.workload == name }!
      change(&copy.assignments[index].cpus)
      return copy
    }
    let a = plan.assignments.first { $0.workload == "a" }!.cpus
    let b = plan.assignments.first { $0.workload == "b" }!.cpus
    // Too many CPUs: past max.
    let all = CPUSet(topology.threads.map(\.cpu))
    let tooMany = edited("b") {
      $0 = CPUSet(all.subtracting(a).subtracting(plan.housekeeping).prefix(7))
    }
    #expect(check.violations(tooMany, reference: plan).contains { $0.contains("outside") })
    // A CPU of a given to b as well.
    let shared = edited("b") { $0.insert(a.first!) }
    #expect(check.violations(shared, reference: plan).contains { $0.contains("also") })
    // Half a core of the smt: exclusive workload.
    let half = edited("a") { $0.remove(a.first!) }
    #expect(check.violations(half, reference: plan).contains { $0.contains("smt exclusive") })
    // b on two nodes.
    let otherNode = topology.nodes.first { $0.cpus.isDisjoint(with: b) }!.cpus
    let spread = edited("b") {
      $0.insert(otherNode.subtracting(a).subtracting(plan.housekeeping).first!)
    }
    #expect(check.violations(spread, reference: plan).contains { $0.contains("numa single") })
    // c next to a in its cache domain.
    let domainOfA = topology.cacheDomains.first { !$0.cpus.isDisjoint(with: a) }!.cpus
    let near = edited("c") {
      $0 = CPUSet(domainOfA.subtracting(a).subtracting(plan.housekeeping).prefix(1))
    }
    if !near.assignments.first(where: { $0.workload == "c" })!.cpus.isEmpty {
      #expect(check.violations(near, reference: plan).contains { $0.contains("avoids") })
    }
    var moved = plan
    moved.housekeeping = CPUSet([0])
    #expect(check.violations(moved, reference: plan).contains { $0.contains("housekeeping") })
  }
}
