import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

@Suite struct ElasticSizingTests {
  typealias Item = ElasticSizing.Item

  @Test func weightedWaterFillingSaturatesAtMax() {
    let items = [
      Item(min: 2, max: 10, weight: 100, priority: 0),
      Item(min: 2, max: 10, weight: 200, priority: 0),
      Item(min: 2, max: 10, weight: 100, priority: 0),
    ]
    #expect(ElasticSizing.sizes(items, capacity: 20) == [5, 10, 5])
    #expect(ElasticSizing.sizes(items, capacity: 12) == [3, 6, 3])
    #expect(ElasticSizing.sizes(items, capacity: 40) == [10, 10, 10])
    #expect(ElasticSizing.sizes(items, capacity: 4) == [2, 2, 2])
  }

  @Test func higherPriorityIsServedFirstAndGranulesHold() {
    let items = [
      Item(min: 2, max: 8, weight: 100, priority: 0),
      Item(min: 2, max: 8, weight: 100, priority: 10, granule: 2),
      Item(min: 1, max: 3, weight: 100, priority: 10),
    ]
    // Tier 10 first: 8 + 3; the rest (2) to tier 0.
    #expect(ElasticSizing.sizes(items, capacity: 15) == [4, 8, 3])
    // Not enough for tier 10's maxes: level 5 gives 4 (granule 2) and 3 (max);
    // the one thread tier 10 cannot use goes to tier 0.
    #expect(ElasticSizing.sizes(items, capacity: 10) == [3, 4, 3])
  }

  @Test func tiesGoToTheWorkloadWrittenFirst() {
    let items = Array(repeating: Item(min: 0, max: 10, weight: 1, priority: 0), count: 3)
    #expect(ElasticSizing.sizes(items, capacity: 5) == [2, 2, 1])
  }

  /// Seeded random items: bounds, capacity, granules, and the discrete
  /// max-min property ((s_i + g_i)/w_i > (s_j - g_j)/w_j for any i that can
  /// grow and j that can shrink in the same tier).
  @Test func randomInstancesAreWeightedMaxMinFair() {
    var r = SplitMix64(seed: 7)
    for _ in 0..<3000 {
      let items = (0..<r.int(1...6)).map { _ -> Item in
        let g = r.pick([1, 1, 2])
        let minimum = r.int(0...4) * g
        return Item(
          min: minimum, max: minimum + r.int(0...8) * g, weight: r.pick([1, 50, 100, 300]),
          priority: r.pick([0, 0, 10]), granule: g, cost: r.pick([1, 1, 2]))
      }
      let capacity = r.int(0...60)
      let sizes = ElasticSizing.sizes(items, capacity: capacity)
      let used = zip(items, sizes).reduce(0) { $0 + $1.1 * $1.0.cost }
      let mins = items.reduce(0) { $0 + $1.min * $1.cost }
      for (item, size) in zip(items, sizes) {
        #expect(size >= item.min && size <= item.max && (size - item.min) % item.granule == 0)
      }
      if mins <= capacity { #expect(used <= capacity) } else { #expect(sizes == items.map(\.min)) }
      for i in items.indices {
        for j in items.indices where i != j && items[i].priority == items[j].priority {
          let (a, b) = (items[i], items[j])
          guard sizes[i] + a.granule <= a.max, sizes[j] - b.granule >= b.min,
            a.granule * a.cost <= b.granule * b.cost + (capacity - used)
          else { continue }
          let grow = Double(sizes[i] + a.granule) / Double(a.weight)
          let shrink = Double(sizes[j] - b.granule) / Double(b.weight)
          #expect(grow > shrink - 1e-9, "\(items) \(capacity) -> \(sizes)")
        }
        // Nothing left that the item could still take.
        if sizes[i] + items[i].granule <= items[i].max && mins <= capacity {
          #expect(capacity - used < items[i].granule * items[i].cost, "\(items) \(capacity)")
        }
      }
    }
  }

  /// The solver gives these sizes to workloads that fit anywhere.
  @Test func solverUsesTheElasticSizes() throws {
    let topology = Fixtures.host(sockets: 1, nodesPerSocket: 1, llcsPerNode: 2, coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload("a", line: 10, cpus: .init(min: 2, max: 12), weight: 100),
        Fixtures.workload("b", line: 30, cpus: .init(min: 2, max: 12), weight: 300),
        Fixtures.workload("c", line: 50, cpus: .init(exactly: 4), smt: .exclusive, priority: 5),
      ])
    let a = try Solver().solve(policy, on: topology).get().assignment
    // 14 threads after housekeeping: c 4, then 10 shared 1:3 from mins of 2.
    #expect(a.workloads.map(\.cpus.count) == [3, 7, 4])
  }
}

@Suite struct SolverScenarioTests {
  @Test func warnsWhenAWorkloadSpansSocketsOrItsDeviceIsFar() throws {
    let topology = Fixtures.host(
      sockets: 2, nodesPerSocket: 1, llcsPerNode: 1, coresPerLLC: 4,
      devices: [
        .init(.net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", nodes: [1])
      ])
    let policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload("wide", line: 10, cpus: .init(exactly: 10)),
        Fixtures.workload(
          "router", line: 30, cpus: .init(exactly: 4),
          devices: [DeviceRequest(type: .net, location: Fixtures.loc(37, 9))]),
      ])
    let solution = try Solver().solve(policy, on: topology).get()
    let codes = solution.diagnostics.map(\.code)
    #expect(codes.contains("E260"))
    #expect(solution.diagnostics.allSatisfy { $0.severity == .warning })
    let router = try #require(solution.assignment.workload(named: "router"))
    #expect(router.devices.count == 1)
    #expect(!router.irqCPUs.isEmpty && router.irqCPUs.isSubset(of: router.cpus))
  }

  @Test func nearDevicesPutsCPUsMemoryAndHugePagesOnTheDeviceNode() throws {
    let topology = Fixtures.host(
      sockets: 1, nodesPerSocket: 2, llcsPerNode: 2, coresPerLLC: 4,
      devices: [.init(.nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", nodes: [1])],
      hugePages: [HugePagePool(pageSizeBytes: 2 << 20, total: 256, free: 256)])
    var policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload(
          "db", line: 10, isolation: .partition, cpus: .init(exactly: 6), smt: .exclusive,
          memory: .init(exactly: 4 << 30), hugepages: HugePages(pageSizeBytes: 2 << 20, count: 200),
          devices: [DeviceRequest(type: .nvme, name: "nvme*", location: Fixtures.loc(17, 9))],
          placement: Placement(numa: .any, nearDevices: true))
      ])
    let db = try #require(
      try Solver().solve(policy, on: topology).get().assignment.workload(named: "db"))
    #expect(db.numaNodes == [1])
    #expect(db.memoryBytesByNode == ["1": 4 << 30])
    #expect(db.hugePagesByNode == ["1": 200])
    #expect(db.cpus.count == 6)
    // An empty pool (a host that never reserved any) is no obstacle: the plan
    // sizes the pools, so the pages come out of node memory.
    let fresh = Fixtures.host(
      sockets: 1, nodesPerSocket: 2, llcsPerNode: 2, coresPerLLC: 4,
      devices: [.init(.nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", nodes: [1])],
      hugePages: [HugePagePool(pageSizeBytes: 2 << 20, total: 0, free: 0)])
    let placed = try #require(
      try Solver().solve(policy, on: fresh).get().assignment.workload(named: "db"))
    #expect(placed.hugePagesByNode == ["1": 200])
    // Huge pages come out of node memory, not today's pool of 256: node 1's
    // 16GiB holds 6,144 pages of 2MiB beside db's 4GiB, and nearDevices keeps
    // the rest off node 0.
    policy.workloads[0].hugepages = HugePages(pageSizeBytes: 2 << 20, count: 7000)
    guard case .failure(let error) = Solver().solve(policy, on: topology) else {
      Issue.record("7,000 huge pages near the device were placed")
      return
    }
    let d = try #require(error.diagnostics.first)
    // Memory and huge pages compete for node 1: reported at memory (E202).
    #expect(d.code == "E202")
    #expect(
      d.message
        == "workload 'db' needs 4GiB of memory, 7000 huge pages of 2MiB and 1 nvme device matching name nvme* near its devices; node 1 (its devices' node) has 16GiB of memory; the nodes' memory holds 16384 2MiB huge pages (node 0: 8192, node 1: 8192)"
    )
    #expect(d.location == Fixtures.loc(15, 7))
    #expect(d.help.contains("lower hugepages.count of 'db' to 6144"))
    #expect(d.help.contains("set placement.nearDevices: false for 'db'"))
  }

  @Test func editsMoveOnlyWhatMustMove() throws {
    let topology = Fixtures.host(sockets: 2, nodesPerSocket: 2, llcsPerNode: 2, coresPerLLC: 4)
    var policy = Fixtures.policy(
      housekeeping: 2, perNode: true,
      (0..<6).map { Fixtures.workload("w\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 4 + $0)) })
    let first = try Solver().solve(policy, on: topology).get().assignment
    policy.workloads.append(Fixtures.workload("new", line: 200, cpus: .init(exactly: 6)))
    let second = try Solver().solve(policy, on: topology, previous: first).get().assignment
    for old in first.workloads {
      #expect(second.workload(named: old.workload)?.cpus == old.cpus, "\(old.workload) moved")
    }
    #expect(second.workload(named: "new")?.cpus.count == 6)
  }
}

@Suite struct ElasticShrinkTests {
  /// A `numa: single` workload cannot grow past its node; the others take the
  /// rest, and the shortfall is reported, not hidden.
  @Test func growthTheRulesCannotPlaceIsReported() throws {
    let topology = Fixtures.host(sockets: 1, nodesPerSocket: 2, llcsPerNode: 1, coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 0,
      [
        Fixtures.workload(
          "a", line: 10, cpus: .init(min: 2, max: 8), placement: Placement(numa: .single)),
        Fixtures.workload(
          "b", line: 30, cpus: .init(min: 2, max: 8), placement: Placement(numa: .single)),
        Fixtures.workload(
          "c", line: 50, cpus: .init(min: 2, max: 8), placement: Placement(numa: .single)),
      ])
    let solution = try Solver().solve(policy, on: topology).get()
    // 16 threads, fair share 16/3 each, but three single-node workloads on two
    // nodes of 8: two share a node.
    let counts = solution.assignment.workloads.map(\.cpus.count)
    #expect(counts.reduce(0, +) <= 16)
    let shrunk = solution.diagnostics.filter { $0.code == "E264" }
    #expect(!shrunk.isEmpty)
    #expect(shrunk.allSatisfy { $0.severity == .warning })
  }
}

@Suite struct UnboundedMaximaTests {
  /// `memory: {min: ...}` without a max is unbounded: several such workloads
  /// share the memory without an arithmetic overflow.
  @Test func unboundedMaximaShareTheCapacity() throws {
    let items = [
      ElasticSizing.Item(min: 4, max: Int.max, weight: 100, priority: 0),
      ElasticSizing.Item(min: 4, max: Int.max, weight: 100, priority: 0),
      ElasticSizing.Item(min: 0, max: Int.max - 5, weight: 200, priority: 0),
    ]
    #expect(ElasticSizing.sizes(items, capacity: 48) == [12, 12, 24])
    let topology = Fixtures.host(sockets: 1, nodesPerSocket: 2, llcsPerNode: 1, coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload(
          "a", line: 10, cpus: .init(exactly: 2), memory: .init(min: 1 << 30, max: .max)),
        Fixtures.workload(
          "b", line: 30, cpus: .init(exactly: 2), memory: .init(min: 1 << 30, max: .max)),
      ])
    let a = try Solver().solve(policy, on: topology).get().assignment
    #expect(a.workloads.allSatisfy { $0.memoryBytes >= 1 << 30 })
    #expect(a.workloads.reduce(UInt64(0)) { $0 + $1.memoryBytes } <= 32 << 30)
  }

  @Test func singleNodeMemoryLeavesRoomForItsOwnHugePages() throws {
    // Two nodes of 8 threads and 16GiB; housekeeping takes one core of node 0.
    let topology = Fixtures.host(
      sockets: 1, nodesPerSocket: 2, llcsPerNode: 1, coresPerLLC: 4,
      hugePages: [HugePagePool(pageSizeBytes: 2 << 20, total: 0, free: 0)])
    let policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload(
          "db", line: 10, cpus: .init(min: 2, max: 6), memory: .init(min: 1 << 30, max: 64 << 30),
          hugepages: HugePages(pageSizeBytes: 2 << 20, count: 2048),
          placement: Placement(numa: .single)),
        Fixtures.workload(
          "web", line: 30, cpus: .init(min: 1, max: 16), memory: .init(exactly: 1 << 30)),
      ])
    let solution = try Solver().solve(policy, on: topology).get()
    // db's memory and its 4GiB of pages share one node: its memory is capped
    // at the node less its pages, so the sized demands fit at once and nobody
    // is cut (the cap at the whole node made every size shrink by bisection).
    #expect(solution.diagnostics.filter { $0.code == "E264" }.isEmpty)
    let db = try #require(solution.assignment.workload(named: "db"))
    let web = try #require(solution.assignment.workload(named: "web"))
    #expect(db.cpus.count == 6)
    #expect(web.cpus.count == 8)
    #expect(db.memoryBytesByNode == ["0": 12 << 30])
    #expect(db.hugePagesByNode == ["0": 2048])
  }

  @Test func hugePagesBeyondSixteenExbibytesInAllAreInfeasibleNotACrash() throws {
    // Each workload's pages are countable (2^62 bytes), their sum is not.
    let topology = Fixtures.host(
      sockets: 1, nodesPerSocket: 2, llcsPerNode: 1, coresPerLLC: 4,
      hugePages: [HugePagePool(pageSizeBytes: 1 << 60, total: 0, free: 0)])
    let policy = Fixtures.policy(
      housekeeping: 2,
      (0..<4).map { i in
        Fixtures.workload(
          "w\(i)", line: 10 + 20 * i, cpus: .init(exactly: 1), memory: .init(exactly: 1 << 30),
          hugepages: HugePages(pageSizeBytes: 1 << 60, count: 4))
      })
    guard case .failure(let error) = Solver().solve(policy, on: topology) else {
      Issue.record("16EiB of huge pages were placed")
      return
    }
    #expect(error.diagnostics.contains { $0.code == "E204" || $0.code == "E202" })
  }

  @Test func hugePagesGoFirstWhenMemoryFirstLeavesNoNodeAWholePage() throws {
    // Two nodes of 2GiB; a spread workload's memory split evenly first left
    // each node half a 1GiB page short.
    let topology = Fixtures.host(
      sockets: 1, nodesPerSocket: 2, llcsPerNode: 1, coresPerLLC: 2, memoryGiB: 2,
      hugePages: [HugePagePool(pageSizeBytes: 1 << 30, total: 0, free: 0)])
    var policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload(
          "app", line: 10, cpus: .init(exactly: 2), memory: .init(exactly: 3 << 30),
          hugepages: HugePages(pageSizeBytes: 1 << 30, count: 1),
          placement: Placement(numa: .spread))
      ])
    // 3GiB and one page fill the 4GiB exactly: feasible, not E201.
    let fixed = try #require(
      try Solver().solve(policy, on: topology).get().assignment.workload(named: "app"))
    #expect(fixed.memoryBytes == 3 << 30)
    #expect(fixed.hugePagesByNode.values.reduce(0, +) == 1)
    // Elastic memory gets all 3GiB the page leaves, not the 2GiB bisection found.
    policy.workloads[0].memory = .init(min: 1 << 30, max: 64 << 30)
    let elastic = try #require(
      try Solver().solve(policy, on: topology).get().assignment.workload(named: "app"))
    #expect(elastic.memoryBytes == 3 << 30)
  }
}
