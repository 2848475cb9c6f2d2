import MKCore

/// Checks a plan read from a file before anything uses it: every value that
/// apply writes or runs has the form the planner gives it, so an edited plan
/// cannot turn a cgroup write into `cgroup.kill`, a GRUB fragment into a
/// shell command, or a kerf argv into another program.
///
/// The rules are those of the emitters, stated again independently of them
/// and on the plan's own data only: cgroup paths under the plan's cgroup
/// parent (never a hierarchy root, never another manager's cgroup unless the
/// plan allows it), interface files from a fixed list with a value grammar
/// each, IRQ numbers and CPU lists in range, host boot parameters from the
/// vocabulary mkpolicy emits, the GRUB fragment and the grubby argv rebuilt
/// from those parameters and compared byte for byte, the irqbalance
/// configuration line by line, and kerf argv parsed into a `KerfInvocation`.
/// Apply's `PathGuard` checks paths again against the host it runs on.
public enum PlanValidator {
  /// One thing wrong with a plan: where in its JSON (`cgroupWrites[3].value`)
  /// and why.
  public struct Problem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(_ path: String, _ message: String) {
      self.path = path
      self.message = message
    }
    public var description: String { "\(path): \(message)" }
  }

  public static let cgroupMount = "/sys/fs/cgroup"
  public static let irqbalanceFiles = ["/etc/default/irqbalance", "/etc/sysconfig/irqbalance"]

  /// Every problem of `plan`; empty when it may be used.
  public static func problems(_ plan: Plan) -> [Problem] {
    var out: [Problem] = []
    fingerprint(plan.topologyFingerprint, into: &out)
    guard let parents = cgroupParents(plan, into: &out) else { return out }
    if !["v1", "v2", "hybrid", "none"].contains(plan.cgroupMode) {
      out.append(
        Problem("cgroupMode", "\(YAMLScalar.quoted(plan.cgroupMode)) is not v1, v2, hybrid or none")
      )
    }
    for (name, operations) in [
      ("cgroupPrerequisites", plan.cgroupPrerequisites), ("cgroupWrites", plan.cgroupWrites),
      ("cgroupTree", plan.cgroupTree),
    ] {
      for (index, operation) in operations.enumerated() {
        if let problem = cgroupProblem(
          operation, parents: parents, allowForeign: plan.allowForeignCgroups ?? false)
        {
          out.append(Problem("\(name)[\(index)]", problem))
        }
      }
    }
    for (index, setting) in plan.irqAffinity.enumerated()
    where !(0..<(1 << 20)).contains(setting.irq) {
      out.append(
        Problem("irqAffinity[\(index)].irq", "IRQ \(setting.irq) is outside 0...\((1 << 20) - 1)"))
    }
    for (index, write) in plan.kernelWrites.enumerated() {
      if let problem = kernelWriteProblem(write) {
        out.append(Problem("kernelWrites[\(index)]", problem))
      }
    }
    for (index, write) in plan.fileWrites.enumerated() {
      if let problem = irqbalanceProblem(write) {
        out.append(Problem("fileWrites[\(index)]", problem))
      }
    }
    if let mode = plan.irqbalanceMode, !["ban", "stop", "keep"].contains(mode) {
      out.append(Problem("irqbalanceMode", "\(YAMLScalar.quoted(mode)) is not ban, stop or keep"))
    }
    bootParameters(plan, into: &out)
    for (index, command) in plan.coordinatorCommands.enumerated() {
      if let problem = commandIdProblem(command.id) {
        out.append(Problem("coordinatorCommands[\(index)].id", problem))
      }
      if case .failure(let refusal) = KerfInvocation.parse(command.argv) {
        out.append(Problem("coordinatorCommands[\(index)].argv", refusal.description))
      }
    }
    handovers(plan, into: &out)
    return out
  }

  /// A hand-over's kerf steps parse as kerf commands, its ids are command
  /// ids, and its health check command names its program by absolute path
  /// (apply runs it as the reviewed plan wrote it, from inside the root).
  static func handovers(_ plan: Plan, into out: inout [Problem]) {
    for (h, handover) in (plan.handovers ?? []).enumerated() {
      for (kind, steps) in [("steps", handover.steps), ("rollback", handover.rollback)] {
        for (index, step) in steps.enumerated() {
          let path = "handovers[\(h)].\(kind)[\(index)]"
          if let problem = commandIdProblem(step.id) { out.append(Problem(path + ".id", problem)) }
          if let argv = step.argv, case .failure(let refusal) = KerfInvocation.parse(argv) {
            out.append(Problem(path + ".argv", refusal.description))
          }
        }
      }
      if let command = handover.healthCheck.command,
        command.first?.hasPrefix("/") != true || command.contains(where: { $0.contains("\0") })
      {
        out.append(
          Problem(
            "handovers[\(h)].healthCheck.command",
            "the program must be an absolute path, without NUL bytes"))
      }
    }
  }

  // MARK: fingerprint

  /// Every fact the stale check compares must be there: a plan whose
  /// fingerprint lost one would be applied to any host.
  static func fingerprint(_ fingerprint: HostFingerprint, into out: inout [Problem]) {
    let release = fingerprint.kernelRelease
    if release.isEmpty || release.utf8.count > 256
      || !release.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
    {
      out.append(Problem("topologyFingerprint.kernelRelease", "empty or not a kernel release"))
    }
    if fingerprint.onlineCPUs.isEmpty {
      out.append(
        Problem("topologyFingerprint.onlineCPUs", "empty: a host has at least one online CPU"))
    }
    if !isDigest(fingerprint.digest) {
      out.append(Problem("topologyFingerprint.digest", "not sha256: and 64 hexadecimal digits"))
    }
    if let boot = fingerprint.bootId, !isUUID(boot) {
      out.append(
        Problem(
          "topologyFingerprint.bootId", "\(YAMLScalar.quoted(boot)) is not a boot id (a UUID)"))
    }
    // The hardware identity apply binds a plan to: every plan mkpolicy
    // writes has it, so a plan without it was cut.
    if let cpus = fingerprint.cpus {
      if cpus.isEmpty || !fingerprint.onlineCPUs.isSubset(of: cpus) {
        out.append(
          Problem(
            "topologyFingerprint.cpus", "empty, or without some of the online CPUs"))
      }
    } else {
      out.append(
        Problem("topologyFingerprint.cpus", "missing: the host's CPUs bind the plan to it"))
    }
    if !(fingerprint.hardwareDigest.map(isDigest) ?? false) {
      out.append(
        Problem(
          "topologyFingerprint.hardwareDigest",
          "missing or not sha256: and 64 hexadecimal digits: it binds the plan to the machine"))
    }
    if let machine = fingerprint.machineId,
      machine.utf8.count != 32 || !machine.allSatisfy({ $0.isASCII && $0.isHexDigit })
    {
      out.append(
        Problem(
          "topologyFingerprint.machineId",
          "\(YAMLScalar.quoted(machine)) is not a machine id (32 hexadecimal digits)"))
    }
    if let name = fingerprint.hostName,
      name.isEmpty || name.utf8.count > 253
        || !name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
    {
      out.append(
        Problem("topologyFingerprint.hostName", "\(YAMLScalar.quoted(name)) is not a host name"))
    }
    for (index, device) in fingerprint.devices.enumerated()
    where !KerfInvocation.isPCIAddress(Substring(device)) {
      out.append(
        Problem(
          "topologyFingerprint.devices[\(index)]",
          "\(YAMLScalar.quoted(device)) is not a PCI address"))
    }
  }

  public static func isDigest(_ text: String) -> Bool {
    text.hasPrefix("sha256:") && text.utf8.count == 71
      && text.dropFirst(7).allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
  }

  public static func isUUID(_ text: String) -> Bool {
    let groups = text.split(separator: "-", omittingEmptySubsequences: false)
    return groups.map(\.count) == [8, 4, 4, 4, 12]
      && groups.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isHexDigit } }
  }

  // MARK: cgroups

  /// The cgroup parent and, on a cgroup v1 host, the same relative parent in
  /// the other v1 hierarchies apply writes to; nil (with the problem) when
  /// the parent itself is refused.
  static func cgroupParents(_ plan: Plan, into out: inout [Problem]) -> [String]? {
    let parent = plan.cgroupParentPath ?? cgroupMount + "/mkpolicy.slice"
    if let problem = pathProblem(parent) {
      out.append(Problem("cgroupParentPath", problem))
      return nil
    }
    guard let components = CgroupOwnership.componentsBelowMount(parent) else {
      out.append(
        Problem("cgroupParentPath", "\(YAMLScalar.quoted(parent)) is not under \(cgroupMount)"))
      return nil
    }
    if let problem = CgroupOwnership.parentProblem(
      components, allowForeign: plan.allowForeignCgroups ?? false)
    {
      out.append(Problem("cgroupParentPath", "\(YAMLScalar.quoted(parent)) \(problem)"))
      return nil
    }
    for name in components {
      if let problem = cgroupNameProblem(name) {
        out.append(Problem("cgroupParentPath", problem))
        return nil
      }
    }
    let relative = "/" + components.joined(separator: "/")
    let root = String(parent.dropLast(relative.count))
    guard root != cgroupMount else { return [parent] }
    return [parent]
      + ["cpu", "cpuacct", "cpu,cpuacct", "memory", "blkio", "pids", "hugetlb"]
      .map { cgroupMount + "/" + $0 + relative }.filter { $0 != parent }
  }

  /// Interface files mkpolicy writes, each with the form of its value.
  static let interfaceFiles: [String: @Sendable (String) -> Bool] = [
    "cgroup.subtree_control": { value in
      let tokens = value.split(separator: " ")
      return !tokens.isEmpty
        && tokens.allSatisfy {
          ($0.hasPrefix("+") || $0.hasPrefix("-")) && $0.count > 1 && $0.count <= 32
            && $0.dropFirst().allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
        }
    },
    "cpuset.cpus": isCPUList, "cpuset.mems": isCPUList, "cpuset.cpus.exclusive": isCPUList,
    "cpuset.cpus.partition": { ["root", "member", "isolated"].contains($0) },
    "cpuset.cpu_exclusive": { $0 == "0" || $0 == "1" },
    "cpuset.sched_load_balance": { $0 == "0" || $0 == "1" },
    "cpu.weight": { isNumber($0) && (1...10000).contains(Int($0) ?? 0) },
    "cpu.max": { value in
      let parts = value.split(separator: " ", omittingEmptySubsequences: false)
      return parts.count == 2 && (parts[0] == "max" || isNumber(parts[0])) && isNumber(parts[1])
    },
    "cpu.shares": { isNumber($0) }, "cpu.cfs_period_us": { isNumber($0) },
    "cpu.cfs_quota_us": { $0 == "-1" || isNumber($0) },
    "memory.min": isBytesOrMax, "memory.high": isBytesOrMax, "memory.max": isBytesOrMax,
    "memory.limit_in_bytes": { $0 == "-1" || isNumber($0) },
    "memory.soft_limit_in_bytes": { $0 == "-1" || isNumber($0) },
    "io.max": { value in
      let parts = value.split(separator: " ", omittingEmptySubsequences: false)
      return parts.count >= 2 && isDeviceNumber(parts[0])
        && parts.dropFirst().allSatisfy { pair in
          let kv = pair.split(separator: "=", omittingEmptySubsequences: false)
          return kv.count == 2 && ["rbps", "wbps", "riops", "wiops"].contains(kv[0])
            && (kv[1] == "max" || isNumber(kv[1]))
        }
    },
    "blkio.throttle.read_bps_device": isDeviceLimit,
    "blkio.throttle.write_bps_device": isDeviceLimit,
    "blkio.throttle.read_iops_device": isDeviceLimit,
    "blkio.throttle.write_iops_device": isDeviceLimit,
  ]

  /// Files that act on processes rather than configure a cgroup: named in
  /// the refusal, as an edited plan would use them.
  static let processFiles: [String: String] = [
    "cgroup.kill": "kills every process of the cgroup",
    "cgroup.procs": "moves processes between cgroups",
    "cgroup.threads": "moves threads between cgroups",
    "cgroup.freeze": "freezes every process of the cgroup",
    "tasks": "moves processes between cgroups",
    "release_agent": "names a program the kernel runs as root",
    "notify_on_release": "makes the kernel run the release agent",
    "cgroup.type": "changes the cgroup's type",
    "freezer.state": "freezes every process of the cgroup",
  ]

  /// Why writing `value` to the cgroup interface file `name` is not a
  /// write mkpolicy makes (a process file, a file it never writes, a value
  /// not of the file's form); nil when it is. Apply's path guard asks this
  /// of every step it performs, journal steps included.
  public static func interfaceWriteProblem(_ name: String, _ value: String) -> String? {
    if let effect = processFiles[name] { return "write to \(name) refused: \(name) \(effect)" }
    guard let grammar = interfaceFiles[name] else {
      return "\(YAMLScalar.quoted(name)) is not an interface file mkpolicy writes"
    }
    var body = Substring(value)
    if body.hasSuffix("\n") { body = body.dropLast() }
    guard body.utf8.count <= 65536, grammar(String(body)) else {
      return "value \(YAMLScalar.quoted(value)) is not of the form \(name) takes"
    }
    return nil
  }

  static func cgroupProblem(
    _ operation: CgroupOperation, parents: [String], allowForeign: Bool
  ) -> String? {
    let path = operation.path
    if let problem = pathProblem(path) { return problem }
    let quoted = YAMLScalar.quoted(path)
    if operation.op == .write {
      let name = String(path.split(separator: "/").last ?? "")
      if let effect = processFiles[name] {
        return "write to \(quoted) refused: \(name) \(effect)"
      }
      guard let grammar = interfaceFiles[name] else {
        return "\(quoted): \(YAMLScalar.quoted(name)) is not an interface file mkpolicy writes"
      }
      var value = Substring(operation.value ?? "")
      if value.hasSuffix("\n") { value = value.dropLast() }
      guard value.utf8.count <= 65536, grammar(String(value)) else {
        return "value \(YAMLScalar.quoted(operation.value ?? "")) is not of the form \(name) takes"
      }
      let directory = String(path.dropLast(name.count + 1))
      // The one write above the parent: enabling controllers at a hierarchy root.
      if name == "cgroup.subtree_control",
        !parents.contains(where: { directory == $0 || directory.hasPrefix($0 + "/") })
      {
        guard isRootOrAncestor(directory, of: parents) else {
          return "\(quoted) is neither under the cgroup parent nor above it"
        }
        return value.split(separator: " ").allSatisfy { $0.hasPrefix("+") }
          ? nil : "only +controller tokens may be written above the cgroup parent"
      }
      if ["cpuset.cpus", "cpuset.mems"].contains(name), isRootOrAncestor(directory, of: parents),
        directory != cgroupMount, !parents.contains(directory)
      {
        // v2 ancestors between the mount and the parent hold the parent's CPUs.
        return nil
      }
      return directoryProblem(directory, parents: parents, allowForeign: allowForeign)
    }
    if operation.value != nil { return "\(operation.op.rawValue) takes no value" }
    return directoryProblem(path, parents: parents, allowForeign: allowForeign)
  }

  /// A directory under one of the parents (or a parent itself), every name
  /// below it a plain cgroup name nobody else owns.
  static func directoryProblem(_ directory: String, parents: [String], allowForeign: Bool)
    -> String?
  {
    guard let parent = parents.first(where: { directory == $0 || directory.hasPrefix($0 + "/") })
    else {
      return "\(YAMLScalar.quoted(directory)) is outside the cgroup parent \(parents[0])"
    }
    for name in directory.dropFirst(parent.count).split(separator: "/").map(String.init) {
      if let problem = cgroupNameProblem(name) { return problem }
      if !allowForeign, let owner = CgroupOwnership.owner(of: name) {
        return
          "\(YAMLScalar.quoted(name)) belongs to \(owner); the plan does not allow foreign cgroups"
      }
    }
    return nil
  }

  /// A hierarchy mount or a directory between it and a parent.
  static func isRootOrAncestor(_ directory: String, of parents: [String]) -> Bool {
    parents.contains { $0 == directory || $0.hasPrefix(directory + "/") }
      && (directory == cgroupMount || directory.hasPrefix(cgroupMount + "/"))
  }

  /// A cgroup directory name: plain characters, never one of an interface file.
  static func cgroupNameProblem(_ name: String) -> String? {
    let quoted = YAMLScalar.quoted(name)
    guard let first = name.first, name.utf8.count <= 255,
      name.unicodeScalars.allSatisfy({
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || "-_.@:".unicodeScalars.contains($0)
      }), first != ".", first != "-"
    else { return "cgroup name \(quoted) must be letters, digits and - _ . @ :" }
    if processFiles[name] != nil || interfaceFiles[name] != nil {
      return "cgroup name \(quoted) is an interface file's name"
    }
    let prefix = String(name.split(separator: ".", maxSplits: 1).first ?? "")
    if name.contains("."),
      [
        "cgroup", "cpuset", "cpu", "cpuacct", "memory", "io", "blkio", "pids", "hugetlb", "rdma",
        "misc", "devices", "freezer", "net_cls", "net_prio", "perf_event",
      ].contains(prefix)
    {
      return "cgroup name \(quoted) collides with the \(prefix).* interface files"
    }
    return nil
  }

  /// Absolute, no empty, `.` or `..` component, no control characters,
  /// within PATH_MAX and NAME_MAX.
  public static func pathProblem(_ path: String) -> String? {
    let quoted = YAMLScalar.quoted(path)
    guard path.hasPrefix("/") else { return "\(quoted) is not an absolute path" }
    guard path.utf8.count <= 4000 else { return "path longer than 4000 bytes" }
    guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      return "\(quoted) contains a control character"
    }
    for component in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
      if component.isEmpty { return "\(quoted) has an empty component" }
      if component == "." || component == ".." { return "\(quoted) has a '\(component)' component" }
      if component.utf8.count > 255 { return "\(quoted) has a component longer than 255 bytes" }
    }
    return nil
  }

  static func isNumber<S: StringProtocol>(_ text: S) -> Bool {
    !text.isEmpty && text.count <= 20 && text.allSatisfy { $0.isASCII && $0.isNumber }
      && UInt64(text) != nil
  }
  static func isCPUList(_ text: String) -> Bool {
    (try? CPUSet(cpulist: text, allowEmpty: true)) != nil
  }
  static func isBytesOrMax(_ text: String) -> Bool { text == "max" || isNumber(text) }
  static func isDeviceNumber(_ text: Substring) -> Bool {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    return parts.count == 2 && parts.allSatisfy { isNumber($0) && $0.count <= 10 }
  }
  static func isDeviceLimit(_ text: String) -> Bool {
    let parts = text.split(separator: " ", omittingEmptySubsequences: false)
    return parts.count == 2 && isDeviceNumber(parts[0]) && isNumber(parts[1])
  }

  // MARK: files under /proc and /sys, irqbalance

  static func kernelWriteProblem(_ write: FileWrite) -> String? {
    var value = Substring(write.content)
    if value.hasSuffix("\n") { value = value.dropLast() }
    if write.path == "/proc/irq/default_smp_affinity" {
      let groups = value.split(separator: ",", omittingEmptySubsequences: false)
      return !groups.isEmpty && groups.count <= 2048
        && groups.allSatisfy {
          !$0.isEmpty && $0.count <= 8 && $0.allSatisfy { $0.isASCII && $0.isHexDigit }
        }
        ? nil : "\(YAMLScalar.quoted(write.content)) is not a hex CPU mask"
    }
    let parts = write.path.split(separator: "/", omittingEmptySubsequences: false)
    let digits = { (text: Substring) in
      !text.isEmpty && text.count <= 9 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
    let hugePages =
      parts.count == 9 && parts[0].isEmpty && parts[1] == "sys" && parts[2] == "devices"
      && parts[3] == "system" && parts[4] == "node" && parts[5].hasPrefix("node")
      && digits(parts[5].dropFirst(4)) && parts[6] == "hugepages"
      && parts[7].hasPrefix("hugepages-") && parts[7].hasSuffix("kB")
      && digits(parts[7].dropFirst(10).dropLast(2)) && parts[8] == "nr_hugepages"
    guard hugePages else {
      return
        "\(YAMLScalar.quoted(write.path)) is neither /proc/irq/default_smp_affinity nor a node's nr_hugepages"
    }
    return isNumber(value) && value.count <= 12
      ? nil : "\(YAMLScalar.quoted(write.content)) is not a page count"
  }

  /// The irqbalance configuration, which init scripts source as shell: only
  /// comments and the two assignments `IRQAffinityEmitter` writes, with
  /// values that hold no shell syntax.
  static func irqbalanceProblem(_ write: FileWrite) -> String? {
    guard irqbalanceFiles.contains(write.path) else {
      return
        "\(YAMLScalar.quoted(write.path)) is not the irqbalance configuration (\(irqbalanceFiles.joined(separator: " or ")))"
    }
    guard write.content.hasSuffix("\n"), write.content.utf8.count <= 1 << 20 else {
      return "content does not end with a newline or is larger than 1 MiB"
    }
    for (number, line) in write.content.dropLast().split(
      separator: "\n", omittingEmptySubsequences: false
    ).enumerated() {
      let problem = "line \(number + 1) \(YAMLScalar.quoted(String(line)))"
      if line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
        return "\(problem) contains a control character"
      }
      if line.hasPrefix("#") { continue }
      if line.hasPrefix("IRQBALANCE_BANNED_CPULIST=") {
        let list = line.dropFirst("IRQBALANCE_BANNED_CPULIST=".count)
        if list.isEmpty || isCPUList(String(list)) { continue }
        return "\(problem) does not assign a cpulist"
      }
      if line.hasPrefix("IRQBALANCE_ARGS=\""), line.hasSuffix("\""), line.count >= 18 {
        let words = line.dropFirst("IRQBALANCE_ARGS=\"".count).dropLast().split(
          separator: " ", omittingEmptySubsequences: false)
        if words.allSatisfy({
          $0.hasPrefix("--banirq=") && isNumber($0.dropFirst(9)) && $0.count <= 16
        }) {
          continue
        }
      }
      return
        "\(problem) is not a comment, IRQBALANCE_BANNED_CPULIST=CPULIST or IRQBALANCE_ARGS=\"--banirq=N ...\""
    }
    return nil
  }

  // MARK: boot parameters and their staging

  static func bootParameters(_ plan: Plan, into out: inout [Problem]) {
    for (index, parameter) in plan.bootParameters.enumerated() {
      if let problem = BootParameterGrammar.generatedProblem(parameter) {
        out.append(Problem("bootParameters[\(index)]", problem))
      }
    }
    if plan.bootParameterItems.map(\.parameter) != plan.bootParameters,
      !plan.bootParameterItems.isEmpty
    {
      out.append(Problem("bootParameterItems", "do not list the same parameters as bootParameters"))
    }
    guard let staging = plan.bootStaging else { return }
    let emitter = BootStagingEmitter()
    switch staging.bootloader {
    case "grub":
      let expected = emitter.grubDropIn(plan.bootParameters, policyName: plan.policy)
      if staging.path != BootStagingEmitter.grubDropInPath || staging.content != expected
        || staging.argv != nil
      {
        out.append(
          Problem(
            "bootStaging",
            "the GRUB drop-in is not \(BootStagingEmitter.grubDropInPath) with exactly the fragment mkpolicy writes for bootParameters"
          ))
      }
    case "kernel-install":
      guard staging.path == BootStagingEmitter.kernelCmdlinePath, staging.argv == nil,
        let content = staging.content
      else {
        out.append(
          Problem(
            "bootStaging",
            "kernel-install stages \(BootStagingEmitter.kernelCmdlinePath) and runs nothing"))
        return
      }
      if let problem = commandLineProblem(content, parameters: plan.bootParameters) {
        out.append(Problem("bootStaging.content", problem))
      }
    case "grubby":
      guard staging.path == nil, staging.content == nil, let argv = staging.argv else {
        out.append(Problem("bootStaging", "grubby staging is an argv and writes no file"))
        return
      }
      var expected = [
        "grubby", "--update-kernel=ALL", "--args=" + plan.bootParameters.joined(separator: " "),
      ]
      if argv.count == 4, argv[3].hasPrefix("--remove-args=") {
        let stale = argv[3].dropFirst("--remove-args=".count).split(
          separator: " ", omittingEmptySubsequences: false
        ).map(String.init)
        if let problem = stale.lazy.compactMap(BootParameterGrammar.generatedProblem).first {
          out.append(Problem("bootStaging.argv[3]", problem))
        }
        expected.append(argv[3])
      }
      if argv != expected || plan.bootParameters.isEmpty {
        out.append(
          Problem(
            "bootStaging.argv",
            "not the grubby argv mkpolicy builds: grubby --update-kernel=ALL --args=<bootParameters> [--remove-args=<parameters mkpolicy set before>]"
          ))
      }
    case "none":
      if staging.path != nil || staging.content != nil || staging.argv != nil {
        out.append(Problem("bootStaging", "bootloader none stages nothing"))
      }
    default:
      out.append(
        Problem(
          "bootStaging.bootloader",
          "\(YAMLScalar.quoted(staging.bootloader)) is not grub, kernel-install, grubby or none"))
    }
  }

  /// `/etc/kernel/cmdline`: one line, the host's kept tokens then exactly
  /// the plan's parameters.
  static func commandLineProblem(_ content: String, parameters: [String]) -> String? {
    guard content.hasSuffix("\n"), content.utf8.count <= 65536 else {
      return "not one line ending in a newline"
    }
    let line = content.dropLast()
    guard !line.contains("\n") else { return "more than one line" }
    let tokens = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    guard tokens.count >= parameters.count, Array(tokens.suffix(parameters.count)) == parameters
    else {
      return "does not end with the plan's bootParameters"
    }
    let managed = Set(parameters.map(BootParameterGrammar.key))
    for token in tokens.dropLast(parameters.count) {
      if let problem = BootParameterGrammar.keptProblem(token) { return problem }
      if managed.contains(BootParameterGrammar.key(token)) {
        return "\(YAMLScalar.quoted(token)) sets a parameter the plan sets again"
      }
    }
    return nil
  }

  public static func commandIdProblem(_ id: String) -> String? {
    guard !id.isEmpty, id.utf8.count <= 128,
      id.unicodeScalars.allSatisfy({
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || ":._-".unicodeScalars.contains($0)
      })
    else { return "command id must be 1-128 letters, digits and : . _ -" }
    return nil
  }
}
