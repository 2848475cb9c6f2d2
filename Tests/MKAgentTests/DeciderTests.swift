import MKAgent
import MKPolicy
import Testing

/// The decision function on hand-made measurements: when it acts, by how
/// much, who gives way, and when it must not act.
@Suite struct DeciderTests {
  static let text = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: two}
    host: {housekeeping: {cpus: 2}}
    workloads:
      - {name: front, isolation: partition, cpus: {min: 2, max: 10}, priority: 500}
      - {name: back, isolation: partition, cpus: {min: 2, max: 10}, priority: 100}
    agent:
      interval: 2s
      window: 4s
      step: 2
      coolDown: 10s
      maxResizesPerMinute: 20
      pressure: {cpu: 10}
      idle: 40
    """

  let policy = AgentFixtures.policy(Self.text)
  var decider: Decider { Decider(policy: policy, threadsPerCore: 2) }
  let home = Allocation(cpus: ["front": 7, "back": 7], pool: 0)

  /// Runs `ticks` decisions 2 s apart with the same signals, applying each
  /// decision at once; returns the allocations after each.
  func run(
    from start: Allocation, ticks: Int, state: AgentState = AgentState(), time: Int = 0,
    _ signals: (Allocation) -> [String: WorkloadSignal]
  ) -> (allocations: [Allocation], state: AgentState, decisions: [Decision]) {
    var current = start
    var state = state
    var out: [Allocation] = []
    var decisions: [Decision] = []
    for tick in 0..<ticks {
      let m = Measurements(timeMilliseconds: time + tick * 2_000, workloads: signals(current))
      let decision = decider.decide(m, current: current, home: home, state: state)
      decisions.append(decision)
      if decision.changes {
        current = decision.target
        state = state.committing(decision)
      } else {
        state = decision.state
      }
      out.append(current)
    }
    return (out, state, decisions)
  }

  @Test func growsUnderPressureOnlyAfterTheWindowTakingFromTheIdleOne() {
    let result = run(from: home, ticks: 4) { _ in
      [
        "front": AgentFixtures.signal(pressure: 60, use: 1),
        "back": AgentFixtures.signal(pressure: 0, use: 0.1),
      ]
    }
    // t=0 and t=2 s: inside the 4 s window; t=4 s: acts.
    #expect(result.allocations[0] == home)
    #expect(result.allocations[1] == home)
    #expect(result.allocations[2].cpus == ["front": 9, "back": 5])
    let resizes = result.decisions[2].resizes
    #expect(resizes.map(\.reason) == [.pressure, .givesWay])
    #expect(resizes[0].signal?.cpuPressure == 60)
    #expect(resizes[1].counterpart == "front")
    // Cool-down: nothing at t=6 s.
    #expect(result.allocations[3] == result.allocations[2])
  }

  @Test func neverPastMaxNorBelowMin() {
    let result = run(from: home, ticks: 60) { _ in
      [
        "front": AgentFixtures.signal(pressure: 90, use: 1),
        "back": AgentFixtures.signal(pressure: 0, use: 0),
      ]
    }
    for allocation in result.allocations {
      #expect((2...10).contains(allocation.cpus["front"] ?? 0))
      #expect((2...10).contains(allocation.cpus["back"] ?? 0))
      #expect((allocation.cpus["front"] ?? 0) + (allocation.cpus["back"] ?? 0) == 14)
    }
    #expect(result.allocations.last?.cpus == ["front": 10, "back": 4])
    #expect(result.decisions.last?.notes.contains { $0.contains("at its max") } == true)
  }

  @Test func lowerPriorityGivesWayEvenWhenBusyButNotTheOtherWayRound() {
    let busyBoth = run(from: home, ticks: 40) { _ in
      [
        "front": AgentFixtures.signal(pressure: 50, use: 1),
        "back": AgentFixtures.signal(pressure: 50, use: 1),
      ]
    }
    #expect(busyBoth.allocations.last?.cpus == ["front": 10, "back": 4])
    // Only the low priority one under pressure: the busy front does not give.
    let backOnly = run(from: home, ticks: 40) { _ in
      [
        "front": AgentFixtures.signal(pressure: 0, use: 0.9),
        "back": AgentFixtures.signal(pressure: 50, use: 1),
      ]
    }
    #expect(backOnly.allocations.allSatisfy { $0 == home })
    #expect(backOnly.decisions.last?.notes.contains { $0.contains("no CPUs can be given") } == true)
  }

  @Test func returnsToThePlannedSizesAfterTheLoadStops() {
    let grown = run(from: home, ticks: 40) { _ in
      [
        "front": AgentFixtures.signal(pressure: 90, use: 1),
        "back": AgentFixtures.signal(pressure: 0, use: 0),
      ]
    }
    #expect(grown.allocations.last?.cpus["front"] == 10)
    let back = run(from: grown.allocations.last!, ticks: 60, state: grown.state, time: 80_000) {
      _ in
      [
        "front": AgentFixtures.signal(pressure: 0, use: 0),
        "back": AgentFixtures.signal(pressure: 0, use: 0),
      ]
    }
    #expect(back.allocations.last == home)
    let reasons = Set(back.decisions.flatMap(\.resizes).map(\.reason))
    #expect(reasons == [.idleReturn, .restore])
  }

  @Test func noOscillationOnConstantLoad() {
    // front needs 8.5 CPUs of work; back is idle.
    let result = run(from: home, ticks: 200) { current in
      let n = Double(current.cpus["front"] ?? 1)
      let demand = 8.5
      return [
        "front": AgentFixtures.signal(
          pressure: min(1, max(0, demand - n)) * 100, use: min(demand, n) / n),
        "back": AgentFixtures.signal(pressure: 0, use: 0.05),
      ]
    }
    let changes = result.decisions.filter(\.changes).map(\.timeMilliseconds)
    #expect(changes.count == 1, "resized at \(changes)")
    #expect(result.allocations.last?.cpus == ["front": 9, "back": 5])
  }

  @Test func rateCapAndPauseHoldResizes() {
    var state = AgentState()
    state.recentResizes = Array(repeating: 0, count: 20)
    let capped = run(from: home, ticks: 4, state: state, time: 1_000) { _ in
      [
        "front": AgentFixtures.signal(pressure: 90, use: 1),
        "back": AgentFixtures.signal(pressure: 0, use: 0),
      ]
    }
    #expect(capped.allocations.allSatisfy { $0 == home })
    #expect(capped.decisions.last?.notes.contains { $0.contains("resizes a minute") } == true)
    var paused = AgentState()
    paused.paused = true
    let held = run(from: home, ticks: 10, state: paused) { _ in
      [
        "front": AgentFixtures.signal(pressure: 90, use: 1),
        "back": AgentFixtures.signal(pressure: 0, use: 0),
      ]
    }
    #expect(held.allocations.allSatisfy { $0 == home })
    #expect(held.decisions.last?.notes == ["paused: no resize"])
  }

  @Test func aMissingSignalIsNeitherPressureNorIdleness() {
    let result = run(from: home, ticks: 10) { _ in
      ["front": AgentFixtures.signal(pressure: 90, use: 1)]
    }
    #expect(result.allocations.allSatisfy { $0 == home })
  }

  @Test func failedResizeBacksOff() {
    let first = run(from: home, ticks: 3) { _ in
      [
        "front": AgentFixtures.signal(pressure: 90, use: 1),
        "back": AgentFixtures.signal(pressure: 0, use: 0),
      ]
    }
    let decision = first.decisions[2]
    #expect(decision.changes)
    let failed = (first.decisions[1].state).failing(decision) { _ in 10_000 }
    let clock = failed.clock("front")
    #expect(clock.failures == 1)
    #expect(clock.backoffUntil == 4_000 + 20_000)
    let again = decider.decide(
      Measurements(
        timeMilliseconds: 6_000,
        workloads: [
          "front": AgentFixtures.signal(pressure: 90, use: 1),
          "back": AgentFixtures.signal(pressure: 0, use: 0),
        ]),
      current: home, home: home, state: failed)
    #expect(!again.changes)
  }
}
