import Foundation
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// The plan's two JSON forms (`Plan+Codable.swift`): v2 is written, v1 (the
/// form before December 2026, kept in `Golden/v1-plans/` as mkpolicy wrote
/// them) is still read, to the same plan, and keeps its own bytes and digest.
@Suite struct PlanFormatVersionTests {
  static func text(_ path: String) throws -> String {
    try String(contentsOfFile: PackagePaths.path(path), encoding: .utf8)
  }

  /// The v1 plans and the v2 goldens made from the same inputs.
  static let pairs = [
    ("Tests/MKPlanTests/Golden/v1-plans/telco-edge.json", "Examples/telco-edge/plan/plan.json"),
    ("Tests/MKPlanTests/Golden/v1-plans/resize.json", "Tests/MKPlanTests/Golden/resize/plan.json"),
  ]

  @Test(arguments: pairs) func version1PlansAreReadAsTheSamePlan(old: String, new: String) throws {
    let oldText = try Self.text(old)
    let version1 = try PlanCodec.decode(oldText, file: old).get()
    #expect(version1.apiVersion == "mkpolicy.io/v1")
    // Written again in its own form: the same bytes, so the same digest.
    #expect(try PlanCodec.encode(version1) == oldText)
    let version2 = try PlanCodec.decode(try Self.text(new), file: new).get()
    #expect(version2.apiVersion == Plan.currentAPIVersion)
    var relabelled = version1
    relabelled.apiVersion = Plan.currentAPIVersion
    #expect(relabelled == version2, "\(old) and \(new) differ beyond their version")
  }

  @Test func version2StatesEachFactOnce() throws {
    let fresh =
      try JSONSerialization.jsonObject(
        with: Data(try Self.text("Examples/telco-edge/plan/plan.json").utf8)) as? [String: Any]
    let plan = try #require(fresh)
    #expect(plan["apiVersion"] as? String == "mkpolicy.io/v2")
    // Without a previous plan the writes are the tree: not written twice.
    #expect(plan["cgroupWrites"] == nil)
    let runs = try #require(plan["irqAffinity"] as? [[String: Any]])
    let irqs = runs.flatMap { $0["irqs"] as? [Int] ?? [] }
    #expect(irqs == irqs.sorted() && Set(irqs).count == irqs.count && !irqs.isEmpty)
    #expect(runs.count < irqs.count, "IRQs of one device with the same CPUs share a run")
    // Against a previous plan the writes are the difference, so they are kept.
    let resize =
      try JSONSerialization.jsonObject(
        with: Data(try Self.text("Tests/MKPlanTests/Golden/resize/plan.json").utf8))
      as? [String: Any]
    #expect(resize?["cgroupWrites"] != nil)
  }

  @Test func runsKeepTheOrderAndEveryField() throws {
    var plan = PlanFixture.plan()
    let provenance = Provenance(workload: "a", source: "p.yaml:1:1")
    plan.irqAffinity = [
      IRQAffinitySetting(irq: 40, cpus: [1, 2], provenance: provenance, devices: ["0000:01:00.0"]),
      IRQAffinitySetting(irq: 41, cpus: [1, 2], provenance: provenance, devices: ["0000:01:00.0"]),
      IRQAffinitySetting(irq: 42, cpus: [3], provenance: provenance, devices: ["0000:01:00.0"]),
      IRQAffinitySetting(
        irq: 43, cpus: [3], provenance: provenance, devices: ["0000:01:00.0"], present: false),
      IRQAffinitySetting(
        irq: 44, cpus: [], movable: false, handledBy: "isolcpus=managed_irq,domain,3",
        provenance: Provenance(source: "p.yaml:2:1"), devices: ["0000:02:00.0"]),
      IRQAffinitySetting(irq: 45, cpus: [1, 2], provenance: provenance, devices: ["0000:01:00.0"]),
    ]
    let text = try PlanCodec.encode(plan)
    let decoded = try PlanCodec.decode(text, file: "plan.json").get()
    #expect(decoded.irqAffinity == plan.irqAffinity)
    #expect(decoded == plan)
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    let runs = try #require(object?["irqAffinity"] as? [[String: Any]])
    #expect(runs.map { $0["irqs"] as? [Int] ?? [] } == [[40, 41], [42], [43], [44], [45]])
  }

  @Test func aPlanOfAnUnknownVersionIsRefusedWithWhatToDo() throws {
    let text = try PlanCodec.encode(PlanFixture.plan())
      .replacingOccurrences(of: "\"mkpolicy.io/v2\"", with: "\"mkpolicy.io/v9\"")
    guard case .failure(let error) = PlanCodec.decode(text, file: "future.json") else {
      Issue.record("read a plan of an unknown version")
      return
    }
    #expect(error.diagnostics.map(\.code) == ["E271"])
    #expect(error.diagnostics[0].message.hasPrefix("future.json: "))
    #expect(error.diagnostics[0].message.contains("mkpolicy.io/v1, mkpolicy.io/v2"))
  }

  @Test func aNonFiniteNumberIsAnErrorNotAPlanWithoutDigest() {
    var plan = PlanFixture.plan()
    plan.objective.remoteMemory = .nan
    #expect {
      _ = try PlanCodec.encodedBytes(plan)
    } throws: { error in
      (error as? DiagnosticError)?.diagnostics.first?.code == "E270"
    }
  }
}
