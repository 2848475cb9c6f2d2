import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology

/// A hand-built policy, host and assignment covering every emitter: a
/// realtime kernel instance with a NIC, a realtime partition with a NIC,
/// an I/O limit and huge pages, and a shared batch workload.
enum PlanFixture {
  static let file = "fixture/policy.yaml"
  static func at(_ line: Int, _ column: Int = 5) -> SourceLocation {
    SourceLocation(file: file, line: line, column: column)
  }

  static func topology(
    release: String = "6.8.0", cgroupMode: CgroupMode = .v2,
    multikernel: MultikernelPool? = .runtime,
    cpusetExclusive: Bool = true
  ) -> Topology {
    let shape = TopologyShape(
      sockets: 2, coresPerLLC: 4, threadsPerCore: 2, memoryPerNodeBytes: 32 << 30,
      devices: [
        .init(
          .net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", irqs: 3, managedIRQs: true),
        .init(
          .nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", nodes: [0], irqs: 2,
          managedIRQs: true),
      ],
      kernel: KernelInfo(
        release: release, commandLine: "BOOT_IMAGE=/vmlinuz-6.8.0 root=/dev/sda1 ro quiet",
        bootId: "00000000-0000-4000-8000-000000000001", cgroupMode: cgroupMode,
        cgroupControllers: ["cpu", "cpuset", "io", "memory", "pids"], cpusetPartitions: true,
        cpusetExclusive: cpusetExclusive, multikernel: multikernel, irqbalanceRunning: true),
      source: "fixture: 2 sockets x 4 cores x 2 threads")
    do {
      return try TopologySynthesizer.build(shape)
    } catch {
      fatalError("fixture shape is invalid: \(error.diagnostics)")
    }
  }

  static func policy(
    bootloader: Bootloader = .grub, realtimeExtras: Bool = false, irqbalance: IRQBalanceMode = .ban,
    workloads: [Workload]? = nil
  ) -> Policy {
    Policy(
      metadata: Metadata(name: "trading-edge", location: at(4, 3)),
      host: HostSpec(
        housekeeping: Housekeeping(cpus: .count(2), memoryBytes: 4 << 30, location: at(8)),
        bootloader: bootloader, irqbalance: irqbalance, realtimeExtras: realtimeExtras,
        location: at(7, 1)),
      coordinator: CoordinatorSpec(
        kernel: KernelSpec(
          image: "/boot/vmlinuz-mk", initrd: "/boot/initrd-mk.img", cmdline: "root=/dev/vda1 ro"),
        location: at(14, 1)),
      workloads: workloads ?? [router, feed, analytics], sourceFiles: [file])
  }

  static let router = Workload(
    name: "order-router", isolation: .kernel, latency: .realtime, cpus: .init(exactly: 4),
    smt: .exclusive,
    memory: .init(exactly: 4 << 30), hugepages: HugePages(pageSizeBytes: 1 << 30, count: 2),
    devices: [DeviceRequest(type: .net, driver: "mlx5_core", location: at(28, 9))],
    kernel: KernelSpec(cmdline: "quiet console=ttyS1"), location: at(21, 5),
    fieldLocations: ["cpus": at(24), "memory": at(26), "latency": at(23), "kernel": at(33)])

  static let feed = Workload(
    name: "md-feed", isolation: .partition, latency: .realtime, cpus: .init(exactly: 2),
    smt: .exclusive,
    memory: .init(exactly: 2 << 30), hugepages: HugePages(pageSizeBytes: 2 << 20, count: 128),
    devices: [DeviceRequest(type: .net, location: at(42, 9))], weight: 400,
    io: [
      IOLimit(
        device: "nvme0n1", readBytesPerSecond: 500_000_000, writeIOPS: 20_000, location: at(45, 9))
    ],
    irqCPUs: 1, location: at(36, 5),
    fieldLocations: ["cpus": at(39), "memory": at(40), "latency": at(38), "hugepages": at(41)])

  static let analytics = Workload(
    name: "analytics", isolation: .shared, latency: .batch, cpus: .init(min: 2, max: 4),
    memory: .init(min: 1 << 30, max: 8 << 30), weight: 50, location: at(50, 5),
    fieldLocations: ["cpus": at(53), "memory": at(54), "weight": at(55)])

  static func physicalIds(_ topology: Topology, _ cpus: CPUSet) -> [Int] {
    cpus.compactMap { cpu in topology.threads.first { $0.cpu == cpu }?.physicalId }
  }

  /// What a solver could answer: housekeeping is core 0 of node 0, the
  /// instance takes node 1's first two cores with node 1's NIC, the
  /// partition node 0's next core with node 0's NIC.
  static func assignment(_ topology: Topology, routerCPUs: Int = 4, routerOnNode1: Bool = true)
    -> Assignment
  {
    let node0 = topology.nodes[0]
    let node1 = topology.nodes[1]
    let cores0 = node0.cacheDomains.flatMap(\.cores)
    let cores1 = node1.cacheDomains.flatMap(\.cores)
    let housekeeping = cores0[0].cpus
    let feedCPUs = cores0[1].cpus
    let routerCores = routerOnNode1 ? cores1 : Array(cores0.dropFirst(2))
    let routerCPUs = CPUSet(routerCores.prefix(routerCPUs / 2).flatMap { Array($0.cpus) })
    let owned = housekeeping.union(feedCPUs).union(routerCPUs)
    let pool = topology.onlineCPUs.subtracting(owned)
    let nics = topology.devices.filter { $0.deviceClass == .net }
    let routerNode = routerOnNode1 ? 1 : 0
    let routerNIC = nics.first { $0.numaNode == routerNode }?.pciAddress ?? ""
    let feedNIC =
      nics.first { $0.numaNode == 0 && $0.pciAddress != routerNIC }?.pciAddress
      ?? nics[0].pciAddress
    return Assignment(
      housekeeping: housekeeping, sharedPool: pool,
      workloads: [
        WorkloadAssignment(
          workload: "order-router", cpus: routerCPUs,
          physicalIds: physicalIds(topology, routerCPUs),
          numaNodes: [routerNode], memoryBytesByNode: ["\(routerNode)": 4 << 30],
          devices: [routerNIC]),
        WorkloadAssignment(
          workload: "md-feed", cpus: feedCPUs, physicalIds: physicalIds(topology, feedCPUs),
          numaNodes: [0],
          memoryBytesByNode: ["0": 2 << 30], hugePagesByNode: ["0": 128], devices: [feedNIC],
          irqCPUs: CPUSet([feedCPUs.first ?? 0])),
        WorkloadAssignment(
          workload: "analytics", cpus: pool, physicalIds: physicalIds(topology, pool),
          numaNodes: [0, 1],
          memoryBytesByNode: ["0": 2 << 30, "1": 2 << 30]),
      ],
      objective: Objective(remoteMemory: 0, cacheDomainsSpanned: 3, nodesSpanned: 4))
  }

  static func plan(
    topology: Topology? = nil, policy: Policy? = nil, assignment: Assignment? = nil,
    previous: Plan? = nil
  ) -> Plan {
    let topology = topology ?? self.topology()
    let result = PlanBuilder().build(
      policy: policy ?? self.policy(), topology: topology,
      assignment: assignment ?? self.assignment(topology),
      previous: previous)
    switch result {
    case .success(let plan): return plan
    case .failure(let error): fatalError("fixture plan failed: \(error.diagnostics)")
    }
  }
}
