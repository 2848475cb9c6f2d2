import MKCore

/// A short human summary of a topology (`mkpolicy discover --summary`): what
/// a reviewer needs at a glance to judge a plan for this host, one line per
/// NUMA node and one per node's devices.
public enum TopologySummary {
  public static func text(_ topology: Topology) -> String {
    let t = topology.canonicalized()
    let threads = t.threads
    let online = threads.filter(\.online).count
    var out = "Host: \(headline(t.source))\n"
    let k = t.kernel
    out +=
      "  \(t.architecture), kernel \(k.release.isEmpty ? "unknown" : k.release), cgroup "
      + "\(k.cgroupMode.rawValue), multikernel \(k.multikernel?.rawValue ?? "none"), irqbalance "
      + "\(k.irqbalanceRunning.map { $0 ? "running" : "not running" } ?? "not recorded")\n"
    out +=
      "  \(plural(t.packages.count, "socket")), \(plural(t.nodes.count, "NUMA node")), "
      + "\(plural(t.cacheDomains.count, "LLC domain")), \(plural(t.cores.count, "core"))"
      + hybrid(t.cores) + ", "
      + "\(plural(threads.count, "thread"))"
      + (online == threads.count ? "" : " (\(online) online)") + "\n\n"

    var rows = [
      ["node", "socket", "cpus", "cores", "threads", "LLCs", "memory", "free", "huge pages"]
    ]
    for package in t.packages {
      for node in package.dies.flatMap(\.nodes) {
        let llcs = node.cacheDomains
        let llcText =
          llcs.isEmpty
          ? "0" : "\(llcs.count) x \(ByteSize.format(llcs[0].sizeBytes))"
        let huge =
          node.hugePages.map { pool in
            // A stable snapshot names the page sizes, not the pool sizes.
            guard let total = pool.total else { return ByteSize.format(pool.pageSizeBytes) }
            return total > 0 ? "\(total) x \(ByteSize.format(pool.pageSizeBytes))" : ""
          }.filter { !$0.isEmpty }.joined(separator: ", ")
        rows.append([
          "\(node.id)", "\(package.id)", node.cpus.cpulist.isEmpty ? "-" : node.cpus.cpulist,
          "\(llcs.flatMap(\.cores).count)", "\(node.cpus.count)", llcText,
          gib(node.memoryTotalBytes), node.memoryFreeBytes.map(gib) ?? "-",
          huge.isEmpty ? "-" : huge,
        ])
      }
    }
    out += table(rows)

    if !t.devices.isEmpty {
      out += "\nDevices:\n"
      let groups = Dictionary(grouping: t.devices) { $0.numaNode ?? -1 }
      for node in groups.keys.sorted() {
        let label = node < 0 ? "no node" : "node \(node)"
        let parts = DeviceClass.allCases.compactMap { kind -> String? in
          let devices = (groups[node] ?? []).filter { $0.deviceClass == kind }
          guard !devices.isEmpty else { return nil }
          let names = devices.map { device in
            device.children.first { $0.kind != .other }?.name ?? device.children.first?.name
              ?? device.pciAddress
          }
          return "\(devices.count) \(kind.rawValue) (\(names.joined(separator: ", ")))"
        }
        out += "  \(label): " + parts.joined(separator: ", ") + "\n"
      }
    }
    return out
  }

  /// The source's first sentence, at most about 96 characters.
  static func headline(_ source: String?) -> String {
    guard let source, !source.isEmpty else { return "unnamed" }
    var text = source.split(whereSeparator: \.isNewline).joined(separator: " ")
    var previous: Character = " "
    for index in text.indices {
      if previous == ".", text[index] == " " {
        text = String(text[..<text.index(before: index)])
        break
      }
      previous = text[index]
    }
    if text.hasSuffix(".") { text.removeLast() }
    guard text.count > 96 else { return text }
    var cut = String(text.prefix(96))
    if let space = cut.lastIndex(of: " ") { cut = String(cut[..<space]) }
    return cut + " ..."
  }

  /// ` (6 performance, 8 efficiency)` on hybrid CPUs, else nothing.
  private static func hybrid(_ cores: [Core]) -> String {
    let p = cores.filter { $0.type == .performance }.count
    let e = cores.filter { $0.type == .efficiency }.count
    return p + e == 0 ? "" : " (\(p) performance, \(e) efficiency)"
  }

  private static func plural(_ count: Int, _ word: String) -> String {
    "\(count) \(word)\(count == 1 ? "" : "s")"
  }

  /// Bytes as GiB with one decimal, rounded down, in integer arithmetic.
  static func gib(_ bytes: UInt64) -> String {
    let gib: UInt64 = 1 << 30
    let tenths = bytes / gib * 10 + bytes % gib * 10 / gib
    return "\(tenths / 10).\(tenths % 10) GiB"
  }

  private static func table(_ rows: [[String]]) -> String {
    let widths = (0..<rows[0].count).map { column in
      rows.map { $0[column].count }.max() ?? 0
    }
    return rows.map { row in
      row.enumerated().map { index, cell in
        index == row.count - 1
          ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
      }.joined().trimmingTrailingSpaces()
    }.map { "  " + $0 + "\n" }.joined()
  }
}
