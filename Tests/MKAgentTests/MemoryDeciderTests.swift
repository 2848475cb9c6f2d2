import MKAgent
import MKPolicy
import Testing

/// Memory decisions on hand-made measurements: a workload short of memory
/// at its limit grows by `memoryStep` from what another leaves unused or
/// gives as a lower priority, never below what anyone holds, never outside
/// min/max, and everything returns to the planned memory when the load goes.
@Suite struct MemoryDeciderTests {
  static let text = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: mem}
    host: {housekeeping: {cpus: 2}}
    workloads:
      - {name: front, isolation: partition, cpus: 4, memory: {min: 1GiB, max: 4GiB}, priority: 500}
      - {name: back, isolation: partition, cpus: 4, memory: {min: 1GiB, max: 4GiB}, priority: 100}
    agent:
      interval: 2s
      window: 4s
      coolDown: 10s
      memoryStep: 512MiB
      maxResizesPerMinute: 20
      pressure: {cpu: 10, memory: 10}
      idle: 40
    """

  static let gib: UInt64 = 1 << 30
  static let mib: UInt64 = 1 << 20
  let policy = AgentFixtures.policy(Self.text)
  var decider: Decider { Decider(policy: policy, threadsPerCore: 2) }
  let home = Allocation(
    cpus: ["front": 4, "back": 4], pool: 6, memory: ["front": 3 * gib, "back": 3 * gib],
    memoryFree: 0)

  /// A memory signal: PSI some, bytes held, high events this interval.
  static func memory(_ pressure: Double, holds: UInt64, high: UInt64 = 0) -> WorkloadSignal {
    WorkloadSignal(
      cpuPressure: 0, memoryPressure: pressure, cpuUse: 0.5, memoryHighEvents: high,
      memoryCurrent: holds)
  }

  func run(
    from start: Allocation, ticks: Int, _ signals: (Allocation) -> [String: WorkloadSignal]
  ) -> (allocations: [Allocation], decisions: [Decision]) {
    var current = start
    var state = AgentState()
    var out: [Allocation] = []
    var decisions: [Decision] = []
    for tick in 0..<ticks {
      let m = Measurements(timeMilliseconds: tick * 2_000, workloads: signals(current))
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
    return (out, decisions)
  }

  @Test func managesMemoryOnlyWithAThresholdAndBounds() {
    #expect(decider.memoryManaged.map(\.name) == ["front", "back"])
    #expect(decider.cpuManaged.isEmpty)
    let without = AgentFixtures.policy(
      Self.text.replacing("memory: 10}", with: "io: 10}"))
    #expect(Decider(policy: without, threadsPerCore: 2).managed.isEmpty)
  }

  @Test func memoryStepMistakesAreLocated() {
    for (step, column) in [("100KiB", 15), ("1.5MiB", 15), ("2TiB", 15), ("lots", 15)] {
      let text = Self.text.replacing("memoryStep: 512MiB", with: "memoryStep: \(step)")
      let loaded = PolicyLoader.load(text: text, file: "agent.yaml")
      let found = loaded.diagnostics.map {
        "\($0.code)@\($0.location?.line ?? 0):\($0.location?.column ?? 0)"
      }
      #expect(
        found == ["E157@12:\(column)"] || found.first?.hasPrefix("E02") == true,
        "\(step): \(found) \(loaded.diagnostics.map(\.message))")
      #expect(loaded.hasErrors)
    }
    let fine = PolicyLoader.load(
      text: Self.text.replacing("memoryStep: 512MiB", with: "memoryStep: 2GiB"), file: "a.yaml")
    #expect(fine.diagnostics.isEmpty && fine.policy?.agent?.defaults.memoryStepBytes == 2 << 30)
  }

  @Test func growsAtItsLimitFromWhatTheOtherLeavesUnused() {
    let result = run(from: home, ticks: 4) { current in
      [
        "front": Self.memory(40, holds: current.memory["front"]!, high: 3),
        "back": Self.memory(0, holds: 1 * Self.gib),
      ]
    }
    #expect(result.allocations[1] == home)
    #expect(
      result.allocations[2].memory == [
        "front": 3 * Self.gib + 512 * Self.mib, "back": 2560 * Self.mib,
      ])
    let resizes = result.decisions[2].resizes
    #expect(resizes.map(\.resource) == [.memory, .memory])
    #expect(resizes.map(\.reason) == [.pressure, .givesWay])
    #expect(result.allocations[2].cpus == home.cpus)
  }

  @Test func pressureBelowItsLimitIsNotRelievedByMore() {
    // Stalled by the host's reclaim, not its own limit: no growth.
    let result = run(from: home, ticks: 6) { _ in
      [
        "front": Self.memory(80, holds: 1 * Self.gib),
        "back": Self.memory(0, holds: 1 * Self.gib),
      ]
    }
    #expect(result.allocations.allSatisfy { $0 == home })
  }

  @Test func neverBelowWhatADonorHoldsNorItsMin() {
    // back holds 2.8 GiB of its 3: it can give nothing (a step of headroom).
    let result = run(from: home, ticks: 30) { current in
      [
        "front": Self.memory(90, holds: current.memory["front"]!, high: 5),
        "back": Self.memory(0, holds: 2867 * Self.mib),
      ]
    }
    for allocation in result.allocations {
      #expect(allocation.memory["back"]! >= 2867 * Self.mib)
    }
    // A lower priority that holds little gives down to its min, never below.
    let low = run(from: home, ticks: 60) { current in
      [
        "front": Self.memory(90, holds: current.memory["front"]!, high: 5),
        "back": Self.memory(30, holds: 100 * Self.mib),
      ]
    }
    for allocation in low.allocations {
      #expect((Self.gib...4 * Self.gib).contains(allocation.memory["back"]!))
      #expect((Self.gib...4 * Self.gib).contains(allocation.memory["front"]!))
    }
    #expect(low.allocations.last?.memory["front"] == 4 * Self.gib)
    #expect(low.allocations.last?.memory["back"] == 2 * Self.gib)
  }

  @Test func returnsToThePlannedMemoryWhenIdle() {
    let grown = Allocation(
      cpus: home.cpus, pool: 6, memory: ["front": 4 * Self.gib, "back": 2 * Self.gib],
      memoryFree: 0)
    let result = run(from: grown, ticks: 40) { _ in
      [
        "front": Self.memory(0, holds: 200 * Self.mib),
        "back": Self.memory(0, holds: 200 * Self.mib),
      ]
    }
    #expect(result.allocations.last == home)
    let reasons = Set(result.decisions.flatMap(\.resizes).map(\.reason))
    #expect(reasons == [.idleReturn, .restore])
  }

  @Test func idleButHoldingItsMemoryIsNotShrunkBelowIt() {
    let grown = Allocation(
      cpus: home.cpus, pool: 6, memory: ["front": 4 * Self.gib, "back": 2 * Self.gib],
      memoryFree: 0)
    // Holding 1.5 GiB, it fits in its planned 3 GiB with a step to spare:
    // idle, it gives back down to the plan, and never below what it holds
    // plus a step (2 GiB) in any case.
    let result = run(from: grown, ticks: 40) { _ in
      [
        "front": Self.memory(0, holds: 1536 * Self.mib),
        "back": Self.memory(0, holds: 200 * Self.mib),
      ]
    }
    for allocation in result.allocations {
      #expect(allocation.memory["front"]! >= 1536 * Self.mib + 512 * Self.mib)
    }
    #expect(result.allocations.last?.memory["front"] == 3 * Self.gib)
  }

  @Test func holdingMoreThanItsPlanWithLittleUseItKeepsWhatItHolds() {
    // 4 GiB granted, 2.75 GiB held: more than 40% and more than fits in
    // its planned 3 GiB with a step to spare: not idle, nothing moves.
    let grown = Allocation(
      cpus: home.cpus, pool: 6, memory: ["front": 4 * Self.gib, "back": 2 * Self.gib],
      memoryFree: 0)
    let result = run(from: grown, ticks: 20) { _ in
      [
        "front": Self.memory(0, holds: 2816 * Self.mib),
        "back": Self.memory(0, holds: 200 * Self.mib),
      ]
    }
    #expect(result.allocations.allSatisfy { $0 == grown })
  }

  @Test func unmeasuredMemoryIsNeitherShortNorADonor() {
    let result = run(from: home, ticks: 10) { current in
      [
        "front": Self.memory(90, holds: current.memory["front"]!, high: 5),
        "back": WorkloadSignal(cpuPressure: 0, cpuUse: 0.1),
      ]
    }
    #expect(result.allocations.allSatisfy { $0.memory == home.memory })
    #expect(
      result.decisions.last?.notes.contains { $0.hasPrefix("front: short of memory") } == true)
  }
}
