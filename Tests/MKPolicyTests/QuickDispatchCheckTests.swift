import MKTestSupport
import Testing

/// `mkpolicy check` lines run with the quick dispatch and with the full
/// argument parser (MKPOLICY_FULL_PARSER=1) print the same and exit the same:
/// plain lines take the quick path, every other line falls back, and nobody
/// can tell which ran.
@Suite struct QuickDispatchCheckTests {
  static let invalid = "Tests/MKPolicyTests/Corpus/invalid/"

  /// Forms the quick path takes, and neighbours it must leave to the parser.
  @Test func chosenLinesBehaveTheSameBothWays() {
    let lines: [[String]] = [
      ["check", "Policies/default.yaml"],
      ["check", "Policies/default.yaml", "Examples/policies/split-host"],
      ["check", "--format", "json", "Policies/default.yaml"],
      ["check", "--format=github", Self.invalid + "enum-isolation-kernal.yaml"],
      ["check", Self.invalid + "enum-isolation-kernal.yaml", "--color", "always"],
      ["check", "--color=never", "--format", "text", "missing.yaml"],
      ["check"],
      ["check", "--format", "yaml", "Policies/default.yaml"],
      ["check", "--format", "json", "--format", "text", "Policies/default.yaml"],
      ["check", "--format", "Policies/default.yaml"],
      ["check", "--format="],
      ["check", "--format", "-h"],
      ["check", "-h"],
      ["check", "--help", "Policies/default.yaml"],
      ["check", "help"],
      ["check", "--", "Policies/default.yaml"],
      ["check", "-", "Policies/default.yaml"],
      ["check", ""],
      ["check", "--colour", "always", "Policies/default.yaml"],
      ["check", "--color", "--format", "json"],
      ["check", "--version"],
      ["check", "--generate-completion-script", "bash"],
      ["check", "Policies/default.yaml", "--format=json=x"],
    ]
    for line in lines {
      let outcome = ParserEquivalence.run(line)
      #expect(outcome.isSame, "\(outcome.difference)")
    }
  }

  /// Random lines of check's own tokens and the tokens that must fall back.
  @Test func randomLinesBehaveTheSameBothWays() {
    let tokens = [
      "--format", "json", "text", "github", "yaml", "--format=json", "--format=github",
      "--format=", "--color", "always", "never", "--color=always", "Policies/default.yaml",
      "Policies/telco-edge.yaml", "Examples/policies/split-host", "missing.yaml",
      Self.invalid + "enum-isolation-kernal.yaml", Self.invalid + "duplicate-flow-key.yaml",
      "help", "-h", "--", "-", "", "--version", "-o",
    ]
    for line in ParserEquivalence.lines(
      "check", tokens: tokens, count: 60, length: 5, seed: 0x5EED_C4EC)
    {
      let outcome = ParserEquivalence.run(line)
      #expect(outcome.isSame, "\(outcome.difference)")
    }
  }
}
