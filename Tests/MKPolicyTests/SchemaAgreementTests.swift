import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import Testing

/// `Schemas/policy.v1.schema.json` and the decoder must agree: every policy
/// the decoder accepts validates against the schema, and every malformed case
/// whose errors the schema can express (unknown keys, types, enums, ranges,
/// patterns) is rejected by it. Python's jsonschema does the validating.
@Suite struct SchemaAgreementTests {
  /// Codes for rules JSON Schema can state. Others (YAML-level problems,
  /// min <= max, unique names, cgroup-safe names, powers of two) it cannot.
  static let expressible: Set<String> = [
    "E020", "E021", "E022", "E023", "E024", "E025", "E026", "E028", "E030", "E031", "E107", "E108",
  ]

  static func yamlFiles(_ folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder + "/" + $0 }
  }

  /// file -> valid?, from one run of the schema checker over all files.
  static func schemaVerdicts(_ files: [String]) throws -> [String: Bool] {
    let run = Subprocess.run(
      [
        PackagePaths.python, PackagePaths.path("Tests/MKPolicyTests/Corpus/schema_check.py"),
        PackagePaths.path("Schemas/policy.v1.schema.json"),
      ] + files)
    try #require(run.status == 0, "schema_check.py failed: \(run.stderr)")
    var verdicts: [String: Bool] = [:]
    for line in run.stdout.split(separator: "\n") {
      let fields = line.split(separator: "\t", maxSplits: 2)
      verdicts[String(fields[0])] = fields[1] == "valid"
    }
    return verdicts
  }

  @Test func schemaIsJSONSchema202012() throws {
    let data = try Data(
      contentsOf: URL(fileURLWithPath: PackagePaths.path("Schemas/policy.v1.schema.json")))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
  }

  @Test func decoderAndSchemaAgree() throws {
    let corpus = PackagePaths.path("Tests/MKPolicyTests/Corpus")
    let valid =
      Self.yamlFiles(PackagePaths.path("Policies"))
      + Self.yamlFiles(PackagePaths.path("Examples/policies/split-host"))
      + Self.yamlFiles(corpus + "/valid")
    var expectInvalid: [String] = []
    for file in Self.yamlFiles(corpus + "/invalid") {
      let codes = Set(PolicyLoader.load(paths: [file]).diagnostics.map(\.code))
      if !codes.isEmpty && codes.isSubset(of: Self.expressible) { expectInvalid.append(file) }
    }
    // The comparison must cover a real part of the corpus.
    #expect(expectInvalid.count >= 100, "only \(expectInvalid.count) comparable cases")
    let verdicts = try Self.schemaVerdicts(valid + expectInvalid)
    for file in valid {
      // A folder's files alone may lack what other files hold (metadata, a
      // workload they avoid), but each is well-formed.
      #expect(PolicyLoader.load(paths: [file]).diagnostics.allSatisfy { $0.code.hasPrefix("E1") })
      #expect(verdicts[file] == true, "the schema rejects \(file), which the decoder accepts")
    }
    for file in expectInvalid {
      #expect(verdicts[file] == false, "the schema accepts \(file), which the decoder rejects")
    }
  }
}
