import Foundation
import MKTestSupport
import Testing

/// `mkpolicy plan --out DIR` leaves exactly the current plan's files: a
/// removed kernel instance's state.dts goes, a failure midway leaves the
/// older plan as it was, and files mkpolicy did not write are never deleted
/// (the write is refused, naming them).
@Suite struct PlanOutTests {
  static let kernelPlan = [
    "plan", "Policies/telco-edge.yaml", "--topology", "Examples/topologies/telco-edge-1s-e810.yaml",
  ]
  static let hostPlan = [
    "plan", "Policies/default.yaml", "--topology", "Examples/topologies/xeon-spr-2s-snc4.yaml",
  ]

  /// Every file below `directory`, relative, with its bytes.
  static func contents(_ directory: String) -> [String: Data] {
    var out: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return out }
    while let relative = walker.nextObject() as? String {
      var isDirectory: ObjCBool = false
      let full = directory + "/" + relative
      if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        out[relative] = FileManager.default.contents(atPath: full)
      }
    }
    return out
  }

  static func run(_ arguments: [String], _ environment: [String: String] = [:]) -> Subprocess.Result
  {
    Subprocess.run(
      [PackagePaths.mkpolicyBinary] + arguments, environment: environment,
      currentDirectory: PackagePaths.root)
  }

  /// The files `--out` wrote, as its manifest lists them.
  static func manifest(_ directory: String) throws -> [String] {
    try String(contentsOfFile: directory + "/.mkpolicy-files", encoding: .utf8)
      .split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
  }

  @Test func aRemovedInstancesStateTreeDisappears() throws {
    let base = try ShellScriptTests.temporaryDirectory().path
    defer { try? FileManager.default.removeItem(atPath: base) }
    let out = base + "/plan"
    let first = Self.run(Self.kernelPlan + ["--out", out])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(Self.contents(out)["state.dts"] != nil)
    let second = Self.run(Self.hostPlan + ["--out", out])
    #expect(second.status == 0, "\(second.stderr)")
    let files = Self.contents(out)
    #expect(files["state.dts"] == nil)
    #expect(files["state.dtb"] == nil)
    #expect(!files.keys.contains { $0.hasPrefix("systemd/") })
    #expect(second.stderr.contains("note: removed 7 file(s) of the older plan: "))
    // Exactly the fresh plan's files: those of a direct --out into a new directory.
    let fresh = base + "/fresh"
    #expect(Self.run(Self.hostPlan + ["--out", fresh]).status == 0)
    #expect(files == Self.contents(fresh))
    #expect(
      try Self.manifest(out).sorted() == files.keys.filter { $0 != ".mkpolicy-files" }.sorted())
    // Nothing is left beside it.
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: base).sorted() == ["fresh", "plan"])
  }

  @Test func aFailureMidwayLeavesTheOlderPlanIntact() throws {
    let base = try ShellScriptTests.temporaryDirectory().path
    defer { try? FileManager.default.removeItem(atPath: base) }
    let out = base + "/plan"
    #expect(Self.run(Self.kernelPlan + ["--out", out]).status == 0)
    let before = Self.contents(out)
    // 7 artefacts, then the manifest (the 8th write).
    for point in [1, 4, 8] {
      let failed = Self.run(
        Self.hostPlan + ["--out", out], ["MKPOLICY_TEST_FAIL_WRITE": "\(point)"])
      #expect(failed.status == 1, "write \(point)")
      #expect(
        failed.stderr.hasPrefix("error[E421]: --out \(out): cannot write "), "\(failed.stderr)")
      #expect(failed.stderr.contains("EIO (Input/output error)"))
      #expect(Self.contents(out) == before, "write \(point): the older plan changed")
      #expect(try FileManager.default.contentsOfDirectory(atPath: base) == ["plan"])
    }
  }

  @Test func filesMkpolicyDidNotWriteAreNeverDeleted() throws {
    let base = try ShellScriptTests.temporaryDirectory().path
    defer { try? FileManager.default.removeItem(atPath: base) }
    let out = base + "/plan"
    #expect(Self.run(Self.kernelPlan + ["--out", out]).status == 0)
    try "mine\n".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
    let before = Self.contents(out)
    let refused = Self.run(Self.hostPlan + ["--out", out])
    #expect(refused.status == 1)
    #expect(
      refused.stderr == """
        error[E422]: --out \(out): holds 1 file(s) that mkpolicy did not write; nothing was changed
         = note: not mkpolicy's: \(out)/notes.txt
         = help: give a new or empty directory, or move those files away: --out replaces the whole directory with the plan's files

        1 error

        """)
    #expect(Self.contents(out) == before)
    // A directory written before manifests existed: its files are the new
    // plan's names (replaced) or foreign (refused).
    let old = base + "/old"
    try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: false)
    try "{}".write(toFile: old + "/plan.json", atomically: true, encoding: .utf8)
    #expect(Self.run(Self.hostPlan + ["--out", old]).status == 0)
    try "x".write(toFile: old + "/../stray-sibling", atomically: true, encoding: .utf8)
    #expect(Self.contents(old)["plan.json"] != "{}".data(using: .utf8))
  }

  @Test func aSymlinkedDirectoryStaysALink() throws {
    let base = try ShellScriptTests.temporaryDirectory().path
    defer { try? FileManager.default.removeItem(atPath: base) }
    try FileManager.default.createDirectory(
      atPath: base + "/real", withIntermediateDirectories: false)
    try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: "real")
    #expect(Self.run(Self.kernelPlan + ["--out", base + "/link"]).status == 0)
    let second = Self.run(Self.hostPlan + ["--out", base + "/link"])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: base + "/link") == "real")
    let fresh = base + "/fresh"
    #expect(Self.run(Self.hostPlan + ["--out", fresh]).status == 0)
    #expect(Self.contents(base + "/real") == Self.contents(fresh))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: base).sorted() == [
        "fresh", "link", "real",
      ])
  }
}
