import MKCore

/// `update:` of a workload and `coordinator.updateHeadroom`: how kernel
/// changes reach running instances, and what is kept free for successors.
extension PolicyDecoder {
  static let updateKeys = ["strategy", "headroom", "healthCheck", "drain", "timeout", "release"]

  /// `update: {strategy, headroom, healthCheck, drain, timeout, release}`.
  mutating func update(_ node: YAMLNode, _ path: String) -> UpdatePolicy? {
    guard let fields = mapping(node, path, keys: Self.updateKeys, required: ["strategy"]),
      let strategyEntry = fields["strategy"],
      let strategy: UpdatePolicy.Strategy = choice(strategyEntry.value, "\(path).strategy")
    else { return nil }
    var update = UpdatePolicy(strategy: strategy, location: node.location)
    for (key, entry) in fields { update.fieldLocations[key] = entry.keyLocation }
    let before = diagnostics.count
    if strategy == .restart {
      // A restart uses none of the hand-over's settings: saying one is a
      // misunderstanding worth pointing at, not something to ignore.
      for key in ["headroom", "healthCheck", "drain", "release"] {
        guard let entry = fields[key] else { continue }
        emit(
          "E161", "\(path).\(key) is used only by strategy: handover",
          at: entry.keyLocation,
          notes: [.init("strategy is restart here", at: strategyEntry.value.location)],
          help: ["remove \(key), or set strategy: handover"])
      }
    }
    if let entry = fields["headroom"] {
      update.headroom = headroom(entry.value, "\(path).headroom")
    }
    if let entry = fields["healthCheck"] {
      update.healthCheck = healthCheck(entry.value, "\(path).healthCheck")
    }
    if let entry = fields["drain"],
      let value = duration(entry.value, "\(path).drain", atLeast: 0)
    {
      update.drainMilliseconds = value
    }
    if let entry = fields["timeout"],
      let value = duration(entry.value, "\(path).timeout", atLeast: 100)
    {
      update.timeoutMilliseconds = value
    }
    if let entry = fields["release"],
      let value: UpdatePolicy.Release = choice(entry.value, "\(path).release")
    {
      update.release = value
    }
    return diagnostics.count == before ? update : nil
  }

  /// `{cpus: N, memory: SIZE}`: both required, both more than zero.
  mutating func headroom(_ node: YAMLNode, _ path: String) -> Headroom? {
    guard
      let fields = mapping(node, path, keys: ["cpus", "memory"], required: ["cpus", "memory"]),
      let cpusEntry = fields["cpus"], let memoryEntry = fields["memory"],
      let cpus = int(cpusEntry.value, "\(path).cpus", in: 1...65536),
      let memory = size(memoryEntry.value, "\(path).memory")
    else { return nil }
    guard memory > 0 else {
      emit(
        "E162", "\(path).memory must be more than 0", at: memoryEntry.value.location,
        help: ["a successor instance needs memory to boot: give at least what the workload has"])
      return nil
    }
    return Headroom(cpus: cpus, memoryBytes: memory, location: node.location)
  }

  /// Exactly one of `command: [argv]`, `file: /path`, `port: N`.
  mutating func healthCheck(_ node: YAMLNode, _ path: String) -> HealthCheck? {
    let kinds = ["command", "file", "port"]
    guard let fields = mapping(node, path, keys: kinds) else { return nil }
    let given = kinds.compactMap { fields[$0] }
    guard given.count == 1, let entry = given.first else {
      emit(
        "E160",
        given.isEmpty
          ? "\(path) names no check" : "\(path) names \(given.count) checks; it takes one",
        at: given.count > 1 ? given[1].keyLocation : node.location,
        notes: given.count > 1 ? [.init("first check here", at: given[0].keyLocation)] : [],
        help: [
          "write one of command: [argv...] (exit 0 is healthy), file: /path (the successor creates it), port: N (the successor accepts on it)"
        ])
      return nil
    }
    switch entry.key {
    case "command":
      guard let items = list(entry.value, "\(path).command") else { return nil }
      let argv = items.enumerated().compactMap { string($1, "\(path).command[\($0)]") }
      guard argv.count == items.count else { return nil }
      guard let program = argv.first, !program.isEmpty else {
        emit(
          "E160", "\(path).command is empty", at: entry.value.location,
          help: [
            "write the program and its arguments, such as [/usr/bin/curl, -fs, http://10.0.0.2/ready]"
          ])
        return nil
      }
      guard program.hasPrefix("/") else {
        emit(
          "E031", "\(path).command[0] must be an absolute path, not \(YAMLScalar.quoted(program))",
          at: items[0].location,
          help: [
            "apply runs the check without a shell or PATH: write the full path, such as /usr/bin/\(program)"
          ])
        return nil
      }
      return .command(argv)
    case "file":
      return filePath(entry.value, "\(path).file").map(HealthCheck.file)
    default:
      return int(entry.value, "\(path).port", in: 1...65535).map(HealthCheck.port)
    }
  }
}
