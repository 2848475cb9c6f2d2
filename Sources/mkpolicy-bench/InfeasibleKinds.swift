import BenchFamilies
import Foundation
import MKCore
import MKPolicy
import MKTopology

/// Infeasible policies of many kinds, at any size, on any host: the
/// benchmark of the solver's explanations (`Benchmarks/solver/infeasible.sh`
/// times `mkpolicy plan` on each; `InfeasibleKindsTests` checks each answer).
///
/// Every kind is a small conflict (a sum past the host, a rule structure no
/// placement satisfies, or a combination where every sum fits) placed among
/// fillers that fit, up to the workload count asked for, its members spread
/// through the policy. The kinds cover memory and huge pages per node and
/// page size, devices and `nearDevices`, kernel instances in granules,
/// `smt: off` and `exclusive` (on hosts with and without SMT, hybrid ones),
/// `avoid` and `llc: exclusive` structures, `numa: single` and `spread`,
/// mixtures where only the combination fails, housekeeping, and the
/// oversubscribed variant of every benchmark family (`Families`).
///
/// Each kind says what its answer must be: `sum` (the arithmetic, naming
/// the contributors), `conflict` (the workloads named are infeasible on
/// their own) or `minimal` (and without any one of them they fit).
enum InfeasibleKinds {
  enum Expectation: String {
    /// Answered by a sum over the host or a rule's scope; the workloads
    /// named are the largest contributors.
    case sum
    /// The workloads named do not place on their own.
    case conflict
    /// The workloads named do not place on their own, and without any one
    /// of them they do: the answer is minimal.
    case minimal
  }

  /// One workload of a generated policy, as written in YAML.
  struct Entry {
    var name: String
    var isolation = "shared"
    var cpus: Int
    var smt = "shared"
    var memoryMiB: UInt64 = 0
    var hugePages: (sizeMiB: UInt64, count: Int)?
    var devices: [(type: String, match: String?, count: Int)] = []
    var numa = "any"
    var near = false
    var llc = "shared"
    var avoid: [String] = []
  }

  /// A generated policy: its workloads and the host section's settings.
  struct Generated {
    var entries: [Entry]
    var housekeepingCPUs = 2
    var granuleMiB: UInt64?
  }

  /// What the generator needs to know of a host.
  struct HostFacts {
    let topology: Topology
    /// Online threads per node, less the two housekeeping CPUs (one core
    /// on SMT2 hosts) that every generated policy keeps per node.
    let nodeThreads: [Int]
    let nodeCores: [Int]
    let nodeMemoryMiB: [UInt64]
    let domains: Int
    let smallestDomainThreads: Int
    let threadsPerCore: Int
    let pageSizesMiB: [UInt64]

    init(_ topology: Topology) {
      self.topology = topology
      var threads: [Int] = []
      var cores: [Int] = []
      for node in topology.nodes {
        let online = node.cacheDomains.flatMap(\.cores).map { $0.threads.filter(\.online).count }
        // Housekeeping takes whole cores from the lowest until it holds 2 CPUs.
        var kept = 0
        var keptCores = 0
        for count in online where kept < 2 {
          kept += count
          keptCores += 1
        }
        threads.append(max(0, online.reduce(0, +) - kept))
        cores.append(max(0, online.filter { $0 > 0 }.count - keptCores))
      }
      nodeThreads = threads
      nodeCores = cores
      // 1 GiB of housekeeping memory, taken from every node to be safe.
      nodeMemoryMiB = topology.nodes.map { ($0.memoryTotalBytes >> 20) &- 1024 }
      domains = topology.cacheDomains.count
      smallestDomainThreads =
        topology.cacheDomains.map { $0.cores.reduce(0) { $0 + $1.threads.filter(\.online).count } }
        .min() ?? 0
      threadsPerCore =
        topology.cores.map { $0.threads.filter(\.online).count }.max() ?? 1
      pageSizesMiB = Set(
        topology.nodes.flatMap { $0.hugePages.map { $0.pageSizeBytes >> 20 } }
      ).sorted()
    }

    var totalThreads: Int { nodeThreads.reduce(0, +) }
    var totalCores: Int { nodeCores.reduce(0, +) }
    var smallestNodeThreads: Int { nodeThreads.min() ?? 0 }
    var largestNodeThreads: Int { nodeThreads.max() ?? 0 }
    var smallestNodeMiB: UInt64 { nodeMemoryMiB.min() ?? 0 }
    var largestNodeMiB: UInt64 { nodeMemoryMiB.max() ?? 0 }
    var totalMiB: UInt64 { nodeMemoryMiB.reduce(0, +) }
    var nodes: Int { nodeThreads.count }
  }

  struct Kind {
    let name: String
    let expectation: Expectation
    /// The policy at `count` workloads, nil when the kind does not apply
    /// to this host (no huge pages, no devices, no SMT).
    let make: (HostFacts, Int) -> Generated?
  }

  // MARK: fillers

  /// `count` workloads that fit beside a conflict: shared, one CPU each
  /// while they stay under `cpuShare` of the host's threads (they hold
  /// cores in every domain, the blockers a narrowing must see past), the
  /// rest memory only; a little memory each.
  static func fillers(
    _ count: Int, _ host: HostFacts, cpuShare: Double = 0.3, cpuLimit: Int? = nil
  ) -> [Entry] {
    let cpuFillers = min(count, cpuLimit ?? Int(Double(host.totalThreads) * cpuShare))
    let memory = max(1, min(256, host.totalMiB / 8 / UInt64(max(1, count))))
    return (0..<max(0, count)).map { index in
      Entry(
        name: "fill\(index)", isolation: index % 3 == 0 ? "shared" : "partition",
        cpus: index < cpuFillers ? 1 : 0, memoryMiB: memory)
    }.map { entry in
      var entry = entry
      // A partition needs a CPU: the memory-only ones are shared.
      if entry.cpus == 0 { entry.isolation = "shared" }
      return entry
    }
  }

  /// The conflict's members spread evenly through `total` workloads, the
  /// rest fillers.
  static func spread(
    _ conflict: [Entry], total: Int, _ host: HostFacts, cpuShare: Double = 0.3,
    cpuLimit: Int? = nil
  ) -> [Entry] {
    let fill = fillers(total - conflict.count, host, cpuShare: cpuShare, cpuLimit: cpuLimit)
    guard !conflict.isEmpty else { return fill }
    var out: [Entry] = []
    out.reserveCapacity(total)
    let step = max(1, total / conflict.count)
    var next = 0
    var fillIndex = 0
    for position in 0..<max(total, conflict.count) {
      if next < conflict.count && (position % step == step / 2 || fillIndex >= fill.count) {
        out.append(conflict[next])
        next += 1
      } else if fillIndex < fill.count {
        out.append(fill[fillIndex])
        fillIndex += 1
      }
    }
    while next < conflict.count {
      out.append(conflict[next])
      next += 1
    }
    return out
  }

  // MARK: kinds

  static var kinds: [Kind] {
    [
      // Sums over the host.
      Kind(name: "cpu-total", expectation: .sum) { host, count in
        // Partitions whose minimums add up to 1.3x the host's threads.
        let need = Int(Double(host.totalThreads) * 1.3) + 1
        return Generated(
          entries: (0..<count).map { index in
            Entry(
              name: "p\(index)", isolation: "partition",
              cpus: need / count + (index < need % count ? 1 : 0), memoryMiB: 64)
          }.map { entry in
            var entry = entry
            if entry.cpus == 0 { entry.isolation = "shared" }
            return entry
          })
      },
      Kind(name: "memory-total", expectation: .sum) { host, count in
        let each = host.totalMiB * 6 / 5 / UInt64(count) + 1
        return Generated(
          entries: (0..<count).map { Entry(name: "m\($0)", cpus: 0, memoryMiB: each) })
      },
      Kind(name: "kernel-granules", expectation: .sum) { host, count in
        // Kernel instances of 1 CPU and 1 MiB: their memory fits, but each
        // takes a whole granule, and the granules do not.
        let kernels = max(2, min(count, host.totalThreads / 2))
        var granule: UInt64 = 2
        while granule * UInt64(kernels) <= host.totalMiB { granule *= 2 }
        let conflict = (0..<kernels).map {
          Entry(name: "k\($0)", isolation: "kernel", cpus: 1, memoryMiB: 1)
        }
        var generated = Generated(
          entries: spread(conflict, total: count, host, cpuLimit: host.totalThreads / 4))
        generated.granuleMiB = granule
        return generated
      },
      Kind(name: "kernel-count", expectation: .sum) { host, count in
        // Kernel instances on whole cores (smt: exclusive), one core more
        // than the host has in all.
        let kernels = min(count, host.totalCores + 1)
        let need = host.totalCores + 1
        let conflict = (0..<kernels).map { index in
          let cores = need / kernels + (index < need % kernels ? 1 : 0)
          return Entry(
            name: "k\(index)", isolation: "kernel", cpus: cores * host.threadsPerCore,
            smt: "exclusive", memoryMiB: 64)
        }
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: 0))
      },
      Kind(name: "smt-off-cores", expectation: .sum) { host, count in
        // smt: off partitions: their threads fit, their cores do not.
        let members = min(count, max(2, host.totalCores / 4))
        let need = host.totalCores + host.totalCores / 8 + 1
        let conflict = (0..<members).map { index in
          Entry(
            name: "off\(index)", isolation: "partition",
            cpus: need / members + (index < need % members ? 1 : 0), smt: "off")
        }
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: 0))
      },
      // numa: single.
      Kind(name: "single-too-big", expectation: .minimal) { host, count in
        let conflict = [
          Entry(
            name: "big", isolation: "partition", cpus: host.largestNodeThreads + 1, numa: "single")
        ]
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "single-cpu-packing", expectation: .minimal) { host, count in
        // Each needs a third of a node and a bit: two per node, one too many.
        let size = host.smallestNodeThreads / 3 + 1
        guard host.nodeThreads.allSatisfy({ $0 / size == 2 }) else { return nil }
        let conflict = (0...(2 * host.nodes)).map {
          Entry(name: "s\($0)", isolation: "partition", cpus: size, numa: "single")
        }
        return Generated(entries: spread(conflict, total: count, host, cpuShare: 0.05))
      },
      Kind(name: "single-memory-packing", expectation: .minimal) { host, count in
        let size = host.smallestNodeMiB / 3 + 1024
        guard host.nodeMemoryMiB.allSatisfy({ $0 / size == 2 }) else { return nil }
        let conflict = (0...(2 * host.nodes)).map {
          Entry(name: "s\($0)", cpus: 1, memoryMiB: size, numa: "single")
        }
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "single-cpu-and-memory", expectation: .minimal) { host, count in
        // One node too few for workloads that pairwise cannot share a node,
        // half by CPUs and half by memory: every sum fits, and no sum over
        // one resource sees it (no two of the CPU-heavy ones share a node by
        // CPUs, nor two memory-heavy ones by memory; a CPU-heavy and a
        // memory-heavy one are past a node in CPUs).
        let threads = host.smallestNodeThreads
        let memory = host.smallestNodeMiB
        let heavyCPUs = threads / 2 + 1
        let lightCPUs = threads - heavyCPUs + 1
        guard lightCPUs < heavyCPUs, host.nodeThreads.allSatisfy({ $0 == threads }) else {
          return nil
        }
        let heavyMiB = memory / 2 + 512
        let lightMiB = memory / 2 - 2048
        let conflict = (0...host.nodes).map { index in
          index % 2 == 0
            ? Entry(
              name: "c\(index)", isolation: "partition", cpus: heavyCPUs, memoryMiB: lightMiB,
              numa: "single")
            : Entry(
              name: "c\(index)", isolation: "partition", cpus: lightCPUs, memoryMiB: heavyMiB,
              numa: "single")
        }
        // The fillers' CPUs fit beside one member per node.
        let room = host.nodes * (threads - heavyCPUs) / 2
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: room))
      },
      Kind(name: "spread-and-single", expectation: .conflict) { host, count in
        // numa: single workloads fill every node but four CPUs of one, and a
        // spread workload of four CPUs needs CPUs on two nodes at least:
        // every sum fits exactly, and only one node has room. Not marked
        // minimal: every check of the conflict search is a packing with no
        // CPU to spare, which the search may not find when there is one.
        guard host.nodes > 1 else { return nil }
        var conflict = (0..<host.nodes).map { index in
          Entry(
            name: "s\(index)", isolation: "partition",
            cpus: host.nodeThreads[index] - (index == 0 ? 4 : 0), numa: "single")
        }
        conflict.append(Entry(name: "mesh", isolation: "partition", cpus: 4, numa: "spread"))
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: 0))
      },
      // Huge pages.
      Kind(name: "hugepages-missing-size", expectation: .minimal) { host, count in
        guard let missing = [UInt64(2), 1024].first(where: { !host.pageSizesMiB.contains($0) })
        else { return nil }
        var entry = Entry(name: "pages", isolation: "partition", cpus: 1)
        entry.hugePages = (missing, 4)
        return Generated(entries: spread([entry], total: count, host))
      },
      Kind(name: "hugepages-supply", expectation: .sum) { host, count in
        guard let size = host.pageSizesMiB.last else { return nil }
        let offering = host.topology.nodes.filter { node in
          node.hugePages.contains { $0.pageSizeBytes >> 20 == size }
        }.count
        let pages = Int(host.largestNodeMiB / size) * offering * 6 / 5 + 1
        let members = min(count, max(1, count / 4))
        let conflict = (0..<members).map { index -> Entry in
          var entry = Entry(name: "hp\(index)", cpus: 0)
          entry.hugePages = (size, pages / members + 1)
          return entry
        }
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "hugepages-single-node", expectation: .minimal) { host, count in
        // Huge pages of more than half a node each under numa: single: one
        // per node, one more than the nodes.
        guard let size = host.pageSizesMiB.last else { return nil }
        let pages = Int((host.smallestNodeMiB / 2) / size) + 1
        guard UInt64(pages) * size <= host.smallestNodeMiB else { return nil }
        let conflict = (0...host.nodes).map { index -> Entry in
          var entry = Entry(name: "hp\(index)", cpus: 1, numa: "single")
          entry.hugePages = (size, pages)
          return entry
        }
        return Generated(entries: spread(conflict, total: count, host))
      },
      // Devices.
      Kind(name: "devices-count", expectation: .sum) { host, count in
        guard let (driver, matching) = commonestDriver(host) else { return nil }
        let conflict = (0...matching.count).map { index in
          Entry(
            name: "io\(index)", isolation: "partition", cpus: 1,
            devices: [(deviceType(matching[0]), "driver: \(driver)", 1)])
        }
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "near-devices-node", expectation: .minimal) { host, count in
        // A workload near one device needs more CPUs than the device's node has.
        guard let device = host.topology.devices.first(where: { $0.numaNode != nil }),
          let node = host.topology.nodes.firstIndex(where: { $0.id == device.numaNode })
        else { return nil }
        let conflict = [
          Entry(
            name: "near", isolation: "partition", cpus: host.nodeThreads[node] + 1,
            devices: [(deviceType(device), "pci: \"\(device.pciAddress)\"", 1)], near: true)
        ]
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "near-devices-single", expectation: .minimal) { host, count in
        // Two devices of one node, each wanted near a workload of more than
        // half that node under numa: single.
        var byNode: [Int: [Device]] = [:]
        for device in host.topology.devices {
          if let n = device.numaNode { byNode[n, default: []].append(device) }
        }
        guard
          let (nodeId, devices) = byNode.sorted(by: { $0.key < $1.key }).first(where: {
            $0.value.count >= 2
          }),
          let node = host.topology.nodes.firstIndex(where: { $0.id == nodeId })
        else { return nil }
        let each = host.nodeThreads[node] / 2 + 1
        let conflict = devices.prefix(2).enumerated().map { index, device in
          Entry(
            name: "near\(index)", isolation: "partition", cpus: each,
            devices: [(deviceType(device), "pci: \"\(device.pciAddress)\"", 1)], numa: "single",
            near: true)
        }
        return Generated(entries: spread(conflict, total: count, host))
      },
      // avoid and llc: exclusive.
      Kind(name: "avoid-clique", expectation: .minimal) { host, count in
        let names = (0...host.domains).map { "a\($0)" }
        let conflict = names.map { name in
          Entry(name: name, cpus: 1, avoid: names.filter { $0 != name })
        }
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "avoid-clique-hidden", expectation: .minimal) { host, count in
        // The same clique, each member also avoiding a hub of its own that
        // many others avoid (more than the clique's members do): a greedy
        // clique search that starts from the most avoided takes the hub and
        // stops at two.
        let size = host.domains + 1
        let names = (0..<size).map { "a\($0)" }
        let spokes = (0..<(size + 2)).map { "spoke\($0)" }
        var conflict = names.enumerated().map { index, name in
          Entry(name: name, cpus: 1, avoid: names.filter { $0 != name } + ["hub\(index)"])
        }
        conflict += (0..<size).map { Entry(name: "hub\($0)", cpus: 1, avoid: spokes) }
        conflict += spokes.map { Entry(name: $0, cpus: 1) }
        return Generated(entries: spread(conflict, total: count, host))
      },
      Kind(name: "llc-exclusive-over", expectation: .minimal) { host, count in
        let conflict = (0...host.domains).map {
          Entry(name: "x\($0)", isolation: "partition", cpus: 1, llc: "exclusive")
        }
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: 0))
      },
      Kind(name: "exclusive-and-cycle", expectation: .minimal) { host, count in
        // All domains but two taken by llc: exclusive workloads, and five
        // that each avoid the next in a cycle: no two-colouring, no clique
        // past the domains, every sum fits.
        guard host.domains >= 3 else { return nil }
        var conflict = (0..<(host.domains - 2)).map {
          Entry(name: "x\($0)", isolation: "partition", cpus: 1, llc: "exclusive")
        }
        conflict += (0..<5).map {
          Entry(name: "c\($0)", cpus: 1, avoid: ["c\(($0 + 1) % 5)"])
        }
        let room = max(0, host.smallestDomainThreads - 5)
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: room))
      },
      Kind(name: "avoid-odd-cycles", expectation: .minimal) { host, count in
        // The exclusive ones leave two domains, and every three consecutive
        // of nine cycle members avoid each other in turn: a cycle of nine.
        guard host.domains >= 3 else { return nil }
        var conflict = (0..<(host.domains - 2)).map {
          Entry(name: "x\($0)", isolation: "partition", cpus: 1, llc: "exclusive")
        }
        conflict += (0..<9).map {
          Entry(name: "c\($0)", cpus: 1, memoryMiB: 512, avoid: ["c\(($0 + 1) % 9)"])
        }
        let room = max(0, host.smallestDomainThreads - 9)
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: room))
      },
      // Hosts with SMT and without.
      Kind(name: "smt-exclusive-single", expectation: .minimal) { host, count in
        // smt: exclusive takes whole cores: just over half a node's cores
        // each under numa: single, one more than the nodes.
        let cores = (host.nodeCores.min() ?? 0) / 2 + 1
        let threads = cores * host.threadsPerCore
        guard threads <= host.smallestNodeThreads else { return nil }
        let conflict = (0...host.nodes).map {
          Entry(
            name: "e\($0)", isolation: "partition", cpus: threads, smt: "exclusive", numa: "single")
        }
        return Generated(entries: spread(conflict, total: count, host, cpuLimit: 0))
      },
      Kind(name: "housekeeping-too-big", expectation: .sum) { host, count in
        // Housekeeping per node of more CPUs than a node has.
        var generated = Generated(entries: fillers(count, host))
        generated.housekeepingCPUs = host.largestNodeThreads + 3
        return generated
      },
    ]
  }

  static func deviceType(_ device: Device) -> String {
    switch device.deviceClass {
    case .net: "net"
    case .nvme: "nvme"
    case .gpu: "gpu"
    default: "pci"
    }
  }

  /// The driver most devices have, with its devices.
  static func commonestDriver(_ host: HostFacts) -> (String, [Device])? {
    var byDriver: [String: [Device]] = [:]
    for device in host.topology.devices {
      if let driver = device.driver { byDriver[driver, default: []].append(device) }
    }
    return byDriver.max { a, b in
      a.value.count != b.value.count ? a.value.count < b.value.count : a.key > b.key
    }.map { ($0.key, $0.value) }
  }

  // MARK: YAML

  static func yaml(_ generated: Generated, name: String) -> String {
    var out = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata:
        name: \(name)
      host:
        housekeeping:
          cpus: \(generated.housekeepingCPUs)
          perNode: true
          memory: 1GiB
      coordinator:
        kernel: {image: /boot/vmlinuz-mk}

      """
    if let granule = generated.granuleMiB { out += "  memoryGranule: \(granule)MiB\n" }
    out += "workloads:\n"
    for entry in generated.entries {
      out += "  - name: \(entry.name)\n"
      out += "    isolation: \(entry.isolation)\n"
      out += "    cpus: \(entry.cpus)\n"
      out += "    smt: \(entry.smt)\n"
      if entry.memoryMiB > 0 { out += "    memory: \(entry.memoryMiB)MiB\n" }
      if let pages = entry.hugePages {
        out += "    hugepages: {size: \(pages.sizeMiB)MiB, count: \(pages.count)}\n"
      }
      if !entry.devices.isEmpty {
        out += "    devices:\n"
        for device in entry.devices {
          var fields = ["type: \(device.type)"]
          if let match = device.match { fields.append("match: {\(match)}") }
          if device.count != 1 { fields.append("count: \(device.count)") }
          out += "      - {\(fields.joined(separator: ", "))}\n"
        }
      }
      var placement: [String] = []
      if entry.numa != "any" { placement.append("numa: \(entry.numa)") }
      if entry.near { placement.append("nearDevices: true") }
      if entry.llc != "shared" { placement.append("llc: \(entry.llc)") }
      if !entry.avoid.isEmpty {
        placement.append("avoid: [\(entry.avoid.joined(separator: ", "))]")
      }
      if !placement.isEmpty { out += "    placement: {\(placement.joined(separator: ", "))}\n" }
    }
    return out
  }
}

/// `mkpolicy-bench infeasible TOPOLOGY OUTDIR COUNT,...`: every kind that
/// applies to the host, and the oversubscribed variant of every benchmark
/// family, at each count, as YAML in OUTDIR, with `manifest.tsv` (file,
/// kind, workloads, expectation) for `Benchmarks/solver/infeasible.sh`.
func infeasibleKinds(topologyPath: String, outDir: String, counts: [Int]) {
  let loaded = TopologySnapshot.read(path: topologyPath)
  guard let topology = loaded.topology else {
    FileHandle.standardError.write(Data("cannot read \(topologyPath)\n".utf8))
    exit(1)
  }
  try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
  let host = InfeasibleKinds.HostFacts(topology)
  var manifest = ""
  func write(_ text: String, _ file: String, kind: String, count: Int, _ expectation: String) {
    try? text.write(toFile: outDir + "/" + file, atomically: true, encoding: .utf8)
    manifest += "\(file)\t\(kind)\t\(count)\t\(expectation)\n"
  }
  for count in counts {
    for kind in InfeasibleKinds.kinds {
      guard let generated = kind.make(host, count) else { continue }
      let file = "\(kind.name)-\(count).yaml"
      write(
        InfeasibleKinds.yaml(generated, name: kind.name), file, kind: kind.name, count: count,
        kind.expectation.rawValue)
    }
    // `scale` is left out: its oversubscribed variant is the same policy
    // as the fitting one (Families.policy returns it before scaling).
    for family in Families.names where family != "scale" {
      let policy = Families.policy(
        family, on: topology, workloads: count, seed: 11, oversubscribed: true)
      let file = "family-\(family)-over-\(count).yaml"
      write(
        Families.yaml(policy), file, kind: "family-\(family)-over", count: count,
        InfeasibleKinds.Expectation.sum.rawValue)
    }
  }
  try? manifest.write(toFile: outDir + "/manifest.tsv", atomically: true, encoding: .utf8)
}

/// `mkpolicy-bench offline-host TOPOLOGY OUT`: the host with the second
/// thread of every fourth core offline (a partly offline SMT host: LLC
/// domains whose cores have different thread counts), for running the
/// infeasible kinds on it (`HOSTS=offline:PATH` of infeasible.sh).
func writePartlyOfflineHost(topologyPath: String, to path: String) {
  guard var topology = TopologySnapshot.read(path: topologyPath).topology else {
    FileHandle.standardError.write(Data("cannot read \(topologyPath)\n".utf8))
    exit(1)
  }
  var coreNumber = 0
  for package in topology.packages.indices {
    for die in topology.packages[package].dies.indices {
      for node in topology.packages[package].dies[die].nodes.indices {
        for domain in topology.packages[package].dies[die].nodes[node].cacheDomains.indices {
          let cores = topology.packages[package].dies[die].nodes[node].cacheDomains[domain].cores
          for core in cores.indices {
            defer { coreNumber += 1 }
            guard coreNumber % 4 == 3, cores[core].threads.count > 1 else { continue }
            topology.packages[package].dies[die].nodes[node].cacheDomains[domain].cores[core]
              .threads[1].online = false
          }
        }
      }
    }
  }
  topology.source =
    "\(topology.source ?? topologyPath), with the second thread of every fourth core offline"
  try? TopologySnapshot.yaml(topology).write(toFile: path, atomically: true, encoding: .utf8)
}
