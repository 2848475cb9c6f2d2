import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import Testing

/// `agent:` in the policy: decoded with defaults and overrides, every
/// mistake reported at its line, and the JSON Schema agreeing.
@Suite struct AgentPolicyTests {
  static func load(_ agent: String, workloads: String? = nil) -> PolicyLoadResult {
    let text =
      """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: t}
      workloads:
      """ + "\n"
      + (workloads
        ?? """
          - {name: web, isolation: partition, cpus: {min: 2, max: 8}}
          - {name: batch, isolation: partition, cpus: {min: 2, max: 8}, priority: 1}
          - {name: pool, isolation: shared, cpus: {min: 1, max: 4}}
          - {name: fixed, isolation: partition, cpus: 2}
        """) + "\n" + agent
    return PolicyLoader.load(text: text, file: "p.yaml")
  }

  static func codes(_ result: PolicyLoadResult) -> [String] {
    result.diagnostics.map { "\($0.code)@\($0.location?.line ?? 0):\($0.location?.column ?? 0)" }
  }

  @Test func defaultsOverridesAndWhoIsManaged() throws {
    let result = Self.load(
      """
      agent:
        interval: 500ms
        window: 3s
        step: 2
        coolDown: 1m
        pressure: {cpu: 25, io: 40}
        idle: 20
        maxResizesPerMinute: 10
        workloads:
          - {name: batch, step: 4, pressure: {cpu: 50}}
          - {name: web, manage: false}
      """)
    let policy = try #require(result.policy, "\(result.diagnostics)")
    let agent = try #require(policy.agent)
    #expect(agent.intervalMilliseconds == 500)
    #expect(agent.maxResizesPerMinute == 10)
    #expect(agent.defaults.windowMilliseconds == 3_000)
    #expect(agent.defaults.coolDownMilliseconds == 60_000)
    #expect(agent.defaults.cpuPressurePercent == 25 && agent.defaults.ioPressurePercent == 40)
    #expect(agent.defaults.memoryPressurePercent == nil)
    let batch = try #require(agent.rules(for: policy.workload(named: "batch")!))
    #expect(batch.step == 4 && batch.cpuPressurePercent == 50 && batch.ioPressurePercent == nil)
    #expect(batch.windowMilliseconds == 3_000 && batch.idlePercent == 20)
    #expect(agent.rules(for: policy.workload(named: "web")!) == nil)
    // Shared and fixed workloads are never the agent's.
    #expect(agent.rules(for: policy.workload(named: "pool")!) == nil)
    #expect(agent.rules(for: policy.workload(named: "fixed")!) == nil)
  }

  @Test func withoutTheSectionThereIsNoAgent() throws {
    let result = Self.load("")
    #expect(try #require(result.policy).agent == nil)
  }

  @Test func mistakesAreLocated() {
    let result = Self.load(
      """
      agent:
        interval: 2
        window: 1s
        coolDown: soon
        stepp: 1
        workloads:
          - {name: wbe}
          - {name: pool}
          - {name: fixed, step: 2}
          - {name: web, report: /run/web.psi}
          - {name: batch}
          - {name: batch}
      """)
    #expect(
      Self.codes(result) == [
        "E150@10:13", "E150@12:13", "E020@13:3", "E151@15:14", "E153@16:14", "E153@17:14",
        "E154@18:27", "E152@20:14",
      ], "\(result.diagnostics.map { "\($0.code) \($0.message)" })")
    let e151 = result.diagnostics.first { $0.code == "E151" }
    #expect(e151?.help.first?.contains("web") == true)
    #expect(result.diagnostics.first { $0.code == "E150" }?.help == ["add a unit: 2s"])
  }

  @Test func windowShorterThanIntervalAndKernelWithoutReport() {
    let result = Self.load(
      """
      agent:
        interval: 5s
        window: 2s
      """,
      workloads: """
          - {name: vm, isolation: kernel, cpus: {min: 2, max: 4}, memory: 1GiB, kernel: {image: /boot/vmlinuz}}
        """)
    #expect(Self.codes(result) == ["E155@5:35", "E156@8:11"], "\(result.diagnostics)")
    #expect(result.diagnostics.first { $0.code == "E155" }?.severity == .warning)
  }

  @Test func agentInTwoFilesOfAFolder() throws {
    let folder = FileManager.default.temporaryDirectory.path + "/agent-folder-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: t}
    agent: {step: 1}
    workloads: [{name: a, isolation: partition, cpus: {min: 1, max: 2}}]
    """.write(toFile: folder + "/a.yaml", atomically: true, encoding: .utf8)
    try """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    agent: {step: 2}
    """.write(toFile: folder + "/b.yaml", atomically: true, encoding: .utf8)
    let result = PolicyLoader.load(paths: [folder])
    #expect(result.diagnostics.map(\.code) == ["E110"])
  }

  @Test func schemaAgrees() throws {
    let valid = PackagePaths.path("Examples/agent/policy.yaml")
    let folder = FileManager.default.temporaryDirectory.path + "/agent-schema-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let base = try String(contentsOfFile: valid, encoding: .utf8)
    var invalid: [String] = []
    for (index, edit) in [
      ("interval: 2s", "interval: 2"), ("step: 2 ", "step: 0 "), ("idle: 40", "idle: 100"),
      ("maxResizesPerMinute: 12", "maxResizesPerMinute: 12\n  bogus: 1"),
      ("window: 6s", "window: 6 s"),
    ].enumerated() {
      let path = folder + "/bad\(index).yaml"
      try base.replacingOccurrences(of: edit.0, with: edit.1).write(
        toFile: path, atomically: true, encoding: .utf8)
      #expect(PolicyLoader.load(paths: [path]).hasErrors, "the decoder accepts \(edit.1)")
      invalid.append(path)
    }
    #expect(PolicyLoader.load(paths: [valid]).diagnostics == [])
    let run = Subprocess.run(
      [
        PackagePaths.python, PackagePaths.path("Tests/MKPolicyTests/Corpus/schema_check.py"),
        PackagePaths.path("Schemas/policy.v1.schema.json"), valid,
      ] + invalid)
    try #require(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasSuffix("\tvalid") == true, "\(lines)")
    #expect(lines.dropFirst().allSatisfy { !$0.hasSuffix("\tvalid") }, "\(lines)")
  }
}
