import ArgumentParser
import CBuildInfo
import MKCore
import MKFleet
import MKPlan
import MKTopology

#if canImport(Glibc)
  import Glibc
#endif

/// The `mkpolicy` command: a thin front end. Each subcommand lives in its own
/// file and only parses arguments, calls the libraries and renders results.
@main
struct MKPolicyCommand: ParsableCommand {
  /// The entry point: a plain `check` or `discover` line runs without the
  /// full parser (`QuickDispatch`, as it is most of their start-up); every
  /// other line, or any line with MKPOLICY_FULL_PARSER set (the tests that
  /// compare both ways), goes through swift-argument-parser's `main`.
  static func main() {
    if getenv("MKPOLICY_FULL_PARSER") == nil,
      let invocation = QuickDispatch.invocation(for: Array(CommandLine.arguments.dropFirst()))
    {
      do {
        try invocation.run()
      } catch {
        exit(withError: error)
      }
      return
    }
    main(nil)
  }

  /// `--version`: the release on the first line (scripts read its last
  /// word), the commit the binary was built from, then the document versions
  /// this build reads and writes.
  static var versionText: String {
    """
    mkpolicy \(MKPolicyVersion.release)
    commit: \(commit)
    schemas: Policy \(TopologySnapshot.apiVersion); Plan \(Plan.currentAPIVersion) \
    (reads \(Plan.readableAPIVersions.joined(separator: ", "))); \
    HostTopology \(TopologySnapshot.apiVersion); \
    Fleet, PolicyOverlay \(FleetDecoder.apiVersion)
    """
  }

  /// The commit `make release` built from (`-dirty`: with uncommitted
  /// changes), or a sentence saying it is not known.
  static var commit: String {
    let recorded = String(cString: mkpolicy_build_commit())
    return recorded.isEmpty
      ? "unknown (not built by `make release` from a git checkout)" : recorded
  }

  static let configuration = CommandConfiguration(
    commandName: "mkpolicy",
    abstract: "Compile declarative partition policies for multikernel hosts.",
    version: versionText,
    subcommands: [
      CheckCommand.self, DiscoverCommand.self, TopologyCommand.self, PlanCommand.self,
      ApplyCommand.self, UpdateCommand.self, VerifyCommand.self, RecoverCommand.self,
      ServiceCommand.self,
      FleetCommand.self, AgentCommand.self,
    ]
  )
}
