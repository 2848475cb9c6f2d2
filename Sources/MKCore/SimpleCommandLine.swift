/// A subcommand's arguments when they are in the plainest form there is:
/// `--name value`, `--name=value`, `--flag` and plain values, each name at
/// most once.
///
/// Why: swift-argument-parser builds a command tree, reflects over option
/// types and checks for `--generate-completion-script` on every run, which
/// costs most of the start-up of the short commands (docs/packaging.md
/// "Start-up"). The CLI parses the common commands' plain lines with this
/// instead, and hands every other line to the full parser, so that help,
/// completions and every usage message stay the full parser's own.
///
/// Anything that is not plain makes the line not simple (`nil`): an empty
/// argument, any argument starting with `-` that is not one of the given
/// spellings (help and version flags, `--`, `-`, clusters of short options,
/// the completion requests), a name given twice (under any of its
/// spellings), an option without its value, a value that is empty or starts
/// with `-`, `--flag=value`, and `-o=value` (only long names take `=`).
public struct SimpleCommandLine: Equatable, Sendable {
  /// Option values by canonical name (`format`, not `--format`).
  public var options: [String: String] = [:]
  /// The flags given, by canonical name.
  public var flags: Set<String> = []
  /// The plain values, in order.
  public var values: [String] = []

  public init(options: [String: String], flags: Set<String>, values: [String]) {
    self.options = options
    self.flags = flags
    self.values = values
  }

  /// - Parameters:
  ///   - arguments: the arguments after the subcommand's name.
  ///   - options: each spelling of an option that takes a value (`--output`,
  ///     `-o`) with its canonical name.
  ///   - flags: each spelling of a flag with its canonical name.
  public init?(
    _ arguments: some Sequence<String>, options: [String: String], flags: [String: String]
  ) {
    var pendingOption: String?
    for argument in arguments {
      guard !argument.isEmpty else { return nil }
      if let name = pendingOption {
        guard !argument.hasPrefix("-") else { return nil }
        self.options[name] = argument
        pendingOption = nil
        continue
      }
      guard argument.hasPrefix("-") else {
        values.append(argument)
        continue
      }
      if let name = flags[argument] {
        guard !isGiven(name) else { return nil }
        self.flags.insert(name)
      } else if let name = options[argument] {
        guard !isGiven(name) else { return nil }
        pendingOption = name
      } else if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "="),
        let name = options[String(argument[..<equals])]
      {
        let value = argument[argument.index(after: equals)...]
        guard !isGiven(name), !value.isEmpty, !value.hasPrefix("-") else { return nil }
        self.options[name] = String(value)
      } else {
        return nil
      }
    }
    guard pendingOption == nil else { return nil }
  }

  private func isGiven(_ name: String) -> Bool {
    options[name] != nil || flags.contains(name)
  }
}
