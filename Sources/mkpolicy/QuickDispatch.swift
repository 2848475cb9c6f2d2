import ArgumentParser
import MKCore

/// A command's work once its arguments' values are known, whichever parser
/// read them.
protocol QuickInvocation {
  func run() throws
}

/// The commands users run most (`check`, `discover`), read from a plain
/// command line without swift-argument-parser.
///
/// Why: the full parser costs most of a short command's start-up (11.5 M of
/// the 13.3 M instructions of `check`): it reflects over every option type
/// and looks for `--generate-completion-script` on every run, and each
/// first lookup of a type's protocol conformance scans all of the binary's
/// conformance records. Even making the command's struct (its property
/// wrappers' generic types) cost ~0.5 M. So a plain line (`SimpleCommandLine`)
/// of these two commands becomes their `Invocation`, the same values the
/// parser's struct would hand it.
///
/// Every line that is not plain, names a value the command does not take, or
/// would fail the command's `validate()` goes to the full parser instead,
/// which then says what it always said: help, completions, usage errors and
/// exit statuses are the full parser's. `QuickDispatchCheckTests` and
/// `QuickDispatchDiscoverTests` run many lines both ways
/// (MKPOLICY_FULL_PARSER=1 turns this off) and compare output and status.
enum QuickDispatch {
  /// What `arguments` (without the program name) ask for, or nil to let the
  /// full parser read them.
  static func invocation(for arguments: [String]) -> (any QuickInvocation)? {
    guard let name = arguments.first else { return nil }
    let rest = arguments.dropFirst()
    switch name {
    case "check": return check(rest)
    case "discover": return discover(rest)
    default: return nil
    }
  }

  /// `check [--format F] [--color C] PATH...` (CheckCommand).
  private static func check(_ arguments: ArraySlice<String>) -> CheckCommand.Invocation? {
    guard
      let line = SimpleCommandLine(
        arguments, options: ["--format": "format", "--color": "color"], flags: [:]),
      // The parser reads these enums with init(rawValue:) (ExpressibleByArgument).
      let format = DiagnosticRenderer.Format(rawValue: line.options["format"] ?? "text"),
      let color = CheckCommand.ColorChoice(rawValue: line.options["color"] ?? "never"),
      // CheckCommand.validate(): at least one path.
      !line.values.isEmpty
    else { return nil }
    return CheckCommand.Invocation(format: format, color: color == .always, paths: line.values)
  }

  /// `discover [--format F] [-o|--output FILE] [--summary] [--root DIR]
  /// [--sysfs-only] [--source TEXT] [--volatile]` (DiscoverCommand and its
  /// SnapshotOutputOptions).
  private static func discover(_ arguments: ArraySlice<String>) -> DiscoverCommand.Invocation? {
    guard
      let line = SimpleCommandLine(
        arguments,
        options: [
          "--format": "format", "-o": "output", "--output": "output", "--root": "root",
          "--source": "source",
        ],
        flags: ["--summary": "summary", "--sysfs-only": "sysfs-only", "--volatile": "volatile"]),
      line.values.isEmpty
    else { return nil }
    let output = SnapshotOutput.Settings(
      format: line.options["format"] ?? "yaml", output: line.options["output"],
      summary: line.flags.contains("summary"))
    // SnapshotOutputOptions.validate(): a known format.
    guard output.isValid else { return nil }
    return DiscoverCommand.Invocation(
      root: line.options["root"] ?? "/", sysfsOnly: line.flags.contains("sysfs-only"),
      source: line.options["source"], volatile: line.flags.contains("volatile"), output: output)
  }
}
