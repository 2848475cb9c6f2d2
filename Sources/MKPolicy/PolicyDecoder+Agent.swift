import MKCore

/// `agent:`: the run-time resizing rules (`AgentPolicy`).
extension PolicyDecoder {
  static let agentRuleKeys = ["pressure", "idle", "window", "step", "memoryStep", "coolDown"]
  static let agentKeys = ["interval", "maxResizesPerMinute", "workloads"] + agentRuleKeys
  static let agentWorkloadKeys = ["name", "manage", "report"] + agentRuleKeys
  static let pressureKeys = ["cpu", "memory", "io"]

  /// The section, also when some of its fields had errors (those keep
  /// their defaults), so that checks of the valid fields still run;
  /// `broken` says whether any had.
  mutating func agent(_ node: YAMLNode) -> (agent: AgentPolicy, broken: Bool)? {
    let start = diagnostics.count
    guard let fields = mapping(node, "agent", keys: Self.agentKeys) else { return nil }
    var agent = AgentPolicy(location: node.location)
    for (key, entry) in fields { agent.fieldLocations[key] = entry.value.location }
    if let entry = fields["interval"],
      let value = duration(entry.value, "agent.interval", atLeast: 100)
    {
      agent.intervalMilliseconds = value
    }
    if let entry = fields["maxResizesPerMinute"],
      let value = int(entry.value, "agent.maxResizesPerMinute", in: 1...600)
    {
      agent.maxResizesPerMinute = value
    }
    agent.defaults = agentRules(fields, "agent", base: AgentRules())
    if let entry = fields["workloads"], let items = list(entry.value, "agent.workloads") {
      for (index, item) in items.enumerated() {
        let path = "agent.workloads[\(index)]"
        guard let entries = mapping(item, path, keys: Self.agentWorkloadKeys, required: ["name"]),
          let nameEntry = entries["name"], let name = name(nameEntry.value, "\(path).name")
        else { continue }
        var rules = agentRules(entries, path, base: agent.defaults)
        if let entry = entries["manage"], let value = bool(entry.value, "\(path).manage") {
          rules.manage = value
        }
        if let entry = entries["report"], let value = filePath(entry.value, "\(path).report") {
          rules.report = value
        }
        var locations: [String: SourceLocation] = [:]
        for (key, entry) in entries { locations[key] = entry.value.location }
        agent.overrides.append(
          AgentWorkloadRules(
            name: name, rules: rules, location: item.location, fieldLocations: locations))
      }
    }
    return (agent, diagnostics.count != start)
  }

  /// The rule fields present in `fields`, over `base`.
  mutating func agentRules(
    _ fields: [String: YAMLMappingEntry], _ path: String, base: AgentRules
  ) -> AgentRules {
    var rules = base
    if let entry = fields["pressure"],
      let entries = mapping(entry.value, "\(path).pressure", keys: Self.pressureKeys)
    {
      func percent(_ key: String) -> Int? {
        entries[key].flatMap { int($0.value, "\(path).pressure.\(key)", in: 1...100) }
      }
      // A mapping replaces the whole set: a resource it leaves out is not watched.
      rules.cpuPressurePercent = percent("cpu")
      rules.memoryPressurePercent = percent("memory")
      rules.ioPressurePercent = percent("io")
    }
    if let entry = fields["idle"], let value = int(entry.value, "\(path).idle", in: 0...99) {
      rules.idlePercent = value
    }
    if let entry = fields["window"],
      let value = duration(entry.value, "\(path).window", atLeast: 0)
    {
      rules.windowMilliseconds = value
    }
    if let entry = fields["step"], let value = int(entry.value, "\(path).step", in: 1...4096) {
      rules.step = value
    }
    if let entry = fields["memoryStep"], let value = size(entry.value, "\(path).memoryStep") {
      let mib: UInt64 = 1 << 20
      if value < mib || value % mib != 0 || value > 1 << 40 {
        emit(
          "E157",
          "\(path).memoryStep must be whole MiB between 1MiB and 1TiB, not \(ByteSize.format(value))",
          at: entry.value.location,
          help: ["write a size such as 256MiB or 1GiB"])
      } else {
        rules.memoryStepBytes = value
      }
    }
    if let entry = fields["coolDown"],
      let value = duration(entry.value, "\(path).coolDown", atLeast: 0)
    {
      rules.coolDownMilliseconds = value
    }
    return rules
  }

  /// A duration such as `500ms`, `2s`, `5m` or `1h`, in milliseconds; at
  /// most a day, so that sums of them never overflow.
  mutating func duration(_ node: YAMLNode, _ path: String, atLeast minimum: Int) -> Int? {
    let help = ["write a number with a unit: ms, s, m or h (such as 2s or 500ms)"]
    guard let scalar = node.scalar, !node.isNull, node.bool == nil, node.int == nil else {
      emit(
        "E150", "\(path) must be a duration such as 2s or 500ms, not \(node.kindDescription)",
        at: node.location, help: node.int != nil ? ["add a unit: \(node.int ?? 0)s"] : help)
      return nil
    }
    let text = scalar.value
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    let unit = text.dropFirst(digits.count)
    let scale: [Substring: Int] = ["ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000]
    guard !digits.isEmpty, digits.count <= 9, let number = Int(digits), let factor = scale[unit]
    else {
      emit(
        "E150", "\(path): \(YAMLScalar.quoted(text)) is not a duration", at: node.location,
        help: help)
      return nil
    }
    let value = number * factor
    let day = 86_400_000
    guard value >= minimum, value <= day else {
      emit(
        "E150", "\(path) must be between \(minimum)ms and 24h, not \(text)", at: node.location,
        help: help)
      return nil
    }
    return value
  }
}
