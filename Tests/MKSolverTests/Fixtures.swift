import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// Hand-built policies and synthesized hosts for the solver's tests.
enum Fixtures {
  static let file = "policy.yaml"

  static func loc(_ line: Int, _ column: Int = 5) -> SourceLocation {
    SourceLocation(file: file, line: line, column: column)
  }

  /// A workload whose entry starts at `line`, with each field on the lines below it.
  static func workload(
    _ name: String, line: Int, isolation: Isolation = .partition, latency: LatencyClass = .normal,
    cpus: Elastic<Int>, smt: SMTPolicy = .shared, memory: Elastic<UInt64> = .init(exactly: 0),
    hugepages: HugePages? = nil, devices: [DeviceRequest] = [], placement: Placement = Placement(),
    priority: Int = 0, weight: Int = 100
  ) -> Workload {
    var fields: [String: SourceLocation] = [:]
    for (offset, key) in [
      "isolation", "latency", "cpus", "smt", "memory", "hugepages", "devices", "placement.numa",
      "placement.nearDevices", "placement.llc", "placement.avoid", "priority", "weight",
    ].enumerated() {
      fields[key] = loc(line + 1 + offset, 7)
    }
    return Workload(
      name: name, isolation: isolation, latency: latency, cpus: cpus, smt: smt, memory: memory,
      hugepages: hugepages, devices: devices, placement: placement, priority: priority,
      weight: weight, location: loc(line, 5), fieldLocations: fields)
  }

  static func policy(
    housekeeping: Int = 2, perNode: Bool = false, hostMemory: UInt64 = 0, _ workloads: [Workload]
  ) -> Policy {
    Policy(
      metadata: Metadata(name: "test"),
      host: HostSpec(
        housekeeping: Housekeeping(
          cpus: .count(housekeeping), perNode: perNode, memoryBytes: hostMemory,
          location: loc(3, 3))),
      workloads: workloads, sourceFiles: [file])
  }

  static func host(
    sockets: Int = 1, nodesPerSocket: Int = 1, llcsPerNode: Int = 1, coresPerLLC: Int = 4,
    threadsPerCore: Int = 2, memoryGiB: UInt64 = 16, devices: [TopologyShape.DeviceShape] = [],
    hugePages: [HugePagePool] = []
  ) -> Topology {
    let shape = TopologyShape(
      sockets: sockets, nodesPerSocket: nodesPerSocket, llcsPerNode: llcsPerNode,
      coresPerLLC: coresPerLLC, threadsPerCore: threadsPerCore, memoryPerNodeBytes: memoryGiB << 30,
      hugePages: hugePages, devices: devices)
    // Shapes here are valid by construction.
    return try! TopologySynthesizer.build(shape)
  }

  static let nic = TopologyShape.DeviceShape(
    .net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", perNode: 1)
  static let nvme = TopologyShape.DeviceShape(
    .nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", perNode: 1)
}
