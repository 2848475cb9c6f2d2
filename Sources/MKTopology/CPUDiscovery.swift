import MKCore

/// What sysfs and /proc say about each logical CPU: the first half of live
/// discovery. Nothing here needs root.
struct CPUFacts {
  struct Thread {
    var cpu: Int
    var package: Int
    var die: Int
    /// The CPUs of its core (itself included).
    var siblings: CPUSet
    var llc: Cache?
    var physicalId: Int?
    var online: Bool
    var type: CoreType?
  }

  struct Cache: Hashable {
    var level: Int
    var sizeBytes: UInt64
    var shared: CPUSet
  }

  var threads: [Thread] = []
  /// Present CPUs whose topology the kernel does not show (offline ones).
  var unplaced: CPUSet = []

  static func discover(
    _ files: HostFiles, architecture: String, diagnostics: inout [Diagnostic]
  ) -> CPUFacts {
    var facts = CPUFacts()
    let base = "/sys/devices/system/cpu"
    let listed = CPUSet(files.numbered(base, prefix: "cpu"))
    let present = files.cpulist(base + "/present") ?? listed
    let online = files.cpulist(base + "/online") ?? present
    let physicalIds = physicalIds(files, architecture: architecture, diagnostics: &diagnostics)
    let performance = files.cpulist("/sys/devices/cpu_core/cpus")
    let efficiency = files.cpulist("/sys/devices/cpu_atom/cpus")
    var missingCaches: [Int] = []

    for cpu in present {
      let topology = "\(base)/cpu\(cpu)/topology"
      guard let package = files.int(topology + "/physical_package_id") else {
        facts.unplaced.insert(cpu)
        continue
      }
      let die = files.int(topology + "/die_id").map { max($0, 0) } ?? 0
      var siblings =
        files.cpulist(topology + "/core_cpus_list") ?? files.cpulist(
          topology + "/thread_siblings_list") ?? [cpu]
      siblings.insert(cpu)
      let llc = lastLevelCache(files, cpu: cpu)
      if llc == nil && online.contains(cpu) { missingCaches.append(cpu) }
      var type: CoreType?
      if performance?.contains(cpu) == true { type = .performance }
      if efficiency?.contains(cpu) == true { type = .efficiency }
      facts.threads.append(
        Thread(
          cpu: cpu, package: package, die: die, siblings: siblings, llc: llc,
          physicalId: physicalIds[cpu], online: online.contains(cpu), type: type))
    }
    if !missingCaches.isEmpty {
      diagnostics.append(
        .warning(
          "E323",
          "the kernel gives no cache information for CPUs "
            + "\(CPUSet(missingCaches).cpulist) (common in VMs and on some Arm systems): "
            + "their last-level cache domain is taken to be their package within their NUMA node",
          help: ["cache-aware placement (llc: exclusive) is approximate on this host"]))
    }
    return facts
  }

  /// The highest-level data or unified cache of a CPU.
  static func lastLevelCache(_ files: HostFiles, cpu: Int) -> Cache? {
    let dir = "/sys/devices/system/cpu/cpu\(cpu)/cache"
    var best: Cache?
    for index in files.numbered(dir, prefix: "index") {
      let path = "\(dir)/index\(index)"
      guard let level = files.int(path + "/level"), files.line(path + "/type") != "Instruction",
        let shared = files.cpulist(path + "/shared_cpu_list")
      else { continue }
      let size = files.line(path + "/size").flatMap(parseCacheSize) ?? 0
      if level > (best?.level ?? Int.min) {
        best = Cache(level: level, sizeBytes: size, shared: shared.union([cpu]))
      }
    }
    return best
  }

  /// `32768K`, `1M`, `512` as sysfs prints cache sizes.
  static func parseCacheSize(_ text: String) -> UInt64? {
    guard let last = text.last else { return nil }
    let factor: UInt64
    var digits = Substring(text)
    switch last {
    case "K": factor = 1 << 10
    case "M": factor = 1 << 20
    case "G": factor = 1 << 30
    default: factor = 1
    }
    if factor != 1 { digits = digits.dropLast() }
    guard let value = UInt64(digits) else { return nil }
    return value * factor
  }

  /// Physical ids: x86 APIC ids from /proc/cpuinfo; arm64 MPIDR from the
  /// device tree node each CPU links to. Empty (with a warning) elsewhere.
  static func physicalIds(
    _ files: HostFiles, architecture: String, diagnostics: inout [Diagnostic]
  ) -> [Int: Int] {
    var ids: [Int: Int] = [:]
    switch architecture {
    case "x86_64", "i686", "i386":
      if let text = files.read("/proc/cpuinfo") {
        ids = apicIds(cpuinfo: text)
      }
      if ids.isEmpty {
        diagnostics.append(
          .warning(
            "E324", "no APIC ids in /proc/cpuinfo: threads have no physical id",
            help: [
              "kernel instances need physical ids; discover on the host itself, not in a sandbox"
            ]))
      }
    case "aarch64", "arm64":
      for cpu in files.numbered("/sys/devices/system/cpu", prefix: "cpu") {
        guard let bytes = files.bytes("/sys/devices/system/cpu/cpu\(cpu)/of_node/reg") else {
          continue
        }
        guard bytes.count == 4 || bytes.count == 8 else { continue }
        ids[cpu] = bytes.reduce(0) { $0 << 8 | Int($1) }
      }
      if ids.isEmpty {
        diagnostics.append(
          .warning(
            "E324",
            "no MPIDR values readable (no device tree CPU nodes, as on ACPI systems): "
              + "threads have no physical id"))
      }
    default:
      diagnostics.append(
        .warning("E324", "physical CPU ids are not known on \(architecture)"))
    }
    return ids
  }

  /// `processor` -> `apicid` from /proc/cpuinfo.
  static func apicIds(cpuinfo: String) -> [Int: Int] {
    // Bytes, not Characters: /proc/cpuinfo is ASCII and a few MB on a large
    // host, and splitting it by grapheme clusters cost more than reading it.
    var ids: [Int: Int] = [:]
    var processor: Int?
    for line in cpuinfo.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    {
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
        processor = nil
        continue
      }
      let key = line[..<colon].trimmingASCIISpaces()
      if key.elementsEqual("processor".utf8) {
        processor = Int(line[line.index(after: colon)...].trimmingASCIISpaces())
      } else if key.elementsEqual("apicid".utf8), let processor,
        let id = Int(line[line.index(after: colon)...].trimmingASCIISpaces())
      {
        ids[processor] = id
      }
    }
    return ids
  }
}

extension Substring.UTF8View {
  /// Without leading and trailing spaces and tabs.
  fileprivate func trimmingASCIISpaces() -> Substring.UTF8View {
    let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    guard let first = firstIndex(where: { !blank($0) }),
      let last = lastIndex(where: { !blank($0) })
    else { return self[endIndex...] }
    return self[first...last]
  }
}

extension Int {
  /// A decimal integer from ASCII bytes.
  fileprivate init?(_ bytes: Substring.UTF8View) {
    self.init(Substring(bytes))
  }
}
