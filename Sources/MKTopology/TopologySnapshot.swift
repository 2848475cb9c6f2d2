import MKCore

/// The snapshot file format (`apiVersion: mkpolicy.io/v1`, `kind: HostTopology`):
/// a host's topology written so that plans can be compiled and reviewed on
/// another machine, and read back strictly with located diagnostics.
///
/// Writing is deterministic: the topology is put in canonical order first and
/// the layout is fixed, so the same host gives a byte-identical file and a
/// file read and written again is unchanged. In YAML the `source` is the
/// comment block at the top of the file; in JSON it is the `source` member.
/// The format is described in docs/topology.md.
public enum TopologySnapshot {
  public static let apiVersion = "mkpolicy.io/v1"
  public static let kind = "HostTopology"

  public enum Format: String, Sendable, CaseIterable {
    case yaml, json
  }

  public static func write(_ topology: Topology, format: Format) -> String {
    switch format {
    case .yaml: yaml(topology)
    case .json: json(topology)
    }
  }

  public static func yaml(_ topology: Topology) -> String {
    let topology = topology.canonicalized()
    var header = ""
    if let source = topology.source {
      for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = String(line).trimmingTrailingSpaces()
        header += trimmed.isEmpty ? "#\n" : "# " + trimmed + "\n"
      }
    }
    return header + document(topology, includeSource: false).yaml()
  }

  public static func json(_ topology: Topology) -> String {
    document(topology.canonicalized(), includeSource: true).json()
  }

  /// `json(topology)` as UTF-8 bytes, for digests (no `String` in between).
  public static func jsonBytes(_ topology: Topology) -> [UInt8] {
    document(topology.canonicalized(), includeSource: true).jsonBytes()
  }

  static func document(_ t: Topology, includeSource: Bool) -> SnapshotValue {
    var entries: [(String, SnapshotValue)] = [
      ("apiVersion", .string(apiVersion)),
      ("kind", .string(kind)),
    ]
    if includeSource, let source = t.source { entries.append(("source", .string(source))) }
    if let hostName = t.hostName { entries.append(("hostName", .string(hostName))) }
    if let machineId = t.machineId { entries.append(("machineId", .string(machineId))) }
    entries.append(("architecture", .string(t.architecture)))
    entries.append(("kernel", kernel(t.kernel)))
    entries.append(("packages", .list(t.packages.map(package), flow: false)))
    entries.append(("devices", .list(t.devices.map(device), flow: false)))
    return .map(entries, flow: false)
  }

  private static func kernel(_ k: KernelInfo) -> SnapshotValue {
    var entries: [(String, SnapshotValue)] = [
      ("release", .string(k.release)),
      ("commandLine", .string(k.commandLine)),
    ]
    if let bootId = k.bootId { entries.append(("bootId", .string(bootId))) }
    entries.append(
      (
        "cgroup",
        .map(
          [
            ("mode", .string(k.cgroupMode.rawValue)),
            ("controllers", .list(k.cgroupControllers.map { .string($0) }, flow: true)),
            ("cpusetPartitions", .bool(k.cpusetPartitions)),
            ("cpusetExclusive", .bool(k.cpusetExclusive)),
          ], flow: false)
      ))
    entries.append(("multikernel", .string(k.multikernel?.rawValue ?? "none")))
    if let running = k.irqbalanceRunning { entries.append(("irqbalanceRunning", .bool(running))) }
    return .map(entries, flow: false)
  }

  private static func package(_ p: CPUPackage) -> SnapshotValue {
    .map([("id", .int(p.id)), ("dies", .list(p.dies.map(die), flow: false))], flow: false)
  }

  private static func die(_ d: Die) -> SnapshotValue {
    .map([("id", .int(d.id)), ("nodes", .list(d.nodes.map(node), flow: false))], flow: false)
  }

  private static func node(_ n: NUMANode) -> SnapshotValue {
    .map(
      [
        ("id", .int(n.id)),
        (
          "memory",
          .map(
            [("total", .token(ByteSize.format(n.memoryTotalBytes)))]
              + (n.memoryFreeBytes.map { [("free", .token(ByteSize.format($0)))] } ?? []),
            flow: true)
        ),
        (
          "hugePages",
          .list(
            n.hugePages.map { pool in
              var fields: [(String, SnapshotValue)] = [
                ("size", .token(ByteSize.format(pool.pageSizeBytes)))
              ]
              if let total = pool.total { fields.append(("total", .int(total))) }
              if let free = pool.free { fields.append(("free", .int(free))) }
              return .map(fields, flow: true)
            }, flow: false)
        ),
        ("distances", .list(n.distances.map { .int($0) }, flow: true)),
        ("caches", .list(n.cacheDomains.map(cache), flow: false)),
      ], flow: false)
  }

  private static func cache(_ c: CacheDomain) -> SnapshotValue {
    .map(
      [
        ("id", .int(c.id)), ("level", .int(c.level)),
        ("size", .token(ByteSize.format(c.sizeBytes))),
        ("cores", .list(c.cores.map(core), flow: false)),
      ], flow: false)
  }

  private static func core(_ c: Core) -> SnapshotValue {
    var entries: [(String, SnapshotValue)] = [("id", .int(c.id))]
    if let type = c.type { entries.append(("type", .string(type.rawValue))) }
    entries.append(("threads", .list(c.threads.map(thread), flow: true)))
    return .map(entries, flow: true)
  }

  private static func thread(_ t: HardwareThread) -> SnapshotValue {
    var entries: [(String, SnapshotValue)] = [("cpu", .int(t.cpu))]
    if let physicalId = t.physicalId { entries.append(("physicalId", .int(physicalId))) }
    if !t.online { entries.append(("online", .bool(false))) }
    return .map(entries, flow: true)
  }

  private static func device(_ d: Device) -> SnapshotValue {
    var entries: [(String, SnapshotValue)] = [
      ("pciAddress", .string(d.pciAddress)),
      ("class", .string(d.deviceClass.rawValue)),
      ("classCode", .string(classCodeText(d.classCode))),
      ("vendor", .string(d.vendorId)),
      ("device", .string(d.deviceId)),
    ]
    if let driver = d.driver { entries.append(("driver", .string(driver))) }
    if let node = d.numaNode { entries.append(("numaNode", .int(node))) }
    if d.sriovTotalVFs != nil || d.sriovEnabledVFs != nil {
      var sriov: [(String, SnapshotValue)] = []
      if let total = d.sriovTotalVFs { sriov.append(("totalVFs", .int(total))) }
      if let enabled = d.sriovEnabledVFs { sriov.append(("enabledVFs", .int(enabled))) }
      entries.append(("sriov", .map(sriov, flow: true)))
    }
    if let group = d.iommuGroup { entries.append(("iommuGroup", .int(group))) }
    entries.append(
      (
        "children",
        .list(
          d.children.map { child in
            var fields: [(String, SnapshotValue)] = [
              ("kind", .string(child.kind.rawValue)), ("name", .string(child.name)),
            ]
            if let mm = child.majorMinor { fields.append(("majorMinor", .string(mm))) }
            return .map(fields, flow: true)
          }, flow: false)
      ))
    entries.append(
      (
        "irqs",
        .list(
          d.irqs.map { irq in
            var fields: [(String, SnapshotValue)] = [("irq", .int(irq.irq))]
            if let name = irq.name { fields.append(("name", .string(name))) }
            if let affinity = irq.affinity {
              fields.append(("affinity", .string(affinity.cpulist)))
            }
            fields.append(("movable", .bool(irq.movable)))
            // Written when it says something the rest does not: an IRQ with
            // an affinity is present, one without is of unknown presence.
            if let present = irq.present, !present || irq.affinity == nil {
              fields.append(("present", .bool(present)))
            }
            return .map(fields, flow: true)
          }, flow: false)
      ))
    return .map(entries, flow: false)
  }

  /// `0x020000`: six hex digits, as lspci and sysfs print class codes.
  static func classCodeText(_ code: UInt32) -> String {
    let hex = String(code, radix: 16)
    return "0x" + String(repeating: "0", count: max(6 - hex.count, 0)) + hex
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var text = self
    while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
    return text
  }
}
