import MKAgent
import MKCore
import MKPlan
import MKPolicy
import MKTopology
import Testing

/// Properties of the decision function over random elastic policies and
/// random or constant loads: bounds, conservation of CPUs, no rule broken
/// once re-planned by the solver, no oscillation, convergence.
@Suite struct DeciderPropertyTests {
  /// A random policy of 2-4 elastic partitions (some with smt and llc
  /// rules) on a 16-thread host (2 LLCs of 4 cores x 2 threads).
  static func randomPolicy(_ random: inout SplitMix64) -> String {
    var text = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: random}
      host: {housekeeping: {cpus: 2}, bootloader: none, irqbalance: keep}
      agent: {interval: 2s, window: 4s, step: \(random.int(1...2)), coolDown: 6s, maxResizesPerMinute: 30, pressure: {cpu: 10}, idle: 40}
      workloads:

      """
    let count = random.int(2...4)
    for i in 0..<count {
      let smt = ["shared", "shared", "exclusive", "off"][random.int(0...3)]
      let minimum = random.int(1...2)
      let maximum = minimum + random.int(1...6)
      let priority = [100, 100, 300][random.int(0...2)]
      let numa = random.int(0...3) == 0 ? ", placement: {numa: single}" : ""
      text +=
        "  - {name: w\(i), isolation: partition, cpus: {min: \(minimum), max: \(maximum)}, smt: \(smt), priority: \(priority), weight: \(random.int(1...3) * 100)\(numa)}\n"
    }
    return text
  }

  /// Signals from a demand (CPUs of work) on the CPUs held.
  static func signals(_ demand: [String: Double], _ allocation: Allocation) -> [String:
    WorkloadSignal]
  {
    var out: [String: WorkloadSignal] = [:]
    for (name, d) in demand {
      let n = Double(max(1, allocation.cpus[name] ?? 1))
      out[name] = WorkloadSignal(cpuPressure: min(1, max(0, d - n)) * 100, cpuUse: min(d, n) / n)
    }
    return out
  }

  func slots(_ allocation: Allocation, _ policy: Policy) -> Int {
    allocation.pool
      + policy.workloads.reduce(0) {
        $0 + (allocation.cpus[$1.name] ?? 0) * ($1.smt == .off ? 2 : 1)
      }
  }

  @Test func randomLoadsKeepBoundsAndRules() throws {
    var replans = 0
    for seed in 0..<10 { replans += try randomLoads(seed: seed) }
    // The property must have been exercised: sizes re-planned, not only decided.
    #expect(replans >= 20, "only \(replans) re-plans over 10 seeds")
  }

  /// One random policy under 80 random loads; returns how many re-plans were made.
  func randomLoads(seed: Int) throws -> Int {
    var random = SplitMix64(seed: UInt64(seed) &* 7919 &+ 17)
    let topology = try AgentFixtures.smallHost(cores: 4, llcs: 2)
    let policy = AgentFixtures.policy(Self.randomPolicy(&random))
    let replanner = Replanner(policy: policy, topology: topology)
    guard case .success(let staticPlan) = replanner.staticPlan(previous: nil) else {
      return 0  // a random policy the host cannot hold: nothing to resize
    }
    let decider = Decider(policy: policy, threadsPerCore: 2)
    let check = RuleCheck(policy: policy, topology: topology)
    let home = Allocation(plan: staticPlan, policy: policy)
    let total = slots(home, policy)
    var plan = staticPlan
    var state = AgentState()
    var demand: [String: Double] = [:]
    var replans = 0
    for tick in 0..<80 {
      // Demand changes now and then and holds in between (so windows pass).
      for workload in policy.workloads where tick % 10 == 0 || demand[workload.name] == nil {
        demand[workload.name] = random.unit() * Double(workload.cpus.max + 2)
      }
      let current = Allocation(plan: plan, policy: policy)
      let decision = decider.decide(
        Measurements(timeMilliseconds: tick * 2_000, workloads: Self.signals(demand, current)),
        current: current, home: home, state: state)
      for workload in decider.managed {
        let size = decision.target.cpus[workload.name] ?? -1
        #expect(decider.bounds(workload).contains(size), "\(workload.name) \(size)")
      }
      #expect(slots(decision.target, policy) == total)
      guard decision.changes else {
        state = decision.state
        continue
      }
      switch replanner.plan(sizes: decision.target.cpus, previous: plan) {
      case .success(let next):
        replans += 1
        #expect(check.violations(next, reference: staticPlan) == [], "seed \(seed) tick \(tick)")
        let got = Allocation(plan: next, policy: policy)
        for resize in decision.resizes {
          #expect(got.cpus[resize.workload] == resize.after)
        }
        plan = next
        state = state.committing(decision)
      case .failure:
        // The solver refused the sizes under the policy's rules: the agent backs off.
        state = state.failing(decision) { decider.coolDown($0) }
      }
    }
    return replans
  }

  @Test(arguments: 0..<16)
  func constantLoadSettlesAndAStepChangeConverges(seed: Int) throws {
    var random = SplitMix64(seed: UInt64(seed) &* 104_729 &+ 3)
    let policy = AgentFixtures.policy(Self.randomPolicy(&random))
    let decider = Decider(policy: policy, threadsPerCore: 2)
    // Planned sizes: the minimums plus one each (the decision does not need
    // the solver for this property), the rest of 14 threads in the pool.
    var cpus: [String: Int] = [:]
    for workload in decider.managed {
      let bounds = decider.bounds(workload)
      cpus[workload.name] = min(
        bounds.upperBound, bounds.lowerBound + (workload.smt == .exclusive ? 2 : 1))
    }
    let used = policy.workloads.reduce(0) { $0 + (cpus[$1.name] ?? 0) * ($1.smt == .off ? 2 : 1) }
    guard used <= 14 else { return }
    let home = Allocation(cpus: cpus, pool: 14 - used)
    var current = home
    var state = AgentState()
    var demand: [String: Double] = [:]
    for workload in policy.workloads {
      demand[workload.name] = random.unit() * Double(workload.cpus.max + 2)
    }
    var changesAt: [Int] = []
    for tick in 0..<300 {
      if tick == 150 {
        // The step change: every demand moves to a new constant.
        for workload in policy.workloads {
          demand[workload.name] = random.unit() * Double(workload.cpus.max + 2)
        }
      }
      let decision = decider.decide(
        Measurements(timeMilliseconds: tick * 2_000, workloads: Self.signals(demand, current)),
        current: current, home: home, state: state)
      if decision.changes {
        changesAt.append(tick)
        current = decision.target
        state = state.committing(decision)
      } else {
        state = decision.state
      }
    }
    // Settled within 100 ticks (200 s) of each constant load began, and
    // nothing moved afterwards: no oscillation.
    #expect(!changesAt.contains { (100..<150).contains($0) }, "seed \(seed): \(changesAt)")
    #expect(!changesAt.contains { (250..<300).contains($0) }, "seed \(seed): \(changesAt)")
  }
}
