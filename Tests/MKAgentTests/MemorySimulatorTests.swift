import Foundation
import MKAgent
import MKCore
import MKPlan
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

/// The shipped memory traces and what the simulator measures on them with
/// Examples/agent/memory-policy.yaml: generated from the plan's memory, no
/// rule broken, less memory short than the static plan.
@Suite struct MemorySimulatorTests {
  static func example() throws -> (Policy, Topology) {
    let loaded = PolicyLoader.load(paths: [PackagePaths.path("Examples/agent/memory-policy.yaml")])
    guard let policy = loaded.policy else { throw DiagnosticError(loaded.diagnostics) }
    return (policy, try AgentFixtures.topology("Examples/topologies/telco-edge-1s-e810.yaml"))
  }

  @Test func shippedMemoryTracesAreTheGeneratedOnesForThePlannedMemory() throws {
    let (policy, topology) = try Self.example()
    let plan = try Replanner(policy: policy, topology: topology).staticPlan(previous: nil).get()
    let home = Allocation(plan: plan, policy: policy, topology: topology)
    let web = Int((home.memory["web"] ?? 0) >> 20)
    let batch = Int((home.memory["batch"] ?? 0) >> 20)
    #expect(web == 38_229 && batch == 19_114)
    for kind in TraceGenerator.Kind.allCases {
      let path = PackagePaths.path("Examples/agent/traces/memory-\(kind.rawValue).csv")
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let generated = TraceGenerator.generateMemory(
        kind, front: "web", back: "batch", frontMiB: web, backMiB: batch)
      let parsed = try Trace.parse(text, file: path).get()
      #expect(
        parsed.samples == generated.samples,
        "\(kind): regenerate with `mkpolicy agent trace --memory`")
      #expect(parsed.workloads == ["web.memory", "batch.memory"])
    }
  }

  @Test func simulatorOnTheMemoryTracesBreaksNoRuleAndShortensTheShortfall() throws {
    let traces = TraceGenerator.Kind.allCases.map {
      PackagePaths.path("Examples/agent/traces/memory-\($0.rawValue).csv")
    }
    let run = PackagePaths.runMKPolicy(
      [
        "agent", "simulate", PackagePaths.path("Examples/agent/memory-policy.yaml"), "--topology",
        PackagePaths.path("Examples/topologies/telco-edge-1s-e810.yaml"), "--format", "json",
      ] + traces)
    #expect(run.status == 0, "\(run.stderr)")
    let reports = try JSONDecoder().decode([Simulator.Report].self, from: Data(run.stdout.utf8))
    #expect(
      reports.map(\.trace)
        == ["memory-burst", "memory-diurnal", "memory-noisy-neighbour", "memory-idle"])
    for report in reports {
      #expect(report.ruleViolations.isEmpty, "\(report.trace): \(report.ruleViolations)")
      #expect(report.failedReplans == 0, "\(report.trace)")
      #expect(report.workloads.isEmpty && report.memory.map(\.name) == ["web", "batch"])
      for figure in report.memory {
        #expect(figure.shortMiBSecondsAgent <= figure.shortMiBSecondsStatic, "\(report.trace)")
        #expect(figure.smallestMiB >= figure.minMiB && figure.largestMiB <= figure.maxMiB)
      }
    }
    let byName = Dictionary(uniqueKeysWithValues: reports.map { ($0.trace, $0) })
    #expect(byName["memory-idle"]?.resizes == 0)
    let burst = try #require(byName["memory-burst"])
    let web = try #require(burst.memory.first)
    #expect(web.shortMiBSecondsAgent < web.shortMiBSecondsStatic / 2)
  }
}
