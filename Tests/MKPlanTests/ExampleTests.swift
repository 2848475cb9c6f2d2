import Foundation
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// Examples/<case>/: each policy of Policies/ planned on a host it fits.
/// The artefacts are compared byte for byte (`MKPOLICY_UPDATE_GOLDEN=1`
/// rewrites them, as does Examples/generate-plans.sh), every state tree is
/// checked with kerf's validator, every script with shellcheck and every
/// plan against the schema.
@Suite struct ExampleTests {
  static let examples = PackagePaths.path("Examples")

  static var cases: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: "\(examples)/\($0)/command") }
      .sorted()
  }

  /// `POLICY... --topology FILE` from Examples/<case>/command.
  static func inputs(_ name: String) throws -> (policies: [String], topology: String?) {
    let text = try String(contentsOfFile: "\(examples)/\(name)/command", encoding: .utf8)
    var words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    var topology: String?
    if let index = words.firstIndex(of: "--topology"), index + 1 < words.count {
      topology = PackagePaths.path(words[index + 1])
      words.removeSubrange(index...(index + 1))
    }
    return (words.map(PackagePaths.path), topology)
  }

  /// The artefacts as `mkpolicy plan ... --out` writes them, run from the
  /// package root with the relative paths of Examples/<case>/command, as
  /// Examples/generate-plans.sh does: paths in the plan are then the same on
  /// every checkout, and so are the report's line breaks and the map's
  /// column widths, which depend on their length.
  static func render(_ name: String) throws -> [PlanArtifacts.Artifact] {
    let text = try String(contentsOfFile: "\(examples)/\(name)/command", encoding: .utf8)
    let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    return try PlanReviewTests.planWithCLI(words)
  }

  @Test func everyPolicyHasAnExample() throws {
    let policies = try FileManager.default.contentsOfDirectory(
      atPath: PackagePaths.path("Policies")
    )
    .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    #expect(Self.cases == policies)
  }

  @Test(arguments: ExampleTests.cases) func artefactsMatch(_ name: String) throws {
    let directory = "\(Self.examples)/\(name)/plan"
    let artifacts = try Self.render(name)
    if Golden.updating {
      try? FileManager.default.removeItem(atPath: directory)
    }
    for artifact in artifacts {
      let path = "\(directory)/\(artifact.path)"
      if artifact.path == "state.dtb" {
        if Golden.updating {
          try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
          try Data(artifact.bytes).write(to: URL(fileURLWithPath: path))
        }
        let golden = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(golden == artifact.bytes, "\(name)/state.dtb differs")
      } else if let diff = Golden.mismatch(actual: artifact.text, goldenPath: path) {
        Issue.record(Comment(rawValue: diff))
      }
    }
    let files = try FileManager.default.subpathsOfDirectory(atPath: directory).filter {
      var isDirectory: ObjCBool = false
      let path = "\(directory)/\($0)"
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      // map.png is the map rendered by Chromium (MapRenderTests), not an
      // artefact; .mkpolicy-files is --out's manifest of its files.
      return exists && !isDirectory.boolValue && $0 != "map.png" && $0 != ".mkpolicy-files"
    }
    #expect(
      files.sorted() == artifacts.map(\.path).sorted(), "\(name): stray or missing golden files")
  }

  @Test(arguments: ExampleTests.cases) func emittedArtefactsPassTheirCheckers(_ name: String) throws
  {
    let artifacts = try Self.render(name)
    if let dtb = artifacts.first(where: { $0.path == "state.dtb" }) {
      let verdict = try DeviceTreeTests.validate(dtb.bytes)
      #expect(verdict.errors == [], "\(name): kerf validator")
      #expect(verdict.cpuErrors == [:], "\(name): validate_cpu_allocation")
    }
    for script in artifacts where script.path.hasSuffix(".sh") {
      try ShellScriptTests.shellcheck("\(name)-\(script.path)", script.text)
    }
    if let dropIn = artifacts.first(where: { $0.path == "90-mkpolicy.cfg" }) {
      try ShellScriptTests.shellcheck("\(name)-grub.sh", "#!/bin/sh\n" + dropIn.text)
    }
    let directory = try ShellScriptTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let plan = directory.appendingPathComponent("plan.json").path
    try Data(try #require(artifacts.first { $0.path == "plan.json" }).bytes).write(
      to: URL(fileURLWithPath: plan))
    let schema = Subprocess.run([
      PackagePaths.python, PackagePaths.path("Tests/Python/validate_json_schema.py"),
      PackagePaths.path("Schemas/plan.v2.schema.json"), plan,
    ])
    #expect(schema.status == 0, "\(name): \(schema.stdout)\(schema.stderr)")
  }
}
