import Foundation
import MKPlan
import MKTestSupport
import Testing

/// Black-box tests of `mkpolicy plan` through the built binary.
@Suite struct PlanCommandTests {
  static let topology = "Examples/topologies/xeon-spr-2s-snc4.yaml"

  static func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mkplan-cli-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func textReportForTheDefaultPolicy() {
    let result = PackagePaths.runMKPolicy(["plan", "--topology", Self.topology])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("mkpolicy plan: policy default\n"))
    #expect(result.stdout.contains("\nCPU map\n  node 0 (CPUs "))
    #expect(result.stdout.contains("\nChanges (against host): "))
    #expect(result.stdout.contains(" disruptive\n  needs reboot (0)\n"))
    #expect(result.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 })
  }

  /// Two processes, same inputs: the same bytes, text and JSON.
  @Test func outputIsByteIdenticalAcrossRuns() {
    let arguments = [
      "plan", "Policies/trading-realtime.yaml", "--topology",
      "Examples/topologies/trading-2s-connectx-e810.yaml",
    ]
    for format in ["text", "json", "svg"] {
      let first = PackagePaths.runMKPolicy(arguments + ["--format", format])
      let second = PackagePaths.runMKPolicy(arguments + ["--format", format])
      #expect(first.status == 0 && second.status == 0, "\(first.stderr)")
      #expect(!first.stdout.isEmpty && first.stdout == second.stdout, "\(format)")
    }
  }

  @Test func outWritesEveryArtefactAndJSONMatchesIt() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = PackagePaths.runMKPolicy([
      "plan", "Policies/default.yaml", "--topology", Self.topology, "--format", "json", "--out",
      directory,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let files = try FileManager.default.subpathsOfDirectory(atPath: directory).sorted()
    #expect(
      files == [
        ".mkpolicy-files", "cgroup.sh", "cmdline", "irq.sh", "kerf.sh", "map.svg", "plan.json",
        "report.txt",
      ])
    #expect(try String(contentsOfFile: directory + "/plan.json", encoding: .utf8) == result.stdout)
    #expect(result.stderr == "wrote 7 files to \(directory)\n")
  }

  @Test func detailedExitcodeAgainstPrevious() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let first = PackagePaths.runMKPolicy([
      "plan", "--topology", Self.topology, "--format", "json", "--detailed-exitcode",
    ])
    #expect(first.status == 2, "changes against a fresh host: \(first.stderr)")
    let previous = directory + "/plan.json"
    try first.stdout.write(toFile: previous, atomically: true, encoding: .utf8)
    let second = PackagePaths.runMKPolicy([
      "plan", "--topology", Self.topology, "--previous", previous, "--detailed-exitcode",
    ])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(
      second.stdout.contains(
        "Changes (against previous plan): 0, 0 disruptive\n  needs reboot (0)\n    none\n  live (0)\n    none\n  coordinator (0)\n    none\n"
      ))
  }

  @Test func badPreviousPlanIsAnErrorWithNoOutput() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "{\"kind\": \"Plan\"}".write(
      toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
    let result = PackagePaths.runMKPolicy([
      "plan", "--topology", Self.topology, "--previous", directory + "/bad.json", "--out",
      directory + "/out",
    ])
    #expect(result.status == 1)
    #expect(result.stdout == "")
    #expect(result.stderr.contains("error[E420]: \(directory)/bad.json: missing key"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/out"))
    let missing = PackagePaths.runMKPolicy([
      "plan", "--topology", Self.topology, "--previous", directory + "/nope.json",
    ])
    #expect(missing.status == 1)
    #expect(
      missing.stderr.contains(
        "nope.json: cannot read the previous plan (ENOENT: No such file or directory)"))
  }

  @Test func outOntoAFileIsRefused() throws {
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let file = directory + "/file"
    try "x".write(toFile: file, atomically: true, encoding: .utf8)
    let result = PackagePaths.runMKPolicy(["plan", "--topology", Self.topology, "--out", file])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "error[E421]: --out \(file): exists and is not a directory\n"
        + " = help: give a directory path (it is created when missing)\n\n1 error\n")
    #expect(result.stdout == "")
  }

  @Test func badTopologyIsLocated() {
    let result = PackagePaths.runMKPolicy(["plan", "--topology", "Policies/default.yaml"])
    #expect(result.status == 1)
    #expect(result.stdout == "")
    #expect(result.stderr.contains("Policies/default.yaml:"))
  }
}

extension PlanCommandTests {
  /// No arguments plans the embedded default for this host (live
  /// discovery). How long it takes is measured by the benchmarks
  /// (Benchmarks/discovery), not asserted here.
  @Test func noArgumentsPlansTheDefaultForThisHost() {
    let result = PackagePaths.runMKPolicy(["plan"])
    #expect(result.status == 0, "\(result.stderr)")
    // The report names the host by the name discovery read.
    let hostName =
      (try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    #expect(result.stdout.hasPrefix("mkpolicy plan: policy default\nhost: \(hostName), "))
  }
}
