import MKAgent
import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKTopology
import Testing

/// Memory resizing end to end against an in-memory host: measured from
/// `memory.pressure`, `memory.events` and `memory.current`, re-planned by
/// the solver, applied by the journaled apply (`memory.high` moves,
/// `memory.min` and `memory.max` keep the policy's bounds), verified clean
/// after every round, and back to the plan when the load goes.
@Suite struct AgentMemoryLoopTests {
  static let text = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: memory-loop}
    host: {housekeeping: {cpus: 2, memory: 4GiB}, bootloader: none, irqbalance: keep}
    workloads:
      - {name: web, isolation: partition, cpus: 4, memory: {min: 1GiB, max: 8GiB}}
      - {name: batch, isolation: partition, cpus: 4, memory: {min: 1GiB, max: 8GiB}}
    agent: {interval: 2s, window: 2s, memoryStep: 512MiB, coolDown: 10s, pressure: {cpu: 10, memory: 10}, idle: 40}
    """
  static let parent = "/sys/fs/cgroup/mkpolicy.slice"
  static let state = "/var/lib/mkpolicy"
  static let mib: UInt64 = 1 << 20

  struct Bench {
    let policy: Policy
    let topology: Topology
    let host: MemoryHost
    var stalled: [String: UInt64] = [:]
    var high: [String: UInt64] = [:]

    init() throws {
      policy = AgentFixtures.policy(AgentMemoryLoopTests.text)
      topology = try AgentFixtures.smallHost(cores: 4, llcs: 2)
      host = MemoryHost(onlineCPUs: CPUSet(range: 0...15))
      host.seed("/proc/sys/kernel/random/boot_id", "aaaaaaaa-0000-0000-0000-000000000002\n")
      host.seed("/proc/irq/default_smp_affinity", "ffff\n")
      let plan = try Replanner(policy: policy, topology: topology).staticPlan(previous: nil).get()
      let report = try Applier(host: host, stateDirectory: AgentMemoryLoopTests.state).apply(plan)
      #expect(report.succeeded, "\(report.render())")
    }

    /// What the kernel would show after 2 s: memory PSI (stall time added
    /// to `total`), `memory.current`, `memory.events` (high rises while
    /// the working set is over `memory.high`), and an idle CPU.
    mutating func load(_ name: String, workingSet: UInt64) {
      let directory = AgentMemoryLoopTests.parent + "/" + name
      let limit = memory(name, "memory.high")
      let over = workingSet > limit
      let pressure = over ? 100 * Double(workingSet - limit) / Double(workingSet) : 0
      stalled[name, default: 0] += UInt64(pressure / 100 * 2_000_000)
      high[name, default: 0] += over ? 7 : 0
      let psi = "avg10=\(pressure) avg60=0.00 avg300=0.00 total=\(stalled[name] ?? 0)"
      host.seed(directory + "/memory.pressure", "some \(psi)\nfull \(psi)\n")
      host.seed(directory + "/memory.current", "\(min(workingSet, limit))\n")
      host.seed(
        directory + "/memory.events", "low 0\nhigh \(high[name] ?? 0)\nmax 0\noom 0\noom_kill 0\n")
      host.seed(
        directory + "/cpu.pressure",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
      )
      host.seed(directory + "/cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n")
    }

    func memory(_ name: String, _ file: String) -> UInt64 {
      let text = (try? host.read(AgentMemoryLoopTests.parent + "/\(name)/\(file)")) ?? ""
      let trimmed = text.trimmingASCIIWhitespace()
      return trimmed == "max" ? UInt64.max : UInt64(trimmed) ?? 0
    }

    func verify() throws -> Verifier.Report {
      try Verifier(host: host, stateDirectory: AgentMemoryLoopTests.state).verify()
    }
  }

  @Test func growsMemoryHighUnderPressureAndReturns() throws {
    var bench = try Bench()
    let agent = Agent(
      policy: bench.policy, topology: bench.topology, host: bench.host,
      stateDirectory: Self.state)
    // 16 GiB less 4 GiB for the host, shared 1:1: 6 GiB each as memory.high.
    let planned = bench.memory("web", "memory.high")
    #expect(planned == 6_144 * Self.mib)
    #expect(bench.memory("web", "memory.max") == 8_192 * Self.mib)
    #expect(bench.memory("web", "memory.min") == 1_024 * Self.mib)
    var rounds: [AgentRound] = []
    for tick in 0..<4 {
      bench.load("web", workingSet: 7_168 * Self.mib)
      bench.load("batch", workingSet: 1_024 * Self.mib)
      rounds.append(agent.round(time: tick * 2_000, wallSeconds: 1_000 + tick * 2))
      let verified = try bench.verify()
      #expect(verified.matches, "round \(tick): \(verified.differences)")
    }
    let applied = try #require(
      rounds.first { $0.outcome == .applied },
      "\(rounds.map { "\($0.outcome) \($0.notes) \($0.problems)" })")
    #expect(applied.resizes.map(\.resource) == [.memory, .memory])
    #expect(bench.memory("web", "memory.high") == 6_656 * Self.mib)
    #expect(bench.memory("batch", "memory.high") == 5_632 * Self.mib)
    // The bounds stay the policy's: the agent moves memory.high only.
    for name in ["web", "batch"] {
      #expect(bench.memory(name, "memory.max") == 8_192 * Self.mib)
      #expect(bench.memory(name, "memory.min") == 1_024 * Self.mib)
    }
    let line = try #require(applied.journalLines().first)
    // The example in docs/agent.md.
    #expect(
      line
        == #"{"after":6979321856,"before":6442450944,"counterpart":"batch","cpuPressure":0,"cpuUse":0,"event":"resize","memoryCurrent":6442450944,"memoryFullPressure":14.29,"memoryHighEvents":7,"memoryPressure":14.29,"outcome":"applied","reason":"pressure","resource":"memory","round":2,"workload":"web"}"#,
      "\(line)")
    #expect(line.contains("\"resource\":\"memory\""), "\(line)")
    #expect(line.contains("\"memoryCurrent\":\(6_144 * Self.mib)"), "\(line)")
    #expect(line.contains("\"after\":\(6_656 * Self.mib)"), "\(line)")
    let metrics = AgentMetrics.render(round: rounds.last!, state: agent.state)
    #expect(metrics.contains("mkpolicy_agent_memory_bytes{workload=\"web\"} \(6_656 * Self.mib)"))
    #expect(metrics.contains("mkpolicy_agent_planned_memory_bytes{workload=\"web\"} \(planned)"))
    let notes = AgentVerifyNotes.notes(
      host: bench.host, stateDirectory: Self.state, policy: "memory-loop")
    #expect(
      notes.contains(
        "web: 6656MiB of memory (memory.high) in the applied plan; mkpolicy agent may resize it within 1GiB...8GiB (static plan: 6GiB)"
      ), "\(notes)")
    // The load goes: both return to the plan after the cool-down.
    for tick in 4..<40 {
      bench.load("web", workingSet: 512 * Self.mib)
      bench.load("batch", workingSet: 512 * Self.mib)
      _ = agent.round(time: tick * 2_000, wallSeconds: 1_000 + tick * 2)
      #expect(try bench.verify().matches)
    }
    #expect(bench.memory("web", "memory.high") == planned)
    #expect(bench.memory("batch", "memory.high") == planned)
  }
}
