import MKAgent
import MKCore
import MKTestSupport
import Testing

/// The simulator on the shipped example and traces.
@Suite struct SimulatorTests {
  @Test func burstTraceLessPressureNoViolations() throws {
    let (policy, topology) = try AgentFixtures.example()
    let trace = TraceGenerator.generate(
      .burst, front: "web", back: "batch", frontPlanned: 16, backPlanned: 8, seconds: 1_800)
    let report = try Simulator(policy: policy, topology: topology).run(trace).get()
    print(report.render())
    #expect(report.ruleViolations.isEmpty)
    #expect(report.pressureSecondsAgent < report.pressureSecondsStatic)
    #expect(report.resizes > 0)
  }
}
