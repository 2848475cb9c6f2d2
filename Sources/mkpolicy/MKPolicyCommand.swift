import ArgumentParser

/// The `mkpolicy` command: a thin front end. Each subcommand lives in its own
/// file and only parses arguments, calls the libraries and renders results.
@main
struct MKPolicyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mkpolicy",
    abstract: "Compile declarative partition policies for multikernel hosts.",
    version: "0.1.0",
    subcommands: [
      CheckCommand.self, DiscoverCommand.self, TopologyCommand.self, PlanCommand.self,
      ApplyCommand.self, VerifyCommand.self, RecoverCommand.self, FleetCommand.self,
    ]
  )
}
