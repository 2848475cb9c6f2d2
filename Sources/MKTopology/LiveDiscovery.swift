import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads the topology of the running host: libnuma for nodes, CPUs per node,
/// memory and distances; libudev for PCI devices and their net, block, nvme
/// and drm children; sysfs and /proc for what neither gives (packages, dies,
/// cores and siblings, last-level caches, APIC ids, IRQ vectors with their
/// affinity, huge pages, kernel and cgroup facts).
///
/// One pass over the files, no external processes, no root needed. Where a
/// source is missing (no NUMA, no udev database, a container, offline CPUs)
/// discovery carries on and says what it assumed, as E32x warnings.
public struct LiveDiscovery: Sendable {
  public struct Options: Sendable {
    /// Where `/sys` and `/proc` are; `/` for the running host. Any other
    /// root (a fixture tree) is read with plain file access only.
    public var root: String
    /// Use libnuma and libudev on the running host (off: sysfs only, which
    /// tests use to check that both paths agree).
    public var useLibraries: Bool
    /// nil: the running kernel's machine (`uname -m`).
    public var architecture: String?
    /// nil: `discovered on HOSTNAME`.
    public var source: String?
    /// Read the volatile facts that only the process table or a changing
    /// file gives: whether irqbalance runs (a read of every process's
    /// `comm`, thousands of files on a busy host) and the boot id. Off for a
    /// snapshot that leaves them out anyway (`discover` without
    /// `--volatile` writes `withoutVolatileState()`): the topology then has
    /// nil for both, which is what that form records.
    public var volatileState: Bool

    public init(
      root: String = "/", useLibraries: Bool = true, architecture: String? = nil,
      source: String? = nil, volatileState: Bool = true
    ) {
      self.root = root
      self.useLibraries = useLibraries
      self.architecture = architecture
      self.source = source
      self.volatileState = volatileState
    }
  }

  public struct Result: Sendable {
    public var topology: Topology
    /// Warnings about what could not be read and what was assumed instead.
    public var diagnostics: [Diagnostic]
  }

  public var options: Options

  public init(options: Options = Options()) { self.options = options }

  public func discover() throws(DiagnosticError) -> Result {
    let files = HostFiles(root: options.root)
    var diagnostics: [Diagnostic] = []
    let architecture = options.architecture ?? Self.machine()

    if files.exists("/.dockerenv") || files.exists("/run/.containerenv")
      || (files.line("/proc/1/environ")?.containsUTF8("container=") ?? false)
    {
      diagnostics.append(
        .warning(
          "E328",
          "running in a container: sysfs and /proc may show the host only in part "
            + "(CPUs, devices and IRQs outside the container's view are missing)",
          help: ["discover on the host itself for a snapshot to plan against"]))
    }

    let cpuFacts = CPUFacts.discover(files, architecture: architecture, diagnostics: &diagnostics)
    guard !cpuFacts.threads.isEmpty else {
      throw DiagnosticError(
        .error(
          "E329",
          "no CPU topology found under \(files.resolve("/sys/devices/system/cpu")): "
            + "is sysfs mounted?", help: ["mount sysfs, or pass the right --root"]))
    }
    let allCPUs = CPUSet(cpuFacts.threads.map(\.cpu))
    let numa = NUMAFacts.discover(
      files, useLibrary: options.useLibraries, allCPUs: allCPUs, diagnostics: &diagnostics)
    let packages = Self.assemble(cpuFacts, numa, diagnostics: &diagnostics)
    let devices = DeviceDiscovery.discover(
      files, useLibrary: options.useLibraries, cpus: allCPUs, nodes: Set(numa.nodes.map(\.id)),
      diagnostics: &diagnostics)
    let kernel = KernelDiscovery.discover(
      files, volatileState: options.volatileState, diagnostics: &diagnostics)
    let identity = HostIdentityDiscovery.discover(files, diagnostics: &diagnostics)
    let topology = Topology(
      architecture: architecture, packages: packages, devices: devices, kernel: kernel,
      source: options.source ?? "discovered on \(identity.hostName ?? "an unnamed host")",
      hostName: identity.hostName, machineId: identity.machineId)
    return Result(topology: topology.canonicalized(), diagnostics: diagnostics)
  }

  /// `uname -m` without a process.
  static func machine() -> String {
    var name = utsname()
    guard uname(&name) == 0 else { return "unknown" }
    return withUnsafeBytes(of: name.machine) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  /// Builds packages -> dies -> nodes -> LLC domains -> cores -> threads.
  /// Core and cache ids are ranks by lowest CPU, as the synthesizer assigns them.
  static func assemble(
    _ cpus: CPUFacts, _ numa: NUMAFacts, diagnostics: inout [Diagnostic]
  ) -> [CPUPackage] {
    var threads = cpus.threads
    var nodeOf: [Int: Int] = [:]
    let known = Set(threads.map(\.cpu))
    for node in numa.nodes {
      for cpu in node.cpus where known.contains(cpu) && nodeOf[cpu] == nil { nodeOf[cpu] = node.id }
    }
    // CPUs in no node's list go with their siblings, else the lowest node.
    let lowestNode = numa.nodes.first?.id ?? 0
    for thread in threads where nodeOf[thread.cpu] == nil {
      nodeOf[thread.cpu] = thread.siblings.lazy.compactMap { nodeOf[$0] }.first ?? lowestNode
    }

    // Each node goes in the package and die of its first CPU; memory-only
    // nodes go with the nearest node that has CPUs.
    var nodePlace: [Int: (package: Int, die: Int)] = [:]
    for node in numa.nodes {
      let withThreads = threads.filter { nodeOf[$0.cpu] == node.id }
      if let first = withThreads.first {
        nodePlace[node.id] = (first.package, first.die)
        let packages = Set(withThreads.map(\.package))
        if packages.count > 1 {
          diagnostics.append(
            .warning(
              "E327",
              "NUMA node \(node.id) spans packages "
                + packages.sorted().map(String.init).joined(separator: ", ")
                + "; the snapshot places it in package \(first.package)",
              help: ["a VM with several sockets and one node: give the VM one node per socket"]))
        }
      }
    }
    for node in numa.nodes where nodePlace[node.id] == nil {
      let nearest = numa.nodes.filter { nodePlace[$0.id] != nil }.min {
        let a = node.distances.indices.contains($0.id) ? node.distances[$0.id] : Int.max
        let b = node.distances.indices.contains($1.id) ? node.distances[$1.id] : Int.max
        return (a, $0.id) < (b, $1.id)
      }
      nodePlace[node.id] = nearest.flatMap { nodePlace[$0.id] } ?? (threads.first?.package ?? 0, 0)
    }

    // Offline CPUs: the kernel hides their package, core and cache, but
    // keeps the nodeN/cpuM link. Those with a known node are listed there as
    // a core of their own, offline (a multikernel host's pool CPUs are
    // offline on the host and must stay in the model); the rest are left out.
    var offlinePlaced = CPUSet()
    for cpu in cpus.unplaced {
      let linked = numa.nodes.first { $0.linkedCPUs.contains(cpu) }?.id
      guard let node = linked ?? (numa.nodes.count == 1 ? lowestNode : nil),
        let place = nodePlace[node]
      else { continue }
      nodeOf[cpu] = node
      offlinePlaced.insert(cpu)
      threads.append(
        CPUFacts.Thread(
          cpu: cpu, package: place.package, die: place.die, siblings: [cpu], llc: nil,
          physicalId: nil, online: false, type: nil))
    }
    let leftOut = cpus.unplaced.subtracting(offlinePlaced)
    for (set, placed) in [(offlinePlaced, true), (leftOut, false)] where !set.isEmpty {
      let one = set.count == 1
      let subject = one ? "CPU \(set.cpulist) is" : "CPUs \(set.cpulist) are"
      let rest =
        placed
        ? "\(one ? "it is" : "they are") listed on \(one ? "its" : "their") NUMA node as "
          + "\(one ? "a single-thread core" : "single-thread cores") with online: false and no "
          + "physical id"
        : "and no NUMA node lists \(one ? "it" : "them"), so \(one ? "it is" : "they are") "
          + "left out of the snapshot"
      diagnostics.append(
        .warning(
          "E321",
          "\(subject) offline: the kernel does not show \(one ? "its" : "their") package, "
            + "core or cache; " + rest,
          help: [
            "bring them online (echo 1 > /sys/devices/system/cpu/cpuN/online) and discover again "
              + "for their full topology"
          ]))
    }
    let byCPU = Dictionary(uniqueKeysWithValues: threads.map { ($0.cpu, $0) })

    // Cores: one per sibling set, split by node (never across one).
    var coreCPUs: [[Int]] = []
    var seen: Set<Int> = []
    for thread in threads.sorted(by: { $0.cpu < $1.cpu }) where !seen.contains(thread.cpu) {
      let members = thread.siblings.filter {
        byCPU[$0] != nil && nodeOf[$0] == nodeOf[thread.cpu] && !seen.contains($0)
      }
      let core = members.isEmpty ? [thread.cpu] : Array(members)
      seen.formUnion(core)
      coreCPUs.append(core)
    }
    coreCPUs.sort { $0[0] < $1[0] }

    // LLC domains: cores sharing a cache within one node; without cache
    // data, the package's part of the node (level 0). An offline core joins
    // its node's domain when the node has only one.
    struct DomainKey: Hashable {
      var node: Int
      var level: Int
      var shared: CPUSet
      var package: Int
    }
    var domainCores: [DomainKey: [[Int]]] = [:]
    var domainSize: [DomainKey: UInt64] = [:]
    var offlineCores: [[Int]] = []
    for core in coreCPUs {
      guard let first = byCPU[core[0]] else { continue }
      if !first.online && first.llc == nil {
        offlineCores.append(core)
        continue
      }
      let node = nodeOf[core[0]] ?? lowestNode
      let key: DomainKey
      if let llc = core.lazy.compactMap({ byCPU[$0]?.llc }).first {
        key = DomainKey(node: node, level: llc.level, shared: llc.shared, package: first.package)
        domainSize[key] = llc.sizeBytes
      } else {
        key = DomainKey(node: node, level: 0, shared: [], package: first.package)
        domainSize[key] = 0
      }
      domainCores[key, default: []].append(core)
    }
    for core in offlineCores {
      let node = nodeOf[core[0]] ?? lowestNode
      let onNode = domainCores.keys.filter { $0.node == node }
      let key =
        onNode.count == 1
        ? onNode[0]
        : DomainKey(node: node, level: 0, shared: [], package: byCPU[core[0]]?.package ?? 0)
      if domainSize[key] == nil { domainSize[key] = 0 }
      domainCores[key, default: []].append(core)
    }
    for key in domainCores.keys { domainCores[key]?.sort { $0[0] < $1[0] } }
    let orderedDomains = domainCores.keys.sorted {
      (domainCores[$0]?.first?.first ?? 0) < (domainCores[$1]?.first?.first ?? 0)
    }
    var coreIds: [Int: Int] = [:]
    for (rank, core) in coreCPUs.enumerated() { coreIds[core[0]] = rank }

    var tree: [Int: [Int: [NUMANode]]] = [:]
    for node in numa.nodes {
      var domains: [CacheDomain] = []
      for (rank, key) in orderedDomains.enumerated() where key.node == node.id {
        let cores = (domainCores[key] ?? []).map { members -> Core in
          let threads = members.compactMap { cpu -> HardwareThread? in
            guard let fact = byCPU[cpu] else { return nil }
            return HardwareThread(cpu: cpu, physicalId: fact.physicalId, online: fact.online)
          }
          return Core(id: coreIds[members[0]] ?? 0, type: byCPU[members[0]]?.type, threads: threads)
        }
        domains.append(
          CacheDomain(
            id: rank, level: key.level, sizeBytes: domainSize[key] ?? 0, cores: cores))
      }
      let place = nodePlace[node.id] ?? (0, 0)
      tree[place.package, default: [:]][place.die, default: []].append(
        NUMANode(
          id: node.id, memoryTotalBytes: node.memoryTotalBytes,
          memoryFreeBytes: min(node.memoryFreeBytes, node.memoryTotalBytes),
          hugePages: node.hugePages, distances: node.distances, cacheDomains: domains))
    }
    // Packages whose CPUs all landed in another package's node cannot be
    // shown as a level of their own: say so.
    for package in Set(threads.map(\.package)).sorted() where tree[package] == nil {
      diagnostics.append(
        .warning(
          "E327",
          "package \(package) has no NUMA node of its own; its CPUs appear under the node "
            + "they belong to"))
    }
    return tree.keys.sorted().compactMap { package in
      let dies = (tree[package] ?? [:]).keys.sorted().map { die in
        Die(id: die, nodes: (tree[package]?[die] ?? []).sorted { $0.id < $1.id })
      }
      return dies.isEmpty ? nil : CPUPackage(id: package, dies: dies)
    }
  }
}
