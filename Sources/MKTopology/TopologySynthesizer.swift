import MKCore

/// Builds a `Topology` from a `TopologyShape`, deterministically: the same
/// shape always gives the same topology, down to CPU numbers, APIC ids, PCI
/// addresses, interface names and IRQ numbers.
///
/// The numbering follows what Linux does on real machines of that shape, so
/// that solver tests exercise the awkward parts (siblings far apart in CPU
/// number, physical ids with gaps, devices on remote nodes, offline CPUs).
public enum TopologySynthesizer {
  /// The code of every shape error.
  public static let invalidShapeCode = "E330"
  /// Linux's NR_CPUS ceiling: larger shapes are certainly mistakes.
  public static let maximumThreads = 8192
  /// Linux's MAX_NUMNODES with the largest CONFIG_NODES_SHIFT (10).
  public static let maximumNodes = 1024
  /// Device slots on one node's root bus.
  public static let maximumDevicesPerNode = 32
  /// First IRQ number handed to synthetic device vectors (legacy ones sit below).
  public static let firstDeviceIRQ = 100

  public static func build(_ shape: TopologyShape) throws(DiagnosticError) -> Topology {
    let problems = validate(shape)
    guard problems.isEmpty else {
      throw DiagnosticError(
        problems.map {
          Diagnostic.error(
            invalidShapeCode, "invalid topology shape: \($0)",
            help: ["fix the shape; every count must be at least 1 (efficiency cores: 0)"])
        })
    }
    return synthesize(shape)
  }

  /// Every problem with a shape, as short phrases; empty when it can be built.
  public static func validate(_ shape: TopologyShape) -> [String] {
    var problems: [String] = []
    func atLeast(_ value: Int, _ minimum: Int, _ name: String) {
      if value < minimum { problems.append("\(name) is \(value), must be at least \(minimum)") }
    }
    atLeast(shape.sockets, 1, "sockets")
    atLeast(shape.diesPerSocket, 1, "dies per socket")
    atLeast(shape.nodesPerSocket, 1, "NUMA nodes per socket")
    atLeast(shape.llcsPerNode, 1, "LLC domains per node")
    atLeast(shape.coresPerLLC, 0, "cores per LLC")
    atLeast(shape.efficiencyCoresPerLLC, 0, "efficiency cores per LLC")
    atLeast(shape.threadsPerCore, 1, "threads per core")
    atLeast(shape.llcLevel, 1, "LLC level")
    guard problems.isEmpty else { return problems }
    if shape.coresPerLLC == 0 && shape.efficiencyCoresPerLLC == 0 {
      problems.append("an LLC domain has no cores")
    }
    if shape.threadsPerCore > 8 {
      problems.append("threads per core is \(shape.threadsPerCore), at most 8 are supported")
    }
    if shape.nodesPerSocket % shape.diesPerSocket != 0 {
      problems.append(
        "\(shape.nodesPerSocket) NUMA nodes per socket cannot be split evenly over "
          + "\(shape.diesPerSocket) dies")
    }
    // Guard every product against overflow before comparing it.
    let (perfThreads, overflow1) = shape.coresPerLLC.multipliedReportingOverflow(
      by: shape.threadsPerCore)
    let (perLLC, overflow2) = perfThreads.addingReportingOverflow(shape.efficiencyCoresPerLLC)
    let factors = [
      shape.sockets, shape.nodesPerSocket, shape.llcsPerNode,
      overflow1 || overflow2 ? Int.max : perLLC,
    ]
    var threads = 1
    for factor in factors {
      let (product, overflow) = threads.multipliedReportingOverflow(by: factor)
      threads = overflow ? Int.max : product
    }
    if threads > maximumThreads {
      problems.append("\(threads) hardware threads exceed the maximum of \(maximumThreads)")
      return problems
    }
    // Linux has at most 1,024 NUMA nodes (CONFIG_NODES_SHIFT <= 10). Every
    // node carries its distance row to every node (the kernel's own form,
    // /sys/devices/system/node/nodeN/distance), so the snapshot grows with
    // the square of the node count: a shape no kernel can boot is refused
    // before it is built, instead of spending minutes and gigabytes on it.
    let (nodes, nodesOverflow) = shape.sockets.multipliedReportingOverflow(
      by: shape.nodesPerSocket)
    if nodesOverflow || nodes > maximumNodes {
      problems.append(
        "\(nodesOverflow ? "more than \(Int.max)" : "\(nodes)") NUMA nodes exceed Linux's maximum of \(maximumNodes) (CONFIG_NODES_SHIFT 10)"
      )
      return problems
    }
    if let free = shape.memoryFreePerNodeBytes, free > shape.memoryPerNodeBytes {
      problems.append("free memory per node exceeds total memory per node")
    }
    for pool in shape.hugePages {
      if pool.pageSizeBytes == 0 || pool.pageSizeBytes & (pool.pageSizeBytes - 1) != 0 {
        problems.append("huge page size \(pool.pageSizeBytes) is not a power of two")
      }
      let total = pool.total ?? 0
      let free = pool.free ?? 0
      if total < 0 || free < 0 || free > total {
        problems.append(
          "huge page pool \(ByteSize.format(pool.pageSizeBytes)) has total \(total), "
            + "free \(free)")
      }
    }
    if Set(shape.hugePages.map(\.pageSizeBytes)).count != shape.hugePages.count {
      problems.append("huge page sizes repeat")
    }
    let d = shape.distances
    if !(1...254).contains(d.local) || !(1...254).contains(d.sameSocket)
      || !(1...254).contains(d.remoteSocket)
    {
      problems.append("distances must be between 1 and 254")
    }
    if let offlineMax = shape.offlineCPUs.last, offlineMax >= threads {
      problems.append("offline CPU \(offlineMax) does not exist (\(threads) threads)")
    }
    var perNode = [Int](repeating: 0, count: shape.totalNodes)
    for device in shape.devices {
      let hex = Set("0123456789abcdef")
      if device.vendorId.count != 4 || !device.vendorId.allSatisfy(hex.contains)
        || device.deviceId.count != 4 || !device.deviceId.allSatisfy(hex.contains)
      {
        problems.append(
          "device ids '\(device.vendorId):\(device.deviceId)' must be 4 lower-case hex digits")
      }
      if device.perNode < 1 { problems.append("devices per node must be at least 1") }
      if device.irqs < 0 || device.irqs > 2048 {
        problems.append("IRQs per device is \(device.irqs), must be 0...2048")
      }
      for node in device.nodes ?? Array(0..<shape.totalNodes) {
        if node < 0 || node >= shape.totalNodes {
          problems.append("device node \(node) does not exist (\(shape.totalNodes) nodes)")
        } else {
          let (sum, overflow) = perNode[node].addingReportingOverflow(max(device.perNode, 0))
          perNode[node] = overflow ? Int.max : sum
        }
      }
    }
    if let busiest = perNode.indices.max(by: { perNode[$0] < perNode[$1] }),
      perNode[busiest] > maximumDevicesPerNode
    {
      problems.append(
        "node \(busiest) has \(perNode[busiest]) devices, at most \(maximumDevicesPerNode)")
    }
    return problems
  }

  /// Bits a field of `count` values takes in an APIC id.
  private static func width(_ count: Int) -> Int {
    var bits = 0
    while (1 << bits) < count { bits += 1 }
    return bits
  }

  private struct CoreSlot {
    var package: Int
    var die: Int
    var node: Int
    var nodeInPackage: Int
    var llc: Int
    var llcInNode: Int
    var coreInLLC: Int
    var coreInPackage: Int
    var type: CoreType?
    var threadCount: Int
    var cpus: [Int] = []
  }

  private static func synthesize(_ shape: TopologyShape) -> Topology {
    let hybrid = shape.efficiencyCoresPerLLC > 0
    let coresPerLLC = shape.coresPerLLC + shape.efficiencyCoresPerLLC
    let nodesPerDie = shape.nodesPerSocket / shape.diesPerSocket

    // 1. Every core in tree order.
    var slots: [CoreSlot] = []
    for package in 0..<shape.sockets {
      var coreInPackage = 0
      for nodeInPackage in 0..<shape.nodesPerSocket {
        let node = package * shape.nodesPerSocket + nodeInPackage
        for llcInNode in 0..<shape.llcsPerNode {
          let llc = node * shape.llcsPerNode + llcInNode
          for coreInLLC in 0..<coresPerLLC {
            let efficient = coreInLLC >= shape.coresPerLLC
            slots.append(
              CoreSlot(
                package: package, die: nodeInPackage / nodesPerDie, node: node,
                nodeInPackage: nodeInPackage, llc: llc, llcInNode: llcInNode,
                coreInLLC: coreInLLC, coreInPackage: coreInPackage,
                type: hybrid ? (efficient ? .efficiency : .performance) : nil,
                threadCount: efficient ? 1 : shape.threadsPerCore))
            coreInPackage += 1
          }
        }
      }
    }

    // 2. Logical CPU numbers.
    var next = 0
    switch shape.numbering {
    case .threadsLast:
      for thread in 0..<shape.threadsPerCore {
        for index in slots.indices where slots[index].threadCount > thread {
          slots[index].cpus.append(next)
          next += 1
        }
      }
    case .siblingsAdjacent:
      for index in slots.indices {
        for _ in 0..<slots[index].threadCount {
          slots[index].cpus.append(next)
          next += 1
        }
      }
    }

    // 3. Physical ids.
    let smtBits = width(shape.threadsPerCore)
    let coreBits = width(coresPerLLC)
    let llcBits = width(shape.llcsPerNode)
    let nodeBits = width(shape.nodesPerSocket)
    func physicalId(_ slot: CoreSlot, _ thread: Int) -> Int? {
      switch shape.physicalIds {
      case .none: return nil
      case .arm64MPIDR: return slot.package << 16 | slot.coreInPackage << 8 | thread
      case .x86APIC:
        var id = slot.package
        id = id << nodeBits | slot.nodeInPackage
        id = id << llcBits | slot.llcInNode
        id = id << coreBits | slot.coreInLLC
        return id << smtBits | thread
      }
    }

    // 4. The tree.
    let nodeCount = shape.totalNodes
    var packages: [CPUPackage] = []
    var slotIndex = 0
    for package in 0..<shape.sockets {
      var dies: [Die] = []
      for die in 0..<shape.diesPerSocket {
        var nodes: [NUMANode] = []
        for nodeInDie in 0..<nodesPerDie {
          let node = package * shape.nodesPerSocket + die * nodesPerDie + nodeInDie
          var domains: [CacheDomain] = []
          for llcInNode in 0..<shape.llcsPerNode {
            var cores: [Core] = []
            for _ in 0..<coresPerLLC {
              let slot = slots[slotIndex]
              let threads = slot.cpus.enumerated().map { thread, cpu in
                HardwareThread(
                  cpu: cpu, physicalId: physicalId(slot, thread),
                  online: !shape.offlineCPUs.contains(cpu))
              }
              cores.append(Core(id: slotIndex, type: slot.type, threads: threads))
              slotIndex += 1
            }
            domains.append(
              CacheDomain(
                id: node * shape.llcsPerNode + llcInNode, level: shape.llcLevel,
                sizeBytes: shape.llcSizeBytes, cores: cores))
          }
          let distances = (0..<nodeCount).map { other -> Int in
            if other == node { return shape.distances.local }
            return other / shape.nodesPerSocket == package
              ? shape.distances.sameSocket : shape.distances.remoteSocket
          }
          nodes.append(
            NUMANode(
              id: node, memoryTotalBytes: shape.memoryPerNodeBytes,
              memoryFreeBytes: shape.memoryFreePerNodeBytes ?? shape.memoryPerNodeBytes,
              hugePages: shape.hugePages.sorted { $0.pageSizeBytes < $1.pageSizeBytes },
              distances: distances, cacheDomains: domains))
        }
        dies.append(Die(id: die, nodes: nodes))
      }
      packages.append(CPUPackage(id: package, dies: dies))
    }

    var topology = Topology(
      architecture: shape.architecture, packages: packages, kernel: shape.kernel,
      source: shape.source)
    topology.devices = synthesizeDevices(shape, onlineCPUs: topology.onlineCPUs)
    return topology
  }

  private static func synthesizeDevices(_ shape: TopologyShape, onlineCPUs: CPUSet)
    -> [Device]
  {
    // Addresses: one root bus range per node, one slot per device.
    var placed: [(node: Int, address: String, bus: Int, slot: Int, shape: Int)] = []
    for node in 0..<shape.totalNodes {
      var slot = 0
      let domain = node / 28
      let bus = 0x20 + (node % 28) * 8
      for (index, device) in shape.devices.enumerated()
      where device.nodes?.contains(node) ?? true {
        for _ in 0..<device.perNode {
          let address = hex(domain, 4) + ":" + hex(bus, 2) + ":" + hex(slot, 2) + ".0"
          placed.append((node, address, bus, slot, index))
          slot += 1
        }
      }
    }
    placed.sort { $0.address < $1.address }

    let cpus = Array(onlineCPUs)
    var nextIRQ = firstDeviceIRQ
    var counters: [DeviceClass: Int] = [:]
    var devices: [Device] = []
    for entry in placed {
      let spec = shape.devices[entry.shape]
      let ordinal = counters[spec.deviceClass, default: 0]
      counters[spec.deviceClass] = ordinal + 1
      let domain = entry.address.prefix(4)
      var children: [DeviceChild] = []
      var vectorName: (Int) -> String
      switch spec.deviceClass {
      case .net:
        let name =
          (domain == "0000" ? "enp" : "enP\(Int(domain, radix: 16) ?? 0)p")
          + "\(entry.bus)s\(entry.slot)"
        children = [DeviceChild(kind: .net, name: name)]
        vectorName = { $0 == 0 ? "\(name)-async" : "\(name)-TxRx-\($0 - 1)" }
      case .nvme:
        children = [
          DeviceChild(kind: .other, name: "nvme\(ordinal)"),
          DeviceChild(kind: .block, name: "nvme\(ordinal)n1", majorMinor: "259:\(ordinal)"),
        ]
        vectorName = { "nvme\(ordinal)q\($0)" }
      case .gpu:
        children = [DeviceChild(kind: .other, name: "card\(ordinal)")]
        let driver = spec.driver ?? "gpu"
        vectorName = { "\(driver)@pci:\(entry.address)-\($0)" }
      case .accel, .other:
        let driver = spec.driver ?? spec.deviceClass.rawValue
        vectorName = { "\(driver)@pci:\(entry.address)-\($0)" }
      }
      let managedCount = spec.managedIRQs ? max(spec.irqs - 1, 0) : 0
      var irqs: [DeviceIRQ] = []
      for vector in 0..<spec.irqs {
        let managed = spec.managedIRQs && vector > 0
        var affinity = onlineCPUs
        if managed && !cpus.isEmpty {
          // Managed vectors are spread over all CPUs, as the kernel's
          // irq_create_affinity_masks does (contiguous groups, in order).
          let index = vector - 1
          if managedCount <= cpus.count {
            let lower = index * cpus.count / managedCount
            let upper = (index + 1) * cpus.count / managedCount
            affinity = CPUSet(cpus[lower..<upper])
          } else {
            affinity = [cpus[index % cpus.count]]
          }
        }
        irqs.append(
          DeviceIRQ(irq: nextIRQ, name: vectorName(vector), affinity: affinity, movable: !managed))
        nextIRQ += 1
      }
      devices.append(
        Device(
          pciAddress: entry.address, deviceClass: spec.deviceClass, classCode: spec.classCode,
          vendorId: spec.vendorId, deviceId: spec.deviceId, driver: spec.driver,
          numaNode: entry.node, sriovTotalVFs: spec.sriovTotalVFs,
          sriovEnabledVFs: spec.sriovTotalVFs.map { _ in 0 },
          iommuGroup: devices.count + 16, children: children.sorted { $0.name < $1.name },
          irqs: irqs))
    }
    return devices
  }

  private static func hex(_ value: Int, _ digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(digits - text.count, 0)) + text
  }
}
