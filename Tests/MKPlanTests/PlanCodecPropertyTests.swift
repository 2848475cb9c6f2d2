import Foundation
import MKCore
import MKPlan
import MKSolver
import MKTestSupport
import Testing

/// `PlanCodec.encode` (written by `CanonicalJSONEncoder`) against the plans
/// of the examples and random variations of them: the bytes are those
/// `JSONEncoder` wrote before (so no committed plan or digest changes), the
/// decoder reads back the same plan, and encoding is deterministic.
@Suite struct PlanCodecPropertyTests {
  /// The plan as `PlanCodec` wrote it with `JSONEncoder`: the body, its
  /// digest, then the same object with the digest as one more key.
  static func legacyEncode(_ plan: Plan) throws -> String {
    struct Digested: Encodable {
      var plan: Plan
      var digest: String
      enum Key: String, CodingKey { case digest }
      func encode(to encoder: any Encoder) throws {
        try plan.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(digest, forKey: .digest)
      }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let body = String(decoding: try encoder.encode(plan), as: UTF8.self) + "\n"
    let digest = "sha256:" + SHA256.hex(body.utf8)
    return String(
      decoding: try encoder.encode(Digested(plan: plan, digest: digest)), as: UTF8.self) + "\n"
  }

  /// Every plan.json under Examples/, read back, and the fixture's plan.
  static func seeds() throws -> [Plan] {
    let root = PackagePaths.path("Examples")
    let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
      .filter { $0.hasSuffix("plan.json") }.sorted()
    var plans = [PlanFixture.plan()]
    for file in files {
      let text = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
      plans.append(try PlanCodec.decode(text, file: file).get())
    }
    return plans
  }

  @Test func examplePlansAreTheCommittedBytes() throws {
    let root = PackagePaths.path("Examples")
    let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
      .filter { $0.hasSuffix("plan.json") }
    #expect(files.count >= 10)
    for file in files {
      let text = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
      let plan = try PlanCodec.decode(text, file: file).get()
      #expect(try PlanCodec.encode(plan) == text, "\(file) is written differently")
    }
  }

  @Test func randomPlansRoundTripAsJSONEncoderWroteThem() throws {
    let seeds = try Self.seeds()
    var generator = RandomPlan(random: SplitMix64(seed: 42))
    for round in 0..<120 {
      let plan = generator.vary(seeds[round % seeds.count])
      let text = try PlanCodec.encode(plan)
      #expect(text == (try Self.legacyEncode(plan)), "round \(round): not JSONEncoder's bytes")
      let decoded = try PlanCodec.decode(text, file: "random-\(round).json").get()
      #expect(decoded == plan, "round \(round): decode(encode(plan)) differs")
      #expect(try PlanCodec.encode(decoded) == text, "round \(round): not deterministic")
    }
  }

  /// Random values where the plan's validator leaves them free (names,
  /// messages, CPU lists, memory maps, objective terms, changes), with every
  /// character JSON escapes, and optionals left out at random.
  struct RandomPlan {
    var random: SplitMix64

    mutating func text() -> String {
      let pieces = [
        "db", "Rx", "0", "17", "/", "\\", "\"", "\n", "\t", "\u{1}", "\u{1f}", " ", "é", "🙂",
        "-", ":", "{",
      ]
      return (0..<random.int(0...5)).map { _ in random.pick(pieces) }.joined()
    }

    mutating func maybe<T>(_ value: T) -> T? { random.int(0...2) == 0 ? nil : value }

    mutating func cpus() -> CPUSet {
      var set = CPUSet()
      for _ in 0..<random.int(0...4) {
        let start = random.int(0...4000)
        set = set.union(CPUSet(range: start...(start + random.int(0...90))))
      }
      for _ in 0..<random.int(0...20) { set.insert(random.int(0...5000)) }
      return set
    }

    mutating func number() -> Double {
      random.pick([0, 1, 2.5, 0.1, 1e-5, 3e21, Double(random.int(0...100_000)) / 7])
    }

    mutating func bytesByNode() -> [String: UInt64] {
      var map: [String: UInt64] = [:]
      for _ in 0..<random.int(0...12) { map[String(random.int(0...31))] = random.next() >> 4 }
      return map
    }

    mutating func provenance() -> Provenance {
      Provenance(workload: maybe(text()), source: maybe(text()))
    }

    mutating func assignment() -> WorkloadAssignment {
      let cpus = cpus()
      var pages: [String: Int] = [:]
      for _ in 0..<random.int(0...3) { pages[String(random.int(0...12))] = random.int(0...4096) }
      return WorkloadAssignment(
        workload: text(), cpus: cpus, physicalIds: cpus.map { $0 * 2 + random.int(0...1) },
        numaNodes: (0..<random.int(0...3)).map { _ in random.int(0...31) },
        memoryBytesByNode: bytesByNode(), hugePagesByNode: pages,
        devices: (0..<random.int(0...2)).map { _ in text() },
        irqCPUs: cpus.prefix(3).reduce(
          into: CPUSet()
        ) { $0.insert($1) })
    }

    mutating func change() -> PlanChange {
      PlanChange(
        text(),
        values: (0..<random.int(0...3)).map { _ in
          ValueChange(
            text(), old: maybe(text()), new: maybe(text()), oldUnknown: random.int(0...3) == 0)
        },
        disruption: maybe(Disruption(random.pick(Disruption.Reason.allCases), text())),
        provenance: provenance())
    }

    mutating func diagnostic() -> Diagnostic {
      Diagnostic(
        random.pick([.warning, .note]), "W\(random.int(100...999))", text(),
        at: maybe(
          MKCore.SourceLocation(file: text(), line: random.int(1...999), column: random.int(1...80))
        ),
        notes: (0..<random.int(0...2)).map { _ in Diagnostic.Note(text()) },
        help: (0..<random.int(0...2)).map { _ in text() })
    }

    mutating func vary(_ seed: Plan) -> Plan {
      var plan = seed
      // The policy name stays: the GRUB fragment, checked on reading, names it.
      plan.mkpolicyVersion = maybe(text())
      plan.housekeeping = cpus()
      plan.sharedPool = cpus()
      plan.idle = maybe(cpus())
      plan.assignments = (0..<random.int(0...12)).map { _ in assignment() }
      plan.objective = Objective(
        remoteMemory: number(), remoteDevices: number(), cacheDomainsSpanned: number(),
        nodesSpanned: number(), sharedSiblings: number(), movement: number())
      plan.diagnostics = (0..<random.int(0...4)).map { _ in diagnostic() }
      plan.irqAffinity = (0..<random.int(0...30)).map { _ in
        IRQAffinitySetting(
          irq: random.int(0...100_000), cpus: cpus(), movable: random.int(0...1) == 0,
          handledBy: maybe(text()), provenance: provenance(),
          devices: maybe((0..<random.int(0...2)).map { _ in text() }),
          present: maybe(random.int(0...1) == 0))
      }
      plan.changes.against = text()
      plan.changes.needsReboot = (0..<random.int(0...3)).map { _ in change() }
      plan.changes.live = (0..<random.int(0...6)).map { _ in change() }
      plan.changes.coordinator = (0..<random.int(0...3)).map { _ in change() }
      plan.defaultIRQAffinity = maybe(cpus())
      if var pool = plan.coordinatorPool {
        pool.memoryBytesByNode = bytesByNode()
        plan.coordinatorPool = pool
      }
      plan.headroom = maybe(
        (0..<random.int(0...2)).map { _ in
          HeadroomAssignment(
            name: text(), serves: [text()], cpus: cpus(), physicalIds: [random.int(0...99)],
            numaNodes: [random.int(0...7)], memoryBytesByNode: bytesByNode())
        })
      return plan
    }
  }
}
