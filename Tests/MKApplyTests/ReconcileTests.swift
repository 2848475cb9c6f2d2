import Foundation
import MKApply
import MKCore
import MKPlan
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Apply converges the live host to a plan's desired state from any
/// mkpolicy-managed starting point, through kernel-valid intermediate states.
@Suite struct ReconcileTests {
  /// Applies `plan` and checks the run: it succeeded, no partition that was
  /// valid became invalid at any point, verify agrees, a second apply writes
  /// nothing. Returns the report.
  @discardableResult
  static func converge(
    _ host: MemoryHost, _ plan: Plan, _ label: String,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> ApplyReport {
    let invalidAtStart = Set(host.invalidPartitions.keys)
    var newlyInvalid: [String] = []
    let observed = ObservedHost(host) { operation in
      for directory in host.invalidPartitions.keys where !invalidAtStart.contains(directory) {
        newlyInvalid.append("\(directory) invalid after \(operation)")
      }
    }
    let report = try Applier(host: observed).apply(plan)
    #expect(
      report.succeeded && report.failure == nil,
      "\(label): \(report.outcome.rawValue) \(report.failure ?? "") \(report.notRestored)",
      sourceLocation: sourceLocation)
    #expect(newlyInvalid.isEmpty, "\(label): \(newlyInvalid)", sourceLocation: sourceLocation)
    #expect(
      host.invalidPartitions.isEmpty, "\(label): \(host.invalidPartitions)",
      sourceLocation: sourceLocation)
    let verify = try Verifier(host: host).verify()
    #expect(verify.differences == [], "\(label)", sourceLocation: sourceLocation)
    let again = try Applier(host: host).apply(plan)
    #expect(
      again.outcome == .nothingToDo, "\(label): second apply \(again.changes)",
      sourceLocation: sourceLocation)
    return report
  }

  @Test func switchingBetweenOverlappingPlansStaysValid() throws {
    let host = DesiredState.host()
    try Self.converge(host, DesiredState.first.plan, "first")
    let second = try Self.converge(host, DesiredState.second.plan, "second")
    // ingest gives up 10-11 before ledger takes them.
    let shrink = second.changes.map(\.summary).firstIndex {
      $0.contains("ingest/cpuset.cpus = \"8-9\"")
    }
    let grow = second.changes.map(\.summary).firstIndex {
      $0.contains("ledger/cpuset.cpus = \"6-7,10-11\"")
    }
    #expect(shrink != nil && grow != nil && shrink! < grow!, "\(second.changes)")
    let back = try Self.converge(host, DesiredState.first.plan, "first again")
    let shrinkBack = back.changes.map(\.summary).firstIndex {
      $0.contains("ledger/cpuset.cpus = \"6-7\"")
    }
    let growBack = back.changes.map(\.summary).firstIndex {
      $0.contains("ingest/cpuset.cpus = \"8-11\"")
    }
    #expect(shrinkBack != nil && growBack != nil && shrinkBack! < growBack!, "\(back.changes)")
  }

  /// The state the issue found on 6.1: ingest written to 8-11 while ledger
  /// still held 10-11, both partitions invalid. Apply shrinks ledger, then
  /// writes member and the mode again to each.
  @Test func invalidPartitionsAreRevalidated() throws {
    let host = DesiredState.host()
    try Self.converge(host, DesiredState.second.plan, "second")
    try host.write(DesiredState.parent + "/ingest/cpuset.cpus", "8-11")
    #expect(
      try host.read(DesiredState.parent + "/ingest/cpuset.cpus.partition")
        == "root invalid (Cpu list in cpuset.cpus not exclusive)\n")
    #expect(host.invalidPartitions.count == 2)
    // As on 6.1, giving the CPUs back does not make them valid again.
    try host.write(DesiredState.parent + "/ingest/cpuset.cpus", "8-9")
    #expect(host.invalidPartitions.count == 2)
    try host.write(DesiredState.parent + "/ingest/cpuset.cpus", "8-11")
    let drift = try Verifier(host: host).verify()
    #expect(drift.differences.count >= 2, "\(drift.differences)")
    let report = try Self.converge(host, DesiredState.first.plan, "first over invalid")
    #expect(report.changes.contains { $0.kind == .revalidate }, "\(report.changes)")
  }

  @Test func driftIsRepairedAndStrayCgroupsRemoved() throws {
    let host = DesiredState.host()
    try Self.converge(host, DesiredState.first.plan, "first")
    try host.write(DesiredState.parent + "/web/cpuset.cpus", "2")
    try host.write(DesiredState.parent + "/web/cpu.weight", "50")
    try host.write(DesiredState.parent + "/ledger/cpuset.cpus.partition", "member")
    try host.makeDirectory(DesiredState.parent + "/old")
    try host.write("/proc/irq/30/smp_affinity_list", "0-11")
    #expect(try Verifier(host: host).verify().differences.count == 5)
    let report = try Self.converge(host, DesiredState.first.plan, "repair")
    #expect(
      report.changes.contains(ApplyStep(kind: .rmdir, path: DesiredState.parent + "/old")),
      "\(report.changes)")
  }

  @Test func aRebootDropsEverythingAndApplyRestoresIt() throws {
    let host = DesiredState.host()
    try Self.converge(host, DesiredState.first.plan, "first")
    host.reboot(bootID: "bbbbbbbb-0000-0000-0000-000000000002")
    let drift = try Verifier(host: host).verify()
    #expect(!drift.matches)
    // A plan made against a previous one leaves out the root's controllers
    // (the previous plan enabled them); after a reboot they are needed again.
    var plan = DesiredState.first.plan
    plan.cgroupPrerequisites = []
    try Self.converge(host, plan, "after reboot")
    #expect(try host.read("/sys/fs/cgroup/cgroup.subtree_control") == "cpu cpuset\n")
  }

  @Test func teardownFromAnyStateRemovesEverything() throws {
    let host = DesiredState.host()
    try Self.converge(host, DesiredState.second.plan, "second")
    try host.write(DesiredState.parent + "/ingest/cpuset.cpus", "8-11")  // invalid pair
    var teardown = DesiredState(name: "teardown", workloads: []).plan
    teardown.cgroupWrites = [
      CgroupOperation(op: .rmdir, path: DesiredState.parent + "/web"),
      CgroupOperation(op: .rmdir, path: DesiredState.parent),
    ]
    teardown.cgroupPrerequisites = []
    let report = try Applier(host: host).apply(teardown)
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(host.kind(DesiredState.parent) == .missing)
  }

  @Test func anIRQWithoutItsDirectoryIsPending() throws {
    let host = DesiredState.host()
    var state = DesiredState.first
    state.irqs[77] = [0]
    let report = try Self.converge(host, state.plan, "down NIC")
    #expect(
      report.pending.count == 1 && report.pending[0].hasPrefix("IRQ 77:"), "\(report.pending)")
    #expect(try Verifier(host: host).verify().pending.contains { $0.hasPrefix("IRQ 77:") })
  }

  @Test func aReadErrorOtherThanENOENTStopsApplyBeforeAnyWrite() throws {
    let host = DesiredState.host()
    try Self.converge(host, DesiredState.first.plan, "first")
    host.unreadable[DesiredState.parent + "/web/cpu.weight"] = EACCES
    host.clearMutations()
    #expect {
      try Applier(host: host).apply(DesiredState.second.plan)
    } throws: { error in
      guard let refusal = error as? ApplyRefusal else { return false }
      return refusal.code == "E520" && "\(refusal)".contains("EACCES")
    }
    #expect(host.mutations == [])
  }

  /// Kernel instances are checked live: after a reboot (no instance in
  /// /sys/fs/multikernel) the plan's bring-up commands run again, and a
  /// teardown of an instance that does not run is skipped.
  @Test func commandsOfAnEarlierBootAreNotInEffect() throws {
    let host = DesiredState.host()
    let kerf = KerfModel.attach(to: host)
    var plan = DesiredState.first.plan
    plan.coordinatorCommands = [
      CoordinatorCommand(
        id: "create:vm1",
        argv: ["kerf", "create", "vm1", "--id=1", "--cpus=5", "--memory=1073741824"]),
      CoordinatorCommand(id: "load:vm1", argv: ["kerf", "load", "vm1", "--kernel=/boot/mk"]),
      CoordinatorCommand(id: "start:vm1", argv: ["kerf", "start", "vm1"]),
    ]
    host.seedDirectory("/sys/fs/multikernel/instances")
    try Self.converge(host, plan, "first")
    #expect(kerf.instances == ["vm1": "active"])
    host.seedDirectory("/sys/fs/multikernel/instances/vm1")
    host.seed("/sys/fs/multikernel/instances/vm1/status", "active\n")
    host.reboot(bootID: "cccccccc-0000-0000-0000-000000000003")
    host.seedDirectory("/sys/fs/multikernel/instances")
    let fresh = KerfModel.attach(to: host)
    try Self.converge(host, plan, "after reboot")
    #expect(fresh.instances == ["vm1": "active"])
    var teardown = DesiredState(name: "down", workloads: []).plan
    teardown.coordinatorCommands = [
      CoordinatorCommand(id: "kill:vm2", argv: ["kerf", "kill", "vm2"]),
      CoordinatorCommand(id: "unload:vm2", argv: ["kerf", "unload", "vm2"]),
      CoordinatorCommand(id: "delete:vm2", argv: ["kerf", "delete", "vm2"]),
    ]
    let report = try Applier(host: host).apply(teardown)
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(!fresh.log.contains { $0.contains("vm2") })
  }
}

/// Kernel instances reconciled from the plan's desired instances and the
/// live `/sys/fs/multikernel/instances`.
@Suite struct InstanceReconcileTests {
  static func plan(memory: UInt64 = 1 << 30, cpus: [Int] = [5], instances: Bool = true) -> Plan {
    var plan = DesiredState.first.plan
    guard instances else { return plan }
    plan.kernelInstances = [
      KernelInstance(
        name: "vm1", id: 1, physicalIds: cpus, memoryBytes: memory, numaNodes: [0], devices: [],
        kernel: "/boot/vmlinuz-mk", initrd: nil, cmdline: "quiet", provenance: Provenance())
    ]
    plan.coordinatorPool = CoordinatorPool(
      physicalIds: cpus, memoryBytesByNode: ["0": memory], devices: [], provenance: [])
    return plan
  }

  @Test func instancesAreStartedCheckedLiveAndRestartedAfterAReboot() throws {
    let host = DesiredState.host()
    var kerf = KerfModel.attachLive(to: host)
    try ReconcileTests.converge(host, Self.plan(), "start")
    #expect(kerf.instances == ["vm1": "active"])
    #expect(
      kerf.log == [
        "kerf init --cpus=5 --memory=1073741824@0 --devices=none",
        "kerf create vm1 --id=1 --cpus=5 --memory=1073741824 --numa-nodes=0",
        "kerf load vm1 --kernel=/boot/vmlinuz-mk --cmdline=quiet", "kerf start vm1",
      ])
    // Killed by hand: verify sees it, apply takes it down and up again.
    _ = kerf.handle(["kerf", "kill", "vm1"])
    #expect(
      try Verifier(host: host).verify().differences == [
        "kernel instance vm1: status \"loaded\", wanted active"
      ])
    try ReconcileTests.converge(host, Self.plan(), "after kill")
    #expect(kerf.instances == ["vm1": "active"])
    // A reboot drops every instance; the record of the earlier boot is not trusted.
    host.reboot(bootID: "eeeeeeee-0000-0000-0000-000000000005")
    kerf = KerfModel.attachLive(to: host)
    try ReconcileTests.converge(host, Self.plan(), "after reboot")
    #expect(kerf.instances == ["vm1": "active"])
    #expect(kerf.log.first == "kerf init --cpus=5 --memory=1073741824@0 --devices=none")
    // Resized: updated in place, with the observed spec as its undo.
    kerf.clearLog()
    try ReconcileTests.converge(host, Self.plan(memory: 1 << 31, cpus: [5]), "grow")
    #expect(kerf.log.contains("kerf update vm1 --cpus=5 --memory=2147483648 --devices=none"))
    // Gone from the plan: taken down, the pool given back.
    kerf.clearLog()
    let report = try Applier(host: host).apply(Self.plan(instances: false))
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(kerf.instances == [:])
    #expect(kerf.log.suffix(1) == ["kerf init --cpus=none --memory=none --devices=none"])
  }

  @Test func aFailedStartRollsBackToTheObservedInstances() throws {
    let host = DesiredState.host()
    let kerf = KerfModel.attachLive(to: host)
    try ReconcileTests.converge(host, Self.plan(), "start")
    let before = host.snapshot()
    let model = kerf
    host.commandResult = { argv in
      argv.count > 1 && argv[1] == "update"
        && argv.contains("--memory=2147483648")
        ? CommandResult(status: 1, output: "kerf: not enough memory")
        : model.handle(argv)
    }
    let report = try Applier(host: host).apply(Self.plan(memory: 1 << 31))
    #expect(report.outcome == .rolledBack, "\(report.failure ?? "") \(report.notRestored)")
    #expect(report.notRestored == [])
    #expect(kerf.instances == ["vm1": "active"])
    #expect(host.snapshot() == before, "\(FaultInjectionTests.diff(host.snapshot(), before))")
  }
}
