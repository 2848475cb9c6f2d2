import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// Issue 12: apply stays inside its root. A symbolic link at any path apply
/// uses is refused with a located E5xx and nothing outside the root changes;
/// removing a cgroup on a plain tree removes interface files only; with
/// `--root` only the root's own programs run.
@Suite struct ConfinementTests {
  /// Every file and directory under `path` (links listed, never followed).
  static func snapshot(_ path: String) -> [String: String] {
    var out: [String: String] = [:]
    guard let walker = FileManager.default.enumerator(atPath: path) else { return out }
    while let relative = walker.nextObject() as? String {
      let full = path + "/" + relative
      let attributes = try? FileManager.default.attributesOfItem(atPath: full)
      switch attributes?[.type] as? FileAttributeType {
      case .typeDirectory?: out[relative] = "<dir>"
      case .typeSymbolicLink?:
        out[relative] =
          "-> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "?")
      default: out[relative] = (try? String(contentsOfFile: full, encoding: .utf8)) ?? "?"
      }
    }
    return out
  }

  /// A directory next to the root (outside it) with a file that must survive.
  static func outside(_ root: TestRoot, _ name: String) throws -> String {
    let path = root.base + "/outside-" + name
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try "precious\n".write(toFile: path + "/precious", atomically: true, encoding: .utf8)
    return path
  }

  /// Replaces `hostPath` under the root by a link to a directory outside
  /// that holds what was there (and a precious file).
  static func linkOut(_ root: TestRoot, _ hostPath: String, _ name: String) throws -> String {
    let target = try outside(root, name)
    let real = root.root + hostPath
    if FileManager.default.fileExists(atPath: real) {
      for item in try FileManager.default.contentsOfDirectory(atPath: real) {
        try FileManager.default.moveItem(atPath: real + "/" + item, toPath: target + "/" + item)
      }
      try FileManager.default.removeItem(atPath: real)
    } else {
      try FileManager.default.createDirectory(
        atPath: (real as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    }
    try FileManager.default.createSymbolicLink(atPath: real, withDestinationPath: target)
    return target
  }

  enum LinkAt: String, CaseIterable, CustomTestStringConvertible {
    case cgroupMount = "/sys/fs/cgroup"
    case stateDirectory = "/var/lib/mkpolicy"
    case grubDropIns = "/etc/default/grub.d"
    case procIRQ = "/proc/irq"
    case commandsDirectory = "/var/lib/mkpolicy/commands"
    case cgroupParent = "/sys/fs/cgroup/mkpolicy.slice"
    case cgroupLeaf = "/sys/fs/cgroup/mkpolicy.slice/web"
    case irqDirectory = "/proc/irq/24"
    var testDescription: String { rawValue }
  }

  @Test(arguments: LinkAt.allCases)
  func aSymbolicLinkAtAnyPathIsRefused(_ at: LinkAt) throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    if at == .commandsDirectory {
      try FileManager.default.createDirectory(
        atPath: root.root + "/var/lib/mkpolicy", withIntermediateDirectories: true)
    }
    if at == .cgroupLeaf {
      try FileManager.default.createDirectory(
        atPath: root.root + "/sys/fs/cgroup/mkpolicy.slice", withIntermediateDirectories: true)
    }
    let target = try Self.linkOut(root, at.rawValue, "\(at)")
    let before = Self.snapshot(target)
    let result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(result.stderr.hasPrefix("error[E5"), "\(result.stderr)")
    #expect(result.stderr.contains("ELOOP") || result.stderr.contains("not a directory"))
    #expect(result.stderr.contains(at.rawValue), "\(result.stderr)")
    #expect(Self.snapshot(target) == before, "\(at): something was written outside the root")
    #expect(root.kerfInvocations.isEmpty)
  }

  /// The same links, through the seam directly, in both resolution modes
  /// (openat2, and the component walk used where the kernel lacks it).
  @Test(arguments: [false, true])
  func everyOperationRefusesALinkOnTheWay(_ walkOnly: Bool) throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let target = try Self.linkOut(root, "/sys/fs/cgroup", "cgroup")
    try FileManager.default.createDirectory(
      atPath: target + "/mkpolicy.slice/old", withIntermediateDirectories: true)
    try "0-3\n".write(
      toFile: target + "/mkpolicy.slice/old/cpuset.cpus", atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: root.root + "/proc/irq/24/leaf", withDestinationPath: target + "/precious")
    let before = Self.snapshot(target)
    let host = RootedHost(root: root.root, walkOnly: walkOnly)
    let parent = "/sys/fs/cgroup/mkpolicy.slice"
    var errors: [HostIOError] = []
    func expectRefused(_ body: () throws -> Void) {
      do { try body() } catch {
        if let error = error as? HostIOError { errors.append(error) }
      }
    }
    expectRefused { _ = try host.read(parent + "/old/cpuset.cpus") }
    expectRefused { _ = try host.read("/proc/irq/24/leaf") }
    expectRefused { _ = try host.list(parent) }
    expectRefused { try host.write(parent + "/old/cpuset.cpus", "0") }
    expectRefused { try host.write("/proc/irq/24/leaf", "0") }
    expectRefused { try host.makeDirectory(parent + "/new") }
    expectRefused { try host.removeDirectory(parent + "/old") }
    expectRefused { try host.replaceAtomically(parent + "/x.cfg", "x") }
    expectRefused { try host.createExclusive(parent + "/lockish", "x") }
    expectRefused { try host.removeFile(parent + "/old/cpuset.cpus") }
    expectRefused { _ = try host.lock(parent + "/lock", holder: "x") }
    expectRefused { _ = try host.run(["kerf", "start", "vm1"], evidence: parent + "/e.out") }
    #expect(errors.count == 12)
    for error in errors {
      #expect(error.errno == ELOOP, "\(error)")
      #expect(error.description.contains("symbolic link"), "\(error)")
    }
    #expect(host.kind(parent) == .other)
    #expect(host.kind("/proc/irq/24/leaf") == .other)
    #expect(Self.snapshot(target) == before)
  }

  /// On a plain tree, removing a cgroup removes interface files only:
  /// anything else there is refused and nothing is deleted.
  @Test func rmdirOnAPlainTreeRemovesOnlyInterfaceFiles() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let host = RootedHost(root: root.root)
    let cgroup = "/sys/fs/cgroup/mkpolicy.slice/old"
    try root.put(cgroup + "/cpuset.cpus", "0-3\n")
    try root.put(cgroup + "/hugetlb.2MB.max", "max\n")
    try root.put(cgroup + "/passwd", "root:x:0:0\n")
    #expect(throws: HostIOError.self) { try host.removeDirectory(cgroup) }
    #expect(root.read(cgroup + "/cpuset.cpus") == "0-3\n")
    #expect(root.read(cgroup + "/passwd") == "root:x:0:0\n")
    do {
      try host.removeDirectory(cgroup)
    } catch {
      #expect(error.description.contains("\"passwd\", which is not a cgroup interface file"))
    }
    try FileManager.default.removeItem(atPath: root.root + cgroup + "/passwd")
    try FileManager.default.createSymbolicLink(
      atPath: root.root + cgroup + "/cpuset.mems", withDestinationPath: "/etc/hostname")
    #expect(throws: HostIOError.self) { try host.removeDirectory(cgroup) }
    #expect(root.read(cgroup + "/cpuset.cpus") == "0-3\n")
    try FileManager.default.removeItem(atPath: root.root + cgroup + "/cpuset.mems")
    try host.removeDirectory(cgroup)
    #expect(host.kind(cgroup) == .missing)
  }

  /// Writes accept regular files only, and never one with other hard links
  /// (a plain tree's "interface file" linked to a file elsewhere).
  @Test func writesRefuseFIFOsAndHardLinks() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let host = RootedHost(root: root.root)
    #expect(mkfifo(root.root + "/proc/irq/25/fifo", 0o644) == 0)
    #expect(throws: HostIOError.self) { _ = try host.read("/proc/irq/25/fifo") }
    #expect(throws: HostIOError.self) { try host.write("/proc/irq/25/fifo", "1") }
    let outside = try Self.outside(root, "hardlink")
    #expect(link(outside + "/precious", root.root + "/proc/irq/25/linked") == 0)
    #expect(throws: HostIOError.self) { try host.write("/proc/irq/25/linked", "1") }
    #expect(try String(contentsOfFile: outside + "/precious", encoding: .utf8) == "precious\n")
  }

  /// With `--root`, the machine's kerf (first on PATH) never runs: without
  /// one inside the root nothing is written and the plan's commands are shown.
  @Test func rootedApplyNeverRunsTheMachinesCommands() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let machineBin = root.base + "/machine-bin"
    try FileManager.default.createDirectory(atPath: machineBin, withIntermediateDirectories: true)
    try FileManager.default.moveItem(atPath: root.bin + "/kerf", toPath: machineBin + "/kerf")
    // A link inside the root to the machine's program resolves inside the root.
    try FileManager.default.createSymbolicLink(
      atPath: root.bin + "/kerf", withDestinationPath: machineBin + "/kerf")
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let before = root.tree()
    let result = root.mkpolicy(
      ["apply", "--plan", plan, "--yes"],
      environment: ["PATH": machineBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("error[E515]: refusing to apply"), "\(result.stderr)")
    #expect(result.stderr.contains("no executable kerf"))
    #expect(result.stderr.contains("run     [create:vm1] kerf create vm1"), "\(result.stderr)")
    #expect(root.kerfInvocations.isEmpty)
    #expect(root.tree() == before)
  }

  /// A plain file stands where the state directory should be, or the state
  /// directory is writable by everyone: E510 with the path, not E504.
  @Test func stateDirectoryFailuresAreE510() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    try root.put("/var/lib/mkpolicy", "not a directory\n")
    var result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 1)
    #expect(
      result.stderr.hasPrefix("error[E510]: cannot use the state directory"), "\(result.stderr)")
    #expect(result.stderr.contains("/var/lib/mkpolicy"))
    #expect(result.stderr.contains("ENOTDIR"), "\(result.stderr)")
    try FileManager.default.removeItem(atPath: root.root + "/var/lib/mkpolicy")
    try FileManager.default.createDirectory(
      atPath: root.root + "/var/lib/mkpolicy", withIntermediateDirectories: true)
    chmod(root.root + "/var/lib/mkpolicy", 0o777)
    result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("error[E510]"), "\(result.stderr)")
    #expect(result.stderr.contains("writable by every user"), "\(result.stderr)")
    #expect(root.read("/sys/fs/cgroup/mkpolicy.slice/cpuset.cpus") == nil)
  }

  /// sysfs offers device facts through its own links: the fingerprint reads
  /// them with links resolved inside the root (RESOLVE_IN_ROOT), never
  /// outside it; everything else still refuses links.
  @Test(arguments: [false, true])
  func fingerprintFactsFollowLinksOnlyInsideTheRoot(_ walkOnly: Bool) throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    try root.put("/sys/devices/pci0000:00/0000:00:1f.0/class", "0x060100\n")
    try FileManager.default.createDirectory(
      atPath: root.root + "/sys/bus/pci/devices", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: root.root + "/sys/bus/pci/devices/0000:00:1f.0",
      withDestinationPath: "../../../devices/pci0000:00/0000:00:1f.0")
    let outside = try Self.outside(root, "facts")
    try FileManager.default.createSymbolicLink(
      atPath: root.root + "/sys/bus/pci/devices/0000:99:00.0", withDestinationPath: outside)
    let host = RootedHost(root: root.root, walkOnly: walkOnly)
    #expect(throws: HostIOError.self) {
      _ = try host.read("/sys/bus/pci/devices/0000:00:1f.0/class")
    }
    if walkOnly {
      // Without openat2 no link is followed at all.
      #expect(throws: HostIOError.self) {
        _ = try host.readResolvingLinks("/sys/bus/pci/devices/0000:00:1f.0/class")
      }
    } else {
      #expect(
        try host.readResolvingLinks("/sys/bus/pci/devices/0000:00:1f.0/class") == "0x060100\n")
      // An absolute link resolves inside the root, where nothing is.
      #expect(throws: HostIOError.self) {
        _ = try host.readResolvingLinks("/sys/bus/pci/devices/0000:99:00.0/precious")
      }
      // A bridge reached through its link is left out, as discovery leaves it out.
      #expect(
        !FingerprintCheck(host: host).changes(Fixtures.fingerprint).contains {
          $0.contains("0000:00:1f.0")
        })
    }
  }
}
