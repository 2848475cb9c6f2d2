import MKCore
import MKTestSupport
import Testing

@testable import MKTopology

@Suite struct TopologySynthesizerTests {
  static let small = TopologyShape(
    sockets: 2, nodesPerSocket: 2, llcsPerNode: 2, coresPerLLC: 2, threadsPerCore: 2,
    llcSizeBytes: 16 << 20, memoryPerNodeBytes: 8 << 30, memoryFreePerNodeBytes: 6 << 30,
    hugePages: [HugePagePool(pageSizeBytes: 1 << 30, total: 2, free: 1)],
    distances: .init(local: 10, sameSocket: 11, remoteSocket: 21),
    devices: [
      .init(.net, vendorId: "15b3", deviceId: "101d", driver: "mlx5_core", nodes: [0], irqs: 3),
      .init(
        .nvme, vendorId: "144d", deviceId: "a824", driver: "nvme", nodes: [1, 3], irqs: 5,
        managedIRQs: true),
    ],
    kernel: KernelInfo(release: "6.12.0", commandLine: "ro quiet", bootId: "b0"),
    source: "synthetic: 2 sockets, 2 nodes each")

  @Test func smallShapeMatchesGolden() throws {
    let topology = try TopologySynthesizer.build(Self.small)
    let text = TopologySnapshot.yaml(topology)
    let mismatch = Golden.mismatch(
      actual: text, goldenPath: PackagePaths.path("Tests/MKTopologyTests/Golden/synth-small.yaml"))
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  @Test func threadsLastNumberingPutsSiblingsOneCoreCountApart() throws {
    let topology = try TopologySynthesizer.build(Self.small)
    #expect(topology.cores.count == 16)
    #expect(topology.threads.count == 32)
    #expect(topology.cores[0].cpus == [0, 16])
    #expect(topology.cores[15].cpus == [15, 31])
    #expect(
      topology.nodes.map(\.cpus.cpulist) == ["0-3,16-19", "4-7,20-23", "8-11,24-27", "12-15,28-31"])
    #expect(topology.cacheDomains.map(\.cpus.cpulist)[0..<2] == ["0-1,16-17", "2-3,18-19"])
    // APIC ids: 1 bit thread, 1 bit core, 1 bit LLC, 1 bit node, then package.
    #expect(topology.cores[0].threads.map(\.physicalId) == [0, 1])
    #expect(topology.cores[1].threads.map(\.physicalId) == [2, 3])
    #expect(topology.cores[2].threads.map(\.physicalId) == [4, 5])
    #expect(topology.cores[8].threads.map(\.physicalId) == [16, 17])
    #expect(topology.nodes[2].distances == [21, 21, 10, 11])
  }

  @Test func epycShapeHasTwelveCCDsPerSocketAndSparseAPICIds() throws {
    let shape = TopologyShape(
      sockets: 2, nodesPerSocket: 4, llcsPerNode: 3, coresPerLLC: 8, threadsPerCore: 2)
    let topology = try TopologySynthesizer.build(shape)
    #expect(topology.packages.count == 2)
    #expect(topology.nodes.count == 8)
    #expect(topology.cacheDomains.count == 24)
    #expect(topology.cores.count == 192)
    #expect(topology.threads.count == 384)
    #expect(topology.cacheDomains[1].cpus.cpulist == "8-15,200-207")
    // Three CCDs per node need 2 bits: the fourth CCD value is a gap.
    let ids = topology.nodes[0].cacheDomains.map { $0.cores[0].threads[0].physicalId }
    #expect(ids == [0, 16, 32])
    #expect(topology.nodes[1].cacheDomains[0].cores[0].threads[0].physicalId == 64)
  }

  @Test func hybridShapeTypesCoresAndNumbersSiblingsAdjacent() throws {
    let shape = TopologyShape(
      coresPerLLC: 2, threadsPerCore: 2, efficiencyCoresPerLLC: 4, numbering: .siblingsAdjacent)
    let topology = try TopologySynthesizer.build(shape)
    #expect(
      topology.cores.map(\.type) == [.performance, .performance]
        + Array(repeating: .efficiency, count: 4))
    #expect(topology.cores.map(\.cpus.cpulist) == ["0-1", "2-3", "4", "5", "6", "7"])
    #expect(topology.cores.map { $0.threads[0].physicalId } == [0, 2, 4, 6, 8, 10])
  }

  @Test func offlineCPUsAreMarkedAndKeptOutOfIRQAffinity() throws {
    var shape = Self.small
    shape.offlineCPUs = [0, 31]
    let topology = try TopologySynthesizer.build(shape)
    #expect(topology.onlineCPUs.cpulist == "1-30")
    #expect(topology.threads.first { $0.cpu == 0 }?.online == false)
    #expect(topology.devices[0].irqs[0].affinity?.cpulist == "1-30")
  }

  @Test func devicesSitOnTheirNodesWithManagedVectorsSpread() throws {
    let topology = try TopologySynthesizer.build(Self.small)
    #expect(topology.devices.map(\.pciAddress) == ["0000:20:00.0", "0000:28:00.0", "0000:38:00.0"])
    #expect(topology.devices.map(\.numaNode) == [0, 1, 3])
    #expect(topology.devices[0].children.map(\.name) == ["enp32s0"])
    #expect(topology.devices[2].children.map(\.name) == ["nvme1", "nvme1n1"])
    #expect(topology.devices[2].children[1].majorMinor == "259:1")
    let nvme = topology.devices[1].irqs
    #expect(nvme.map(\.irq) == [103, 104, 105, 106, 107])
    #expect(nvme.map(\.movable) == [true, false, false, false, false])
    #expect(nvme.map(\.affinity?.cpulist) == ["0-31", "0-7", "8-15", "16-23", "24-31"])
  }

  @Test func sameShapeGivesByteIdenticalSnapshots() throws {
    let a = TopologySnapshot.yaml(try TopologySynthesizer.build(Self.small))
    let b = TopologySnapshot.yaml(try TopologySynthesizer.build(Self.small))
    #expect(a == b)
    let c = TopologySnapshot.json(try TopologySynthesizer.build(Self.small))
    #expect(c == TopologySnapshot.json(try TopologySynthesizer.build(Self.small)))
  }

  @Test func invalidShapesAreRejectedWithEveryProblem() {
    var shape = TopologyShape(sockets: 1, nodesPerSocket: 3, llcsPerNode: 1)
    shape.diesPerSocket = 2
    shape.devices = [.init(.net, vendorId: "15B3", deviceId: "1017", nodes: [5])]
    shape.offlineCPUs = [100]
    #expect {
      try TopologySynthesizer.build(shape)
    } throws: { error in
      guard let error = error as? DiagnosticError else { return false }
      return error.diagnostics.map { "\($0.code) \($0.message)" } == [
        "E330 invalid topology shape: 3 NUMA nodes per socket cannot be split evenly over 2 dies",
        "E330 invalid topology shape: offline CPU 100 does not exist (24 threads)",
        "E330 invalid topology shape: device ids '15B3:1017' must be 4 lower-case hex digits",
        "E330 invalid topology shape: device node 5 does not exist (3 nodes)",
      ]
    }
    #expect(
      TopologySynthesizer.validate(TopologyShape(sockets: 0)) == [
        "sockets is 0, must be at least 1"
      ])
    #expect(
      TopologySynthesizer.validate(TopologyShape(sockets: 8, nodesPerSocket: 64, coresPerLLC: 64))
        == ["65536 hardware threads exceed the maximum of 8192"])
    #expect(
      TopologySynthesizer.validate(TopologyShape(sockets: Int.max, coresPerLLC: Int.max)) == [
        "\(Int.max) hardware threads exceed the maximum of 8192"
      ])
  }
}
