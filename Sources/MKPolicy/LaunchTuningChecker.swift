import MKCore

/// Checks of `launch:` and `tuning:` that need more than one field: which
/// isolation they apply to, the systemd slice they need, cgroup directories
/// and services claimed twice, and tuning fields that contradict each other.
enum LaunchTuningChecker {
  static func check(
    _ policy: Policy, everyone: [(workload: Workload, broken: Set<String>)]
  ) -> [Diagnostic] {
    var out: [Diagnostic] = []
    var directories: [String: (workload: String, at: SourceLocation)] = [:]
    var services: [String: (workload: String, at: SourceLocation)] = [:]
    let sorted = everyone.sorted { $0.workload.location < $1.workload.location }
    for (workload, broken) in sorted {
      let name = workload.name
      func known(_ keys: String...) -> Bool { broken.isDisjoint(with: keys) }
      let launchAt = workload.launch.location ?? workload.location(of: "launch")
      if known("launch", "isolation"), workload.launch.manager != .none,
        workload.isolation == .kernel
      {
        out.append(
          .error(
            "E143",
            "workload '\(name)' sets launch, but it runs in its own kernel instance (isolation: kernel)",
            at: launchAt,
            notes: [.init("isolation is kernel", at: workload.location(of: "isolation"))],
            help: ["remove launch: a kernel instance starts its own processes"]))
      }
      if known("launch"), workload.launch.manager == .systemd,
        !Self.isTopLevelSlice(policy.host.cgroupParent)
      {
        out.append(
          .error(
            "E144",
            "workload '\(name)' is launched by systemd, but host.cgroupParent '\(policy.host.cgroupParent)' is not a top-level systemd slice",
            at: launchAt,
            notes: policy.host.location.map { [.init("host section", at: $0)] } ?? [],
            help: [
              "set host.cgroupParent to a slice such as mkpolicy.slice (systemd names its cgroups after slice units)"
            ]))
      }
      if known("tuning", "isolation"), workload.tuning != nil, workload.isolation != .partition {
        out.append(
          .error(
            "E143",
            "workload '\(name)' sets tuning, which applies to isolation: partition only",
            at: workload.location(of: "tuning"),
            notes: [
              .init(
                "isolation is \(workload.isolation.rawValue)",
                at: workload.location(of: "isolation"))
            ],
            help: [
              "remove tuning (a kernel instance is tuned by its own kernel; shared CPUs serve every shared workload)"
            ]))
      }
      if known("launch"), workload.isolation != .kernel {
        let directory = Self.directoryName(workload, parent: policy.host.cgroupParent)
        let at = workload.launch.manager == .cgroup ? launchAt : workload.location(of: "name")
        if let first = directories[directory], first.workload != name {
          // (The same name twice is E101's finding, not a second one here.)
          out.append(
            .error(
              "E145",
              "workload '\(name)' uses the cgroup directory '\(directory)', which workload '\(first.workload)' uses too",
              at: at, notes: [.init("used here", at: first.at)],
              help: ["give one of them another launch.path"]))
        } else if directories[directory] == nil {
          directories[directory] = (name, at)
        }
        if let unit = workload.launch.unit {
          if let first = services[unit] {
            out.append(
              .error(
                "E145",
                "workload '\(name)' is launched by \(unit), which also launches workload '\(first.workload)'",
                at: launchAt, notes: [.init("used here", at: first.at)],
                help: ["a service runs in one slice: give each workload its own service"]))
          } else {
            services[unit] = (name, launchAt)
          }
        }
      }
      guard known("tuning", "isolation", "latency"), let written = workload.tuning,
        workload.isolation == .partition
      else { continue }
      let tuning = written.resolved(for: workload.latency)
      for (key, value) in [
        ("rps", written.rps != nil && tuning.rps != .keep),
        ("xps", written.xps != nil && tuning.xps != .keep),
      ] where value && tuning.nicChannels == .keep {
        out.append(
          .error(
            "E146",
            "workload '\(name)' sets tuning.\(key), which is planned per NIC queue, but keeps the channel count (nicChannels: keep)",
            at: workload.location(of: "tuning.\(key)"),
            notes: workload.fieldLocations["tuning.nicChannels"].map {
              [.init("nicChannels is set here", at: $0)]
            } ?? [
              .init("nicChannels: keep is the default of latency: \(workload.latency.rawValue)")
            ],
            help: ["set nicChannels: irqCpus so the queues are known, or set \(key): keep"]))
      }
      if tuning.nicChannels == .irqCpus, !workload.devices.contains(where: { $0.type == .net }),
        written.nicChannels == .irqCpus
      {
        out.append(
          .warning(
            "E147", "workload '\(name)' sets tuning.nicChannels but requests no network device",
            at: workload.location(of: "tuning.nicChannels"),
            help: ["add a net device, or remove nicChannels"]))
      }
    }
    // Realtime throttling is host-wide: one workload turning it off affects all.
    let unthrottled = sorted.filter {
      $0.workload.resolvedTuning?.rtThrottling == .off && $0.broken.isDisjoint(with: ["tuning"])
    }
    let watched = sorted.contains { $0.workload.resolvedTuning?.stalld == true }
    if let first = unthrottled.first, !watched {
      out.append(
        .warning(
          "E147",
          "workload '\(first.workload.name)' turns realtime throttling off and no workload runs stalld: a runaway realtime task starves the kernel threads of its CPU",
          at: first.workload.location(of: "tuning.rtThrottling"),
          help: ["set tuning.stalld: true (install stalld), or keep rtThrottling"]))
    }
    return out
  }

  /// `mkpolicy.slice`: one component ending in `.slice`.
  static func isTopLevelSlice(_ parent: String) -> Bool {
    !parent.contains("/") && parent.hasSuffix(".slice") && parent.count > ".slice".count
  }

  /// The directory below `host.cgroupParent` the workload's cgroup lives in:
  /// the systemd slice's name for `launch: systemd` (`mkpolicy-market_data.slice`),
  /// `launch.path` for `launch: cgroup`, else the workload's name.
  public static func directoryName(_ workload: Workload, parent: String) -> String {
    workload.cgroupDirectoryName(parent: parent)
  }
}

extension Workload {
  /// The directory below `host.cgroupParent` the workload's cgroup lives in:
  /// for `launch: systemd` the cgroup systemd gives the slice unit
  /// `PREFIX-NAME.slice` (`mkpolicy-market_data.slice` under `mkpolicy.slice`;
  /// the name's dashes become underscores, since a dash in a slice name
  /// means nesting and its escape `\x2d` is no name to put in a path); for
  /// `launch: cgroup` its `path`; else the workload's name.
  public func cgroupDirectoryName(parent: String) -> String {
    switch launch.manager {
    case .systemd:
      let prefix = parent.hasSuffix(".slice") ? String(parent.dropLast(".slice".count)) : parent
      return prefix + "-" + String(name.map { $0 == "-" ? "_" : $0 }) + ".slice"
    case .cgroup:
      return launch.path ?? name
    case .none:
      return name
    }
  }
}
