import MKCore
import MKTopology
import Testing

/// Issue 12: every node's distance row names every node, so a snapshot
/// grows with the square of the node count. `topology synth` refuses more
/// nodes than Linux can have (1,024) before building anything.
@Suite struct SynthNodeLimitTests {
  @Test func moreNodesThanLinuxCanHaveAreRefusedAtOnce() throws {
    for (sockets, perSocket) in [(1, 4096), (2, 513), (8, 1024)] {
      let shape = TopologyShape(
        sockets: sockets, nodesPerSocket: perSocket, coresPerLLC: 1, threadsPerCore: 1)
      let clock = ContinuousClock()
      let started = clock.now
      let problems = TopologySynthesizer.validate(shape)
      #expect(clock.now - started < .seconds(1))
      #expect(
        problems.contains { $0.contains("NUMA nodes exceed Linux's maximum of 1024") },
        "\(problems)")
      #expect(throws: DiagnosticError.self) { try TopologySynthesizer.build(shape) }
    }
  }

  @Test func theLargestPossibleShapeIsBuilt() throws {
    let shape = TopologyShape(
      sockets: 2, nodesPerSocket: 512, coresPerLLC: 1, threadsPerCore: 1)
    let topology = try TopologySynthesizer.build(shape)
    #expect(topology.nodes.count == 1024)
    #expect(topology.nodes.allSatisfy { $0.distances.count == 1024 })
  }
}
