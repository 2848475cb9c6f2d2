import MKCore

/// One cgroup directory an emitter wants, with its files in write order.
public struct CgroupDirectory: Sendable, Hashable {
  public enum Role: Sendable, Hashable {
    /// `cpuset.cpus` (v1 and v2): shrinks before siblings grow.
    case cpus
    /// `cpuset.cpus.exclusive` (v2, 6.7+): shrinks with `cpus`.
    case exclusiveCPUs
    /// `cpuset.cpus.partition` (v2) or `cpuset.cpu_exclusive` (v1): reset
    /// before the directory goes, or before its CPUs become empty.
    case partition(reset: String)
    case other
  }

  public struct File: Sendable, Hashable {
    public var name: String
    public var value: String
    public var role: Role
    /// Distinguishes several writes to one file (`io.max`, one per device).
    public var key: String?
    public var provenance: Provenance
    public init(
      _ name: String, _ value: String, role: Role = .other, key: String? = nil,
      provenance: Provenance
    ) {
      self.name = name
      self.value = value
      self.role = role
      self.key = key
      self.provenance = provenance
    }

    /// The file `interface` describes (its name in a cgroup directory).
    public init(
      _ interface: KernelInterface, _ value: String, role: Role = .other, key: String? = nil,
      provenance: Provenance
    ) {
      self.init(
        interface.cgroupFileName, value, role: role, key: key, provenance: provenance)
    }
  }

  /// Absolute path.
  public var path: String
  /// False for directories mkpolicy writes to but does not own (the root).
  public var owned: Bool
  public var files: [File]
  public var provenance: Provenance
  public init(path: String, owned: Bool = true, files: [File], provenance: Provenance) {
    self.path = path
    self.owned = owned
    self.files = files
    self.provenance = provenance
  }
}

/// Orders cgroup writes so that the kernel accepts every one of them:
/// removed directories go first (bottom-up, partitions reset before
/// `rmdir`), then CPUs leave the cgroups that lose them (bottom-up), then
/// everything is created and grown top-down. Against a previous plan only
/// what differs is written.
public struct CgroupSequencer: Sendable {
  public init() {}

  /// `directories` must be listed parents first.
  public func sequence(_ directories: [CgroupDirectory], previous: [CgroupOperation])
    -> [CgroupOperation]
  {
    var state: [String: String] = [:]
    var existing = Set<String>()
    var previousRoles: [String: [String: CgroupOperation]] = [:]
    for op in previous {
      switch op.op {
      case .mkdir: existing.insert(op.path)
      case .rmdir:
        existing.remove(op.path)
        state = state.filter { !$0.key.hasPrefix(op.path + "/") }
      case .write:
        let key = Self.stateKey(op.path, op.value)
        state[key] = op.value
        let directory = Self.parent(of: op.path)
        previousRoles[directory, default: [:]][key] = op
      }
    }
    var ops: [CgroupOperation] = []
    let wanted = Set(directories.map(\.path))

    // 1. Teardown of directories that are no longer wanted, deepest first.
    let removed = existing.filter { !wanted.contains($0) }.sorted {
      ($0.split(separator: "/").count, $0) > ($1.split(separator: "/").count, $1)
    }
    for path in removed {
      let provenance = previousRoles[path]?.values.first?.provenance ?? Provenance()
      for (key, op) in (previousRoles[path] ?? [:]).sorted(by: { $0.key < $1.key }) {
        let name = String(op.path.dropFirst(path.count + 1))
        if name == "cpuset.cpus.partition", state[key] != "member" {
          ops.append(
            CgroupOperation(op: .write, path: op.path, value: "member", provenance: provenance))
        } else if name == "cpuset.cpu_exclusive", state[key] != "0" {
          ops.append(CgroupOperation(op: .write, path: op.path, value: "0", provenance: provenance))
        }
      }
      for (key, op) in (previousRoles[path] ?? [:]).sorted(by: { $0.key < $1.key })
      where op.path.hasSuffix("/cpuset.cpus.exclusive") && state[key] != "" {
        ops.append(CgroupOperation(op: .write, path: op.path, value: "", provenance: provenance))
      }
      ops.append(CgroupOperation(op: .rmdir, path: path, provenance: provenance))
      existing.remove(path)
      state = state.filter { !$0.key.hasPrefix(path + "/") }
    }

    // 2. CPUs leave the cgroups that lose them, deepest first.
    for directory in directories.reversed() where existing.contains(directory.path) {
      let cpuFiles = directory.files.filter {
        if case .cpus = $0.role { return true }
        if case .exclusiveCPUs = $0.role { return true }
        return false
      }
      var shrinks: [(file: CgroupDirectory.File, value: String)] = []
      for file in cpuFiles {
        let path = directory.path + "/" + file.name
        guard let old = state[path], let oldSet = try? CPUSet(cpulist: old, allowEmpty: true),
          let newSet = try? CPUSet(cpulist: file.value, allowEmpty: true),
          !oldSet.isSubset(of: newSet)
        else { continue }
        shrinks.append((file, oldSet.intersection(newSet).cpulist))
      }
      guard !shrinks.isEmpty else { continue }
      if shrinks.contains(where: { $0.value.isEmpty }) {
        for file in directory.files {
          guard case .partition(let reset) = file.role else { continue }
          let path = directory.path + "/" + file.name
          if let old = state[path], old != reset {
            ops.append(
              CgroupOperation(op: .write, path: path, value: reset, provenance: file.provenance))
            state[path] = reset
          }
        }
      }
      // Exclusive CPUs are released before the CPUs themselves.
      let ordered =
        shrinks.filter { $0.file.role == .exclusiveCPUs }
        + shrinks.filter { $0.file.role != .exclusiveCPUs }
      for (file, value) in ordered {
        let path = directory.path + "/" + file.name
        ops.append(
          CgroupOperation(op: .write, path: path, value: value, provenance: file.provenance))
        state[path] = value
      }
    }

    // 3. Create and grow, parents first.
    for directory in directories {
      if directory.owned, !existing.contains(directory.path) {
        ops.append(
          CgroupOperation(op: .mkdir, path: directory.path, provenance: directory.provenance))
        existing.insert(directory.path)
      }
      for file in directory.files {
        let path = directory.path + "/" + file.name
        let key = file.key.map { path + "\u{0}" + $0 } ?? path
        if state[key] == file.value { continue }
        ops.append(
          CgroupOperation(op: .write, path: path, value: file.value, provenance: file.provenance))
        state[key] = file.value
      }
    }
    return ops
  }

  /// `io.max` and the v1 throttle files take one line per device, keyed by
  /// its `MAJ:MIN`; every other file holds one value.
  static func stateKey(_ path: String, _ value: String?) -> String {
    let name = path.split(separator: "/").last.map(String.init) ?? ""
    if name == "io.max" || name.hasPrefix("blkio.throttle."), let value,
      let device = value.split(separator: " ").first
    {
      return path + "\u{0}" + device
    }
    return path
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[..<slash])
  }
}
