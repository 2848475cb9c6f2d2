import MKCore
import MKPlan

/// Decides, again and independently of the planner, whether apply may touch a
/// path: only the policy's cgroup parent, `/proc/irq`, the bootloader file,
/// the irqbalance configuration and the state directory, with every name that
/// reaches a path validated. Anything else is refused before the first write.
public struct PathGuard: Sendable {
  public let cgroupParent: String
  public let stateDirectory: String
  public let bootloaderFile: String?
  public let allowForeignCgroups: Bool
  /// `/proc` and `/sys` files the plan's host setup writes (tuning): each
  /// one the registry describes.
  public let setupKernelFiles: Set<String>
  /// Configuration files the plan's host setup writes whole (sysctl.d,
  /// system.conf.d, systemd units and drop-ins, the reboot-required marker).
  public let setupConfigFiles: Set<String>

  public static let irqbalanceFiles = ["/etc/default/irqbalance", "/etc/sysconfig/irqbalance"]
  /// cgroup v1 hierarchies mounted under /sys/fs/cgroup (and the hybrid
  /// v2 one): MKCore's one definition, shared with `check` and the plan decoder.
  static var v1Mounts: Set<String> { CgroupOwnership.v1Hierarchies }
  /// Names other managers own (kubelet, systemd, libvirt): `CgroupOwnership`.
  static func isForeign(_ name: String) -> Bool { CgroupOwnership.isForeign(name) }
  static var controllerPrefixes: Set<String> { CgroupOwnership.controllerPrefixes }
  static let writableControllers: Set<String> = [
    "cgroup", "cpuset", "cpu", "memory", "io", "blkio", "pids", "hugetlb",
  ]

  public init(plan: Plan, stateDirectory: String = "/var/lib/mkpolicy") {
    cgroupParent = plan.effectiveCgroupParent
    self.stateDirectory = stateDirectory
    bootloaderFile = plan.bootStaging?.path
    allowForeignCgroups = plan.allowForeignCgroups ?? false
    setupKernelFiles = Set((plan.hostSetup?.kernelWrites ?? []).map(\.path))
    var configs = Set(((plan.hostSetup?.files ?? []) + plan.systemdUnits).map(\.path))
    if plan.hostSetup?.rebootRequired != nil {
      configs.formUnion([RebootRequired.markerPath, RebootRequired.packagesPath])
    }
    setupConfigFiles = plan.hostSetup == nil ? [] : configs
  }

  public init(
    cgroupParent: String, stateDirectory: String = "/var/lib/mkpolicy",
    bootloaderFile: String? = nil, allowForeignCgroups: Bool = false,
    setupKernelFiles: Set<String> = [], setupConfigFiles: Set<String> = []
  ) {
    self.cgroupParent = cgroupParent
    self.stateDirectory = stateDirectory
    self.bootloaderFile = bootloaderFile
    self.allowForeignCgroups = allowForeignCgroups
    self.setupKernelFiles = setupKernelFiles
    self.setupConfigFiles = setupConfigFiles
  }

  /// Every reason the plan's steps cannot be applied safely; empty when safe.
  public func problems(in steps: [ApplyStep], bootloader: String? = nil) -> [String] {
    var out: [String] = []
    if let problem = parentProblem() { out.append(problem) }
    if let bootloaderFile, let problem = bootFileProblem(bootloaderFile, bootloader: bootloader) {
      out.append(problem)
    }
    if let problem = Self.pathProblem(stateDirectory) { out.append("state directory: \(problem)") }
    for step in steps {
      if let problem = problem(step) {
        out.append("\(step.kind.rawValue) \(Quoted.text(step.path)): \(problem)")
      }
    }
    return out
  }

  /// Absolute, no empty, `.` or `..` component, no control characters,
  /// within PATH_MAX and NAME_MAX.
  public static func pathProblem(_ path: String) -> String? {
    guard path.hasPrefix("/") else { return "not an absolute path" }
    guard path.utf8.count <= 4000 else { return "longer than 4000 bytes" }
    guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      return "contains a control character"
    }
    guard path == "/" || !path.hasSuffix("/") else { return "ends with /" }
    for component in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
      if component.isEmpty { return "has an empty component (//)" }
      if component == "." || component == ".." { return "has a '\(component)' component" }
      if component.utf8.count > 255 { return "has a component longer than 255 bytes" }
    }
    return nil
  }

  /// A cgroup directory name: plain characters, and never one that could be
  /// mistaken for an interface file (`cpu.max` as a workload name).
  public static func cgroupNameProblem(_ name: String) -> String? {
    guard let first = name.unicodeScalars.first, !name.isEmpty, name.utf8.count <= 255 else {
      return "empty or longer than 255 bytes"
    }
    let allowed = name.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "-_.@".unicodeScalars.contains($0)
    }
    guard allowed, first != ".", first != "-" else {
      return "cgroup name \(Quoted.text(name)) must be letters, digits and - _ . @"
    }
    if CgroupOwnership.plainInterfaceFiles.contains(name) {
      return "cgroup name \(Quoted.text(name)) collides with an interface file"
    }
    if let dot = name.firstIndex(of: "."), controllerPrefixes.contains(String(name[..<dot])) {
      return "cgroup name \(Quoted.text(name)) collides with the \(name[..<dot]).* interface files"
    }
    return nil
  }

  func parentProblem() -> String? {
    if let problem = Self.pathProblem(cgroupParent) {
      return "cgroup parent \(Quoted.text(cgroupParent)): \(problem)"
    }
    let prefix = "/sys/fs/cgroup/"
    guard cgroupParent.hasPrefix(prefix) else {
      return "cgroup parent \(Quoted.text(cgroupParent)) is not under /sys/fs/cgroup"
    }
    var components = cgroupParent.dropFirst(prefix.count).split(separator: "/").map(String.init)
    if let first = components.first, Self.v1Mounts.contains(first), components.count > 1 {
      components.removeFirst()
    }
    guard !components.isEmpty else {
      return "cgroup parent \(Quoted.text(cgroupParent)) is a hierarchy root"
    }
    for name in components {
      if let problem = Self.cgroupNameProblem(name) { return "cgroup parent: \(problem)" }
      if Self.isForeign(name) && !allowForeignCgroups {
        return
          "cgroup parent \(Quoted.text(cgroupParent)) is inside \(name), which another manager owns; set host.allowForeignCgroups: true to allow it"
      }
    }
    return nil
  }

  func bootFileProblem(_ path: String, bootloader: String?) -> String? {
    if let problem = Self.pathProblem(path) { return "bootloader file: \(problem)" }
    if path == "/etc/kernel/cmdline" { return nil }
    let grub = "/etc/default/grub.d/"
    if path.hasPrefix(grub) {
      let name = path.dropFirst(grub.count)
      if name.hasSuffix(".cfg"), name.count > 4,
        name.dropLast(4).unicodeScalars.allSatisfy({
          ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || "-_".unicodeScalars.contains($0)
        })
      {
        return nil
      }
    }
    return
      "bootloader file \(Quoted.text(path)) is neither /etc/default/grub.d/NAME.cfg nor /etc/kernel/cmdline"
  }

  /// Why one step is not allowed; nil when it is.
  public func problem(_ step: ApplyStep) -> String? {
    if step.kind != .command, let problem = Self.pathProblem(step.path) { return problem }
    if let value = step.value, value.contains("\0") { return "value contains a NUL byte" }
    switch step.kind {
    case .mkdir, .rmdir:
      return cgroupPathProblem(step.path, endsInFile: false)
    case .revalidate:
      guard ReadBack.name(step.path) == "cpuset.cpus.partition",
        ["root", "isolated"].contains(step.value ?? "")
      else { return "revalidation is only of cpuset.cpus.partition, to root or isolated" }
      return cgroupPathProblem(step.path, endsInFile: true)
    case .write:
      if step.path == cgroupMountRoot + "/cgroup.subtree_control" {
        // The one write above the parent: enabling controllers for it (never disabling).
        let tokens = (step.value ?? "").split(separator: " ")
        let enabling =
          !tokens.isEmpty
          && tokens.allSatisfy {
            $0.hasPrefix("+") && $0.count > 1
              && $0.dropFirst().allSatisfy { ("a"..."z").contains($0) }
          }
        return enabling
          ? nil : "only +controller tokens may be written to the root's cgroup.subtree_control"
      }
      if let problem = cgroupPathProblem(step.path, endsInFile: true) { return problem }
      if let problem = Self.valueProblem(step.value ?? "") { return problem }
      return PlanValidator.interfaceWriteProblem(ReadBack.name(step.path), step.value ?? "")
    case .kernel:
      let value = (step.value ?? "").trimmingASCIIWhitespace()
      if step.path == "/proc/irq/default_smp_affinity" {
        let hex = !value.isEmpty && value.allSatisfy { $0.isHexDigit || $0 == "," }
        return hex ? nil : "value is not a hex CPU mask"
      }
      if Self.isHugePagesPath(step.path) {
        return !value.isEmpty && value.count <= 12
          && value.allSatisfy({ $0.isASCII && $0.isNumber })
          ? nil : "value is not a page count"
      }
      if setupKernelFiles.contains(step.path) {
        return Self.setupKernelProblem(step.path, value)
      }
      return
        "not /proc/irq/default_smp_affinity, a node's nr_hugepages or a tuning file of the plan's host setup"
    case .irq:
      let parts = step.path.split(separator: "/")
      guard parts.count == 4, parts[0] == "proc", parts[1] == "irq",
        parts[3] == "smp_affinity_list",
        let irq = Int(parts[2]), String(irq) == parts[2], irq >= 0, irq < 1 << 20
      else { return "not /proc/irq/N/smp_affinity_list" }
      guard (try? CPUSet(cpulist: step.value ?? "")) != nil else { return "value is not a cpulist" }
      return nil
    case .file:
      if setupConfigFiles.contains(step.path) {
        return Self.setupConfigProblem(step.path, step.value ?? "")
      }
      guard Self.irqbalanceFiles.contains(step.path) || step.path == bootloaderFile else {
        return
          "not the irqbalance configuration, the bootloader file or a file of the plan's host setup"
      }
      if step.path == bootloaderFile, let value = step.value,
        value.contains("`") || value.contains("$(") || value.contains("\\")
      {
        return "bootloader fragment contains shell expansion characters"
      }
      return nil
    case .command:
      guard !step.path.isEmpty, step.path.utf8.count <= 128,
        step.path.unicodeScalars.allSatisfy({
          ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || ":._-".unicodeScalars.contains($0)
        })
      else { return "command id must be 1-128 letters, digits and : . _ -" }
      // Only typed commands: kerf invocations, grubby's boot parameters,
      // systemctl stop|start irqbalance; the undo too.
      for argv in [step.argv, step.undo].compactMap({ $0 }) {
        if case .failure(let refusal) = HostCommand.parse(argv) { return refusal.description }
      }
      return step.argv == nil ? "a command step without argv" : nil
    }
  }

  static func valueProblem(_ value: String) -> String? {
    guard value.utf8.count <= 4096 else { return "value longer than 4096 bytes" }
    var body = Substring(value)
    if body.hasSuffix("\n") { body = body.dropLast() }
    if body.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
      return "value contains a newline or control character"
    }
    return nil
  }

  /// `/sys/devices/system/node/nodeN/hugepages/hugepages-SIZEkB/nr_hugepages`.
  static func isHugePagesPath(_ path: String) -> Bool {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 9, parts[0].isEmpty, parts[1] == "sys", parts[2] == "devices",
      parts[3] == "system", parts[4] == "node", parts[6] == "hugepages",
      parts[8] == "nr_hugepages", parts[5].hasPrefix("node"), parts[7].hasPrefix("hugepages-"),
      parts[7].hasSuffix("kB")
    else { return false }
    let node = parts[5].dropFirst(4)
    let size = parts[7].dropFirst("hugepages-".count).dropLast(2)
    let digits = { (text: Substring) in
      !text.isEmpty && text.count <= 9 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
    return digits(node) && digits(size)
  }

  /// The hierarchy root the parent lives in (`/sys/fs/cgroup`, or a v1
  /// controller's mount such as `/sys/fs/cgroup/cpuset`).
  public var cgroupMountRoot: String {
    let prefix = "/sys/fs/cgroup/"
    guard cgroupParent.hasPrefix(prefix) else { return "/sys/fs/cgroup" }
    let first = cgroupParent.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
    if let first, Self.v1Mounts.contains(first),
      cgroupParent.dropFirst(prefix.count).split(separator: "/").count > 1
    {
      return prefix + first
    }
    return "/sys/fs/cgroup"
  }

  /// The parent and, on a cgroup v1 host, the same relative parent in every
  /// other v1 controller hierarchy (cpu, memory, blkio settings live there).
  public var cgroupParents: [String] {
    let root = cgroupMountRoot
    guard root != "/sys/fs/cgroup" else { return [cgroupParent] }
    let relative = cgroupParent.dropFirst(root.count)
    return [cgroupParent]
      + ["cpu", "cpuacct", "cpu,cpuacct", "memory", "blkio", "pids", "hugetlb"]
      .map { "/sys/fs/cgroup/" + $0 + relative }.filter { $0 != cgroupParent }
  }

  func cgroupPathProblem(_ path: String, endsInFile: Bool) -> String? {
    guard
      let parent = cgroupParents.first(where: { path == $0 || path.hasPrefix($0 + "/") })
    else {
      return "outside the cgroup parent \(cgroupParent)"
    }
    var below = path.dropFirst(parent.count).split(separator: "/").map(String.init)
    if endsInFile {
      guard let file = below.popLast() else { return "a cgroup directory, not an interface file" }
      let controller = file.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
      let plain = file.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || "._".unicodeScalars.contains($0)
      }
      guard plain, file.contains("."), Self.writableControllers.contains(controller) else {
        return "\(Quoted.text(file)) is not a cgroup interface file apply writes"
      }
    }
    for name in below {
      if let problem = Self.cgroupNameProblem(name) { return problem }
      if Self.isForeign(name) && !allowForeignCgroups {
        return "\(name) belongs to another manager; set host.allowForeignCgroups: true to allow it"
      }
    }
    return nil
  }

  /// Whether a path is one apply may write at all (used by the property tests).
  public func isAllowed(_ path: String) -> Bool {
    guard Self.pathProblem(path) == nil else { return false }
    return cgroupParents.contains { path == $0 || path.hasPrefix($0 + "/") }
      || path == cgroupMountRoot + "/cgroup.subtree_control" || Self.isHugePagesPath(path)
      || path.hasPrefix("/proc/irq/")
      || path == bootloaderFile || Self.irqbalanceFiles.contains(path)
      || (setupKernelFiles.contains(path) && Self.setupKernelInterface(path) != nil)
      || (setupConfigFiles.contains(path) && Self.setupConfigInterface(path) != nil)
      || path == stateDirectory || path.hasPrefix(stateDirectory + "/")
  }
}
