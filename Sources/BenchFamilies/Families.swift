import MKCore
import MKPolicy
import MKTopology

/// Benchmark families: the kinds of policies operators write, at any size, on
/// any host, each with an oversubscribed variant (minimums past the host).
///
/// Every family is a function of (host, workload count, seed), so the same
/// family runs on the 1,920-thread snapshot, a 2-socket host, hybrid ones and
/// the small hosts of the MILP comparison. A fitting variant sizes its
/// minimums to about `fill` of the host's thread slots, counting what its
/// rules cost (an `smt: off` CPU takes a core, an `llc: exclusive` workload a
/// whole LLC domain); when the family's smallest sizes are past that, its
/// `shared` workloads become burstable (`cpus: {min: 0, ...}`: the pool
/// shares by weight). When even that is past the host (every workload of the
/// family owns CPUs and there are more workloads than threads), the family
/// has no fitting variant at that size: `fits` says so.
public enum Families {
  public static let names = [
    "scale", "cloud", "realtime", "devices", "numa-mix", "hybrid", "services",
  ]

  /// The most `kernel` workloads a plan can hold: kerf ids run from 1 to 511.
  static let maxKernelInstances = 511

  /// The share of the host's thread slots a fitting family's minimums take.
  static let fill = 0.65

  /// Threads left to workloads after two housekeeping CPUs per node.
  public static func threads(_ topology: Topology) -> Int {
    max(1, topology.onlineCPUs.count - 2 * topology.nodes.count)
  }

  /// The most online threads any core has (2 on SMT2 hosts).
  static func threadsPerCore(_ topology: Topology) -> Int {
    max(1, topology.cores.map { $0.threads.filter(\.online).count }.max() ?? 1)
  }

  /// Thread slots the policy's CPU minimums take: an `smt: off` CPU costs
  /// its core's threads, an `smt: exclusive` count rounds up to whole cores.
  public static func minimumSlots(_ policy: Policy, on topology: Topology) -> Int {
    let perCore = threadsPerCore(topology)
    return policy.workloads.reduce(0) { total, workload in
      let cpus = workload.cpus.min
      switch workload.smt {
      case .off: return total + cpus * perCore
      case .exclusive: return total + (cpus + perCore - 1) / perCore * perCore
      case .shared: return total + cpus
      }
    }
  }

  /// Whether a fitting variant of the family exists at this size: its
  /// minimums, after making the shared workloads burstable, fit in the
  /// host's threads (necessary, not sufficient: the rules may still refuse,
  /// which the benchmark then reports).
  public static func fits(_ policy: Policy, on topology: Topology) -> Bool {
    minimumSlots(policy, on: topology) <= threads(topology)
  }

  /// The family's policy; `oversubscribed` scales every minimum so that the
  /// CPU minimums sum to about 1.5x what the host has.
  public static func policy(
    _ family: String, on topology: Topology, workloads count: Int, seed: UInt64,
    oversubscribed: Bool = false
  ) -> Policy {
    var list =
      family == "scale"
      ? BenchInstances.scale(on: topology, workloads: count, seed: seed).workloads
      : generated(family, on: topology, workloads: count, seed: seed)
    makeSharedBurstable(&list, on: topology)
    // kerf numbers instances 1-511 (E413): past that, an operator runs the
    // rest as partitions.
    var kernels = 0
    for index in list.indices where list[index].isolation == .kernel {
      kernels += 1
      if kernels > maxKernelInstances { list[index].isolation = .partition }
    }
    if oversubscribed {
      let total = list.reduce(0) { $0 + $1.cpus.min }
      let factor = Double(threads(topology)) * 1.5 / Double(max(1, total))
      for index in list.indices where list[index].cpus.min > 0 {
        let cpus = max(1, Int((Double(list[index].cpus.min) * factor).rounded(.up)))
        list[index].cpus = .init(min: cpus, max: max(cpus, list[index].cpus.max))
      }
    }
    var policy = BenchInstances.policy(list, housekeeping: 2)
    policy.host.housekeeping.perNode = true
    return policy
  }

  /// When the minimums pass `fill` of the host, the last shared workloads
  /// lose their guaranteed CPUs (min 0, max at least 1) until they do not.
  static func makeSharedBurstable(_ list: inout [Workload], on topology: Topology) {
    let budget = Int(Double(threads(topology)) * fill)
    var slots = minimumSlots(BenchInstances.policy(list), on: topology)
    for index in list.indices.reversed() where slots > budget {
      guard list[index].isolation == .shared, list[index].cpus.min > 0 else { continue }
      slots -= list[index].cpus.min
      list[index].cpus = .init(min: 0, max: max(1, list[index].cpus.max))
    }
  }

  /// The workloads of every family but `scale` (BenchInstances.scale).
  static func generated(
    _ family: String, on topology: Topology, workloads count: Int, seed: UInt64
  ) -> [Workload] {
    var random = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(count))
    let free = threads(topology)
    let perCore = threadsPerCore(topology)
    let memory = topology.nodes.reduce(UInt64(0)) { $0 + $1.memoryTotalBytes }
    // Mean CPUs so that the family fills 60-70% of the host at min.
    let meanCPUs = max(1, Int(Double(free) * fill) / max(1, count))
    let gibPerCPU = Double(memory >> 30) * 0.5 / Double(max(1, free))
    /// Memory for `cpus` CPUs at `scale` times the host's share per CPU, in
    /// quarter GiB.
    func memoryFor(_ cpus: Int, _ scale: Double = 1) -> UInt64 {
      UInt64(Double(max(1, cpus)) * gibPerCPU * scale * 4) << 28
    }
    func wholeCores(_ cpus: Int) -> Int { (cpus + perCore - 1) / perCore * perCore }
    let offeredPages = Set(topology.nodes.flatMap { $0.hugePages.map(\.pageSizeBytes) })
    let pageSize = offeredPages.sorted().last
    let realtime = RealtimeSizes(topology, workloads: count)
    var devicesLeft = DeviceStock(topology)
    let services = ServiceRoles(topology, workloads: count, random: &random)
    var list: [Workload] = []
    for index in 0..<count {
      var workload: Workload
      let name = "w\(index)"
      switch family {
      case "cloud":
        // A quarter kernel, a quarter partition, half shared; CPUs min 1-4,
        // max 1-2x min; smt: exclusive on half of the exclusive ones;
        // numa: single; random priorities and weights.
        let isolation: Isolation =
          index % 4 == 0 ? .kernel : index % 4 == 1 ? .partition : .shared
        var cpus = min(random.int(1...4), max(1, meanCPUs * 2))
        let smt: SMTPolicy = isolation != .shared && random.chance(0.5) ? .exclusive : .shared
        if smt == .exclusive { cpus = wholeCores(cpus) }
        let maxCPUs = Int(Double(cpus) * (1 + random.millionths()))
        workload = BenchInstances.workload(
          name, cpus: cpus, smt: smt, memory: memoryFor(cpus), numa: .single,
          latency: random.pick(LatencyClass.allCases), isolation: isolation,
          priority: random.int(0...4) * 10, weight: random.pick([50, 100, 200, 400]),
          maxCPUs: maxCPUs)
      case "realtime":
        // Realtime partitions with smt: off, the first of them (a quarter
        // as many as the LLC domains) with llc: exclusive, the rest shared
        // batch work; sized by what smt: off and whole domains cost.
        let isRealtime = index % 2 == 0
        let exclusive = isRealtime && index / 2 < realtime.exclusiveCount
        let cpus =
          exclusive
          ? realtime.exclusiveCPUs : isRealtime ? realtime.realtimeCPUs : realtime.batchCPUs
        workload = BenchInstances.workload(
          name, cpus: cpus, smt: isRealtime ? .off : .shared,
          memory: memoryFor(cpus, isRealtime ? 1 : 0.5), numa: isRealtime ? .single : .any,
          llc: exclusive ? .exclusive : .shared, latency: isRealtime ? .realtime : .batch,
          isolation: isRealtime ? .partition : .shared, priority: isRealtime ? 100 : 0)
      case "devices":
        // Device-heavy: about every device of the host requested (never
        // more of a type than the host has), near its CPUs.
        var devices: [DeviceRequest] = []
        if devicesLeft.total > 0
          && random.chance(Double(devicesLeft.initialTotal) / Double(count) * 1.5),
          let type = devicesLeft.take(&random)
        {
          devices.append(DeviceRequest(type: type, count: 1, location: BenchInstances.location))
        }
        let cpus = max(1, Int(Double(meanCPUs) * (0.5 + random.millionths())))
        workload = BenchInstances.workload(
          name, cpus: cpus, smt: .shared, memory: memoryFor(cpus),
          numa: !devices.isEmpty && random.chance(0.5) ? .single : .any, devices: devices,
          near: !devices.isEmpty, latency: random.pick(LatencyClass.allCases),
          isolation: random.pick([.partition, .shared]))
      case "numa-mix":
        // numa: single and spread mixes, with huge pages where offered.
        let spread = random.chance(0.3)
        let cpus = max(spread ? 2 : 1, Int(Double(meanCPUs) * (0.5 + random.millionths())))
        workload = BenchInstances.workload(
          name, cpus: cpus, smt: .shared, memory: memoryFor(cpus),
          numa: spread ? .spread : .single, isolation: random.pick([.partition, .shared]))
        if let pageSize, random.chance(0.3) {
          let pages = max(1, Int((UInt64(cpus) << 28) / pageSize))
          workload.hugepages = HugePages(pageSizeBytes: pageSize, count: pages)
        }
      case "hybrid":
        // For hybrid and uneven hosts: mixed smt and LLC rules, so that the
        // rules meet cores of different thread counts.
        let cpus = max(1, Int(Double(meanCPUs) * (0.4 + 1.2 * random.millionths())))
        let smt: SMTPolicy = random.pick([.shared, .shared, .exclusive, .off])
        workload = BenchInstances.workload(
          name, cpus: smt == .exclusive ? wholeCores(cpus) : cpus, smt: smt,
          memory: memoryFor(cpus),
          numa: random.pick([.any, .any, .single, .spread]),
          avoid: index > 0 && random.chance(0.05) ? ["w\(random.int(0...(index - 1)))"] : [],
          isolation: random.pick([.kernel, .partition, .shared]),
          priority: random.int(0...2) * 10)
      case "services":
        workload = services.workload(index, name: name, random: &random)
      default:
        preconditionFailure("unknown family \(family)")
      }
      list.append(workload)
    }
    return list
  }
}

/// The realtime family's sizes on a host: its `llc: exclusive` partitions
/// each take a whole LLC domain (the largest, to be safe), its `smt: off`
/// CPUs a core each, and what is left is shared so that the minimums take
/// `Families.fill` of the host.
struct RealtimeSizes {
  var exclusiveCount: Int
  var exclusiveCPUs: Int
  var realtimeCPUs: Int
  var batchCPUs: Int

  init(_ topology: Topology, workloads count: Int) {
    let perCore = Families.threadsPerCore(topology)
    let domains = topology.cacheDomains
    let largestDomain = domains.map { $0.cpus.intersection(topology.onlineCPUs).count }.max() ?? 1
    let realtimeCount = (count + 1) / 2
    let batchCount = count / 2
    exclusiveCount = min(domains.count / 4, realtimeCount)
    // Half the cores of a domain, at most 8 CPUs.
    exclusiveCPUs = max(1, min(8, largestDomain / perCore / 2))
    let left = Double(Families.threads(topology) - exclusiveCount * largestDomain) * Families.fill
    let others = (realtimeCount - exclusiveCount) * perCore + batchCount
    let unit = Int(left / Double(max(1, others)))
    realtimeCPUs = max(1, min(4, unit))
    let realtimeSlots = (realtimeCount - exclusiveCount) * realtimeCPUs * perCore
    batchCPUs = max(1, (Int(left) - realtimeSlots) / max(1, batchCount))
  }
}

/// The devices of a host by the request type that matches them, taken one
/// at a time, so that the family never asks for more of a type than exist.
struct DeviceStock {
  var left: [DeviceType: Int] = [:]
  let initialTotal: Int
  var total: Int { left.values.reduce(0, +) }

  init(_ topology: Topology) {
    for device in topology.devices {
      if let type = DeviceType(rawValue: device.deviceClass.rawValue) {
        left[type, default: 0] += 1
      }
    }
    initialTotal = left.values.reduce(0, +)
  }

  /// A type with devices left, chosen at random; nil when none is left.
  mutating func take(_ random: inout SplitMix64) -> DeviceType? {
    let types = DeviceType.allCases.filter { (left[$0] ?? 0) > 0 }
    guard !types.isEmpty else { return nil }
    let type = random.pick(types)
    left[type, default: 0] -= 1
    return type
  }
}

/// The services family: what an operator of a microservice host writes.
/// Mostly `shared` services (a third guaranteed one CPU and elastic to 2-4,
/// the rest burstable: `cpus: {min: 0, max: 1-4}`), some `partition`
/// services (databases, caches: 2-8 CPUs, half `numa: single`, a fifth
/// keeping away from the previous partition's LLC as a replica would) and a
/// few `kernel` instances (whole cores, `numa: single`). The exclusive ones
/// take about 35% of the host's threads and the guaranteed shared ones 30%,
/// whatever the count, so 4,000 services fit on 1,920 threads and on 384.
struct ServiceRoles {
  enum Role { case kernel, partition, shared }
  var roles: [Role]
  /// Per workload: its rank among the shared ones, and the partition
  /// written before it (the one a replica keeps away from).
  var sharedRank: [Int] = []
  var previousPartition: [Int?] = []
  var exclusiveCPUs: Int
  var guaranteedShared: Int
  var memoryScale: Double
  var perCore: Int

  init(_ topology: Topology, workloads count: Int, random: inout SplitMix64) {
    let free = Families.threads(topology)
    perCore = Families.threadsPerCore(topology)
    let exclusiveBudget = Double(free) * 0.35
    // 15% of the services are exclusive, but no more than the budget holds
    // at three threads each.
    let exclusive = min(max(1, count * 15 / 100), max(1, Int(exclusiveBudget / 3)), count)
    let kernels = exclusive / 5
    roles =
      Array(repeating: .kernel, count: kernels)
      + Array(repeating: .partition, count: exclusive - kernels)
      + Array(repeating: .shared, count: count - exclusive)
    // Shuffled (Fisher-Yates), so that the roles mix as services do.
    for index in roles.indices.reversed() where index > 0 {
      roles.swapAt(index, random.int(0...index))
    }
    var shared = 0
    var partition: Int?
    for (index, role) in roles.enumerated() {
      sharedRank.append(shared)
      previousPartition.append(partition)
      if role == .shared { shared += 1 }
      if role == .partition { partition = index }
    }
    exclusiveCPUs = max(1, min(12, Int(exclusiveBudget / Double(exclusive))))
    guaranteedShared = min((count - exclusive) / 3, Int(Double(free) * 0.3))
    let memory = topology.nodes.reduce(UInt64(0)) { $0 + $1.memoryTotalBytes }
    // About 1 GiB per shared service and 2 GiB per exclusive CPU at most,
    // within 40% of the host's memory.
    let wanted = Double(count - exclusive) + Double(exclusive * exclusiveCPUs * 2)
    memoryScale = min(1, Double(memory >> 30) * 0.4 / max(1, wanted))
  }

  func workload(_ index: Int, name: String, random: inout SplitMix64) -> Workload {
    func gib(_ amount: Double) -> UInt64 { max(1, UInt64(amount * memoryScale * 4)) << 28 }
    switch roles[index] {
    case .kernel:
      let cpus = max(
        perCore,
        (Int(Double(exclusiveCPUs) * (1 + random.millionths())) + perCore - 1) / perCore
          * perCore)
      return BenchInstances.workload(
        name, cpus: cpus, smt: .exclusive, memory: gib(Double(cpus) * 2), numa: .single,
        latency: .low, isolation: .kernel, priority: 30, weight: random.pick([100, 200]))
    case .partition:
      let cpus = max(1, Int(Double(exclusiveCPUs) * (0.5 + random.millionths())))
      let smt: SMTPolicy = cpus % perCore == 0 && random.chance(0.5) ? .exclusive : .shared
      var avoid: [String] = []
      if let previous = previousPartition[index], random.chance(0.2) { avoid = ["w\(previous)"] }
      return BenchInstances.workload(
        name, cpus: cpus, smt: smt, memory: gib(Double(cpus) * 2),
        numa: random.chance(0.5) ? .single : .any, avoid: avoid,
        latency: random.pick([.normal, .low]), isolation: .partition, priority: 20,
        weight: random.pick([50, 100, 200]), maxCPUs: cpus * random.int(1...2))
    case .shared:
      let guaranteed = sharedRank[index] < guaranteedShared
      return BenchInstances.workload(
        name, cpus: guaranteed ? 1 : 0, smt: .shared, memory: gib(Double(random.int(1...4)) / 2),
        latency: random.pick([.normal, .batch]), isolation: .shared,
        priority: random.int(0...1) * 10, weight: random.pick([50, 100, 200]),
        maxCPUs: random.int(guaranteed ? 2...4 : 1...4))
    }
  }
}

extension Families {
  /// The policy as YAML for `mkpolicy plan` (the fields the families use).
  public static func yaml(_ policy: Policy) -> String {
    func bytes(_ amount: UInt64) -> String {
      amount % (1 << 30) == 0 ? "\(amount >> 30)GiB" : "\(amount >> 20)MiB"
    }
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
    for workload in policy.workloads {
      out += "  - name: \(workload.name)\n"
      out += "    isolation: \(workload.isolation.rawValue)\n"
      out += "    latency: \(workload.latency.rawValue)\n"
      out +=
        workload.cpus.min == workload.cpus.max
        ? "    cpus: \(workload.cpus.min)\n"
        : "    cpus: {min: \(workload.cpus.min), max: \(workload.cpus.max)}\n"
      out += "    smt: \(workload.smt.rawValue)\n"
      if workload.memory.min > 0 { out += "    memory: \(bytes(workload.memory.min))\n" }
      if let pages = workload.hugepages {
        out += "    hugepages: {size: \(bytes(pages.pageSizeBytes)), count: \(pages.count)}\n"
      }
      if !workload.devices.isEmpty {
        out += "    devices:\n"
        for device in workload.devices {
          out += "      - {type: \(device.type.rawValue), count: \(device.count)}\n"
        }
      }
      var placement: [String] = []
      if workload.placement.numa != .any {
        placement.append("numa: \(workload.placement.numa.rawValue)")
      }
      if workload.placement.nearDevices { placement.append("nearDevices: true") }
      if workload.placement.llc != .shared {
        placement.append("llc: \(workload.placement.llc.rawValue)")
      }
      if !workload.placement.avoid.isEmpty {
        placement.append("avoid: [\(workload.placement.avoid.joined(separator: ", "))]")
      }
      if !placement.isEmpty { out += "    placement: {\(placement.joined(separator: ", "))}\n" }
      out += "    priority: \(workload.priority)\n"
      out += "    weight: \(workload.weight)\n"
    }
    return out
  }
}
