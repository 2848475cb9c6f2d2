import ArgumentParser
import MKCore
import MKTopology

/// `mkpolicy topology show FILE`: read a snapshot strictly and print it
/// again (canonical form, or the other format), or its summary.
struct TopologyShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Read a HostTopology snapshot strictly and print it or its summary.")

  @Argument(help: "A snapshot file (YAML or JSON).")
  var file: String

  @OptionGroup var output: SnapshotOutputOptions

  func run() throws {
    let result = TopologySnapshot.read(path: file)
    SnapshotOutput.report(result.diagnostics, sources: result.sources)
    guard let topology = result.topology else { throw ExitCode.failure }
    try output.emit(topology)
  }
}
