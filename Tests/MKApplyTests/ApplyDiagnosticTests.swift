import Foundation
import MKApply
import MKCore
import MKPlan
import Testing

/// Apply, verify and recover report through the front end's `Diagnostic`
/// model: a failure names the operation, path, value and errno (or the
/// read-back, or the command's status), what was restored, and what to do.
@Suite struct ApplyDiagnosticTests {
  @Test func aRefusedWriteIsAnE501WithErrnoRestoredValuesAndHelp() throws {
    let host = Fixtures.host(before: 2)
    host.managedIRQs = [25]
    let report = try Applier(host: host).apply(Fixtures.move)
    #expect(report.outcome == .rolledBack)
    #expect(
      report.failureDetail
        == ApplyFailure(
          cause: .refused, operation: "write", path: "/proc/irq/25/smp_affinity_list", value: "0",
          errno: "EIO", reason: "Input/output error",
          help: ["fix the cause named (the errno and its text) and apply again"]))
    #expect(report.failure == report.failureDetail?.message)
    let text = report.render()
    #expect(text.stdout == "")
    #expect(
      text.stderr == """
        error[E501]: apply failed: write /proc/irq/25/smp_affinity_list = "0": EIO (Input/output error)
         = note: changed before the failure: write   /sys/fs/cgroup/mkpolicy.slice/db/cpuset.cpus = "2"
         = note: changed before the failure: write   /sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus = "3-7"
         = note: restored: /sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus = "4-7"
         = note: restored: /sys/fs/cgroup/mkpolicy.slice/db/cpuset.cpus = "2-3"
         = note: rolled back: every changed value is back to what the journal recorded
         = help: fix the cause named (the errno and its text) and apply again

        1 error

        """)
    let json = try report.json()
    #expect(json.contains("\"errno\" : \"EIO\""))
    #expect(json.contains("\"cause\" : \"refused\""))
  }

  @Test func aPartitionTheKernelInvalidatesSaysWhereToLook() throws {
    let host = Fixtures.baseHost()
    let plan = Fixtures.plan(
      "bad",
      [
        Fixtures.mkdir(""), Fixtures.write("/cpuset.cpus", "2-5"), Fixtures.mkdir("/a"),
        Fixtures.write("/a/cpuset.cpus", "2-3"), Fixtures.write("/a/cpuset.cpus.partition", "root"),
      ])
    let report = try Applier(host: host).apply(plan)
    let detail = try #require(report.failureDetail)
    #expect(detail.cause == .readBack)
    #expect(detail.path == "/sys/fs/cgroup/mkpolicy.slice/a/cpuset.cpus.partition")
    #expect(detail.value == "root")
    #expect(detail.help.first?.hasPrefix("the kernel turned the partition invalid") == true)
    #expect(report.render().stderr.contains(" = help: the kernel turned the partition invalid"))
  }

  @Test func aFailedCommandNamesItsStatusAndHowToRunIt() throws {
    let host = Fixtures.baseHost()
    host.commandResult = { argv in
      argv.count > 1 && argv[1] == "start"
        ? CommandResult(status: 2, output: "no kernel image\n")
        : CommandResult(status: 0, output: "")
    }
    let report = try Applier(host: host).apply(Fixtures.create)
    #expect(report.outcome == .rolledBack)
    let detail = try #require(report.failureDetail)
    #expect(detail.cause == .command)
    #expect(detail.argv == ["kerf", "start", "vm1"])
    #expect(detail.status == 2)
    #expect(
      report.failure
        == "command [start:vm1] kerf start vm1 exited with status 2: \"no kernel image\"")
    #expect(
      report.render().stderr.contains(
        " = help: run `kerf start vm1` by hand to see why it fails, fix that, and apply again\n"))
  }

  @Test func refusalsCarryTheirHelpAsDiagnostics() {
    let other = ApplyRefusal.interruptedOther(path: "/var/lib/mkpolicy/journal.json", policy: "p")
    #expect(
      DiagnosticRenderer().text([other.diagnostic]) == """
        error[E506]: an interrupted apply of a different plan (policy p) left /var/lib/mkpolicy/journal.json
         = help: run `mkpolicy recover --rollback` or `mkpolicy recover --complete` first

        1 error

        """)
    let unsafe = ApplyRefusal.unsafe(["write \"/etc/passwd\": outside the cgroup parent"])
    #expect(
      unsafe.diagnostic.notes.map(\.message) == ["write \"/etc/passwd\": outside the cgroup parent"]
    )
    #expect(unsafe.diagnostic.help.count == 1)
  }
}

/// `host.irqbalance: stop` is checked live, from /proc, not from the record
/// of an earlier `systemctl stop`.
@Suite struct IRQBalanceLiveTests {
  @Test func verifyFindsIrqbalanceStartedAgainAndApplyStopsItAgain() throws {
    let host = Fixtures.host(before: 2)
    host.startDaemon("irqbalance", pid: 900)
    var plan = Fixtures.move
    plan.irqbalanceMode = "stop"
    #expect(try Applier(host: host).apply(plan).outcome == .applied)
    let systemctl = { host.commands.filter { $0.first == "systemctl" } }
    #expect(systemctl() == [["systemctl", "stop", "irqbalance"]])
    #expect(try Verifier(host: host).verify().matches)
    // Started again by hand (or by a package upgrade) in the same boot: the
    // record still says it was stopped; /proc says it runs.
    host.startDaemon("irqbalance", pid: 901)
    let drift = try Verifier(host: host).verify()
    #expect(
      drift.differences == [
        "irqbalance runs (pid 901), but the plan stops it; it would move the planned IRQs"
      ])
    let again = try Applier(host: host).apply(plan)
    #expect(again.outcome == .applied)
    #expect(again.changes.map(\.path) == ["irqbalance:stop"])
    #expect(try Verifier(host: host).verify().matches)
  }

  @Test func anIrqbalanceThatDoesNotRunIsNotStopped() throws {
    let host = Fixtures.host(before: 2)
    var plan = Fixtures.move
    plan.irqbalanceMode = "stop"
    #expect(try Applier(host: host).apply(plan).outcome == .applied)
    #expect(host.commands.filter { $0.first == "systemctl" } == [])
    #expect(try Verifier(host: host).verify().matches)
  }
}
