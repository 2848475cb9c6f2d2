import Foundation
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// The Ansible role of deploy/ansible, run for real with ansible-core from
/// the test venv: six hosts (`connection: local`), each a `--root` tree that
/// looks like a different example host, rolled out in batches
/// `[1, "25%", "100%"]`. The second host has a fault, so the canary is
/// applied, the second batch fails and is rolled back by apply itself, and
/// the rollout stops before the last four hosts, which stay untouched.
@Suite struct AnsibleRolloutTests {
  /// Canary, the failing host, then the last batch: different shapes and
  /// bootloaders (grub, grubby, kernel-install; cgroup v2 and hybrid).
  static let hosts = [
    "edge-par1-01", "db-fra1-01", "gpu-ams1-01", "trade-fra1-01", "k8s-ams2-02", "edge-mad1-01",
  ]
  static let failing = "db-fra1-01"

  /// A root tree that looks like the host a plan was made for: the files
  /// apply's fingerprint check reads, the kernel files and cgroup
  /// directories the plan writes into, and the folders of the files it stages.
  static func seed(_ root: String, for plan: Plan) throws {
    func put(_ path: String, _ text: String) throws {
      let url = URL(fileURLWithPath: root + path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
    func directory(_ path: String) throws {
      try FileManager.default.createDirectory(
        atPath: root + path, withIntermediateDirectories: true)
    }
    func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
    let fingerprint = plan.topologyFingerprint
    let online = fingerprint.onlineCPUs.cpulist
    try put(
      "/proc/sys/kernel/random/boot_id",
      (fingerprint.bootId ?? "00000000-0000-4000-8000-000000000000") + "\n")
    try put("/proc/sys/kernel/osrelease", fingerprint.kernelRelease + "\n")
    try put("/sys/devices/system/cpu/online", online + "\n")
    for device in fingerprint.devices {
      try put("/sys/bus/pci/devices/\(device)/class", "0x020000\n")
    }
    for setting in plan.irqAffinity {
      try put("/proc/irq/\(setting.irq)/smp_affinity_list", online + "\n")
    }
    for write in plan.kernelWrites { try put(write.path, "0\n") }
    for operation in plan.cgroupPrerequisites {
      try put(operation.path, "cpu cpuset io memory pids\n")
    }
    let created = Set(plan.cgroupWrites.filter { $0.op == .mkdir }.map(\.path))
    for operation in plan.cgroupWrites where !created.contains(parent(operation.path)) {
      if operation.op == .mkdir {
        try directory(parent(operation.path))
      } else {
        try put(operation.path, "\n")
      }
    }
    for write in plan.fileWrites + plan.systemdUnits { try directory(parent(write.path)) }
    if let path = plan.bootStaging?.path { try directory(parent(path)) }
    try directory("/var/lib")
  }

  /// Path -> contents of every file (without trailing whitespace: kernel
  /// files end in a newline, apply writes values without one, as the
  /// kernel takes them), and every directory, under `root`.
  static func snapshot(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    for path in (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? [] {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
      if isDirectory.boolValue {
        out[path] = Data("<dir>".utf8)
      } else if let data = FileManager.default.contents(atPath: root + "/" + path) {
        var bytes = [UInt8](data)
        while let last = bytes.last, last == 0x0A || last == 0x20 || last == 0x09 {
          bytes.removeLast()
        }
        out[path] = Data(bytes)
      }
    }
    return out
  }

  /// The paths that differ between two snapshots of a tree.
  static func changes(_ before: [String: Data], _ after: [String: Data]) -> [String] {
    Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
  }

  @Test func rolloutStopsAfterTheFailedBatchAndLeavesLaterHostsUntouched() throws {
    let playbook = PackagePaths.path(".venv/bin/ansible-playbook")
    try #require(
      FileManager.default.isExecutableFile(atPath: playbook),
      "ansible-core is missing from .venv: run scripts/ensure-deps.sh test")
    let base = FileManager.default.temporaryDirectory.path + "/mkfleet-ansible-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: base) }
    let bin = base + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    // Stand-ins for the host's tools apply runs: they record their arguments.
    for tool in ["kerf", "grubby", "systemctl", "kernel-install", "update-grub"] {
      let path = bin + "/" + tool
      try "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> \"$MKPOLICY_TOOL_LOG\"\n".write(
        toFile: path, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    var before: [String: [String: Data]] = [:]
    var inventory = "all:\n  children:\n    mkpolicy:\n      hosts:\n"
    for host in Self.hosts {
      let planPath = PackagePaths.path("Examples/fleet/plans/\(host)/plan.json")
      let plan = try PlanCodec.decode(
        try String(contentsOfFile: planPath, encoding: .utf8), file: planPath
      ).get()
      let root = base + "/roots/\(host)"
      try Self.seed(root, for: plan)
      // apply --root runs only the root's own programs.
      try FileManager.default.createDirectory(
        atPath: root + "/usr/local/bin", withIntermediateDirectories: true)
      for tool in try FileManager.default.contentsOfDirectory(atPath: bin) {
        try FileManager.default.copyItem(
          atPath: bin + "/" + tool, toPath: root + "/usr/local/bin/" + tool)
      }
      if host == Self.failing {
        // The fault: one IRQ's affinity file cannot be written (it is a
        // directory), after cgroups have already been changed.
        let irq = try #require(plan.irqAffinity.last(where: \.movable)?.irq)
        let file = root + "/proc/irq/\(irq)/smp_affinity_list"
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: true)
      }
      before[host] = Self.snapshot(root)
      inventory += """
                \(host):
                  ansible_connection: local
                  mkpolicy_root: \(root)
                  mkpolicy_stage_dir: \(base)/stage

        """
    }
    try inventory.write(toFile: base + "/inventory.yml", atomically: true, encoding: .utf8)
    // No configuration from the machine or the user: the defaults only.
    try "[defaults]\n".write(toFile: base + "/ansible.cfg", atomically: true, encoding: .utf8)

    let run = Subprocess.run(
      [
        playbook, "-i", base + "/inventory.yml", PackagePaths.path("deploy/ansible/rollout.yml"),
        "-e", "mkpolicy_plans_dir=\(PackagePaths.path("Examples/fleet/plans"))",
        "-e", "mkpolicy_bin=\(PackagePaths.mkpolicyBinary)",
        "-e",
        "{\"mkpolicy_environment\": {\"PATH\": \"\(bin):/usr/bin:/bin\", \"MKPOLICY_TOOL_LOG\": \"\(base)/tools.log\"}}",
        "-e", "ansible_python_interpreter=\(PackagePaths.path(".venv/bin/python"))",
      ],
      environment: [
        "ANSIBLE_LOCAL_TEMP": base + "/ansible-local",
        "ANSIBLE_REMOTE_TEMP": base + "/ansible-remote",
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_CONFIG": base + "/ansible.cfg",
      ])
    let output = run.stdout + run.stderr
    // ansible-playbook: 2 is "one or more hosts failed".
    #expect(run.status == 2, "\(output)")

    // Batches as serial says: the canary alone, then one host, then the rest.
    let plays =
      output.components(separatedBy: "PLAY [Roll mkpolicy plans out, canary first]").count - 1
    #expect(plays == 2, "the rollout ran \(plays) batches, expected 2 before stopping:\n\(output)")

    // The canary: applied and verified.
    let canary = base + "/roots/\(Self.hosts[0])"
    #expect(FileManager.default.fileExists(atPath: canary + "/var/lib/mkpolicy/applied.json"))
    #expect(!Self.changes(before[Self.hosts[0]] ?? [:], Self.snapshot(canary)).isEmpty)
    #expect(output.contains("ok: [\(Self.hosts[0])]"))

    // The failing host: apply failed and rolled itself back; nothing is
    // recorded as applied and its tree is as it was (apart from apply's own
    // state folder, which keeps the failure report).
    #expect(output.contains("fatal: [\(Self.failing)]"), "\(output)")
    #expect(output.contains("rolled back"), "\(output)")
    let failedRoot = base + "/roots/\(Self.failing)"
    #expect(!FileManager.default.fileExists(atPath: failedRoot + "/var/lib/mkpolicy/applied.json"))
    let failedAfter = Self.snapshot(failedRoot).filter { !$0.key.hasPrefix("var/lib/mkpolicy") }
    let leftovers = Self.changes(before[Self.failing] ?? [:], failedAfter)
    #expect(leftovers.isEmpty, "the failed host was not rolled back: \(leftovers)")

    // Every later host: untouched, byte for byte, and never reached.
    for host in Self.hosts.dropFirst(2) {
      let touched = Self.changes(before[host] ?? [:], Self.snapshot(base + "/roots/\(host)"))
      #expect(touched.isEmpty, "\(host) was touched: \(touched)")
      #expect(!output.contains("[\(host)]"), "\(host) was reached:\n\(output)")
    }
  }
}
