import MKCore
import MKPolicy
import MKTopology

/// Benchmark families: the kinds of policies operators write, at any size, on
/// any host, each with an oversubscribed variant (minimums past the host).
///
/// Every family is a function of (host, workload count, seed), so the same
/// family runs on the 1,920-thread snapshot, a 2-socket host and hybrid ones.
enum Families {
  static let names = ["scale", "cloud", "realtime", "devices", "numa-mix", "hybrid"]

  /// Threads left to workloads after two housekeeping CPUs per node.
  static func threads(_ topology: Topology) -> Int {
    max(1, topology.onlineCPUs.count - 2 * topology.nodes.count)
  }

  /// The family's policy; `oversubscribed` scales every minimum so that the
  /// CPU minimums sum to about 1.5x what the host has.
  static func policy(
    _ family: String, on topology: Topology, workloads count: Int, seed: UInt64,
    oversubscribed: Bool = false
  ) -> Policy {
    var r = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(count))
    let free = threads(topology)
    let memory = topology.nodes.reduce(UInt64(0)) { $0 + $1.memoryTotalBytes }
    // Mean CPUs so that the family fills 60-70% of the host at min.
    let mean = max(1, Int(Double(free) * 0.65) / max(1, count))
    let gibPerCPU = Double(memory >> 30) * 0.5 / Double(max(1, free))
    var list: [Workload] = []
    let offeredPages = Set(topology.nodes.flatMap { $0.hugePages.map(\.pageSizeBytes) })
    let pageSize = offeredPages.sorted().last
    var deviceLeft = topology.devices.count
    for i in 0..<count {
      var w: Workload
      switch family {
      case "cloud":
        // A quarter kernel, a quarter partition, half shared; CPUs min 1-4,
        // max 1-2x min; smt: exclusive on half of the exclusive ones;
        // numa: single; random priorities and weights.
        let isolation: Isolation = i % 4 == 0 ? .kernel : i % 4 == 1 ? .partition : .shared
        var n = min(r.int(1...4), max(1, mean * 2))
        let smt: SMTPolicy = isolation != .shared && r.chance(0.5) ? .exclusive : .shared
        if smt == .exclusive { n += n % 2 }
        let max = Int(Double(n) * (1 + r.millionths()))
        w = BenchInstances.workload(
          "w\(i)", cpus: n, smt: smt, memory: UInt64(Double(n) * gibPerCPU * 4) << 28,
          numa: .single, latency: r.pick(LatencyClass.allCases), isolation: isolation,
          priority: r.int(0...4) * 10, weight: r.pick([50, 100, 200, 400]), maxCPUs: max)
      case "realtime":
        // Realtime partitions with smt: off, some with llc: exclusive (as
        // many as a quarter of the LLCs), the rest shared batch work.
        let rt = i % 2 == 0
        let llcs = topology.cacheDomains.count
        let exclusive = rt && (i / 2) < llcs / 4
        let n = max(1, rt ? min(mean, 4) : mean)
        w = BenchInstances.workload(
          "w\(i)", cpus: n, smt: rt ? .off : .shared,
          memory: UInt64(Double(n) * gibPerCPU * 2) << 29, numa: rt ? .single : .any,
          llc: exclusive ? .exclusive : .shared, latency: rt ? .realtime : .batch,
          isolation: rt ? .partition : .shared, priority: rt ? 100 : 0)
      case "devices":
        // Device-heavy: about every device requested, near its CPUs.
        var devices: [DeviceRequest] = []
        if deviceLeft > 0 && r.chance(Double(topology.devices.count) / Double(count) * 1.5) {
          deviceLeft -= 1
          let type: DeviceType = r.chance(0.5) ? .net : .nvme
          devices.append(DeviceRequest(type: type, count: 1, location: BenchInstances.location))
        }
        let n = max(1, Int(Double(mean) * (0.5 + r.millionths())))
        w = BenchInstances.workload(
          "w\(i)", cpus: n, smt: .shared, memory: UInt64(Double(n) * gibPerCPU * 4) << 28,
          numa: !devices.isEmpty && r.chance(0.5) ? .single : .any, devices: devices,
          near: !devices.isEmpty, latency: r.pick(LatencyClass.allCases),
          isolation: r.pick([.partition, .shared]))
      case "numa-mix":
        // numa: single and spread mixes, with huge pages where offered.
        let spread = r.chance(0.3)
        let n = max(spread ? 2 : 1, Int(Double(mean) * (0.5 + r.millionths())))
        w = BenchInstances.workload(
          "w\(i)", cpus: n, smt: .shared, memory: UInt64(Double(n) * gibPerCPU * 4) << 28,
          numa: spread ? .spread : .single, isolation: r.pick([.partition, .shared]))
        if let pageSize, r.chance(0.3) {
          let pages = max(1, Int((UInt64(n) << 28) / pageSize))
          w.hugepages = HugePages(pageSizeBytes: pageSize, count: pages)
        }
      case "hybrid":
        // For hybrid and uneven hosts: mixed smt and LLC rules, so that the
        // rules meet cores of different thread counts.
        let n = max(1, Int(Double(mean) * (0.4 + 1.2 * r.millionths())))
        let smt: SMTPolicy = r.pick([.shared, .shared, .exclusive, .off])
        w = BenchInstances.workload(
          "w\(i)", cpus: smt == .exclusive ? n + n % 2 : n, smt: smt,
          memory: UInt64(Double(n) * gibPerCPU * 4) << 28,
          numa: r.pick([.any, .any, .single, .spread]),
          avoid: i > 0 && r.chance(0.05) ? ["w\(r.int(0...(i - 1)))"] : [],
          isolation: r.pick([.kernel, .partition, .shared]), priority: r.int(0...2) * 10)
      default:
        return BenchInstances.scale(on: topology, workloads: count, seed: seed)
      }
      list.append(w)
    }
    if oversubscribed {
      let total = list.reduce(0) { $0 + $1.cpus.min }
      let factor = Double(free) * 1.5 / Double(max(1, total))
      for i in list.indices {
        let n = max(1, Int((Double(list[i].cpus.min) * factor).rounded(.up)))
        list[i].cpus = .init(min: n, max: max(n, list[i].cpus.max))
      }
    }
    var policy = BenchInstances.policy(list, housekeeping: 2)
    policy.host.housekeeping.perNode = true
    return policy
  }

  /// The policy as YAML for `mkpolicy plan` (the fields the families use).
  static func yaml(_ policy: Policy) -> String {
    func bytes(_ b: UInt64) -> String { b % (1 << 30) == 0 ? "\(b >> 30)GiB" : "\(b >> 20)MiB" }
    var out = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata:
        name: \(policy.metadata.name)
      host:
        housekeeping:
          cpus: 2
          perNode: true
          memory: 1GiB
      coordinator:
        kernel: {image: /boot/vmlinuz-mk}
      workloads:

      """
    for w in policy.workloads {
      out += "  - name: \(w.name)\n"
      out += "    isolation: \(w.isolation.rawValue)\n"
      out += "    latency: \(w.latency.rawValue)\n"
      out +=
        w.cpus.min == w.cpus.max
        ? "    cpus: \(w.cpus.min)\n" : "    cpus: {min: \(w.cpus.min), max: \(w.cpus.max)}\n"
      out += "    smt: \(w.smt.rawValue)\n"
      if w.memory.min > 0 { out += "    memory: \(bytes(w.memory.min))\n" }
      if let h = w.hugepages {
        out += "    hugepages: {size: \(bytes(h.pageSizeBytes)), count: \(h.count)}\n"
      }
      if !w.devices.isEmpty {
        out += "    devices:\n"
        for d in w.devices { out += "      - {type: \(d.type.rawValue), count: \(d.count)}\n" }
      }
      var placement: [String] = []
      if w.placement.numa != .any { placement.append("numa: \(w.placement.numa.rawValue)") }
      if w.placement.nearDevices { placement.append("nearDevices: true") }
      if w.placement.llc != .shared { placement.append("llc: \(w.placement.llc.rawValue)") }
      if !w.placement.avoid.isEmpty {
        placement.append("avoid: [\(w.placement.avoid.joined(separator: ", "))]")
      }
      if !placement.isEmpty { out += "    placement: {\(placement.joined(separator: ", "))}\n" }
      out += "    priority: \(w.priority)\n"
      out += "    weight: \(w.weight)\n"
    }
    return out
  }
}
