import Foundation
import MKTestSupport
import Testing

/// The README's read-only `mkpolicy` examples run as written, from the
/// package root, and succeed: a user who copies one gets what it promises.
@Suite struct ReadmeExampleTests {
  /// Commands of the README's `sh` blocks that need nothing the reader has
  /// to make first (their own policy, a saved plan or snapshot) and write
  /// nothing: no apply, verify or recover, no `-o` or `--out`.
  static let commands: [String] = {
    let text =
      (try? String(contentsOfFile: PackagePaths.path("README.md"), encoding: .utf8)) ?? ""
    var inShell = false
    var out: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```") {
        inShell = line == "```sh"
        continue
      }
      guard inShell, line.hasPrefix("mkpolicy ") else { continue }
      let command = String(line.split(separator: "#", maxSplits: 1)[0])
        .trimmingCharacters(in: .whitespaces)
      let words = command.split(separator: " ").map(String.init)
      let writes = ["apply", "verify", "recover", "-o", "--out", ">"]
      let needsUserFiles = words.contains { $0.hasPrefix("my-policy") || $0 == "host.yaml" }
      if !needsUserFiles && words.allSatisfy({ !writes.contains($0) }) { out.append(command) }
    }
    return out
  }()

  @Test func theReadmeHasReadOnlyExamples() {
    #expect(Self.commands.contains("mkpolicy check Policies/"))
    #expect(Self.commands.contains("mkpolicy plan"))
    #expect(Self.commands.count >= 4, "\(Self.commands)")
  }

  @Test(arguments: commands) func runsAsWritten(command: String) {
    let arguments = Array(command.split(separator: " ").map(String.init).dropFirst())
    let result = PackagePaths.runMKPolicy(arguments)
    #expect(result.status == 0, "\(command) exited \(result.status):\n\(result.stderr)")
    #expect(!result.stdout.isEmpty, "\(command) printed nothing")
  }
}
