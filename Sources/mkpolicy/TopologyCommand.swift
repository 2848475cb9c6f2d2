import ArgumentParser
import MKCore
import MKTopology

#if canImport(Glibc)
  import Glibc
#endif

/// `mkpolicy topology ...`: work with snapshots that are not this host.
struct TopologyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "topology",
    abstract: "Generate and inspect HostTopology snapshots.",
    subcommands: [TopologySynthCommand.self, TopologyShowCommand.self])
}

/// `--format`, `-o` and `--summary`, shared by every command that prints a snapshot.
struct SnapshotOutputOptions: ParsableArguments {
  @Option(help: "Snapshot format: yaml or json.")
  var format: String = "yaml"

  @Option(name: .shortAndLong, help: "Write the snapshot to FILE (atomically) instead of stdout.")
  var output: String?

  @Flag(help: "Print a short human summary (with -o, the snapshot still goes to the file).")
  var summary = false

  func validate() throws {
    guard settings.isValid else {
      throw ValidationError("--format must be yaml or json, not '\(format)'")
    }
  }

  /// The options' values, apart from the parser's property wrappers.
  var settings: SnapshotOutput.Settings {
    SnapshotOutput.Settings(format: format, output: output, summary: summary)
  }

  func emit(_ topology: Topology) throws { try settings.emit(topology) }
}

extension SnapshotOutput {
  /// Where and how a snapshot is printed: the values of `SnapshotOutputOptions`
  /// in a plain struct, which `QuickDispatch` fills in without the parser.
  struct Settings {
    var format = "yaml"
    var output: String?
    var summary = false

    /// `--format` names a snapshot format.
    var isValid: Bool { TopologySnapshot.Format(rawValue: format) != nil }

    func emit(_ topology: Topology) throws {
      let format = TopologySnapshot.Format(rawValue: format) ?? .yaml
      let text = TopologySnapshot.write(topology, format: format)
      if let output {
        do {
          try TopologySnapshot.writeFile(text, to: output)
        } catch {
          SnapshotOutput.report(error.diagnostics)
          throw ExitCode.failure
        }
      }
      if summary {
        print(TopologySummary.text(topology), terminator: "")
      } else if output == nil {
        print(text, terminator: "")
      }
    }
  }
}

enum SnapshotOutput {
  /// Diagnostics go to stderr, as text with source lines where known.
  static func report(_ diagnostics: [Diagnostic], sources: [String: String] = [:]) {
    guard !diagnostics.isEmpty else { return }
    let bytes = Array(DiagnosticRenderer(sources: sources).text(diagnostics).utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
      if count <= 0 { break }
      written += count
    }
  }
}
