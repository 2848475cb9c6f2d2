import ArgumentParser
import MKAgent
import MKApply
import MKCore

/// `mkpolicy verify`: detects drift between the host and the applied plan.
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Compare the live host with the last applied plan.",
    discussion: "Exit status: 0 the host matches, 2 drift (each difference listed), 1 error.")

  @OptionGroup var host: HostOptions

  func run() throws {
    do {
      let io = host.makeHost()
      var report = try Verifier(host: io, stateDirectory: host.stateDir).verify()
      // Sizes the agent may change (it applies each resize, so they are not drift).
      report.notes += AgentVerifyNotes.notes(
        host: io, stateDirectory: host.stateDir, policy: report.policy)
      if host.format == .json {
        try CLIOutput.printDocument { try report.json() }
      } else {
        print(report.render(), terminator: "")
      }
      if !report.matches { throw ExitCode(2) }
    } catch let failure as Verifier.Failure {
      CLIOutput.refusal(failure.diagnostic, format: host.format)
      throw ExitCode(1)
    }
  }
}
