import MKCore

/// NUMA nodes as libnuma (on the running host) or sysfs (under a fixture
/// root, where libnuma reports no NUMA support, or where it cannot be loaded:
/// E334) gives them. libnuma is opened at first use (`LibNUMA`).
struct NUMAFacts {
  struct Node {
    var id: Int
    var cpus: CPUSet
    var memoryTotalBytes: UInt64
    var memoryFreeBytes: UInt64
    var hugePages: [HugePagePool]
    /// By node id; 0 where the kernel gives no distance.
    var distances: [Int]
    /// Present CPUs linked under `nodeN/` (offline ones included).
    var linkedCPUs: CPUSet = []
  }

  var nodes: [Node] = []

  static func discover(
    _ files: HostFiles, useLibrary: Bool, allCPUs: CPUSet, diagnostics: inout [Diagnostic]
  ) -> NUMAFacts {
    if useLibrary && files.isLiveHost {
      switch LibNUMA.loaded {
      case .success(let numa) where numa.available() >= 0:
        return fromLibnuma(numa, files)
      case .success:
        break  // a kernel without NUMA support: sysfs says the same, or nothing
      case .failure(let error):
        diagnostics.append(
          .warning(
            "E334",
            "cannot load \(error.soname) (\(error.reason)): NUMA nodes, their memory and "
              + "distances are read from /sys/devices/system/node instead",
            help: ["install libnuma (Debian: apt-get install libnuma1)"]))
      }
    }
    if !files.numbered("/sys/devices/system/node", prefix: "node").isEmpty {
      return fromSysfs(files)
    }
    diagnostics.append(
      .warning(
        "E320",
        "no NUMA information (kernel without CONFIG_NUMA, or /sys/devices/system/node hidden): "
          + "the host is taken to be one node holding every CPU and all memory",
        help: ["node-aware placement is meaningless on this host; use numa: any"]))
    return singleNode(files, allCPUs: allCPUs)
  }

  private static func fromLibnuma(_ numa: LibNUMA, _ files: HostFiles) -> NUMAFacts {
    let maxNode = Int(numa.maxNode())
    var ids: [Int] = []
    var sizes: [Int: (UInt64, UInt64)] = [:]
    for id in 0...max(maxNode, 0) {
      var free: Int64 = 0
      let total = numa.nodeSize64(Int32(id), &free)
      guard total >= 0 else { continue }
      ids.append(id)
      sizes[id] = (UInt64(total), UInt64(max(free, 0)))
    }
    let mask = numa.allocateCPUMask()
    defer { numa.bitmaskFree(mask) }
    let possible = Int(numa.numPossibleCPUs())
    var facts = NUMAFacts()
    for id in ids {
      var cpus = CPUSet()
      if let mask, numa.nodeToCPUs(Int32(id), mask) == 0 {
        for cpu in 0..<possible where numa.bitmaskIsBitSet(mask, UInt32(cpu)) != 0 {
          cpus.insert(cpu)
        }
      }
      let distances = (0...(ids.last ?? 0)).map { other in
        ids.contains(other) ? Int(numa.distance(Int32(id), Int32(other))) : 0
      }
      let (total, free) = sizes[id] ?? (0, 0)
      facts.nodes.append(
        Node(
          id: id, cpus: cpus, memoryTotalBytes: total, memoryFreeBytes: free,
          hugePages: hugePages(files, dir: "/sys/devices/system/node/node\(id)/hugepages"),
          distances: distances,
          linkedCPUs: CPUSet(files.numbered("/sys/devices/system/node/node\(id)", prefix: "cpu"))))
    }
    return facts
  }

  private static func fromSysfs(_ files: HostFiles) -> NUMAFacts {
    let base = "/sys/devices/system/node"
    let ids = files.numbered(base, prefix: "node")
    var facts = NUMAFacts()
    for id in ids {
      let dir = "\(base)/node\(id)"
      let meminfo = files.read(dir + "/meminfo").map(parseMeminfo) ?? [:]
      // The kernel prints one distance per online node, in node id order.
      let row = (files.line(dir + "/distance") ?? "").split(separator: " ").compactMap {
        Int($0)
      }
      var distances = [Int](repeating: 0, count: (ids.last ?? 0) + 1)
      if row.count == ids.count {
        for (index, other) in ids.enumerated() { distances[other] = row[index] }
      } else {
        distances = []
      }
      facts.nodes.append(
        Node(
          id: id, cpus: files.cpulist(dir + "/cpulist") ?? [],
          memoryTotalBytes: meminfo["MemTotal"] ?? 0, memoryFreeBytes: meminfo["MemFree"] ?? 0,
          hugePages: hugePages(files, dir: dir + "/hugepages"), distances: distances,
          linkedCPUs: CPUSet(files.numbered(dir, prefix: "cpu"))))
    }
    return facts
  }

  private static func singleNode(_ files: HostFiles, allCPUs: CPUSet) -> NUMAFacts {
    let meminfo = files.read("/proc/meminfo").map(parseMeminfo) ?? [:]
    return NUMAFacts(nodes: [
      Node(
        id: 0, cpus: allCPUs, memoryTotalBytes: meminfo["MemTotal"] ?? 0,
        memoryFreeBytes: meminfo["MemFree"] ?? 0,
        hugePages: hugePages(files, dir: "/sys/kernel/mm/hugepages"), distances: [10])
    ])
  }

  /// `hugepages-2048kB/{nr_hugepages,free_hugepages}` under `dir`.
  static func hugePages(_ files: HostFiles, dir: String) -> [HugePagePool] {
    (files.list(dir) ?? []).compactMap { name -> HugePagePool? in
      guard name.hasPrefix("hugepages-"), name.hasSuffix("kB"),
        let kib = UInt64(name.dropFirst("hugepages-".count).dropLast(2)),
        let total = files.int("\(dir)/\(name)/nr_hugepages"),
        let free = files.int("\(dir)/\(name)/free_hugepages")
      else { return nil }
      return HugePagePool(pageSizeBytes: kib << 10, total: total, free: free)
    }.sorted { $0.pageSizeBytes < $1.pageSizeBytes }
  }

  /// `Node 0 MemTotal: 5204184 kB` and `/proc/meminfo`'s `MemTotal: 5204184 kB`.
  static func parseMeminfo(_ text: String) -> [String: UInt64] {
    var values: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].split(separator: " ").last.map(String.init) ?? ""
      let fields = line[line.index(after: colon)...].split(separator: " ")
      guard let number = fields.first.flatMap({ UInt64($0) }) else { continue }
      values[key] = fields.count > 1 && fields[1] == "kB" ? number << 10 : number
    }
    return values
  }
}
