import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import Testing

/// The hand-over planner: the order of the steps (nothing stops the old
/// instance before the successor passed its health check, a device is taken
/// only after it was released), where the resources end, that re-planning
/// after a hand-over changes nothing, and the located errors when a
/// hand-over cannot be planned.
@Suite struct HandoverPlanTests {
  static let trading = "Examples/topologies/trading-2s-connectx-e810.yaml"

  /// Plans `before` and then `after` (policy texts) against it on `topology`.
  static func plan(before: String?, after: String, topology: String = trading) throws
    -> (previous: Plan?, output: PlanPipeline.Output)
  {
    let directory = try ShellScriptTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var previousPath: String?
    var previous: Plan?
    if let before {
      let path = directory.appendingPathComponent("before.yaml").path
      try before.write(toFile: path, atomically: true, encoding: .utf8)
      let first = PlanPipeline.run(
        policyPaths: [path], topologyPath: PackagePaths.path(topology), previousPath: nil)
      let plan = try #require(first.plan, "\(first.diagnostics)")
      previous = plan
      previousPath = directory.appendingPathComponent("previous.json").path
      try PlanCodec.encode(plan).write(toFile: previousPath!, atomically: true, encoding: .utf8)
    }
    let path = directory.appendingPathComponent("policy.yaml").path
    try after.write(toFile: path, atomically: true, encoding: .utf8)
    let output = PlanPipeline.run(
      policyPaths: [path], topologyPath: PackagePaths.path(topology), previousPath: previousPath)
    return (previous, output)
  }

  static func example(_ name: String, _ file: String) throws -> String {
    try String(contentsOfFile: PackagePaths.path("Examples/\(name)/\(file)"), encoding: .utf8)
  }

  @Test(arguments: ["handover-realtime", "handover-nvme", "handover-health-fail"])
  func stepsKeepTheOldInstanceUntilTheSuccessorIsHealthy(_ name: String) throws {
    let topology = try String(
      contentsOfFile: PackagePaths.path("Examples/\(name)/topology"), encoding: .utf8
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    let (previous, output) = try Self.plan(
      before: try Self.example(name, "before.yaml"), after: try Self.example(name, "policy.yaml"),
      topology: topology)
    let plan = try #require(output.plan, "\(output.diagnostics)")
    let handover = try #require(plan.handovers?.first)
    let steps = handover.steps
    let health = try #require(handover.healthCheckIndex)
    let kinds = steps.map(\.kind)
    #expect(Array(kinds.prefix(4)) == [.create, .load, .start, .healthCheck])
    // Nothing touches the old instance before the health check passed.
    for step in steps[..<health] {
      #expect(step.argv?[2] != handover.old.name, "\(step.id)")
      #expect(step.instances.contains(handover.old))
    }
    let kill = try #require(kinds.firstIndex(of: .kill))
    #expect(kill > health)
    // Each device: released by the old instance, then at the very next step taken.
    for (index, step) in steps.enumerated() where step.kind == .releaseDevice {
      let next = steps[index + 1]
      #expect(next.kind == .acquireDevice && next.device == step.device)
      let kept = step.instances.first { $0.name == handover.old.name }?.devices ?? []
      let released = step.device ?? ""
      #expect(!kept.contains(released))
    }
    #expect(
      Set(steps.compactMap(\.device)) == Set(handover.old.devices),
      "every device of the old instance moves")
    // No kerf command twice, no id twice.
    let argvs = steps.compactMap(\.argv)
    #expect(Set(argvs).count == argvs.count)
    let ids = (steps + handover.rollback).map(\.id)
    #expect(Set(ids).count == ids.count)
    for id in ids { #expect(PlanValidator.commandIdProblem(id) == nil, "\(id)") }
    // The ordinary commands leave the workload to the hand-over.
    #expect(!plan.coordinatorCommands.contains { $0.provenance.workload == handover.workload })
    #expect(plan.kernelInstances.contains(handover.final))
    #expect(!plan.kernelInstances.contains { $0.name == handover.old.name })
    let before = try #require(previous)
    let reserve = try #require(plan.headroom?.first)
    let placed = try #require(plan.assignments.first { $0.workload == handover.workload })
    #expect(reserve.cpus.isDisjoint(with: placed.cpus))
    for other in plan.assignments { #expect(reserve.cpus.isDisjoint(with: other.cpus)) }
    #expect(reserve.cpus.isDisjoint(with: plan.sharedPool))
    let was = try #require(before.assignments.first { $0.workload == handover.workload })
    if handover.release == "headroom" {
      // The workload and the part of the headroom its successor took swap places.
      #expect(placed.cpus.isSubset(of: try #require(before.headroom?.first).cpus))
      #expect(was.cpus.isSubset(of: reserve.cpus))
    } else {
      #expect(placed.cpus == was.cpus)
      #expect(reserve == before.headroom?.first)
      #expect(handover.final.physicalIds == handover.old.physicalIds)
    }
    #expect(plan.coordinatorPool?.physicalIds == before.coordinatorPool?.physicalIds)
    #expect(plan.coordinatorPool?.memoryBytesByNode == before.coordinatorPool?.memoryBytesByNode)
    #expect(plan.coordinatorPool?.devices == before.coordinatorPool?.devices)
  }

  /// After the hand-over ran, planning the same policy again changes nothing.
  @Test(arguments: ["handover-realtime", "handover-nvme"])
  func replanningAfterTheHandoverIsStable(_ name: String) throws {
    let topology = try String(
      contentsOfFile: PackagePaths.path("Examples/\(name)/topology"), encoding: .utf8
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    let policy = try Self.example(name, "policy.yaml")
    let done = PlanPipeline.run(
      policyPaths: [PackagePaths.path("Examples/\(name)/policy.yaml")],
      topologyPath: PackagePaths.path(topology),
      previousPath: PackagePaths.path("Examples/\(name)/plan/plan.json"))
    let plan = try #require(done.plan, "\(done.diagnostics)")
    #expect(plan.handovers == nil)
    #expect(plan.coordinatorCommands == [])
    let handover = try PlanCodec.decode(
      Self.example(name, "plan/plan.json"), file: "plan.json"
    ).get()
    #expect(plan.headroom == handover.headroom)
    #expect(
      plan.kernelInstances.map(Self.unsourced) == handover.kernelInstances.map(Self.unsourced))
    _ = policy
  }

  /// The instance without its provenance (the policy path differs by how it was named).
  static func unsourced(_ instance: KernelInstance) -> KernelInstance {
    var copy = instance
    copy.provenance = Provenance()
    return copy
  }

  static let router = try! String(
    contentsOfFile: PackagePaths.path("Examples/handover-realtime/before.yaml"), encoding: .utf8)

  @Test func restartStrategyRestartsTheOneInstance() throws {
    let before = Self.router.replacingOccurrences(
      of: "strategy: handover", with: "strategy: restart"
    )
    .replacingOccurrences(
      of:
        "      healthCheck: {command: [/usr/local/bin/router-ready, --instance, order-router-next]}\n      drain: 2s\n",
      with: "")
    let after = before.replacingOccurrences(of: "6.16.0", with: "6.16.1")
    let (_, output) = try Self.plan(before: before, after: after)
    let plan = try #require(output.plan, "\(output.diagnostics)")
    #expect(plan.handovers == nil)
    #expect(plan.headroom == nil)
    #expect(
      plan.coordinatorCommands.map(\.id) == [
        "kill:order-router", "unload:order-router", "load:order-router", "start:order-router",
      ])
  }

  @Test func kernelAndResourcesChangingTogetherIsRefused() throws {
    let after = Self.router.replacingOccurrences(of: "6.16.0", with: "6.16.1")
      .replacingOccurrences(
        of: "    cpus: 4\n    smt: exclusive\n    memory: 8GiB",
        with: "    cpus: 4\n    smt: exclusive\n    memory: 6GiB")
    let (_, output) = try Self.plan(before: Self.router, after: after)
    #expect(output.plan == nil)
    let error = try #require(output.diagnostics.first { $0.code == "E462" })
    #expect(error.location?.line == 40)
    #expect(error.help.first?.contains("resource change first") == true)
  }

  @Test func handoverWithoutHeadroomInForceIsRefused() throws {
    let before = Self.router.replacingOccurrences(
      of: "strategy: handover", with: "strategy: restart"
    )
    .replacingOccurrences(
      of:
        "      healthCheck: {command: [/usr/local/bin/router-ready, --instance, order-router-next]}\n      drain: 2s\n",
      with: "")
    let after = Self.router.replacingOccurrences(of: "6.16.0", with: "6.16.1")
    let (_, output) = try Self.plan(before: before, after: after)
    #expect(output.plan == nil)
    let error = try #require(output.diagnostics.first { $0.code == "E463" })
    #expect(error.help.first?.contains("old kernel first") == true)
  }

  /// An elastic workload the solver grows past its headroom: the successor
  /// would not fit, said with how much is missing.
  @Test func headroomSmallerThanTheInstanceIsRefused() throws {
    let before = Self.router.replacingOccurrences(
      of: "    cpus: 4\n    smt: exclusive", with: "    cpus: {min: 4, max: 8}\n    smt: exclusive"
    ).replacingOccurrences(
      of: "      drain: 2s\n", with: "      drain: 2s\n      headroom: {cpus: 4, memory: 8GiB}\n")
    let after = before.replacingOccurrences(of: "6.16.0", with: "6.16.1")
    let (previous, output) = try Self.plan(before: before, after: after)
    #expect(previous?.assignments.first?.cpus.count == 8)
    #expect(output.plan == nil)
    let error = try #require(output.diagnostics.first { $0.code == "E461" })
    #expect(error.message.contains("4 CPUs missing"))
    #expect(error.help.first?.contains("release: successor") == true)
  }
}
