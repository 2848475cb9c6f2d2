import MKAgent
import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The agent's rounds against an in-memory host: measured from the cgroup
/// files, re-planned by the solver, applied by the journaled apply, verified
/// clean after each; failures roll back and back off; an interrupted apply
/// is rolled back before the next decision.
@Suite struct AgentLoopTests {
  static let text = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: loop}
    host: {housekeeping: {cpus: 2}, bootloader: none, irqbalance: keep}
    workloads:
      - {name: web, isolation: partition, cpus: {min: 2, max: 10}}
      - {name: batch, isolation: partition, cpus: {min: 2, max: 10}}
    agent: {interval: 2s, window: 2s, step: 2, coolDown: 10s, pressure: {cpu: 10}, idle: 40}
    """
  static let parent = "/sys/fs/cgroup/mkpolicy.slice"
  static let state = "/var/lib/mkpolicy"

  struct Bench {
    let policy: Policy
    let topology: Topology
    let host: MemoryHost
    let plan: Plan
    var usage: [String: UInt64] = ["web": 0, "batch": 0]
    var stalled: [String: UInt64] = ["web": 0, "batch": 0]

    init() throws {
      policy = AgentFixtures.policy(AgentLoopTests.text)
      topology = try AgentFixtures.smallHost(cores: 4, llcs: 2)
      host = MemoryHost(onlineCPUs: CPUSet(range: 0...15))
      host.seed("/proc/sys/kernel/random/boot_id", "aaaaaaaa-0000-0000-0000-000000000001\n")
      host.seed("/proc/irq/default_smp_affinity", "ffff\n")
      plan = try Replanner(policy: policy, topology: topology).staticPlan(previous: nil).get()
      let report = try Applier(host: host, stateDirectory: AgentLoopTests.state).apply(plan)
      #expect(report.succeeded, "\(report.render())")
    }

    /// Sets what the kernel would show after `seconds` of this load: PSI
    /// (stall time added to `total`, and avg10) and CPU time used.
    mutating func load(_ name: String, pressure: Double, busyCPUs: Double, seconds: Double = 2) {
      let directory = AgentLoopTests.parent + "/" + name
      stalled[name, default: 0] += UInt64(pressure / 100 * seconds * 1_000_000)
      host.seed(
        directory + "/cpu.pressure",
        "some avg10=\(pressure) avg60=0.00 avg300=0.00 total=\(stalled[name] ?? 0)\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
      )
      usage[name, default: 0] += UInt64(busyCPUs * seconds * 1_000_000)
      host.seed(
        directory + "/cpu.stat", "usage_usec \(usage[name] ?? 0)\nuser_usec 0\nsystem_usec 0\n")
    }

    func cpus(_ name: String) -> Int {
      (try? CPUSet(cpulist: host.read(AgentLoopTests.parent + "/\(name)/cpuset.cpus")))?.count ?? -1
    }

    func verify() throws -> Verifier.Report {
      try Verifier(host: host, stateDirectory: AgentLoopTests.state).verify()
    }
  }

  @Test func growsShrinksBackAndStaysVerified() throws {
    var bench = try Bench()
    let agent = Agent(
      policy: bench.policy, topology: bench.topology, host: bench.host,
      stateDirectory: Self.state)
    #expect(bench.cpus("web") == 7 && bench.cpus("batch") == 7)
    var rounds: [AgentRound] = []
    for tick in 0..<6 {
      bench.load("web", pressure: 80, busyCPUs: Double(bench.cpus("web")))
      bench.load("batch", pressure: 0, busyCPUs: 1)
      rounds.append(agent.round(time: tick * 2_000, wallSeconds: 1_000 + tick * 2))
      let verified = try bench.verify()
      #expect(verified.matches, "round \(tick): \(verified.differences)")
    }
    // First round: no CPU use yet (one counter); second: the window holds.
    #expect(rounds[0].outcome == .unchanged)
    let applied = rounds.filter { $0.outcome == .applied }
    #expect(applied.count >= 1, "\(rounds.map { "\($0.outcome) \($0.notes) \($0.problems)" })")
    #expect(bench.cpus("web") > 7 && bench.cpus("batch") < 7)
    #expect(bench.cpus("web") + bench.cpus("batch") == 14)
    let line = try #require(applied.first?.journalLines().first)
    #expect(line.hasPrefix("{\"after\":9,\"before\":7,"), "\(line)")
    #expect(line.contains("\"cpuPressure\":80") && line.contains("\"reason\":\"pressure\""))
    let metrics = AgentMetrics.render(round: rounds.last!, state: agent.state)
    #expect(metrics.contains("mkpolicy_agent_cpus{workload=\"web\"} \(bench.cpus("web"))"))
    #expect(metrics.contains("mkpolicy_agent_planned_cpus{workload=\"web\"} 7"))
    #expect(metrics.contains("# TYPE mkpolicy_agent_resizes_total counter"))
    // The load stops: after the cool-down both return to the plan.
    for tick in 6..<30 {
      bench.load("web", pressure: 0, busyCPUs: 0.2)
      bench.load("batch", pressure: 0, busyCPUs: 0.2)
      _ = agent.round(time: tick * 2_000, wallSeconds: 1_000 + tick * 2)
      #expect(try bench.verify().matches)
    }
    #expect(bench.cpus("web") == 7 && bench.cpus("batch") == 7)
    // A restarted agent keeps the counters (agent.json).
    let saved = try #require(try Agent.load(host: bench.host, stateDirectory: Self.state))
    #expect(saved.state.resizes == agent.state.resizes && saved.state.resizes >= 4)
  }

  @Test func pausedAgentMeasuresAndChangesNothing() throws {
    var bench = try Bench()
    try Agent.setPaused(true, host: bench.host, stateDirectory: Self.state)
    let agent = Agent(
      policy: bench.policy, topology: bench.topology, host: bench.host, stateDirectory: Self.state)
    for tick in 0..<5 {
      bench.load("web", pressure: 80, busyCPUs: 7)
      bench.load("batch", pressure: 0, busyCPUs: 0)
      let round = agent.round(time: tick * 2_000, wallSeconds: tick)
      #expect(round.outcome == .paused || round.outcome == .unchanged)
    }
    #expect(bench.cpus("web") == 7)
    try Agent.setPaused(false, host: bench.host, stateDirectory: Self.state)
    for tick in 5..<8 {
      bench.load("web", pressure: 80, busyCPUs: 7)
      bench.load("batch", pressure: 0, busyCPUs: 0)
      _ = agent.round(time: tick * 2_000, wallSeconds: tick)
    }
    #expect(bench.cpus("web") == 9)
  }

  @Test func unreadableSignalIsReportedNotGuessed() throws {
    var bench = try Bench()
    bench.load("web", pressure: 80, busyCPUs: 7)
    bench.host.unreadable[Self.parent + "/batch/cpu.pressure"] = EACCES
    let agent = Agent(
      policy: bench.policy, topology: bench.topology, host: bench.host, stateDirectory: Self.state)
    let round = agent.round(time: 0, wallSeconds: 0)
    #expect(round.measurements.workloads["web"]?.cpuPressure == 80)
    #expect(
      round.measurements.unreadable["batch"]?.contains("EACCES") == true, "\(round.measurements)")
    #expect(round.notes.contains { $0.hasPrefix("batch: no signal") })
  }

  @Test func failedApplyRollsBackAndBacksOff() throws {
    var bench = try Bench()
    // Every write of the resize fails (EBUSY) on the wrapped host.
    final class Refusing: ForwardingHost {
      var refuse = false
      override func write(_ path: String, _ value: String) throws(HostIOError) {
        if refuse && path.hasSuffix("cpuset.cpus") {
          throw HostIOError(operation: "write", path: path, value: value, errno: EBUSY)
        }
        try inner.write(path, value)
      }
    }
    let refusing = Refusing(bench.host)
    refusing.refuse = true
    let agent = Agent(
      policy: bench.policy, topology: bench.topology, host: refusing, stateDirectory: Self.state)
    var outcomes: [AgentRound.Outcome] = []
    for tick in 0..<8 {
      bench.load("web", pressure: 80, busyCPUs: 7)
      bench.load("batch", pressure: 0, busyCPUs: 0)
      outcomes.append(agent.round(time: tick * 2_000, wallSeconds: tick).outcome)
      #expect(try bench.verify().matches)
    }
    // One failed attempt, then the back-off (cool-down x2 = 20 s) holds.
    #expect(outcomes.filter { $0 == .rolledBack }.count == 1, "\(outcomes)")
    #expect(bench.cpus("web") == 7)
    #expect(agent.state.clock("web").failures == 1)
    #expect(agent.state.failedResizes == 1)
  }

  @Test func interruptedResizeIsCompletedBeforeTheNextDecision() throws {
    var bench = try Bench()
    // A resize interrupted after its first write (the journal stays, as
    // after a SIGKILL): batch shrank, web did not grow yet.
    var sizes = Allocation(plan: bench.plan, policy: bench.policy).cpus
    sizes["web"] = 9
    sizes["batch"] = 5
    let next = try Replanner(policy: bench.policy, topology: bench.topology).plan(
      sizes: sizes, previous: bench.plan
    ).get()
    let faulty = FaultyHost(bench.host, faultAt: 3, fault: .errno(EIO))
    let report = try Applier(host: faulty, stateDirectory: Self.state).apply(next, rollback: false)
    #expect(report.outcome == .leftAsIs, "\(report.render())")
    #expect(bench.host.kind(Self.state + "/journal.json") == .file)
    let agent = Agent(
      policy: bench.policy, topology: bench.topology, host: bench.host, stateDirectory: Self.state)
    bench.load("web", pressure: 0, busyCPUs: 1)
    bench.load("batch", pressure: 0, busyCPUs: 1)
    let round = agent.round(time: 0, wallSeconds: 0)
    #expect(round.notes.contains { $0.hasPrefix("completed an interrupted apply") }, "\(round)")
    #expect(bench.host.kind(Self.state + "/journal.json") == .missing)
    #expect(try bench.verify().matches)
    #expect(bench.cpus("web") == 9 && bench.cpus("batch") == 5)
  }
}
