import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import Testing

/// The malformed-policy corpus: every case must be rejected with exactly the
/// diagnostics in its golden file (line, column, message, help), without a
/// crash. `Corpus/make-corpus.py` writes the cases.
@Suite struct CorpusTests {
  static let corpus = PackagePaths.path("Tests/MKPolicyTests/Corpus")
  static let invalid = corpus + "/invalid"

  static var invalidCases: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: invalid)) ?? []
    return names.filter { !$0.hasSuffix(".expected") }.sorted()
  }

  /// Text diagnostics with the corpus folder removed from paths, so golden
  /// files do not depend on where the checkout is.
  static func render(_ result: PolicyLoadResult, stripping prefix: String) -> String {
    let text = DiagnosticRenderer(sources: result.sources).text(result.diagnostics)
    return text.replacingOccurrences(of: prefix, with: "")
  }

  @Test func corpusHasAtLeast150Cases() {
    #expect(Self.invalidCases.count >= 150)
  }

  @Test(arguments: invalidCases)
  func malformedPolicyIsRejectedAsExpected(name: String) throws {
    let path = Self.invalid + "/" + name
    let loaded = PolicyLoader.load(paths: [path])
    #expect(loaded.hasErrors, "\(name) was accepted")
    #expect(loaded.policy == nil)
    let golden =
      Self.invalid + "/" + (name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name)
      + ".expected"
    let text = Self.render(loaded, stripping: Self.invalid + "/")
    if let mismatch = Golden.mismatch(actual: text, goldenPath: golden) {
      Issue.record(Comment(rawValue: mismatch))
    }
  }

  @Test func twoMebibyteDocumentIsRejectedBeforeParsing() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mkpolicy-corpus-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("big.yaml").path
    var text = "apiVersion: mkpolicy.io/v1\nkind: PartitionPolicy\nmetadata:\n  description: \""
    text += String(repeating: "x", count: 2 << 20) + "\"\n"
    try text.write(toFile: file, atomically: true, encoding: .utf8)
    let start = ContinuousClock.now
    let result = PolicyLoader.load(paths: [file])
    #expect(ContinuousClock.now - start < .milliseconds(100))
    #expect(
      Self.render(result, stripping: directory.path + "/") == """
        big.yaml:1:1: error[E002]: document is 2097229 bytes, more than the limit of 1048576 bytes
         = help: split the policy into a folder of smaller files

        1 error

        """)
  }
}
