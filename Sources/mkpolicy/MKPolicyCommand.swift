import ArgumentParser
import MKFleet
import MKTopology

/// The `mkpolicy` command: a thin front end. Each subcommand lives in its own
/// file and only parses arguments, calls the libraries and renders results.
@main
struct MKPolicyCommand: ParsableCommand {
  /// The release. Plans do not record it yet; see docs/packaging.md.
  static let release = "0.1.0"

  /// `--version`: the release on the first line (scripts read its last
  /// word), then the document versions this build reads and writes.
  static var versionText: String {
    """
    mkpolicy \(release)
    schemas: Policy, Plan \(TopologySnapshot.apiVersion); HostTopology \(TopologySnapshot.apiVersion); \
    Fleet, PolicyOverlay \(FleetDecoder.apiVersion)
    """
  }

  static let configuration = CommandConfiguration(
    commandName: "mkpolicy",
    abstract: "Compile declarative partition policies for multikernel hosts.",
    version: versionText,
    subcommands: [
      CheckCommand.self, DiscoverCommand.self, TopologyCommand.self, PlanCommand.self,
      ApplyCommand.self, VerifyCommand.self, RecoverCommand.self, ServiceCommand.self,
      FleetCommand.self, AgentCommand.self,
    ]
  )
}
