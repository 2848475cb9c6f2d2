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
    #expect(stable.nodes.allSatisfy { $0.memoryFreeBytes == 0 && $0.hugePages[0].free == 0 })
    #expect(stable.nodes.map(\.memoryTotalBytes) == topology.nodes.map(\.memoryTotalBytes))
    // The page sizes stay; the pool sizes go (plans set them).
    #expect(topology.nodes[0].hugePages[0].total == 2)
    #expect(
      stable.nodes[0].hugePages.map(\.pageSizeBytes)
        == topology.nodes[0].hugePages.map(\.pageSizeBytes))
    #expect(stable.nodes.allSatisfy { $0.hugePages.allSatisfy { $0.total == 0 } })
    #expect(stable.devices.flatMap(\.irqs).allSatisfy { $0.affinity.isEmpty })
    #expect(
      stable.devices.flatMap(\.irqs).map(\.movable)
        == topology.devices.flatMap(\.irqs).map(\.movable))
    #expect(stable.kernel.bootId == nil && !stable.kernel.irqbalanceRunning)
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
}
