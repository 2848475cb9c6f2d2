import ArgumentParser
import MKCore
import MKPolicy

/// `mkpolicy check [--format text|json|github] PATH...`: validates policies
/// without touching the host. Exit 0 when every policy is valid, 1 when any
/// has an error, 64 for a usage error.
///
/// Text diagnostics go to stderr and a one-line verdict per policy to stdout;
/// `json` and `github` are results meant for tools, so they go to stdout.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check policy files or folders and report every problem with its line and column.",
    discussion: """
      A file is one policy. A folder is one policy merged from its .yaml files, \
      unless every file in it is a complete policy (has metadata): then each is \
      checked on its own. Exit status: 0 valid, 1 errors found, 64 usage error.
      """)

  @Option(
    help: "Output format: text (for people), json (for tools) or github (workflow annotations).")
  var format: DiagnosticRenderer.Format = .text

  @Option(help: "Colour text output (ANSI escapes).")
  var color: ColorChoice = .never

  @Argument(help: "Policy files or folders.")
  var paths: [String]

  enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case never, always
  }

  func validate() throws {
    guard !paths.isEmpty else { throw ValidationError("give at least one policy file or folder") }
  }

  func run() throws {
    try Invocation(format: format, color: color == .always, paths: paths).run()
  }

  /// What `check` does with its arguments' values, however they were parsed
  /// (here, or by `QuickDispatch` without the parser's structs).
  struct Invocation: QuickInvocation {
    var format: DiagnosticRenderer.Format
    var color: Bool
    var paths: [String]

    func run() throws {
      let results = PolicyLoader.loadEach(paths: paths)
      var sources: [String: String] = [:]
      var diagnostics: [Diagnostic] = []
      var verdicts: [String] = []
      for result in results {
        sources.merge(result.sources) { first, _ in first }
        diagnostics += result.diagnostics
        if let policy = result.policy {
          let count = policy.workloads.count
          verdicts.append(
            "ok: \(result.origin) (policy '\(policy.metadata.name)', \(count) workload\(count == 1 ? "" : "s"))"
          )
        }
      }
      let renderer = DiagnosticRenderer(sources: sources, color: color)
      switch format {
      case .text:
        if !diagnostics.isEmpty { Console.write(renderer.text(diagnostics), to: .standardError) }
        if !verdicts.isEmpty {
          Console.write(verdicts.joined(separator: "\n") + "\n", to: .standardOutput)
        }
      case .json, .github:
        Console.write(renderer.render(diagnostics, format: format), to: .standardOutput)
      }
      if results.contains(where: \.hasErrors) { throw ExitCode.failure }
    }
  }
}

extension DiagnosticRenderer.Format: ExpressibleByArgument {}
