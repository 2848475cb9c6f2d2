import MKAgent
import Testing

/// The PSI format as the kernel writes it, and what is refused.
@Suite struct SignalTests {
  @Test func kernelFormatParses() throws {
    let text = """
      some avg10=12.50 avg60=3.02 avg300=0.71 total=123456789
      full avg10=1.00 avg60=0.00 avg300=0.00 total=42

      """
    let stall = try PressureStall.parse(text).get()
    #expect(stall.some.avg10 == 12.5 && stall.some.avg60 == 3.02 && stall.some.total == 123_456_789)
    #expect(stall.full?.total == 42)
    // Older kernels' cpu.pressure and an instance's report may have no full line.
    #expect(
      try PressureStall.parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").get().full == nil)
  }

  @Test(arguments: [
    ("", "no 'some' line"),
    ("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", "no 'some' line"),
    ("some avg10=0.00 avg60=0.00 total=0\n", "line 1: needs"),
    ("some avg10=-1 avg60=0.00 avg300=0.00 total=0\n", "line 1: needs"),
    ("some avg10=nan avg60=0.00 avg300=0.00 total=0\n", "line 1: needs"),
    ("some avg10=0.00 avg60=0.00 avg300=0.00 total=-5\n", "line 1: needs"),
    ("some avg10 avg60=0.00 avg300=0.00 total=0\n", "is not key=value"),
    ("partial avg10=0.00\n", "expected 'some' or 'full'"),
  ])
  func malformedIsRefusedWithTheReason(_ text: String, _ reason: String) {
    guard case .failure(let problem) = PressureStall.parse(text) else {
      Issue.record("accepted \(text.debugDescription)")
      return
    }
    #expect(problem.description.contains(reason), "\(problem)")
  }

  @Test func recoveryAndFailedRoundsAreLogged() {
    var round = AgentRound(
      sequence: 4, timeMilliseconds: 0, wallSeconds: 0, outcome: .refused,
      measurements: Measurements(timeMilliseconds: 0, workloads: [:]),
      problems: ["E201: no room"])
    round.recovery = "completed an interrupted apply (2 change(s) made)"
    let lines = round.journalLines()
    #expect(
      lines == [
        "{\"detail\":\"completed an interrupted apply (2 change(s) made)\",\"event\":\"recovery\",\"outcome\":\"refused\",\"round\":4}",
        "{\"event\":\"decision\",\"outcome\":\"refused\",\"problems\":[\"E201: no room\"],\"round\":4}",
      ])
  }
}
