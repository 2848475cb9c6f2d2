/// Which cgroup names belong to someone else, and which are the roots of the
/// cgroup v1 hierarchies: the one definition `mkpolicy check`, the plan
/// decoder and apply's path guard share, so that what `check` accepts is
/// exactly what apply would accept.
public enum CgroupOwnership {
  /// The cgroup v1 hierarchies mounted under /sys/fs/cgroup (and the hybrid
  /// layout's v2 `unified` and systemd's `systemd`). A cgroup parent directly
  /// at one of them would be that hierarchy's root.
  public static let v1Hierarchies: Set<String> = [
    "cpuset", "cpu", "cpuacct", "cpu,cpuacct", "memory", "blkio", "io", "pids", "devices",
    "freezer", "hugetlb", "net_cls", "net_prio", "net_cls,net_prio", "perf_event", "rdma", "misc",
    "systemd", "unified",
  ]

  /// The manager that owns a cgroup name (`kubepods*`: kubelet;
  /// `system.slice`, `user.slice`, `init.scope`: systemd; `machine.slice`:
  /// systemd-machined and libvirt), nil when the name is nobody's.
  public static func owner(of name: String) -> String? {
    if name.hasPrefix("kubepods") { return "kubelet" }
    switch name {
    case "system.slice", "user.slice", "init.scope": return "systemd"
    case "machine.slice": return "systemd-machined"
    default: return nil
    }
  }

  public static func isForeign(_ name: String) -> Bool { owner(of: name) != nil }

  /// Why a cgroup parent, given as its components below the cgroup mount
  /// (`["mkpolicy.slice"]`, `["tenants", "a"]`), may not be used; nil when it
  /// may. Refused: no component at all (the mount itself), a first component
  /// that names a v1 hierarchy (on a v1 or hybrid host the parent would be
  /// that hierarchy's root, `/sys/fs/cgroup/cpuset`), and a component another
  /// manager owns unless `allowForeign`.
  public static func parentProblem(_ components: [String], allowForeign: Bool) -> String? {
    guard let first = components.first else { return "is the cgroup hierarchy's root" }
    if v1Hierarchies.contains(first) {
      return
        "starts with '\(first)', the name of a cgroup v1 hierarchy: on a v1 or hybrid host it would be the root of that hierarchy"
    }
    if !allowForeign, let name = components.first(where: isForeign), let owner = owner(of: name) {
      return
        "is inside '\(name)', which \(owner) owns; set host.allowForeignCgroups: true to allow it"
    }
    return nil
  }

  /// The components of an absolute cgroup parent below its hierarchy's mount:
  /// `/sys/fs/cgroup/a/b` -> `["a", "b"]`, and on a v1 host
  /// `/sys/fs/cgroup/cpuset/a/b` -> `["a", "b"]`. Nil when the path is not
  /// under /sys/fs/cgroup.
  public static func componentsBelowMount(_ path: String) -> [String]? {
    let prefix = "/sys/fs/cgroup"
    guard path == prefix || path.hasPrefix(prefix + "/") else { return nil }
    var components = path.dropFirst(prefix.count).split(
      separator: "/", omittingEmptySubsequences: false
    ).dropFirst().map(String.init)
    if let first = components.first, v1Hierarchies.contains(first), components.count > 1 {
      components.removeFirst()
    }
    return components
  }

  /// The prefixes of cgroup interface files (`cpuset.cpus`, `memory.max`,
  /// `cgroup.procs`): a directory name with one of them before its first
  /// dot would collide with the kernel's files.
  public static let controllerPrefixes: Set<String> = [
    "cgroup", "cpuset", "cpu", "cpuacct", "memory", "io", "blkio", "pids", "hugetlb", "rdma",
    "misc", "devices", "freezer", "net_cls", "net_prio", "perf_event",
  ]

  /// The v1 files without a controller prefix.
  public static let plainInterfaceFiles: Set<String> = [
    "tasks", "notify_on_release", "release_agent",
  ]

  /// Whether a name is one the kernel gives a cgroup directory's interface
  /// files: a controller prefix, a dot, then letters, digits, `_` and `.`
  /// (`hugetlb.2MB.max`), or one of the v1 plain names. On a plain directory
  /// tree standing in for cgroupfs, removing a cgroup removes only these.
  public static func isInterfaceFile(_ name: String) -> Bool {
    if plainInterfaceFiles.contains(name) { return true }
    guard let dot = name.firstIndex(of: "."), controllerPrefixes.contains(String(name[..<dot]))
    else { return false }
    let rest = name[name.index(after: dot)...]
    return !rest.isEmpty && rest.utf8.count <= 64
      && rest.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "_" || $0 == "."
      }
  }
}
