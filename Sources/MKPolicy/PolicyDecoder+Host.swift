import MKCore

/// `launch:` and `tuning:` of a workload: how its processes get in, and the
/// host tuning of its CPUs.
extension PolicyDecoder {
  static let launchKeys = ["manager", "unit", "path", "delegate"]

  /// `launch: systemd` (a scalar, the manager alone) or a mapping
  /// `{manager, unit, path, delegate}`.
  mutating func launch(_ node: YAMLNode, _ path: String) -> Launch? {
    if node.scalar != nil {
      guard let manager: Launch.Manager = choice(node, path) else { return nil }
      return Launch(manager: manager, location: node.location)
    }
    guard let fields = mapping(node, path, keys: Self.launchKeys, required: ["manager"]),
      let managerEntry = fields["manager"],
      let manager: Launch.Manager = choice(managerEntry.value, "\(path).manager")
    else { return nil }
    var launch = Launch(manager: manager, location: node.location)
    var valid = true
    func refuse(_ key: String, needs: Launch.Manager) {
      guard let entry = fields[key] else { return }
      emit(
        "E140", "\(path).\(key) needs manager: \(needs.rawValue), not \(manager.rawValue)",
        at: entry.keyLocation,
        notes: [.init("manager is set here", at: managerEntry.value.location)],
        help: ["remove \(key), or set manager: \(needs.rawValue)"])
      valid = false
    }
    if manager != .systemd { refuse("unit", needs: .systemd) }
    if manager != .cgroup { refuse("path", needs: .cgroup) }
    if let entry = fields["delegate"], let value = bool(entry.value, "\(path).delegate") {
      if manager == .none, value {
        emit(
          "E140", "\(path).delegate needs a manager that builds cgroups (systemd or cgroup)",
          at: entry.keyLocation, help: ["remove delegate, or name the manager"])
        valid = false
      }
      launch.delegate = value
    }
    if manager == .systemd, let entry = fields["unit"] {
      guard let unit = serviceName(entry.value, "\(path).unit") else { return nil }
      launch.unit = unit
    }
    if manager == .cgroup, let entry = fields["path"] {
      guard let name = cgroupDirectoryName(entry.value, "\(path).path") else { return nil }
      launch.path = name
    }
    return valid ? launch : nil
  }

  /// A systemd service name: `NAME.service` or a template instance
  /// `NAME@INSTANCE.service`, in the characters unit names allow unescaped.
  mutating func serviceName(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    let stem = text.hasSuffix(".service") ? String(text.dropLast(".service".count)) : ""
    let plain = stem.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || ":_.-@".unicodeScalars.contains($0)
    }
    let template = stem.firstIndex(of: "@")
    let instanceOK =
      template.map { !stem[stem.index(after: $0)...].isEmpty && $0 != stem.startIndex } ?? true
    guard !stem.isEmpty, plain, instanceOK, text.utf8.count <= 255,
      stem.filter({ $0 == "@" }).count <= 1
    else {
      emit(
        "E141", "\(path) \(YAMLScalar.quoted(text)) is not a systemd service name",
        at: node.location,
        help: [
          "write the unit that runs the workload, such as feed-handler.service (letters, digits, : _ . - and one @ for a template instance)"
        ])
      return nil
    }
    return text
  }

  /// One cgroup directory name below `host.cgroupParent`.
  mutating func cgroupDirectoryName(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    let quoted = YAMLScalar.quoted(text)
    if text.contains("/") {
      emit(
        "E106", "\(path) \(quoted) must be one directory name below host.cgroupParent",
        at: node.location,
        help: ["mkpolicy makes one directory per workload; nest below it with delegate: true"])
      return nil
    }
    if let problem = Self.segmentProblem(text) {
      emit(
        problem.code, "\(path) \(quoted) \(problem.message)", at: node.location,
        help: ["choose another directory name"])
      return nil
    }
    let allowed = text.allSatisfy {
      $0.isASCII && ($0.isLetter || $0.isNumber || "_-.@:".contains($0))
    }
    if !allowed || text.hasPrefix("_") || text.hasPrefix("-") {
      emit(
        "E107", "\(path) \(quoted) is not a valid cgroup directory name", at: node.location,
        help: [
          "use letters, digits, '_', '-', '.', '@' and ':', not starting with '_' or '-' (mkpolicy's own directories start with '_')"
        ])
      return nil
    }
    return text
  }

  mutating func tuning(
    _ node: YAMLNode, _ path: String, locations: inout [String: SourceLocation]
  ) -> Tuning? {
    guard let fields = mapping(node, path, keys: Tuning.keys) else { return nil }
    for (key, entry) in fields { locations["tuning.\(key)"] = entry.keyLocation }
    let before = diagnostics.count
    var tuning = Tuning()
    func field(_ key: String) -> YAMLNode? { fields[key]?.value }
    if let node = field("workqueues") { tuning.workqueues = choice(node, "\(path).workqueues") }
    if let node = field("systemServices") {
      tuning.systemServices = choice(node, "\(path).systemServices")
    }
    if let node = field("governor") { tuning.governor = choice(node, "\(path).governor") }
    if let node = field("idle") { tuning.idle = idleLimit(node, "\(path).idle") }
    if let node = field("rtThrottling") {
      tuning.rtThrottling = choice(node, "\(path).rtThrottling")
    }
    if let node = field("timerMigration") {
      tuning.timerMigration = choice(node, "\(path).timerMigration")
    }
    if let node = field("statInterval") {
      if node.scalar?.value == "keep", node.scalar?.isQuoted == false {
        tuning.statInterval = .keep
      } else if let seconds = int(node, "\(path).statInterval", in: 1...3600) {
        tuning.statInterval = .seconds(seconds)
      }
    }
    if let node = field("hungTaskTimeout") {
      if node.scalar?.value == "keep", node.scalar?.isQuoted == false {
        tuning.hungTaskTimeout = .keep
      } else if let seconds = int(node, "\(path).hungTaskTimeout", in: 0...86400) {
        tuning.hungTaskTimeout = .seconds(seconds)
      }
    }
    if let node = field("nicChannels") { tuning.nicChannels = choice(node, "\(path).nicChannels") }
    if let node = field("rps") { tuning.rps = choice(node, "\(path).rps") }
    if let node = field("xps") { tuning.xps = choice(node, "\(path).xps") }
    if let node = field("stalld") { tuning.stalld = bool(node, "\(path).stalld") }
    return diagnostics.count == before ? tuning : nil
  }

  /// `keep`, `poll`, or a latency in microseconds (1...100000).
  mutating func idleLimit(_ node: YAMLNode, _ path: String) -> Tuning.IdleLimit? {
    if let text = node.scalar?.value, node.scalar?.isQuoted == false {
      if text == "keep" { return .keep }
      if text == "poll" { return .poll }
    }
    if node.int != nil {
      return int(node, path, in: 1...100_000).map { .microseconds($0) }
    }
    emit(
      "E023",
      "\(path) must be keep, poll or a latency in microseconds, not \(node.kindDescription)",
      at: node.location,
      help: [
        "write poll (no idle state), a number such as 10 (states that wake within 10µs), or keep"
      ])
    return nil
  }
}
