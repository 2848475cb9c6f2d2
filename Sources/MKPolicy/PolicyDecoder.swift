import MKCore

/// One file's share of a policy, before files are merged.
struct PolicyDocument: Sendable {
  var file: String
  var root: SourceLocation
  /// Each section's value (nil when it had errors) and where its key is
  /// (set even when the value had errors, so merging reports no cascade).
  var metadata: Metadata?
  var metadataKey: SourceLocation?
  var host: HostSpec?
  var hostKey: SourceLocation?
  var coordinator: CoordinatorSpec?
  var coordinatorKey: SourceLocation?
  /// The coordinator section had an error: checks that depend on it are skipped.
  var coordinatorBroken = false
  var agent: AgentPolicy?
  var agentKey: SourceLocation?
  /// Some field of `agent` had an error (it kept its default).
  var agentBroken = false
  /// The root was a mapping (else nothing about sections can be said).
  var rootIsMapping = true
  var workloads: [Workload] = []
  /// Workloads whose name decoded but some other field did not, with the
  /// keys at fault: their names count for duplicate and `avoid` checks, and
  /// checks of their valid fields still run.
  var brokenWorkloads: [(workload: Workload, broken: Set<String>)] = []
}

/// The strict decoder: a `YAMLNode` tree to the policy model, field by field.
///
/// Every key is checked against the language (unknown keys get a did-you-mean),
/// every scalar is typed by the field it is in (booleans are only `true` and
/// `false`, integers only plain decimals, strings keep `no`, `on`, `0755`),
/// and every problem is reported with the location of the value at fault.
/// Checks that need more than one field live in `PolicyChecker`.
struct PolicyDecoder: YAMLFieldReader {
  static let apiVersion = "mkpolicy.io/v1"
  static let kind = "PartitionPolicy"

  var diagnostics: [Diagnostic] = []

  // MARK: documents

  mutating func decode(_ root: YAMLNode, file: String) -> PolicyDocument {
    var document = PolicyDocument(file: file, root: root.location)
    document.rootIsMapping = root.mapping != nil
    guard
      let fields = mapping(
        root, "the policy",
        keys: ["apiVersion", "kind", "metadata", "host", "coordinator", "workloads", "agent"],
        required: ["apiVersion", "kind"])
    else { return document }
    if let entry = fields["apiVersion"], let text = string(entry.value, "apiVersion"),
      text != Self.apiVersion
    {
      emit(
        "E023", "unsupported apiVersion \(YAMLScalar.quoted(text))", at: entry.value.location,
        help: ["this mkpolicy reads apiVersion: \(Self.apiVersion)"])
    }
    if let entry = fields["kind"], let text = string(entry.value, "kind"), text != Self.kind {
      emit(
        "E023", "kind must be \(Self.kind), not \(YAMLScalar.quoted(text))",
        at: entry.value.location, help: [Suggestion.help(for: text, in: [Self.kind])])
    }
    if let entry = fields["metadata"] {
      document.metadataKey = entry.keyLocation
      document.metadata = metadata(entry.value)
    }
    if let entry = fields["host"] {
      document.hostKey = entry.keyLocation
      document.host = host(entry.value)
    }
    if let entry = fields["coordinator"] {
      document.coordinatorKey = entry.keyLocation
      let before = diagnostics.count
      document.coordinator = coordinator(entry.value)
      document.coordinatorBroken = diagnostics.count != before
    }
    if let entry = fields["agent"] {
      document.agentKey = entry.keyLocation
      let decoded = agent(entry.value)
      document.agent = decoded?.agent
      document.agentBroken = decoded?.broken ?? true
    }
    if let entry = fields["workloads"], let items = list(entry.value, "workloads") {
      for (index, item) in items.enumerated() {
        guard let (workload, broken) = workload(item, "workloads[\(index)]") else { continue }
        if broken.isEmpty {
          document.workloads.append(workload)
        } else {
          document.brokenWorkloads.append((workload, broken))
        }
      }
    }
    return document
  }

  mutating func metadata(_ node: YAMLNode) -> Metadata? {
    guard
      let fields = mapping(
        node, "metadata", keys: ["name", "description", "labels"], required: ["name"])
    else { return nil }
    var labels: [Metadata.Label] = []
    if let entry = fields["labels"], let entries = mappingEntries(entry.value, "metadata.labels") {
      for label in entries {
        if let value = string(label.value, "metadata.labels.\(label.key)") {
          labels.append(.init(key: label.key, value: value))
        }
      }
    }
    guard let nameEntry = fields["name"], let name = name(nameEntry.value, "metadata.name")
    else { return nil }
    let description = fields["description"].flatMap { string($0.value, "metadata.description") }
    return Metadata(
      name: name, description: description, labels: labels.sorted { $0.key < $1.key },
      location: node.location)
  }

  // MARK: host and coordinator

  mutating func host(_ node: YAMLNode) -> HostSpec? {
    guard
      let fields = mapping(
        node, "host",
        keys: [
          "housekeeping", "bootloader", "irqbalance", "cgroupParent", "allowForeignCgroups",
          "realtimeExtras", "kubernetes",
        ])
    else { return nil }
    var host = HostSpec(location: node.location)
    if let entry = fields["housekeeping"], let housekeeping = housekeeping(entry.value) {
      host.housekeeping = housekeeping
    }
    if let entry = fields["bootloader"],
      let value: Bootloader = choice(entry.value, "host.bootloader")
    {
      host.bootloader = value
    }
    if let entry = fields["irqbalance"],
      let value: IRQBalanceMode = choice(entry.value, "host.irqbalance")
    {
      host.irqbalance = value
    }
    if let entry = fields["cgroupParent"], let value = cgroupPath(entry.value, "host.cgroupParent")
    {
      host.cgroupParent = value
    }
    if let entry = fields["allowForeignCgroups"],
      let value = bool(entry.value, "host.allowForeignCgroups")
    {
      host.allowForeignCgroups = value
    }
    if let entry = fields["realtimeExtras"], let value = bool(entry.value, "host.realtimeExtras") {
      host.realtimeExtras = value
    }
    if let entry = fields["cgroupParent"], host.cgroupParent == entry.value.scalar?.value {
      let components = host.cgroupParent.split(separator: "/").map(String.init)
      if let problem = CgroupOwnership.parentProblem(
        components, allowForeign: host.allowForeignCgroups)
      {
        let v1Root = components.first.map(CgroupOwnership.v1Hierarchies.contains) ?? false
        emit(
          v1Root ? "E122" : "E123",
          "host.cgroupParent \(YAMLScalar.quoted(host.cgroupParent)) \(problem)",
          at: entry.value.location,
          help: [
            v1Root
              ? "use a name of its own, such as mkpolicy.slice"
              : "use a cgroup mkpolicy owns, such as mkpolicy.slice, or set host.allowForeignCgroups: true"
          ])
      }
    }
    if let entry = fields["kubernetes"] {
      host.kubernetes = kubernetes(entry)
    }
    return host
  }

  /// `host.kubernetes`: `{}` (or `true`-less presence) makes the host a node;
  /// the keys tune kubelet's managers.
  mutating func kubernetes(_ entry: YAMLMappingEntry) -> KubernetesNode? {
    let path = "host.kubernetes"
    guard
      let fields = mapping(
        entry.value, path,
        keys: [
          "topologyManagerPolicy", "topologyManagerScope", "evictionMemory", "strictCPUReservation",
        ])
    else { return nil }
    var node = KubernetesNode(location: entry.keyLocation)
    if let field = fields["topologyManagerPolicy"],
      let value: KubernetesNode.TopologyManagerPolicy = choice(
        field.value, "\(path).topologyManagerPolicy")
    {
      node.topologyManagerPolicy = value
    }
    if let field = fields["topologyManagerScope"],
      let value: KubernetesNode.TopologyManagerScope = choice(
        field.value, "\(path).topologyManagerScope")
    {
      node.topologyManagerScope = value
    }
    if let field = fields["evictionMemory"], let value = size(field.value, "\(path).evictionMemory")
    {
      if value == 0 {
        emit(
          "E027", "\(path).evictionMemory must be more than 0", at: field.value.location,
          help: ["kubelet's default is 100MiB"])
      } else {
        node.evictionMemoryBytes = value
      }
    }
    if let field = fields["strictCPUReservation"],
      let value = bool(field.value, "\(path).strictCPUReservation")
    {
      node.strictCPUReservation = value
    }
    return node
  }

  mutating func housekeeping(_ node: YAMLNode) -> Housekeeping? {
    let path = "host.housekeeping"
    guard
      let fields = mapping(node, path, keys: ["cpus", "cpuList", "perNode", "memory"])
    else { return nil }
    var housekeeping = Housekeeping(location: node.location)
    for (key, entry) in fields { housekeeping.fieldLocations[key] = entry.keyLocation }
    if let entry = fields["cpus"], let count = int(entry.value, "\(path).cpus", in: 1...65536) {
      housekeeping.cpus = .count(count)
    }
    if let entry = fields["cpuList"], let list = cpulist(entry.value, "\(path).cpuList") {
      if let cpus = fields["cpus"] {
        emit(
          "E108", "\(path) sets both cpus and cpuList", at: entry.keyLocation,
          notes: [.init("cpus is set here", at: cpus.keyLocation)],
          help: ["keep cpus (a count) or cpuList (exact CPUs), not both"])
      } else {
        housekeeping.cpus = .list(list)
      }
    }
    if let entry = fields["perNode"], let value = bool(entry.value, "\(path).perNode") {
      housekeeping.perNode = value
    }
    if let entry = fields["memory"], let value = size(entry.value, "\(path).memory") {
      housekeeping.memoryBytes = value
    }
    return housekeeping
  }

  mutating func coordinator(_ node: YAMLNode) -> CoordinatorSpec? {
    guard
      let fields = mapping(
        node, "coordinator", keys: ["kernel", "memoryGranule", "updateHeadroom"])
    else {
      return nil
    }
    var coordinator = CoordinatorSpec(location: node.location)
    if let entry = fields["kernel"], let kernel = kernel(entry.value, "coordinator.kernel") {
      coordinator.kernel = kernel
    }
    if let entry = fields["memoryGranule"],
      let value = size(entry.value, "coordinator.memoryGranule")
    {
      if value < 4096 || value & (value - 1) != 0 {
        emit(
          "E115",
          "coordinator.memoryGranule must be a power of two of at least 4KiB, not \(ByteSize.format(value))",
          at: entry.value.location, help: ["kerf hands memory over in pages: try 2MiB"])
      } else {
        coordinator.memoryGranuleBytes = value
      }
    }
    if let entry = fields["updateHeadroom"] {
      coordinator.updateHeadroom = headroom(entry.value, "coordinator.updateHeadroom")
    }
    return coordinator
  }

  mutating func kernel(_ node: YAMLNode, _ path: String) -> KernelSpec? {
    guard
      let fields = mapping(node, path, keys: ["image", "initrd", "cmdline", "profile"])
    else { return nil }
    var kernel = KernelSpec(location: node.location)
    kernel.image = fields["image"].flatMap { filePath($0.value, "\(path).image") }
    kernel.initrd = fields["initrd"].flatMap { filePath($0.value, "\(path).initrd") }
    kernel.cmdline = fields["cmdline"].flatMap { string($0.value, "\(path).cmdline") }
    if let entry = fields["profile"] {
      kernel.profile = choice(entry.value, "\(path).profile") as KernelProfile?
    }
    return kernel
  }

  // MARK: workloads

  static let workloadKeys = [
    "name", "isolation", "latency", "cpus", "smt", "memory", "hugepages", "devices", "placement",
    "priority", "weight", "io", "kernel", "irqCpus", "launch", "tuning", "update",
  ]

  /// A workload, and the keys whose values had errors (empty when it is
  /// valid). Nil when it has no usable name.
  mutating func workload(_ node: YAMLNode, _ path: String) -> (
    workload: Workload, broken: Set<String>
  )? {
    let start = diagnostics.count
    guard let fields = mapping(node, path, keys: Self.workloadKeys, required: ["name", "cpus"])
    else { return nil }
    var broken: Set<String> = []
    if fields["cpus"] == nil { broken.insert("cpus") }
    var locations: [String: SourceLocation] = [:]
    for (key, entry) in fields { locations[key] = entry.keyLocation }
    let nameValue = fields["name"].flatMap { name($0.value, "\(path).name") }
    if let entry = fields["name"] { locations["name"] = entry.value.location }
    var workload = Workload(name: nameValue ?? "", cpus: .init(exactly: 0), location: node.location)
    for entry in Self.workloadKeys.compactMap({ fields[$0] }) where entry.key != "name" {
      let before = diagnostics.count
      decodeField(entry, of: &workload, path: path, locations: &locations)
      if diagnostics.count != before { broken.insert(entry.key) }
    }
    workload.fieldLocations = locations
    if diagnostics.count != start && broken.isEmpty { broken.insert("") }
    // A workload with errors is still returned when it has a name, so that
    // checks of its valid fields and of other workloads still run.
    return nameValue == nil ? nil : (workload, broken)
  }

  mutating func decodeField(
    _ entry: YAMLMappingEntry, of workload: inout Workload, path: String,
    locations: inout [String: SourceLocation]
  ) {
    let node = entry.value
    let path = "\(path).\(entry.key)"
    switch entry.key {
    case "cpus":
      if let value = elasticCount(node, path) { workload.cpus = value }
    case "isolation":
      if let value: Isolation = choice(node, path) { workload.isolation = value }
    case "latency":
      if let value: LatencyClass = choice(node, path) { workload.latency = value }
    case "smt":
      if let value: SMTPolicy = choice(node, path) { workload.smt = value }
    case "memory":
      if let value = elasticSize(node, path) { workload.memory = value }
    case "hugepages":
      workload.hugepages = hugepages(node, path)
    case "devices":
      for (index, item) in (list(node, path) ?? []).enumerated() {
        if let device = device(item, "\(path)[\(index)]") { workload.devices.append(device) }
      }
    case "placement":
      workload.placement = placement(node, path, locations: &locations)
    case "priority":
      if let value = int(node, path, in: 0...1000) { workload.priority = value }
    case "weight":
      if let value = int(node, path, in: 1...10000) { workload.weight = value }
    case "io":
      for (index, item) in (list(node, path) ?? []).enumerated() {
        if let limit = ioLimit(item, "\(path)[\(index)]") { workload.io.append(limit) }
      }
    case "kernel":
      workload.kernel = kernel(node, path)
    case "irqCpus":
      if let value = int(node, path, in: 1...65536) { workload.irqCPUs = value }
    case "launch":
      if let value = launch(node, path) { workload.launch = value }
    case "tuning":
      if let value = tuning(node, path, locations: &locations) { workload.tuning = value }
    case "update":
      workload.update = update(node, path)
    default:
      break
    }
  }

  mutating func hugepages(_ node: YAMLNode, _ path: String) -> HugePages? {
    guard let fields = mapping(node, path, keys: ["size", "count"], required: ["size", "count"])
    else { return nil }
    guard let sizeEntry = fields["size"], let size = size(sizeEntry.value, "\(path).size"),
      let countEntry = fields["count"],
      let count = int(countEntry.value, "\(path).count", in: 1...1_000_000)
    else { return nil }
    guard size >= 4096, size & (size - 1) == 0 else {
      emit(
        "E116",
        "\(path).size must be a power of two of at least 4KiB, not \(ByteSize.format(size))",
        at: sizeEntry.value.location, help: ["x86-64 huge pages are 2MiB or 1GiB"])
      return nil
    }
    guard size.multipliedReportingOverflow(by: UInt64(count)).overflow == false else {
      emit(
        "E027", "\(path) asks for more memory than can be counted", at: countEntry.value.location)
      return nil
    }
    return HugePages(pageSizeBytes: size, count: count)
  }

  static let matchKeys = ["driver", "name", "pci", "vendor", "device"]

  mutating func device(_ node: YAMLNode, _ path: String) -> DeviceRequest? {
    guard
      let fields = mapping(node, path, keys: ["type", "match", "count"], required: ["type"]),
      let typeEntry = fields["type"], let type: DeviceType = choice(typeEntry.value, "\(path).type")
    else { return nil }
    var device = DeviceRequest(type: type, location: node.location)
    if let entry = fields["count"], let count = int(entry.value, "\(path).count", in: 1...4096) {
      device.count = count
    }
    if let entry = fields["match"],
      let match = mapping(entry.value, "\(path).match", keys: Self.matchKeys)
    {
      device.driver = match["driver"].flatMap { string($0.value, "\(path).match.driver") }
      device.name = match["name"].flatMap { string($0.value, "\(path).match.name") }
      device.pci = match["pci"].flatMap { string($0.value, "\(path).match.pci") }
      device.vendor = match["vendor"].flatMap { hexID($0.value, "\(path).match.vendor") }
      device.device = match["device"].flatMap { hexID($0.value, "\(path).match.device") }
    }
    return device
  }

  mutating func placement(
    _ node: YAMLNode, _ path: String, locations: inout [String: SourceLocation]
  ) -> Placement {
    var placement = Placement()
    guard let fields = mapping(node, path, keys: ["numa", "nearDevices", "llc", "avoid"]) else {
      return placement
    }
    for (key, entry) in fields { locations["placement.\(key)"] = entry.keyLocation }
    if let entry = fields["numa"], let value: NUMAPlacement = choice(entry.value, "\(path).numa") {
      placement.numa = value
    }
    if let entry = fields["nearDevices"], let value = bool(entry.value, "\(path).nearDevices") {
      placement.nearDevices = value
    }
    if let entry = fields["llc"], let value: LLCPlacement = choice(entry.value, "\(path).llc") {
      placement.llc = value
    }
    if let entry = fields["avoid"], let items = list(entry.value, "\(path).avoid") {
      for (index, item) in items.enumerated() {
        if let name = string(item, "\(path).avoid[\(index)]") {
          locations["placement.avoid[\(placement.avoid.count)]"] = item.location
          placement.avoid.append(name)
        }
      }
    }
    return placement
  }

  mutating func ioLimit(_ node: YAMLNode, _ path: String) -> IOLimit? {
    guard
      let fields = mapping(
        node, path, keys: ["device", "readBps", "writeBps", "readIops", "writeIops"],
        required: ["device"]),
      let deviceEntry = fields["device"],
      let device = deviceName(deviceEntry.value, "\(path).device")
    else { return nil }
    var limit = IOLimit(device: device, location: node.location)
    limit.readBytesPerSecond = fields["readBps"].flatMap { size($0.value, "\(path).readBps") }
    limit.writeBytesPerSecond = fields["writeBps"].flatMap { size($0.value, "\(path).writeBps") }
    limit.readIOPS = fields["readIops"].flatMap {
      int($0.value, "\(path).readIops", in: 1...Int.max)
    }
    .map(UInt64.init)
    limit.writeIOPS = fields["writeIops"].flatMap {
      int($0.value, "\(path).writeIops", in: 1...Int.max)
    }
    .map(UInt64.init)
    return limit
  }

  // MARK: elastic values

  mutating func elasticCount(_ node: YAMLNode, _ path: String) -> Elastic<Int>? {
    if node.scalar != nil {
      return int(node, path, in: 0...65536).map { Elastic(exactly: $0) }
    }
    guard node.mapping != nil else {
      emit(
        "E021", "\(path) must be a number of CPUs or {min, max}, not \(node.kindDescription)",
        at: node.location)
      return nil
    }
    guard let fields = mapping(node, path, keys: ["min", "max"], required: ["min"]),
      let minEntry = fields["min"], let min = int(minEntry.value, "\(path).min", in: 0...65536)
    else { return nil }
    guard let maxEntry = fields["max"] else {
      return Elastic(min: min, max: Elastic<Int>.unbounded)
    }
    guard let max = int(maxEntry.value, "\(path).max", in: 0...65536) else { return nil }
    guard min <= max else {
      emit(
        "E102", "\(path).min (\(min)) is greater than its max (\(max))",
        at: minEntry.value.location,
        notes: [.init("max is set here", at: maxEntry.value.location)],
        help: ["raise max to at least \(min), or lower min"])
      return nil
    }
    return Elastic(min: min, max: max)
  }

  mutating func elasticSize(_ node: YAMLNode, _ path: String) -> Elastic<UInt64>? {
    if node.scalar != nil { return size(node, path).map { Elastic(exactly: $0) } }
    guard node.mapping != nil else {
      emit(
        "E021", "\(path) must be a size or {min, max}, not \(node.kindDescription)",
        at: node.location)
      return nil
    }
    guard let fields = mapping(node, path, keys: ["min", "max"], required: ["min"]),
      let minEntry = fields["min"], let min = size(minEntry.value, "\(path).min")
    else { return nil }
    guard let maxEntry = fields["max"] else {
      return Elastic(min: min, max: Elastic<UInt64>.unbounded)
    }
    guard let max = size(maxEntry.value, "\(path).max") else { return nil }
    guard min <= max else {
      emit(
        "E102",
        "\(path).min (\(ByteSize.format(min))) is greater than its max (\(ByteSize.format(max)))",
        at: minEntry.value.location, notes: [.init("max is set here", at: maxEntry.value.location)],
        help: ["raise max to at least \(ByteSize.format(min)), or lower min"])
      return nil
    }
    return Elastic(min: min, max: max)
  }

  // MARK: structure

  // emit, mapping, mappingEntries, list and string: YAMLFieldReader (MKCore),
  // shared with the fleet's readers.

  // MARK: scalars

  mutating func bool(_ node: YAMLNode, _ path: String) -> Bool? {
    if let value = node.bool { return value }
    var help = ["write true or false"]
    if let text = node.scalar?.value,
      ["yes", "no", "on", "off", "y", "n", "true", "false"].contains(text.lowercased())
    {
      help = [
        "only true and false are booleans here (YAML 1.1 spellings like yes, no, on and off are not): write \(["yes", "on", "y", "true"].contains(text.lowercased()) ? "true" : "false")"
      ]
    }
    emit(
      "E024", "\(path) must be true or false, not \(node.kindDescription)", at: node.location,
      help: help)
    return nil
  }

  mutating func int(_ node: YAMLNode, _ path: String, in range: ClosedRange<Int>) -> Int? {
    guard let value = node.int else {
      var help: [String] = []
      if let scalar = node.scalar, scalar.style == .plain, scalar.value.count > 1,
        scalar.value.first == "0", scalar.value.allSatisfy({ $0.isASCII && $0.isNumber })
      {
        let trimmed = scalar.value.drop { $0 == "0" }
        help.append(
          "leading zeros are not allowed (YAML 1.1 reads \(scalar.value) as octal): write \(trimmed.isEmpty ? "0" : trimmed)"
        )
      } else if let scalar = node.scalar, scalar.isQuoted,
        YAMLScalar.decimalInteger(scalar.value) != nil
      {
        help.append("remove the quotes: numbers are written plain")
      }
      emit(
        "E025", "\(path) must be an integer, not \(node.kindDescription)", at: node.location,
        help: help)
      return nil
    }
    guard range.contains(value) else {
      let bound =
        range.upperBound == Int.max
        ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
      emit("E025", "\(path) must be \(bound), not \(value)", at: node.location)
      return nil
    }
    return value
  }

  /// A size or rate: a plain integer (bytes) or text with a unit.
  mutating func size(_ node: YAMLNode, _ path: String) -> UInt64? {
    guard let scalar = node.scalar, !node.isNull, node.bool == nil else {
      emit(
        "E026", "\(path) must be a size such as 4GiB or 512MB, not \(node.kindDescription)",
        at: node.location)
      return nil
    }
    if scalar.style == .plain, scalar.value.hasPrefix("-") || node.int != nil {
      if let value = node.int, value >= 0 { return UInt64(value) }
    }
    do {
      return try ByteSize.parse(scalar.value)
    } catch {
      switch error {
      case .fractionalBytes, .overflow:
        emit("E027", "\(path): \(error)", at: node.location)
      case .unknownUnit(let unit):
        let units = ByteSize.units.map(\.suffix)
        emit(
          "E026", "\(path): unknown unit '\(unit)' in \(YAMLScalar.quoted(scalar.value))",
          at: node.location,
          help: [
            Suggestion.closest(to: unit, in: units).map { "did you mean '\($0)'?" }
              ?? "units are B, KiB, MiB, GiB, TiB (binary) and KB, MB, GB, TB (decimal)"
          ])
      case .empty, .malformed:
        emit(
          "E026", "\(path) must be a size such as 4GiB or 512MB, not \(node.kindDescription)",
          at: node.location,
          help: ["a size is a number with an optional unit: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB"])
      }
      return nil
    }
  }

  mutating func cpulist(_ node: YAMLNode, _ path: String) -> CPUSet? {
    guard let scalar = node.scalar, !node.isNull, node.bool == nil else {
      emit(
        "E028", "\(path) must be a kernel cpulist such as \"0-3,8\", not \(node.kindDescription)",
        at: node.location)
      return nil
    }
    do {
      return try CPUSet(cpulist: scalar.value)
    } catch {
      switch error {
      case .reversedRange, .tooLarge, .overlapping:
        emit("E029", "\(path): \(error)", at: node.location)
      case .empty, .invalidNumber:
        emit(
          "E028", "\(path) is not a kernel cpulist: \(error)", at: node.location,
          help: ["write CPU numbers and ranges separated by commas, such as \"0-3,8,10-11\""])
      }
      return nil
    }
  }

  mutating func choice<Value: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ path: String)
    -> Value? where Value.RawValue == String
  {
    let names = Value.allCases.map(\.rawValue)
    guard let scalar = node.scalar, !node.isNull, let value = Value(rawValue: scalar.value) else {
      var help: [String] = []
      if let text = node.scalar?.value, !node.isNull {
        help.append(Suggestion.help(for: text, in: names))
      }
      emit(
        "E023",
        "\(path) must be one of \(names.joined(separator: ", ")), not \(node.kindDescription)",
        at: node.location, help: help)
      return nil
    }
    return value
  }

  /// A PCI vendor or device id: four hex digits, `0x` allowed, stored lower case.
  mutating func hexID(_ node: YAMLNode, _ path: String) -> String? {
    guard let scalar = node.scalar, !node.isNull, node.bool == nil else {
      emit(
        "E030", "\(path) must be a 4-digit hex id such as 15b3, not \(node.kindDescription)",
        at: node.location)
      return nil
    }
    var text = scalar.value.lowercased()
    if text.hasPrefix("0x") { text.removeFirst(2) }
    guard text.count == 4, text.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
      emit(
        "E030", "\(path) must be a 4-digit hex id such as 15b3, not \(node.kindDescription)",
        at: node.location, help: ["lspci -nn shows ids as [vendor:device]"])
      return nil
    }
    return text
  }

  mutating func filePath(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    guard text.hasPrefix("/") else {
      emit(
        "E031", "\(path) must be an absolute path, not \(YAMLScalar.quoted(text))",
        at: node.location, help: ["write the full path, such as /boot/vmlinuz-mk"])
      return nil
    }
    return text
  }

  // MARK: names

  /// Names of cgroup v1/v2 interface files and controller prefixes: a name
  /// that equals one would collide with a file in the cgroup directory.
  static let cgroupControllers = [
    "cgroup", "cpu", "cpuset", "cpuacct", "memory", "io", "blkio", "pids", "hugetlb", "rdma",
    "misc", "net_cls", "net_prio", "freezer", "devices", "perf_event", "irq",
  ]
  static let cgroupFiles = ["tasks", "notify_on_release", "release_agent", "cgroup.procs"]

  /// Why a path segment cannot be a cgroup directory name, or nil.
  static func segmentProblem(_ segment: String) -> (code: String, message: String)? {
    if segment.isEmpty || segment == "." || segment == ".." || segment.contains("/") {
      return ("E106", "escapes its cgroup directory")
    }
    if cgroupFiles.contains(segment) {
      return ("E105", "would collide with the cgroup interface file \(segment)")
    }
    if let dot = segment.firstIndex(of: "."), cgroupControllers.contains(String(segment[..<dot])) {
      let controller = segment[..<dot]
      return (
        "E105",
        "would collide with the \(controller) controller's interface files (\(controller).*)"
      )
    }
    return nil
  }

  /// A metadata or workload name: `[a-z0-9]([a-z0-9-]*[a-z0-9])?`, at most 63 characters.
  mutating func name(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    let quoted = YAMLScalar.quoted(text)
    if text.isEmpty {
      emit(
        "E107", "\(path) is empty", at: node.location,
        help: ["names are lower-case letters, digits and '-'"])
      return nil
    }
    if text.contains("/") || text == "." || text == ".." || text.hasPrefix("../") {
      emit(
        "E106", "\(path) \(quoted) escapes its cgroup directory", at: node.location,
        help: ["names are lower-case letters, digits and '-'"])
      return nil
    }
    if let problem = Self.segmentProblem(text) {
      emit(
        problem.code, "\(path) \(quoted) \(problem.message)", at: node.location,
        help: ["choose another name; names are lower-case letters, digits and '-'"])
      return nil
    }
    if !Self.isValidName(text) {
      var help =
        "names are lower-case letters, digits and '-', start and end with a letter or digit"
      let fixed = String(
        text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
      )
      .trimmingCharacters(of: "-")
      if text.count > 63 {
        help = "names have at most 63 characters"
      } else if Self.isValidName(fixed) {
        help += ": try \(YAMLScalar.quoted(fixed))"
      }
      emit("E107", "\(path) \(quoted) is not a valid name", at: node.location, help: [help])
      return nil
    }
    return text
  }

  static func isValidName(_ text: String) -> Bool {
    let isAlphanumeric: (Character) -> Bool = {
      $0.isASCII && ($0.isLowercase || $0.isNumber)
    }
    guard let first = text.first, let last = text.last, text.count <= 63 else { return false }
    return isAlphanumeric(first) && isAlphanumeric(last)
      && text.allSatisfy { isAlphanumeric($0) || $0 == "-" }
  }

  /// A block device name for io limits: one path component, no directories.
  mutating func deviceName(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    let allowed = text.allSatisfy {
      $0.isASCII && ($0.isLetter || $0.isNumber || "_-.:".contains($0))
    }
    guard !text.isEmpty, text != ".", text != "..", allowed else {
      emit(
        "E106", "\(path) \(YAMLScalar.quoted(text)) is not a block device name", at: node.location,
        help: ["write the kernel's name without /dev/, such as nvme0n1"])
      return nil
    }
    return text
  }

  /// `host.cgroupParent`: a relative cgroup path such as `mkpolicy.slice` or `tenants/a`.
  mutating func cgroupPath(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    let quoted = YAMLScalar.quoted(text)
    if text.hasPrefix("/") {
      emit(
        "E106", "\(path) \(quoted) must be relative to the cgroup root", at: node.location,
        help: [
          "leave out /sys/fs/cgroup and the leading '/': write \(YAMLScalar.quoted(String(text.drop { $0 == "/" })))"
        ])
      return nil
    }
    for segment in text.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
      if let problem = Self.segmentProblem(segment) {
        emit(
          problem.code, "\(path) \(quoted) \(problem.message)", at: node.location,
          help: ["use plain directory names such as mkpolicy.slice"])
        return nil
      }
      let allowed = segment.allSatisfy {
        $0.isASCII && ($0.isLetter || $0.isNumber || "_-.@:".contains($0))
      }
      if !allowed {
        emit(
          "E107", "\(path) \(quoted) is not a valid cgroup path", at: node.location,
          help: ["use letters, digits, '_', '-', '.', '@' and ':' separated by '/'"])
        return nil
      }
    }
    return text
  }
}

extension String {
  fileprivate func trimmingCharacters(of character: Character) -> String {
    guard let start = firstIndex(where: { $0 != character }),
      let end = lastIndex(where: { $0 != character })
    else { return "" }
    return String(self[start...end])
  }
}
