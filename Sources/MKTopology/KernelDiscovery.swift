import MKCore

/// The kernel facts planning depends on: release and command line (boot
/// parameters are diffed against them), cgroup mode and controllers, cpuset
/// partition support, the multikernel interface and irqbalance.
enum KernelDiscovery {
  /// `volatileState: false` leaves out the boot id and whether irqbalance
  /// runs (nil), as a stable snapshot does, without reading the process table.
  static func discover(
    _ files: HostFiles, volatileState: Bool = true, diagnostics: inout [Diagnostic]
  ) -> KernelInfo {
    var info = KernelInfo()
    info.release = files.line("/proc/sys/kernel/osrelease") ?? ""
    let commandLine = files.line("/proc/cmdline")
    info.commandLine = commandLine ?? ""
    info.bootId = volatileState ? files.line("/proc/sys/kernel/random/boot_id") : nil
    if info.release.isEmpty || commandLine == nil {
      diagnostics.append(
        .warning(
          "E326", "/proc is not readable: kernel release and command line are unknown",
          help: ["discover with /proc mounted"]))
    }

    let mounts = parseMountinfo(
      files.read("/proc/self/mountinfo") ?? "", types: ["cgroup", "cgroup2"])
    let v2Root = mounts.first { $0.point == "/sys/fs/cgroup" && $0.type == "cgroup2" }
    let unified = mounts.first { $0.point == "/sys/fs/cgroup/unified" && $0.type == "cgroup2" }
    let v1 = mounts.filter { $0.type == "cgroup" }
    var v2Dir: String?
    if v2Root != nil {
      info.cgroupMode = .v2
      v2Dir = "/sys/fs/cgroup"
    } else if !v1.isEmpty {
      info.cgroupMode = unified != nil ? .hybrid : .v1
      v2Dir = unified != nil ? "/sys/fs/cgroup/unified" : nil
    } else if unified != nil {
      info.cgroupMode = .hybrid
      v2Dir = "/sys/fs/cgroup/unified"
    } else {
      info.cgroupMode = .none
      diagnostics.append(
        .warning(
          "E326",
          "no cgroup file system is mounted: partition and shared workloads cannot be "
            + "applied on this host"))
    }
    var controllers: Set<String> = []
    var v2Controllers: Set<String> = []
    if let v2Dir, let text = files.line(v2Dir + "/cgroup.controllers") {
      v2Controllers = Set(text.split(separator: " ").map(String.init))
      controllers.formUnion(v2Controllers)
    }
    let known: Set<String> = [
      "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio",
      "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc",
    ]
    for mount in v1 {
      controllers.formUnion(mount.superOptions.filter(known.contains))
    }
    info.cgroupControllers = controllers.sorted()

    // Partitions need the v2 cpuset controller; root has no partition file,
    // so look at a child or fall back to the kernel version (5.11 isolated
    // partitions, 6.7 cpuset.cpus.exclusive).
    let version = kernelVersion(info.release)
    if let v2Dir, v2Controllers.contains("cpuset") {
      let children = (files.list(v2Dir) ?? []).filter {
        files.exists("\(v2Dir)/\($0)/cgroup.procs")
      }
      let sample = children.first { files.exists("\(v2Dir)/\($0)/cpuset.cpus.partition") }
      info.cpusetPartitions = sample != nil || version >= (5, 11)
      info.cpusetExclusive =
        children.contains { files.exists("\(v2Dir)/\($0)/cpuset.cpus.exclusive") }
        || files.exists(v2Dir + "/cpuset.cpus.isolated") || version >= (6, 7)
    } else {
      info.cpusetPartitions = false
      info.cpusetExclusive = false
    }

    if files.exists("/sys/fs/multikernel") {
      let bootPool = info.commandLine.split(separator: " ").contains {
        $0.hasPrefix("mkkernel_pool=")
      }
      info.multikernel = bootPool ? .bootParameter : .runtime
    }
    info.irqbalanceRunning = volatileState ? irqbalanceRunning(files) : nil
    return info
  }

  static func kernelVersion(_ release: String) -> (Int, Int) {
    let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
  }

  static func irqbalanceRunning(_ files: HostFiles) -> Bool {
    for entry in files.list("/proc") ?? []
    where entry.allSatisfy({ $0.isASCII && $0.isNumber }) {
      if files.line("/proc/\(entry)/comm") == "irqbalance" { return true }
    }
    return false
  }

  struct Mount {
    var point: String
    var type: String
    var superOptions: [String]
  }

  /// The mounts of the given file system types in `/proc/self/mountinfo`:
  /// mount point is field 5; after the ` - ` separator come the type, the
  /// source and the super options.
  static func parseMountinfo(_ text: String, types: Set<String>) -> [Mount] {
    // Split on the newline and space bytes, not by Characters: exact in UTF-8
    // (neither byte occurs inside a multi-byte character) and much cheaper.
    // Strings are made only for the mounts asked for (the cgroup ones among
    // a host's dozens).
    let dashField = "-".utf8
    return text.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line in
      let fields = line.split(separator: UInt8(ascii: " "))
      guard let dash = fields.firstIndex(where: { $0.elementsEqual(dashField) }),
        fields.count > dash + 3, fields.count > 4
      else { return nil }
      let type = String(Substring(fields[dash + 1]))
      guard types.contains(type) else { return nil }
      return Mount(
        point: unescape(String(Substring(fields[4]))), type: type,
        superOptions: Substring(fields[dash + 3]).split(separator: ",").map(String.init))
    }
  }

  /// Mount points escape space, tab, newline and backslash as octal.
  private static func unescape(_ text: String) -> String {
    guard text.utf8.contains(UInt8(ascii: "\\")) else { return text }
    var out = ""
    var iterator = Array(text).makeIterator()
    while let c = iterator.next() {
      if c == "\\" {
        let digits = [iterator.next(), iterator.next(), iterator.next()].compactMap { $0 }
        if let value = UInt8(String(digits), radix: 8) {
          out.append(Character(Unicode.Scalar(value)))
        } else {
          out.append(c)
          out.append(contentsOf: digits)
        }
      } else {
        out.append(c)
      }
    }
    return out
  }
}
