import Foundation
import MKTestSupport
import Testing

/// `Schemas/fleet.v1.schema.json` accepts the example inventory and its
/// overlay files (Python's jsonschema, as the policy schema is checked) and
/// refuses what the decoder refuses where a schema can say it.
@Suite struct FleetSchemaTests {
  static let script = """
    import json, sys, yaml, jsonschema
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    fleet = jsonschema.Draft202012Validator(schema)
    overlay = jsonschema.Draft202012Validator({**schema["$defs"]["overlayFile"], "$defs": schema["$defs"]})
    for path in sys.argv[2:]:
        document = yaml.safe_load(open(path))
        validator = overlay if document.get("kind") == "PolicyOverlay" else fleet
        errors = sorted(e.message for e in validator.iter_errors(document))
        print(path, "ok" if not errors else "; ".join(errors))
    """

  static func validate(_ paths: [String]) -> Subprocess.Result {
    Subprocess.run(
      [PackagePaths.python, "-c", script, PackagePaths.path("Schemas/fleet.v1.schema.json")] + paths
    )
  }

  @Test func theExampleInventoryAndOverlaysAreValid() throws {
    let overlays = try FileManager.default.contentsOfDirectory(
      atPath: PackagePaths.path("Examples/fleet/overlays")
    ).sorted().map { PackagePaths.path("Examples/fleet/overlays/" + $0) }
    let result = Self.validate([PackagePaths.path("Examples/fleet/fleet.yaml")] + overlays)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 1 + overlays.count)
    #expect(lines.allSatisfy { $0.hasSuffix(" ok") }, "\(result.stdout)")
  }

  @Test func theSchemaRefusesWhatTheDecoderRefuses() throws {
    let scratch = try FleetScratch.make()
    defer { scratch.remove() }
    let cases = [
      "unknown-key":
        "apiVersion: mkpolicy.io/v1\nkind: Fleet\nmetadata: {name: f}\nhosts: []\nhostz: []\n",
      "bad-host-name":
        "apiVersion: mkpolicy.io/v1\nkind: Fleet\nmetadata: {name: f}\nhosts:\n  - {name: Web_01, snapshot: a.yaml}\n",
      "bad-label":
        "apiVersion: mkpolicy.io/v1\nkind: Fleet\nmetadata: {name: f}\nhosts:\n  - {name: web, snapshot: a.yaml, labels: {role: \"a b\"}}\n",
      "rename":
        "apiVersion: mkpolicy.io/v1\nkind: PolicyOverlay\nworkloads: {override: {db: {name: db2}}}\n",
    ]
    for (name, text) in cases { try scratch.put(name + ".yaml", text) }
    let result = Self.validate(cases.keys.sorted().map { scratch.root + "/" + $0 + ".yaml" })
    #expect(result.status == 0, "\(result.stderr)")
    for line in result.stdout.split(separator: "\n") {
      #expect(!line.hasSuffix(" ok"), "the schema accepted \(line)")
    }
  }
}
