import MKApply
import MKCore
import MKPlan
import Testing

/// Thousands of plans built from hostile workload names and values (path
/// traversal, separators, control characters, interface-file names, foreign
/// cgroups, shell metacharacters, overlong names): apply either refuses the
/// plan before writing or writes only inside the allowed roots.
@Suite struct PathSafetyPropertyTests {

  static let pieces = [
    "db", "web", "..", ".", "/", "", "a/../../etc", "../../../../etc/shadow", "cpu.max", "tasks",
    "cgroup.procs", "memory.high", "kubepods", "kubepods.slice", "system.slice", "\n", "\0", " ",
    "é", "🙂", String(repeating: "x", count: 300), "-x", ".hidden", "x\u{202E}y", "%2e%2e",
    "${IFS}", "`id`", "$(reboot)", "a\\b", "release_agent", "notify_on_release", "//", "x/",
    "/sys/fs/cgroup", "user.slice", "init.scope", "q\"uote", "tab\there",
  ]
  static let values = [
    "2-3", "0-3\n/etc/passwd", "\0", String(repeating: "9", count: 5000), "max", "-1", "0-65536",
    "+cpuset", "-cpuset", "root", "isolated", "member\nroot", "$(reboot)", "", "1\n", "8:0 rbps=1",
  ]
  static let parents = [
    "/sys/fs/cgroup/mkpolicy.slice", "/sys/fs/cgroup/cpuset/mkpolicy.slice", "/sys/fs/cgroup",
    "/sys/fs/cgroup/kubepods.slice/mk", "/sys/fs/cgroup/system.slice", "/etc",
    "/sys/fs/cgroup/../../etc", "/sys/fs/cgroup/mkpolicy.slice/", "relative/path",
    "/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/a//b",
  ]

  /// An oracle written independently of PathGuard: the roots apply may touch.
  static func allowed(_ path: String, parent: String, foreign: Bool) -> Bool {
    let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    guard path.hasPrefix("/"),
      !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
      !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    else { return false }
    if path.hasPrefix("/var/lib/mkpolicy/") || path.hasPrefix("/proc/irq/") { return true }
    if ["/etc/default/irqbalance", "/etc/sysconfig/irqbalance", "/etc/kernel/cmdline"].contains(
      path)
    {
      return true
    }
    if path.hasPrefix("/etc/default/grub.d/") && path.hasSuffix(".cfg") && components.count == 4 {
      return true
    }
    if path.hasPrefix("/sys/devices/system/node/") && path.hasSuffix("/nr_hugepages") {
      return true
    }
    if path == "/sys/fs/cgroup/cgroup.subtree_control" { return true }
    guard path.hasPrefix("/sys/fs/cgroup/") else { return false }
    if !foreign
      && components.contains(where: {
        $0.hasPrefix("kubepods") || ["system.slice", "user.slice", "init.scope"].contains($0)
      })
    {
      return false
    }
    // Inside the plan's own parent (or its v1 sibling hierarchies).
    let relative =
      parent.hasPrefix("/sys/fs/cgroup/cpuset/")
      ? String(parent.dropFirst("/sys/fs/cgroup/cpuset".count)) : nil
    let roots =
      [parent]
      + (relative.map { r in
        ["cpu", "memory", "blkio", "pids", "hugetlb", "cpuacct", "cpu,cpuacct"].map {
          "/sys/fs/cgroup/\($0)\(r)"
        }
      } ?? [])
    return roots.contains { path == $0 || path.hasPrefix($0 + "/") }
      && parent.split(separator: "/").count >= 4
  }

  @Test func hostileNamesNeverReachAPathOutsideTheAllowedRoots() throws {
    // A fixed seed, so every run checks the same plans.
    var random = SplitMix64(seed: 0x6D6B_706F_6C69_6379)
    var refused = 0
    var applied = 0
    var mutations = 0
    for _ in 0..<3000 {
      // A third of the plans are benign, so that many get as far as writing.
      let benign = random.next() % 3 == 0
      let name =
        benign
        ? random.pick(["db", "web", "a-b", "x.y"])
        : (0..<Int(1 + random.next() % 3)).map { _ in random.pick(Self.pieces) }.joined()
      let other = benign ? "cpu.weight" : random.pick(Self.pieces)
      let parent = benign ? Self.parents[0] : random.pick(Self.parents)
      let value = benign ? "2-3" : random.pick(Self.values)
      let top = benign ? "" : name + "/"
      var plan = Fixtures.plan("hostile", [])
      plan.cgroupParentPath = parent
      plan.allowForeignCgroups = random.next() % 4 == 0
      plan.cgroupWrites = [
        CgroupOperation(op: .mkdir, path: parent + "/" + name),
        CgroupOperation(op: .write, path: parent + "/" + name + "/cpuset.cpus", value: value),
        // A benign plan writes each file a value of its form (cpu.weight: a weight).
        CgroupOperation(
          op: .write, path: parent + "/" + name + "/" + other, value: benign ? "100" : value),
        CgroupOperation(
          op: .write, path: "/sys/fs/cgroup/" + top + "cgroup.subtree_control",
          value: benign ? "+cpuset" : value),
        CgroupOperation(op: .rmdir, path: parent + "/" + (benign ? name : other)),
      ].filter { _ in random.next() % 4 != 0 }
      if random.next() % 3 == 0 {
        plan.fileWrites = [
          FileWrite(
            path: benign
              ? "/etc/default/irqbalance" : random.pick(["/etc/" + name, "/etc/default/" + name]),
            content: value)
        ]
      }
      if random.next() % 3 == 0 {
        plan.bootStaging = BootStaging(
          bootloader: "grub", path: "/etc/default/grub.d/" + name + ".cfg", content: value)
      }
      if random.next() % 3 == 0 {
        plan.kernelWrites = [
          FileWrite(
            path: benign
              ? "/proc/irq/default_smp_affinity"
              : random.pick([
                "/proc/sys/" + name,
                "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/" + name,
              ]), content: benign ? "3" : value)
        ]
      }
      if random.next() % 3 == 0 {
        plan.coordinatorCommands = [
          CoordinatorCommand(
            id: benign ? "create:x" : name,
            argv: benign
              ? ["kerf", "create", "x", "--id=1", "--cpus=2-3", "--memory=1073741824"]
              : [random.pick(["kerf", "sh", name]), "create", other])
        ]
      }
      let host = Fixtures.baseHost()
      host.seedDirectory("/sys/fs/cgroup/mkpolicy.slice")
      do {
        let report = try Applier(host: host).apply(plan)
        applied += report.outcome == .applied || report.outcome == .nothingToDo ? 1 : 0
      } catch {
        refused += 1
      }
      for mutation in host.mutations {
        mutations += 1
        // "write PATH = VALUE", "mkdir PATH", "run ARGV"...
        let parts = mutation.split(separator: " ", maxSplits: 1)
        if parts[0] == "run" {
          #expect(parts[1].hasPrefix("kerf ") || parts[1].hasPrefix("grubby "), "ran \(mutation)")
          continue
        }
        var path = String(parts[1])
        if parts[0] == "write", let range = path.range(of: " = \"", options: .backwards) {
          path = String(path[..<range.lowerBound])
        }
        #expect(
          Self.allowed(path, parent: parent, foreign: plan.allowForeignCgroups ?? false),
          "\(Quoted.text(path)) from name \(Quoted.text(name))")
      }
      for command in host.commands {
        #expect(command.first == "kerf" || command.first == "grubby")
      }
    }
    #expect(refused > 1500)
    #expect(applied > 500)
    print(
      "path safety: 3000 hostile plans, \(refused) refused before any write, \(applied) applied, \(mutations) operations checked"
    )
  }
}
