import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// Issue 12: the state directory is data, never code. Planted journals,
/// applied records and evidence files are refused (E508) or ignored, and
/// nothing they name is run or written.
@Suite struct PlantedStateTests {
  /// A journal as an attacker writes it (the fields `Journal` decodes).
  struct PlantedJournal: Encodable {
    var version = 1
    var planDigest: String
    var plan: Plan
    var runID = "0123456789abcdef0123456789abcdef"
    var phase = "applying"
    var entries: [Entry]
    struct Entry: Encodable {
      var step: ApplyStep
      var prior: PriorValue?
      var status: String
    }
  }

  static func plant(_ root: TestRoot, _ journal: PlantedJournal) throws {
    try root.put("/var/lib/mkpolicy/journal.json", StateStore.encode(journal))
  }

  static let sentinel = "/tmp/mkpolicy-planted-\(getpid())"

  static var kerfStep: ApplyStep {
    ApplyStep(
      kind: .command, path: "start:vm1", argv: ["kerf", "start", "vm1"],
      undo: ["kerf", "kill", "vm1"])
  }

  /// Each planted journal, and what must be named in the refusal.
  static let attacks: [(name: String, entries: [PlantedJournal.Entry], names: String)] = [
    (
      "shell command",
      [
        .init(
          step: ApplyStep(kind: .command, path: "x", argv: ["sh", "-c", "touch \(sentinel)"]),
          status: "pending")
      ],
      "\"sh\" is not a program apply runs"
    ),
    (
      "shell as an undo",
      [
        .init(
          step: ApplyStep(
            kind: .command, path: "start:vm1", argv: ["kerf", "start", "vm1"],
            undo: ["sh", "-c", "touch \(sentinel)"]), status: "done")
      ],
      "step.undo"
    ),
    (
      "kerf with a smuggled option",
      [
        .init(
          step: ApplyStep(
            kind: .command, path: "load:vm1",
            argv: ["kerf", "load", "vm1", "--kernel=/boot/x", "--exec=sh"]), status: "pending")
      ],
      "entries[0]: step.argv"
    ),
    (
      "prior value of /etc/passwd",
      [
        .init(
          step: ApplyStep(kind: .file, path: "/etc/passwd", value: "x"),
          prior: PriorValue(exists: true, value: "root::0:0:root:/root:/bin/sh\n"), status: "done")
      ],
      "\"/etc/passwd\": not the irqbalance configuration, the bootloader file or a file of the plan's host setup"
    ),
    (
      "cron.d file",
      [
        .init(
          step: ApplyStep(kind: .file, path: "/etc/cron.d/mkpolicy", value: "* * * * * root sh\n"),
          status: "pending")
      ],
      "/etc/cron.d/mkpolicy"
    ),
    (
      "write outside the cgroup parent",
      [
        .init(
          step: ApplyStep(
            kind: .write, path: "/sys/fs/cgroup/system.slice/cgroup.kill", value: "1"),
          prior: PriorValue(exists: true, value: "0"), status: "done")
      ],
      "outside the cgroup parent"
    ),
    (
      "cgroup.procs under the parent",
      [
        .init(
          step: ApplyStep(
            kind: .write, path: "/sys/fs/cgroup/mkpolicy.slice/cgroup.procs", value: "1"),
          prior: PriorValue(exists: true, value: "0"), status: "done")
      ],
      "entries[0]"
    ),
  ]

  /// Rollback would write a planted "prior value" back: one that turns the
  /// GRUB drop-in into `init=/bin/sh`, or a file step whose content is not
  /// the plan's.
  static let priorAttacks: [(name: String, entries: [PlantedJournal.Entry], names: String)] = [
    (
      "GRUB prior value with init=",
      [
        .init(
          step: ApplyStep(
            kind: .file, path: Fixtures.create.bootStaging?.path ?? "",
            value: Fixtures.create.bootStaging?.content),
          prior: PriorValue(
            exists: true,
            value:
              "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }\"'init=/bin/sh'\n"
          ), status: "done")
      ],
      "would change what the host boots into"
    ),
    (
      "irqbalance file with a command",
      [
        .init(
          step: ApplyStep(
            kind: .file, path: "/etc/default/irqbalance",
            value: "IRQBALANCE_ARGS=\"$(touch \(sentinel))\"\n"), status: "pending")
      ],
      "does not carry the plan's content"
    ),
  ]

  @Test(arguments: 0..<attacks.count + priorAttacks.count)
  func aPlantedJournalIsRefusedAndNothingRuns(_ index: Int) throws {
    let attack = (Self.attacks + Self.priorAttacks)[index]
    let root = try TestRoot.make()
    defer { root.remove() }
    unlink(Self.sentinel)
    let plan = Fixtures.create
    try Self.plant(
      root,
      PlantedJournal(planDigest: try StateStore.digest(plan), plan: plan, entries: attack.entries))
    let planFile = try root.savePlan(plan, name: "create")
    let before = root.tree()
    for arguments in [
      ["recover", "--complete"], ["recover", "--rollback"], ["apply", "--plan", planFile, "--yes"],
    ] {
      let result = root.mkpolicy(arguments)
      #expect(result.status == 1, "\(attack.name) \(arguments): \(result.stdout)")
      #expect(
        result.stderr.hasPrefix(
          "error[E508]: /var/lib/mkpolicy/journal.json is refused: it holds what apply never writes or runs"
        ), "\(attack.name): \(result.stderr)")
      #expect(result.stderr.contains(attack.names), "\(attack.name): \(result.stderr)")
    }
    #expect(root.kerfInvocations.isEmpty, "\(attack.name)")
    #expect(!FileManager.default.fileExists(atPath: Self.sentinel), "\(attack.name)")
    #expect(root.tree() == before, "\(attack.name)")
  }

  /// The journal must hold its plan's digest: a plan swapped under a kept
  /// digest, or a digest of something else, is refused.
  @Test func aJournalIsBoundToItsPlansDigest() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    try Self.plant(
      root,
      PlantedJournal(
        planDigest: try StateStore.digest(Fixtures.move), plan: Fixtures.create,
        entries: [.init(step: Self.kerfStep, status: "pending")]))
    let result = root.mkpolicy(["recover", "--complete"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("planDigest:"), "\(result.stderr)")
    #expect(root.kerfInvocations.isEmpty)
  }

  /// A plan inside the journal gets the plan checks (PlanValidator).
  @Test func aJournalsPlanIsValidatedLikeAPlanFile() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    var plan = Fixtures.create
    plan.cgroupParentPath = "/sys/fs/cgroup/cpuset"
    try Self.plant(
      root,
      PlantedJournal(
        planDigest: try StateStore.digest(plan), plan: plan,
        entries: [.init(step: Self.kerfStep, status: "pending")]))
    let result = root.mkpolicy(["recover", "--rollback"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("plan.cgroupParentPath"), "\(result.stderr)")
    #expect(root.kerfInvocations.isEmpty)
  }

  /// An applied record whose commands are not typed commands is refused
  /// (its commands feed undo argv).
  @Test func aPlantedAppliedRecordIsRefused() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = Fixtures.create
    let record = AppliedRecord(
      planDigest: try StateStore.digest(plan), plan: plan, bootID: Fixtures.fingerprint.bootId,
      commands: ["create:vm1": ["sh", "-c", "touch \(Self.sentinel)"]])
    try root.put("/var/lib/mkpolicy/applied.json", StateStore.encode(record))
    let planFile = try root.savePlan(Fixtures.teardown, name: "teardown")
    let result = root.mkpolicy(["apply", "--plan", planFile, "--yes"])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("error[E508]: /var/lib/mkpolicy/applied.json is refused"))
    #expect(result.stderr.contains("commands[\"create:vm1\"]"), "\(result.stderr)")
    #expect(root.kerfInvocations.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: Self.sentinel))
  }

  /// Evidence files left over or planted (the old pid-based names, or any
  /// name) never stand for a command of a new run: it runs, and its own
  /// evidence files are gone after success.
  @Test func plantedEvidenceNeverSkipsACommand() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let boot = String(Fixtures.fingerprint.bootId!.prefix(8))
    for pid in [1, 2, 100, 4242, Int(getpid()) + 1] {
      for command in ["create:vm1", "load:vm1", "start:vm1"] {
        try root.put("/var/lib/mkpolicy/commands/\(boot)-\(pid)-\(command).out", "")
      }
    }
    let planted = Set(
      try FileManager.default.contentsOfDirectory(atPath: root.root + "/var/lib/mkpolicy/commands"))
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let result = root.mkpolicy(["apply", "--plan", plan, "--yes"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(root.kerfInvocations.count == 3, "\(root.kerfInvocations)")
    let left = Set(
      try FileManager.default.contentsOfDirectory(atPath: root.root + "/var/lib/mkpolicy/commands"))
    #expect(left == planted, "this run's evidence files must be removed after success")
    #expect(root.mkpolicy(["verify"]).status == 0)
  }

  /// The fingerprint chain with a recomputed digest (anyone can hash): an
  /// emptied device list or a deleted machine id no longer passes.
  @Test func deletingFingerprintFieldsDoesNotBypassTheStaleCheck() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    try root.put("/sys/bus/pci/devices/0000:3b:00.0/class", "0x020000\n")
    let noDevices = try root.savePlan(Fixtures.create, name: "no-devices")
    var result = root.mkpolicy(["apply", "--plan", noDevices, "--yes"])
    #expect(result.status == 3, "\(result.stderr)")
    #expect(result.stderr.contains("devices: 0000:3b:00.0 appeared"), "\(result.stderr)")
    try FileManager.default.removeItem(atPath: root.root + "/sys/bus")
    try root.put("/etc/machine-id", "0123456789abcdef0123456789abcdef\n")
    var plan = Fixtures.create
    plan.topologyFingerprint.machineId = nil
    result = root.mkpolicy([
      "apply", "--plan", try root.savePlan(plan, name: "no-machine"), "--yes",
    ])
    #expect(result.status == 3, "\(result.stderr)")
    #expect(result.stderr.contains("the plan names no machine"), "\(result.stderr)")
    #expect(root.kerfInvocations.isEmpty)
    #expect(root.read("/sys/fs/cgroup/mkpolicy.slice/cpuset.cpus") == nil)
  }
}
