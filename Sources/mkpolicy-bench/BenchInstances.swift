import MKCore
import MKPolicy
import MKTopology

/// Seeded instance families for the solver benchmarks.
enum BenchInstances {
  struct RNG {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
      range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
  }

  static let location = SourceLocation(file: "bench.yaml", line: 1, column: 1)

  static func workload(
    _ name: String, cpus: Int, smt: SMTPolicy, memory: UInt64, numa: NUMAPlacement = .any,
    llc: LLCPlacement = .shared, avoid: [String] = [], devices: [DeviceRequest] = [],
    near: Bool = false, latency: LatencyClass = .normal, isolation: Isolation = .partition,
    priority: Int = 0, weight: Int = 100, maxCPUs: Int? = nil
  ) -> Workload {
    Workload(
      name: name, isolation: isolation, latency: latency,
      cpus: .init(min: cpus, max: maxCPUs ?? cpus), smt: smt,
      memory: .init(exactly: memory), devices: devices,
      placement: Placement(numa: numa, nearDevices: near, llc: llc, avoid: avoid),
      priority: priority, weight: weight, location: location)
  }

  static func policy(_ workloads: [Workload], housekeeping: Int = 2) -> Policy {
    Policy(
      metadata: Metadata(name: "bench"),
      host: HostSpec(housekeeping: Housekeeping(cpus: .count(housekeeping), memoryBytes: 1 << 30)),
      coordinator: CoordinatorSpec(kernel: KernelSpec(image: "/boot/vmlinuz-mk")),
      workloads: workloads)
  }

  /// Small hard instances for the exact reference: 1-2 sockets, 1-2 nodes per
  /// socket, 2 LLCs per node, 4 cores, SMT2; straddling, memory-heavy,
  /// constraint-heavy, device-heavy and odd-thread mixes at 50-100% load.
  static func quality(seed: UInt64) -> (mix: String, policy: Policy, topology: Topology) {
    var r = RNG(state: seed &* 0x2545_F491_4F6C_DD1D &+ 99)
    let mixes = ["straddling", "memory-heavy", "constraint-heavy", "device-heavy", "odd-threads"]
    let mix = mixes[Int(seed % UInt64(mixes.count))]
    let (sockets, nps) = r.pick([(1, 2), (2, 1), (2, 2), (1, 2)])
    let memGiB: UInt64 = 16
    let nic = TopologyShape.DeviceShape(
      .net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", perNode: 1)
    let nvme = TopologyShape.DeviceShape(
      .nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", perNode: 1,
      nodes: [sockets * nps - 1])
    let topology = try! TopologySynthesizer.build(
      TopologyShape(
        sockets: sockets, nodesPerSocket: nps, llcsPerNode: 2, coresPerLLC: 4, threadsPerCore: 2,
        memoryPerNodeBytes: memGiB << 30,
        distances: .init(local: 10, sameSocket: 12, remoteSocket: 21),
        devices: mix == "device-heavy" || mix == "constraint-heavy" ? [nic, nvme] : []))
    let nodes = sockets * nps
    let threads = nodes * 16 - 2
    let load = 0.5 + 0.5 * r.unit()
    let count = r.int(3...6)
    var budget = Int(Double(threads) * load)
    var memBudget = Double(nodes) * 15 * (mix == "memory-heavy" ? 0.95 : 0.6)
    var workloads: [Workload] = []
    for i in 0..<count {
      let remaining = count - i
      var n = max(
        1, min(budget - (remaining - 1), Int(Double(budget) / Double(remaining) * (0.5 + r.unit())))
      )
      if i == count - 1 { n = max(1, budget) }
      if mix == "straddling" { n = max(1, min(n, Int(8 * (0.3 + 1.7 * r.unit())))) }
      var smt: SMTPolicy = r.pick([.shared, .shared, .exclusive])
      if mix == "odd-threads" {
        smt = .shared
        if n % 2 == 0 && n > 1 { n -= 1 }
      }
      if smt == .exclusive && n % 2 == 1 { n += 1 }
      if smt == .exclusive && n > budget {
        smt = .shared
        n = max(1, budget)
      }
      budget = max(0, budget - n)
      let perCPU = (0.25 + 2.25 * r.unit()) * (mix == "memory-heavy" ? 1.6 : 1.0)
      var gib = min(memBudget, Double(n) * perCPU)
      if mix == "small" { gib = min(gib, 1) }
      memBudget -= gib
      let memory = UInt64(max(0, gib) * 4) * (1 << 28)  // quarter-GiB steps
      var numa: NUMAPlacement = .any
      var llc: LLCPlacement = .shared
      var avoid: [String] = []
      var devices: [DeviceRequest] = []
      var near = false
      if mix == "constraint-heavy" {
        if r.chance(0.4) && n <= 14 { numa = .single }
        if r.chance(0.2) && n <= 8 { llc = .exclusive }
        if i > 0 && r.chance(0.4) { avoid = ["w\(r.int(0...(i - 1)))"] }
      }
      if mix == "device-heavy" || (mix == "constraint-heavy" && r.chance(0.3)) {
        if r.chance(0.7) {
          devices.append(
            DeviceRequest(type: r.pick([.net, .net, .nvme]), count: 1, location: location))
          near = r.chance(0.5) && n <= 14
          if near && r.chance(0.5) { numa = .single }
        }
      }
      workloads.append(
        workload(
          "w\(i)", cpus: n, smt: smt, memory: memory, numa: numa, llc: llc, avoid: avoid,
          devices: devices, near: near, latency: r.pick(LatencyClass.allCases)))
    }
    return (mix, policy(workloads), topology)
  }

  /// The scale ladder: the 8-socket, 32-node, 1,920-thread box with 500
  /// workloads and 100 devices, and smaller steps towards it.
  static func scale(
    sockets: Int, nodesPerSocket: Int, llcsPerNode: Int, coresPerLLC: Int,
    workloads: Int, devicesPerNode: Int, seed: UInt64
  ) -> (Policy, Topology) {
    var r = RNG(state: seed)
    let nodes = sockets * nodesPerSocket
    let nic = TopologyShape.DeviceShape(
      .net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core",
      perNode: max(1, devicesPerNode / 2))
    let nvme = TopologyShape.DeviceShape(
      .nvme, vendorId: "144d", deviceId: "a808", driver: "nvme",
      perNode: max(1, devicesPerNode - devicesPerNode / 2))
    let topology = try! TopologySynthesizer.build(
      TopologyShape(
        sockets: sockets, nodesPerSocket: nodesPerSocket, llcsPerNode: llcsPerNode,
        coresPerLLC: coresPerLLC, threadsPerCore: 2, memoryPerNodeBytes: 64 << 30,
        distances: .init(local: 10, sameSocket: 12, remoteSocket: 32),
        devices: devicesPerNode > 0 ? [nic, nvme] : []))
    let threads = topology.threads.count - 2 * nodes
    let deviceCount = topology.devices.count
    let mean = max(1, Int(Double(threads) * 0.7) / workloads)
    var list: [Workload] = []
    var netLeft = topology.devices.filter { $0.deviceClass == .net }.count
    var nvmeLeft = topology.devices.filter { $0.deviceClass == .nvme }.count
    for i in 0..<workloads {
      let n = max(1, Int(Double(mean) * (0.4 + 1.2 * r.unit())))
      let smt: SMTPolicy = r.pick([.shared, .shared, .exclusive])
      let cpus = smt == .exclusive ? max(2, n + n % 2) : n
      var devices: [DeviceRequest] = []
      var near = false
      if netLeft + nvmeLeft > 0 && r.chance(Double(deviceCount) / Double(workloads)) {
        let type: DeviceType = netLeft > 0 && (nvmeLeft == 0 || r.chance(0.5)) ? .net : .nvme
        if type == .net { netLeft -= 1 } else { nvmeLeft -= 1 }
        devices.append(DeviceRequest(type: type, count: 1, location: location))
        near = r.chance(0.5)
      }
      list.append(
        workload(
          "w\(i)", cpus: cpus, smt: smt,
          memory: UInt64(Double(cpus) * (0.5 + 2 * r.unit()) * 4) * (1 << 28),
          numa: r.chance(0.3) ? .single : .any, devices: devices, near: near,
          latency: r.pick(LatencyClass.allCases),
          isolation: r.pick([.kernel, .partition, .shared]), priority: r.int(0...2) * 10,
          weight: r.pick([50, 100, 200]), maxCPUs: r.chance(0.3) ? cpus * 2 : cpus))
    }
    var policy = policy(list, housekeeping: 2)
    policy.host.housekeeping.perNode = true
    return (policy, topology)
  }
}
