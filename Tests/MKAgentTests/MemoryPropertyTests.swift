import MKAgent
import MKCore
import MKPlan
import MKPolicy
import MKTopology
import Testing

/// Properties of the memory decisions over random policies and loads:
/// within min/max, memory conserved, never below what a workload holds,
/// no rule broken once re-planned by the solver, no oscillation on a
/// constant load, convergence after a step change.
@Suite struct MemoryPropertyTests {
  static let gib: UInt64 = 1 << 30
  static let mib: UInt64 = 1 << 20

  /// 2-4 partitions with elastic memory (some with elastic CPUs too) on a
  /// 16-thread host with 16 GiB.
  static func randomPolicy(_ random: inout SplitMix64) -> String {
    var text = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: random-memory}
      host: {housekeeping: {cpus: 2, memory: 2GiB}, bootloader: none, irqbalance: keep}
      agent: {interval: 2s, window: 4s, step: 1, memoryStep: \(random.int(1...4) * 128)MiB, coolDown: 6s, maxResizesPerMinute: 30, pressure: {cpu: 10, memory: 10}, idle: 40}
      workloads:

      """
    let count = random.int(2...4)
    for i in 0..<count {
      let minimum = random.int(1...2)
      let maximum = minimum + random.int(1...6)
      let cpus = random.int(0...1) == 0 ? "2" : "{min: 1, max: 3}"
      let priority = [100, 100, 300][random.int(0...2)]
      text +=
        "  - {name: w\(i), isolation: partition, cpus: \(cpus), memory: {min: \(minimum)GiB, max: \(maximum)GiB}, priority: \(priority), weight: \(random.int(1...3) * 100)}\n"
    }
    return text
  }

  /// Memory signals from working sets (bytes) on the memory granted, as
  /// the simulator models them.
  static func signals(_ working: [String: UInt64], _ allocation: Allocation) -> [String:
    WorkloadSignal]
  {
    var out: [String: WorkloadSignal] = [:]
    for (name, w) in working {
      let h = allocation.memory[name] ?? 0
      out[name] = WorkloadSignal(
        cpuPressure: 0, memoryPressure: w > h ? 100 * Double(w - h) / Double(w) : 0, cpuUse: 0.5,
        memoryHighEvents: w > h ? 1 : 0, memoryCurrent: min(w, h))
    }
    return out
  }

  static func held(_ allocation: Allocation) -> UInt64 {
    allocation.memory.values.reduce(allocation.memoryFree, +)
  }

  static func randomWorking(_ random: inout SplitMix64, _ workload: Workload)
    -> UInt64
  {
    UInt64(random.unit() * Double(workload.memory.max + 2 * gib)) / mib * mib
  }

  @Test func randomLoadsKeepBoundsUsageAndRules() throws {
    var replans = 0
    for seed in 0..<8 { replans += try randomLoads(seed: seed) }
    #expect(replans >= 20, "only \(replans) re-plans over 8 seeds")
  }

  func randomLoads(seed: Int) throws -> Int {
    var random = SplitMix64(seed: UInt64(seed) &* 6_700_417 &+ 5)
    let topology = try AgentFixtures.smallHost(cores: 4, llcs: 2)
    let policy = AgentFixtures.policy(Self.randomPolicy(&random))
    let replanner = Replanner(policy: policy, topology: topology)
    guard case .success(let staticPlan) = replanner.staticPlan(previous: nil) else { return 0 }
    let decider = Decider(policy: policy, threadsPerCore: 2)
    let check = RuleCheck(policy: policy, topology: topology)
    let home = Allocation(plan: staticPlan, policy: policy, topology: topology)
    let managed = Set(decider.memoryManaged.map(\.name))
    #expect(managed.count == policy.workloads.count)
    var plan = staticPlan
    var state = AgentState()
    var working: [String: UInt64] = [:]
    var replans = 0
    for tick in 0..<80 {
      for workload in policy.workloads where tick % 10 == 0 || working[workload.name] == nil {
        working[workload.name] = Self.randomWorking(&random, workload)
      }
      let current = Allocation(plan: plan, policy: policy, topology: topology)
      let signals = Self.signals(working, current)
      let decision = decider.decide(
        Measurements(timeMilliseconds: tick * 2_000, workloads: signals), current: current,
        home: home, state: state)
      for workload in decider.memoryManaged {
        let size = decision.target.memory[workload.name] ?? 0
        #expect(decider.memoryBounds(workload).contains(size), "\(workload.name) \(size)")
      }
      #expect(Self.held(decision.target) == Self.held(current), "seed \(seed) tick \(tick)")
      for resize in decision.resizes
      where resize.resource == .memory && resize.after < resize.before {
        let used = signals[resize.workload]?.memoryCurrent ?? UInt64.max
        #expect(UInt64(resize.after) >= used, "seed \(seed) tick \(tick): \(resize)")
      }
      guard decision.changes else {
        state = decision.state
        continue
      }
      let memory = decision.target.memory.filter { managed.contains($0.key) }
      switch replanner.plan(sizes: decision.target.cpus, memory: memory, previous: plan) {
      case .success(let next):
        replans += 1
        #expect(check.violations(next, reference: staticPlan) == [], "seed \(seed) tick \(tick)")
        let got = Allocation(plan: next, policy: policy, topology: topology)
        for resize in decision.resizes { #expect(got.holds(resize), "\(got.shortfall(resize))") }
        // Nobody's memory moved but the resized ones'.
        let resized = Set(decision.resizes.map(\.workload))
        for (name, bytes) in current.memory where !resized.contains(name) {
          #expect(got.memory[name] == bytes, "seed \(seed) tick \(tick): \(name)")
        }
        plan = next
        state = state.committing(decision)
      case .failure:
        state = state.failing(decision) { decider.coolDown($0) }
      }
    }
    return replans
  }

  @Test(arguments: 0..<16)
  func constantLoadSettlesAndAStepChangeConverges(seed: Int) throws {
    var random = SplitMix64(seed: UInt64(seed) &* 15_485_863 &+ 11)
    let policy = AgentFixtures.policy(Self.randomPolicy(&random))
    let decider = Decider(policy: policy, threadsPerCore: 2)
    // Planned memory: the minimums plus 1 GiB each; 2 GiB free.
    var memory: [String: UInt64] = [:]
    for workload in decider.memoryManaged {
      memory[workload.name] = min(workload.memory.max, workload.memory.min + Self.gib)
    }
    let home = Allocation(cpus: [:], pool: 0, memory: memory, memoryFree: 2 * Self.gib)
    var current = home
    var state = AgentState()
    var working: [String: UInt64] = [:]
    for workload in policy.workloads {
      working[workload.name] = Self.randomWorking(&random, workload)
    }
    var changesAt: [Int] = []
    for tick in 0..<300 {
      if tick == 150 {
        for workload in policy.workloads {
          working[workload.name] = Self.randomWorking(&random, workload)
        }
      }
      let decision = decider.decide(
        Measurements(timeMilliseconds: tick * 2_000, workloads: Self.signals(working, current)),
        current: current, home: home, state: state)
      if decision.changes {
        changesAt.append(tick)
        current = decision.target
        state = state.committing(decision)
      } else {
        state = decision.state
      }
    }
    #expect(!changesAt.contains { (100..<150).contains($0) }, "seed \(seed): \(changesAt)")
    #expect(!changesAt.contains { (250..<300).contains($0) }, "seed \(seed): \(changesAt)")
  }
}
