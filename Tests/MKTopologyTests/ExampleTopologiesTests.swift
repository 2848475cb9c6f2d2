import Foundation
import MKCore
import MKTestSupport
import Testing

@testable import MKTopology

@Suite struct ExampleTopologiesTests {
  /// Every snapshot in Examples/topologies/, so a new one is covered by the
  /// round trip and the schema check without being listed here.
  static let names: [String] = {
    let folder = PackagePaths.path("Examples/topologies")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
  }()

  @Test func theMachineSnapshotsAndTheExampleHostsAreAllHere() {
    #expect(
      Set(Self.names).isSuperset(of: [
        "this-machine", "xeon-spr-2s-snc4", "epyc-9654-2s-nps4", "ampere-altra-max-128",
        "eight-socket-32-node", "intel-hybrid-edge", "multikernel-host",
        "trading-2s-connectx-e810", "telco-edge-1s-e810", "database-2s-nvme-hybrid",
        "inference-2s-h100",
      ]))
  }

  static func load(_ name: String) throws -> (text: String, topology: Topology) {
    let relative = "Examples/topologies/\(name).yaml"
    let text = try String(contentsOfFile: PackagePaths.path(relative), encoding: .utf8)
    let result = TopologySnapshot.read(text: text, file: relative)
    #expect(result.diagnostics == [])
    return (text, try #require(result.topology))
  }

  @Test(arguments: names) func roundTripIsByteIdentical(name: String) throws {
    let (text, topology) = try Self.load(name)
    #expect(TopologySnapshot.yaml(topology) == text)
    let json = TopologySnapshot.json(topology)
    let back = TopologySnapshot.read(text: json, file: "\(name).json")
    #expect(back.diagnostics == [])
    #expect(back.topology.map(TopologySnapshot.yaml) == text)
    #expect(text.hasPrefix("# "), "every example starts with a comment giving its source")
  }

  @Test func summariesMatchGolden() throws {
    var text = ""
    for name in ["xeon-spr-2s-snc4", "intel-hybrid-edge", "multikernel-host"] {
      text += "== \(name)\n" + TopologySummary.text(try Self.load(name).topology)
    }
    let mismatch = Golden.mismatch(
      actual: text, goldenPath: PackagePaths.path("Tests/MKTopologyTests/Golden/summaries.txt"))
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  @Test func examplesHaveTheShapesTheyClaim() throws {
    let spr = try Self.load("xeon-spr-2s-snc4").topology
    #expect((spr.packages.count, spr.nodes.count, spr.threads.count) == (2, 8, 224))

    let epyc = try Self.load("epyc-9654-2s-nps4").topology
    #expect(epyc.nodes.count == 8)
    for package in epyc.packages {
      let domains = package.dies.flatMap(\.nodes).flatMap(\.cacheDomains)
      #expect(domains.count == 12)
      #expect(domains.allSatisfy { $0.cores.count == 8 && $0.sizeBytes == 32 << 20 })
      #expect(domains.flatMap(\.cores).count == 96)
    }

    let altra = try Self.load("ampere-altra-max-128").topology
    #expect(altra.architecture == "aarch64")
    #expect(altra.cores.count == 128)
    #expect(altra.cores.allSatisfy { $0.threads.count == 1 })

    let big = try Self.load("eight-socket-32-node").topology
    #expect((big.packages.count, big.nodes.count, big.threads.count) == (8, 32, 1920))

    let edge = try Self.load("intel-hybrid-edge").topology
    #expect(edge.cores.filter { $0.type == .performance }.count == 6)
    #expect(edge.cores.filter { $0.type == .efficiency }.count == 8)
    #expect(edge.threads.count == 20)

    let mk = try Self.load("multikernel-host").topology
    #expect(mk.kernel.multikernel == .runtime)

    for topology in [spr, epyc, big] {
      let classes = Set(topology.devices.map(\.deviceClass))
      #expect(classes.contains(.net) && classes.contains(.nvme))
      #expect(topology.devices.allSatisfy { $0.numaNode != nil })
    }
  }
}
