import MKCore

/// What reading a snapshot gives: the topology (nil when anything was wrong),
/// every diagnostic, and the text for `DiagnosticRenderer`.
public struct TopologyLoadResult: Sendable {
  public var topology: Topology?
  public var diagnostics: [Diagnostic]
  /// path -> text, for the renderer's source lines.
  public var sources: [String: String]

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

extension TopologySnapshot {
  /// Snapshots of large hosts (thousands of threads, IRQ vectors) are bigger
  /// than policies; this still bounds what a hostile file can make us parse.
  public static let maximumBytes = 32 << 20

  /// Reads a snapshot file (YAML or JSON; JSON is read as YAML flow syntax, so
  /// locations work the same). Every problem is reported with file:line:col;
  /// a snapshot with any error gives no topology.
  public static func read(path: String) -> TopologyLoadResult {
    let result = YAMLReader(maximumBytes: maximumBytes).read(path: path)
    return decode(result)
  }

  public static func read(text: String, file: String) -> TopologyLoadResult {
    decode(YAMLReader(maximumBytes: maximumBytes).read(text: text, file: file))
  }

  private static func decode(_ result: YAMLReadResult) -> TopologyLoadResult {
    let sources = [result.file: result.source]
    guard !result.hasErrors else {
      return TopologyLoadResult(topology: nil, diagnostics: result.diagnostics, sources: sources)
    }
    guard let root = result.root else {
      let diagnostic = Diagnostic.error(
        "E300", "the snapshot is empty",
        at: SourceLocation(file: result.file, line: 1, column: 1),
        help: ["write one with 'mkpolicy discover -o FILE'"])
      return TopologyLoadResult(topology: nil, diagnostics: [diagnostic], sources: sources)
    }
    let decoder = SnapshotDecoder()
    var topology = decoder.topology(root, leadingComment: leadingComment(result.source))
    if topology != nil {
      SnapshotValidator(decoder: decoder).check()
    }
    var collector = DiagnosticCollector()
    collector.emit(contentsOf: result.diagnostics + decoder.diagnostics)
    if collector.hasErrors { topology = nil }
    return TopologyLoadResult(
      topology: topology?.canonicalized(), diagnostics: collector.sorted, sources: sources)
  }

  /// The comment block at the top of a YAML file, which carries `source`.
  static func leadingComment(_ text: String) -> String? {
    var lines: [String] = []
    // Line by line from the top, stopping at the first that is not a
    // comment: splitting the whole file first cost as much as a tenth of
    // reading a large host's snapshot.
    var rest = Substring(text)
    while true {
      let end = rest.firstIndex(of: "\n") ?? rest.endIndex
      let line = rest[..<end]
      guard line.hasPrefix("#") else { break }
      var body = line.dropFirst()
      if body.hasPrefix(" ") { body = body.dropFirst() }
      lines.append(String(body).trimmingTrailingSpaces())
      guard end < rest.endIndex else { break }
      rest = rest[rest.index(after: end)...]
    }
    return lines.isEmpty ? nil : lines.joined(separator: "\n")
  }
}

/// Turns a `YAMLNode` tree into a `Topology`, reporting every unknown key,
/// missing key and mistyped value, and remembering where each id was written
/// so that `SnapshotValidator` can point at duplicates and bad references.
final class SnapshotDecoder {
  var diagnostics: [Diagnostic] = []
  /// Locations of ids, for the cross-checks.
  var packageIds: [(Int, SourceLocation)] = []
  var nodeIds: [(Int, SourceLocation)] = []
  var dieIds: [(package: Int, id: Int, at: SourceLocation)] = []
  var cacheIds: [(Int, SourceLocation)] = []
  var coreIds: [(Int, SourceLocation)] = []
  var cpus: [(Int, SourceLocation)] = []
  var physicalIds: [(Int, SourceLocation)] = []
  /// Node memory totals with where they were written, for the sum check.
  var nodeMemory: [(UInt64, SourceLocation)] = []
  var distanceRows: [(node: Int, row: [Int], at: SourceLocation)] = []
  var pciAddresses: [(String, SourceLocation)] = []
  var deviceNodes: [(Int, SourceLocation)] = []
  /// Every IRQ entry with its device, for the shared-line check.
  var irqEntries: [(irq: DeviceIRQ, device: String?, at: SourceLocation)] = []
  /// Entries of the device being decoded, until its address is known.
  private var pendingIRQs: [(DeviceIRQ, SourceLocation)] = []
  var irqAffinities: [(CPUSet, SourceLocation)] = []

  private func error(
    _ code: String, _ message: String, at location: SourceLocation, help: [String] = []
  ) {
    diagnostics.append(.error(code, message, at: location, help: help))
  }

  // MARK: fields

  /// A mapping's entries, with unknown keys reported and required ones checked.
  private struct Fields {
    var node: YAMLNode
    var values: FieldValues

    /// Where `key`'s value is (the mapping itself if it is absent).
    func at(_ key: String) -> SourceLocation { values[key]?.location ?? node.location }
  }

  /// The known entries of one mapping, found by a scan: a snapshot's
  /// mappings have a dozen keys at most, and there is one per thread and
  /// core (thousands on a large host), where building and hashing a
  /// dictionary per mapping cost more than the scan. The last entry of a
  /// key wins, as the dictionary had it.
  struct FieldValues {
    var entries: [(key: String, value: YAMLNode)] = []

    subscript(key: String) -> YAMLNode? {
      for entry in entries.reversed() where entry.key == key { return entry.value }
      return nil
    }
  }

  private func fields(
    _ node: YAMLNode, _ what: String, required: [String], optional: [String] = []
  ) -> Fields? {
    guard let entries = node.mapping else {
      error(
        "E304", "\(what) must be a mapping, found \(node.kindDescription)", at: node.location)
      return nil
    }
    var values = FieldValues()
    values.entries.reserveCapacity(entries.count)
    for entry in entries {
      if required.contains(entry.key) || optional.contains(entry.key) {
        values.entries.append((entry.key, entry.value))
      } else {
        error(
          "E302", "unknown key '\(entry.key)' in \(what)", at: entry.keyLocation,
          help: ["known keys here: " + (required + optional).joined(separator: ", ")])
      }
    }
    var complete = true
    for key in required where values[key] == nil {
      error("E303", "\(what) is missing '\(key)'", at: node.location)
      complete = false
    }
    return complete ? Fields(node: node, values: values) : nil
  }

  private func int(_ node: YAMLNode, _ what: String, range: ClosedRange<Int> = 0...Int.max) -> Int?
  {
    guard let value = node.int else {
      error("E304", "\(what) must be an integer, found \(node.kindDescription)", at: node.location)
      return nil
    }
    guard range.contains(value) else {
      let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range)"
      error("E305", "\(what) is \(value), must be \(bound)", at: node.location)
      return nil
    }
    return value
  }

  private func string(_ node: YAMLNode, _ what: String) -> String? {
    guard node.scalar != nil, let value = node.string else {
      error("E304", "\(what) must be a string, found \(node.kindDescription)", at: node.location)
      return nil
    }
    return value
  }

  private func bool(_ node: YAMLNode, _ what: String) -> Bool? {
    guard let value = node.bool else {
      error(
        "E304", "\(what) must be true or false, found \(node.kindDescription)", at: node.location)
      return nil
    }
    return value
  }

  private func size(_ node: YAMLNode, _ what: String) -> UInt64? {
    guard node.scalar != nil, let text = node.string else {
      error("E304", "\(what) must be a size, found \(node.kindDescription)", at: node.location)
      return nil
    }
    let value: UInt64
    do {
      value = try ByteSize.parse(text)
    } catch {
      self.error(
        "E305", "\(what): \(error)", at: node.location,
        help: ["write bytes or a size with a unit: 4096, 2MiB, 64GiB"])
      return nil
    }
    guard value <= SnapshotLimits.maximumBytes else {
      error(
        "E305",
        "\(what) \(ByteSize.format(value)) is beyond any physical address space (at most "
          + "\(ByteSize.format(SnapshotLimits.maximumBytes)))", at: node.location,
        help: ["write the size the host has; `mkpolicy discover` writes it for you"])
      return nil
    }
    return value
  }

  private func list(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
    guard let items = node.sequence else {
      error("E304", "\(what) must be a list, found \(node.kindDescription)", at: node.location)
      return nil
    }
    return items
  }

  private func oneOf<T: RawRepresentable>(_ node: YAMLNode, _ what: String, _ cases: [T]) -> T?
  where T.RawValue == String {
    guard let text = string(node, what) else { return nil }
    guard let value = cases.first(where: { $0.rawValue == text }) else {
      error(
        "E305",
        "\(what) '\(text)' is not one of: "
          + cases.map(\.rawValue).joined(separator: ", "), at: node.location)
      return nil
    }
    return value
  }

  /// An optional field: `.some(nil)` when absent or null, nil when present
  /// but wrong (already reported), else the value.
  private func optional<T>(_ node: YAMLNode?, _ decode: (YAMLNode) -> T?) -> T?? {
    guard let node, !node.isNull else { return .some(nil) }
    guard let value = decode(node) else { return nil }
    return .some(value)
  }

  /// Decodes each item; nil when any item failed (its errors are reported).
  private func each<T>(_ node: YAMLNode?, _ what: String, _ decode: (YAMLNode) -> T?) -> [T]? {
    guard let node else { return [] }
    guard let items = list(node, what) else { return nil }
    var out: [T] = []
    var failed = false
    for item in items {
      if let value = decode(item) { out.append(value) } else { failed = true }
    }
    return failed ? nil : out
  }

  // MARK: document

  func topology(_ root: YAMLNode, leadingComment: String?) -> Topology? {
    guard
      let f = fields(
        root, "the snapshot",
        required: ["apiVersion", "kind", "architecture", "kernel", "packages"],
        optional: ["source", "hostName", "machineId", "devices"])
    else { return nil }
    let v = f.values
    if let apiVersion = v["apiVersion"], let text = string(apiVersion, "apiVersion"),
      text != TopologySnapshot.apiVersion
    {
      error(
        "E301", "apiVersion '\(text)' is not supported", at: apiVersion.location,
        help: ["this mkpolicy reads apiVersion: \(TopologySnapshot.apiVersion)"])
    }
    if let kind = v["kind"], let text = string(kind, "kind"), text != TopologySnapshot.kind {
      error(
        "E301", "kind '\(text)' is not a topology snapshot", at: kind.location,
        help: [
          "a snapshot has kind: \(TopologySnapshot.kind); policies are read by 'mkpolicy check'"
        ])
    }
    let source = v["source"].map { string($0, "source") } ?? leadingComment
    let hostName = optional(v["hostName"]) { node -> String? in
      guard let text = string(node, "hostName") else { return nil }
      guard HostIdentity.isValidHostName(text) else {
        error(
          "E305", "hostName '\(text)' is not a host name", at: node.location,
          help: ["1 to 64 characters: letters, digits, '-', '_' and '.'"])
        return nil
      }
      return text
    }
    let machineId = optional(v["machineId"]) { node -> String? in
      guard let text = string(node, "machineId") else { return nil }
      guard HostIdentity.isValidMachineId(text) else {
        error(
          "E305", "machineId '\(text)' is not 32 lower-case hex digits", at: node.location,
          help: ["copy it from /etc/machine-id (machine-id(5)), or leave the key out"])
        return nil
      }
      return text
    }
    let architecture = v["architecture"].flatMap { string($0, "architecture") }
    let kernel = v["kernel"].flatMap(kernel)
    let packages = each(v["packages"], "packages", package)
    let devices = each(v["devices"], "devices", device)
    guard let architecture, let kernel, let packages, let devices, let hostName, let machineId
    else { return nil }
    return Topology(
      architecture: architecture, packages: packages, devices: devices, kernel: kernel,
      source: source, hostName: hostName, machineId: machineId)
  }

  private func kernel(_ node: YAMLNode) -> KernelInfo? {
    guard
      let f = fields(
        node, "kernel",
        required: ["release", "commandLine", "cgroup", "multikernel"],
        optional: ["bootId", "irqbalanceRunning"])
    else { return nil }
    let v = f.values
    let release = v["release"].flatMap { string($0, "kernel.release") }
    let commandLine = v["commandLine"].flatMap { string($0, "kernel.commandLine") }
    let bootId = optional(v["bootId"]) { string($0, "kernel.bootId") }
    var multikernel: MultikernelPool?? = nil
    if let node = v["multikernel"], let text = string(node, "kernel.multikernel") {
      if text == "none" {
        multikernel = .some(nil)
      } else if let pool = MultikernelPool(rawValue: text) {
        multikernel = .some(pool)
      } else {
        error(
          "E305", "kernel.multikernel '\(text)' is not one of: none, runtime, boot-parameter",
          at: node.location)
      }
    }
    let irqbalance = optional(v["irqbalanceRunning"]) { bool($0, "kernel.irqbalanceRunning") }
    var cgroup: (CgroupMode, [String], Bool, Bool)?
    if let node = v["cgroup"],
      let c = fields(
        node, "kernel.cgroup",
        required: ["mode", "controllers", "cpusetPartitions", "cpusetExclusive"])
    {
      let mode = c.values["mode"].flatMap { oneOf($0, "kernel.cgroup.mode", CgroupMode.allCases) }
      let controllers = each(c.values["controllers"], "kernel.cgroup.controllers") {
        self.string($0, "a cgroup controller")
      }
      let partitions = c.values["cpusetPartitions"].flatMap {
        bool($0, "kernel.cgroup.cpusetPartitions")
      }
      let exclusive = c.values["cpusetExclusive"].flatMap {
        bool($0, "kernel.cgroup.cpusetExclusive")
      }
      if let mode, let controllers, let partitions, let exclusive {
        cgroup = (mode, controllers, partitions, exclusive)
      }
    }
    guard let release, let commandLine, let irqbalance, let cgroup, let multikernel, let bootId
    else { return nil }
    return KernelInfo(
      release: release, commandLine: commandLine, bootId: bootId, cgroupMode: cgroup.0,
      cgroupControllers: cgroup.1, cpusetPartitions: cgroup.2, cpusetExclusive: cgroup.3,
      multikernel: multikernel, irqbalanceRunning: irqbalance)
  }

  private func package(_ node: YAMLNode) -> CPUPackage? {
    guard let f = fields(node, "a package", required: ["id", "dies"]) else { return nil }
    guard
      let id = f.values["id"].flatMap({ int($0, "package id", range: 0...SnapshotLimits.maximumId) }
      )
    else {
      _ = each(f.values["dies"], "dies") { die($0, package: -1) }
      return nil
    }
    packageIds.append((id, f.at("id")))
    guard let dies = each(f.values["dies"], "dies", { die($0, package: id) }) else { return nil }
    return CPUPackage(id: id, dies: dies)
  }

  private func die(_ node: YAMLNode, package: Int) -> Die? {
    guard let f = fields(node, "a die", required: ["id", "nodes"]) else { return nil }
    let id = f.values["id"].flatMap { int($0, "die id", range: 0...SnapshotLimits.maximumId) }
    if let id { dieIds.append((package, id, f.at("id"))) }
    guard let nodes = each(f.values["nodes"], "nodes", numaNode), let id else { return nil }
    return Die(id: id, nodes: nodes)
  }

  private func numaNode(_ node: YAMLNode) -> NUMANode? {
    guard
      let f = fields(
        node, "a NUMA node", required: ["id", "memory"],
        optional: ["hugePages", "distances", "caches"])
    else { return nil }
    let v = f.values
    let id = v["id"].flatMap { int($0, "node id", range: 0...4095) }
    if let id { nodeIds.append((id, f.at("id"))) }
    var memory: (UInt64, UInt64?)?
    if let m = v["memory"],
      let mf = fields(m, "node memory", required: ["total"], optional: ["free"])
    {
      let total = mf.values["total"].flatMap { size($0, "memory total") }
      let free = optional(mf.values["free"]) { size($0, "memory free") }
      if let total, let at = mf.values["total"]?.location { nodeMemory.append((total, at)) }
      if let total, let free {
        if let free, free > total {
          error(
            "E307",
            "free memory \(ByteSize.format(free)) exceeds total memory \(ByteSize.format(total))",
            at: mf.at("free"))
        }
        memory = (total, free)
      }
    }
    let hugePages = each(v["hugePages"], "hugePages", hugePagePool)
    var distances: [Int]? = []
    if let d = v["distances"] {
      distances = each(d, "distances") { int($0, "a distance", range: 0...255) }
      if let id, let distances { distanceRows.append((id, distances, d.location)) }
    }
    let caches = each(v["caches"], "caches", cacheDomain)
    guard let id, let memory, let hugePages, let distances, let caches else { return nil }
    return NUMANode(
      id: id, memoryTotalBytes: memory.0, memoryFreeBytes: memory.1, hugePages: hugePages,
      distances: distances, cacheDomains: caches)
  }

  private func hugePagePool(_ node: YAMLNode) -> HugePagePool? {
    guard
      let f = fields(node, "a huge page pool", required: ["size"], optional: ["total", "free"])
    else {
      return nil
    }
    let size = f.values["size"].flatMap { self.size($0, "huge page size") }
    let total = optional(f.values["total"]) {
      int($0, "huge pages total", range: 0...SnapshotLimits.maximumHugePages)
    }
    let free = optional(f.values["free"]) {
      int($0, "huge pages free", range: 0...SnapshotLimits.maximumHugePages)
    }
    guard let size, let total, let free else { return nil }
    if size == 0 || size & (size - 1) != 0 {
      error(
        "E305", "huge page size \(ByteSize.format(size)) is not a power of two",
        at: f.at("size"))
      return nil
    }
    if let free, free > (total ?? Int.max) {
      error(
        "E307", "\(free) free huge pages exceed the \(total ?? 0) in the pool",
        at: f.at("free"))
    }
    let bytes = UInt64(max(total ?? 0, free ?? 0)).multipliedReportingOverflow(by: size)
    if bytes.overflow || bytes.partialValue > SnapshotLimits.maximumBytes {
      error(
        "E307",
        "\(max(total ?? 0, free ?? 0)) huge pages of \(ByteSize.format(size)) are more memory than any node can have",
        at: f.at("total"))
      return nil
    }
    return HugePagePool(pageSizeBytes: size, total: total, free: free)
  }

  private func cacheDomain(_ node: YAMLNode) -> CacheDomain? {
    guard let f = fields(node, "a cache domain", required: ["id", "level", "size", "cores"]) else {
      return nil
    }
    let id = f.values["id"].flatMap { int($0, "cache id", range: 0...SnapshotLimits.maximumId) }
    if let id { cacheIds.append((id, f.at("id"))) }
    let level = f.values["level"].flatMap { int($0, "cache level", range: 0...4) }
    let size = f.values["size"].flatMap { self.size($0, "cache size") }
    let cores = each(f.values["cores"], "cores", core)
    if let cores, cores.isEmpty, let coresNode = f.values["cores"] {
      error("E305", "a cache domain needs at least one core", at: coresNode.location)
      return nil
    }
    guard let id, let level, let size, let cores else { return nil }
    return CacheDomain(id: id, level: level, sizeBytes: size, cores: cores)
  }

  private func core(_ node: YAMLNode) -> Core? {
    guard let f = fields(node, "a core", required: ["id", "threads"], optional: ["type"]) else {
      return nil
    }
    let id = f.values["id"].flatMap { int($0, "core id", range: 0...SnapshotLimits.maximumId) }
    if let id { coreIds.append((id, f.at("id"))) }
    let type = optional(f.values["type"]) { oneOf($0, "core type", CoreType.allCases) }
    let threads = each(f.values["threads"], "threads", thread)
    if let threads, threads.isEmpty, let threadsNode = f.values["threads"] {
      error("E305", "a core needs at least one thread", at: threadsNode.location)
      return nil
    }
    guard let id, let type, let threads else { return nil }
    return Core(id: id, type: type, threads: threads)
  }

  private func thread(_ node: YAMLNode) -> HardwareThread? {
    guard
      let f = fields(node, "a thread", required: ["cpu"], optional: ["physicalId", "online"])
    else { return nil }
    let cpu = f.values["cpu"].flatMap { int($0, "cpu", range: 0...CPUSet.maximumCPU) }
    if let cpu { cpus.append((cpu, f.at("cpu"))) }
    let physicalId = optional(f.values["physicalId"]) {
      int($0, "physicalId", range: 0...SnapshotLimits.maximumPhysicalId)
    }
    if let physicalId = physicalId ?? nil, let at = f.values["physicalId"]?.location {
      physicalIds.append((physicalId, at))
    }
    var online: Bool? = true
    if let o = f.values["online"] { online = bool(o, "online") }
    guard let cpu, let physicalId, let online else { return nil }
    return HardwareThread(cpu: cpu, physicalId: physicalId, online: online)
  }

  // MARK: devices

  private func device(_ node: YAMLNode) -> Device? {
    guard
      let f = fields(
        node, "a device", required: ["pciAddress", "class", "classCode", "vendor", "device"],
        optional: ["driver", "numaNode", "sriov", "iommuGroup", "children", "irqs"])
    else { return nil }
    let v = f.values
    var failed = false
    let address = v["pciAddress"].flatMap { string($0, "pciAddress") }
    if let address, let at = v["pciAddress"]?.location {
      if PCIAddress.isCanonical(address) {
        pciAddresses.append((address, at))
      } else {
        error(
          "E305", "pciAddress '\(address)' is not of the form DDDD:BB:SS.F", at: at,
          help: ["write it as sysfs does, lower-case hex: 0000:17:00.0"])
        failed = true
      }
    }
    let deviceClass = v["class"].flatMap { oneOf($0, "device class", DeviceClass.allCases) }
    var classCode: UInt32?
    if let c = v["classCode"], let text = string(c, "classCode") {
      classCode = PCIAddress.hexValue(text, prefix: "0x", digits: 6).map(UInt32.init)
      if classCode == nil {
        error("E305", "classCode '\(text)' is not 0x followed by 6 hex digits", at: c.location)
      }
    }
    let vendor = v["vendor"].flatMap { hexId($0, "vendor") }
    let deviceId = v["device"].flatMap { hexId($0, "device") }
    let driver = optional(v["driver"]) { string($0, "driver") }
    let numaNode = optional(v["numaNode"]) { int($0, "numaNode", range: 0...4095) }
    if let node = numaNode ?? nil, let at = v["numaNode"]?.location {
      deviceNodes.append((node, at))
    }
    var sriov: (Int?, Int?)? = (nil, nil)
    if let s = v["sriov"] {
      sriov = nil
      if let sf = fields(s, "sriov", required: [], optional: ["totalVFs", "enabledVFs"]),
        let total = optional(sf.values["totalVFs"], { int($0, "totalVFs", range: 0...65535) }),
        let enabled = optional(sf.values["enabledVFs"], { int($0, "enabledVFs", range: 0...65535) })
      {
        sriov = (total, enabled)
        if let total, let enabled, enabled > total, let at = sf.values["enabledVFs"]?.location {
          error("E307", "\(enabled) enabled VFs exceed the \(total) the device supports", at: at)
          sriov = nil
        }
      }
    }
    let iommu = optional(v["iommuGroup"]) {
      int($0, "iommuGroup", range: 0...SnapshotLimits.maximumId)
    }
    let children = each(v["children"], "children", child)
    pendingIRQs = []
    let irqs = each(v["irqs"], "irqs", irq)
    irqEntries += pendingIRQs.map { (irq: $0.0, device: address, at: $0.1) }
    pendingIRQs = []
    guard !failed, let address, let deviceClass, let classCode, let vendor, let deviceId,
      let driver, let numaNode, let sriov, let iommu, let children, let irqs
    else { return nil }
    return Device(
      pciAddress: address, deviceClass: deviceClass, classCode: classCode, vendorId: vendor,
      deviceId: deviceId, driver: driver, numaNode: numaNode, sriovTotalVFs: sriov.0,
      sriovEnabledVFs: sriov.1, iommuGroup: iommu, children: children, irqs: irqs)
  }

  private func hexId(_ node: YAMLNode, _ what: String) -> String? {
    guard let text = string(node, what) else { return nil }
    guard PCIAddress.hexValue(text, prefix: "", digits: 4) != nil else {
      error(
        "E305", "\(what) id '\(text)' is not 4 lower-case hex digits", at: node.location,
        help: ["write it as sysfs does without 0x: 15b3"])
      return nil
    }
    return text
  }

  private func child(_ node: YAMLNode) -> DeviceChild? {
    guard
      let f = fields(node, "a device child", required: ["kind", "name"], optional: ["majorMinor"])
    else { return nil }
    let kind = f.values["kind"].flatMap {
      oneOf($0, "child kind", [DeviceChild.Kind.net, .block, .other])
    }
    let name = f.values["name"].flatMap { string($0, "child name") }
    let majorMinor = optional(f.values["majorMinor"]) { m -> String? in
      guard let text = string(m, "majorMinor") else { return nil }
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2, parts.allSatisfy({ YAMLScalar.decimalInteger(String($0)) != nil })
      else {
        error("E305", "majorMinor '\(text)' is not MAJOR:MINOR", at: m.location)
        return nil
      }
      return text
    }
    guard let kind, let name, let majorMinor else { return nil }
    return DeviceChild(kind: kind, name: name, majorMinor: majorMinor)
  }

  private func irq(_ node: YAMLNode) -> DeviceIRQ? {
    guard
      let f = fields(
        node, "an IRQ", required: ["irq", "movable"], optional: ["name", "affinity", "present"])
    else { return nil }
    let number = f.values["irq"].flatMap { int($0, "irq", range: 0...SnapshotLimits.maximumIRQ) }
    let name = optional(f.values["name"]) { string($0, "IRQ name") }
    var affinity: CPUSet?? = .some(nil)
    if let a = f.values["affinity"], !a.isNull {
      affinity = nil
      if let text = string(a, "affinity") {
        do {
          let set = try CPUSet(cpulist: text, allowEmpty: true)
          irqAffinities.append((set, a.location))
          affinity = .some(set)
        } catch {
          self.error("E305", "affinity '\(text)': \(error)", at: a.location)
        }
      }
    }
    let movable = f.values["movable"].flatMap { bool($0, "movable") }
    let presentValue = optional(f.values["present"]) { bool($0, "present") }
    guard let number, let name, let affinity, let movable, let presentValue else { return nil }
    // An IRQ with an affinity exists; `present` is written when it adds to that.
    let present = presentValue ?? (affinity != nil ? true : nil)
    if present == false, affinity != nil, let at = f.values["affinity"]?.location {
      error(
        "E307", "IRQ \(number) has present: false and an affinity", at: at,
        help: ["an IRQ that does not exist yet has no affinity: remove one of the two"])
      return nil
    }
    let irq = DeviceIRQ(
      irq: number, name: name, affinity: affinity, movable: movable, present: present)
    pendingIRQs.append((irq, f.at("irq")))
    return irq
  }
}

/// PCI address and hex-id syntax, shared by the reader and discovery.
enum PCIAddress {
  /// `DDDD:BB:SS.F` in lower-case hex, as sysfs names devices.
  static func isCanonical(_ text: String) -> Bool {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2 else { return false }
    let slotFunction = parts[2].split(separator: ".", omittingEmptySubsequences: false)
    guard slotFunction.count == 2, slotFunction[0].count == 2, slotFunction[1].count == 1
    else { return false }
    let hex = Set("0123456789abcdef")
    guard (parts[0] + parts[1] + slotFunction[0]).allSatisfy(hex.contains),
      let function = Int(slotFunction[1]), function < 8,
      let slot = Int(slotFunction[0], radix: 16), slot < 32
    else { return false }
    return true
  }

  /// The value of `prefix` + exactly `digits` lower-case hex digits.
  static func hexValue(_ text: String, prefix: String, digits: Int) -> UInt64? {
    guard text.hasPrefix(prefix) else { return nil }
    let body = text.dropFirst(prefix.count)
    let hex = Set("0123456789abcdef")
    guard body.count == digits, body.allSatisfy(hex.contains) else { return nil }
    return UInt64(body, radix: 16)
  }
}
