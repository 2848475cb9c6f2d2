import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport
import Testing

/// The boot-time reconcile: the unit that runs it (checked by systemd's own
/// `systemd-analyze verify`), its installation, `apply --last-applied` after
/// a reboot, and the JSON reports of apply and verify.
@Suite struct BootReconcileTests {
  /// Runs `systemd-analyze verify` on a unit whose ExecStart names `binary`.
  static func verifyUnit(_ text: String) throws -> Subprocess.Result {
    let directory =
      FileManager.default.temporaryDirectory.path + "/mkpolicy-unit-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/" + ServiceUnit.name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return Subprocess.run(["systemd-analyze", "verify", "--man=no", path])
  }

  @Test func shippedUnitIsTheRenderedOneAndSystemdAcceptsIt() throws {
    let shipped = try String(
      contentsOfFile: PackagePaths.path("dist/systemd/mkpolicy-apply.service"), encoding: .utf8)
    #expect(
      shipped
        == ServiceUnit.render(binary: "/usr/bin/mkpolicy", stateDirectory: "/var/lib/mkpolicy"))
    // systemd checks that the binary exists: point it at the one built here.
    let local = ServiceUnit.render(
      binary: PackagePaths.mkpolicyBinary, stateDirectory: "/var/lib/my state")
    #expect(local.contains("--state-dir \"/var/lib/my state\""))
    let result = try Self.verifyUnit(local)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(!result.stderr.contains(ServiceUnit.name), "\(result.stderr)")
    // A unit systemd refuses is caught by the same check.
    let broken = local.replacingOccurrences(
      of: PackagePaths.mkpolicyBinary, with: "/nonexistent/mkpolicy")
    let refused = try Self.verifyUnit(broken)
    #expect(refused.status != 0 && refused.stderr.contains("/nonexistent/mkpolicy"))
  }

  @Test func serviceInstallWritesAndEnablesTheUnitOffline() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    // With --root only the root's own programs run: none there, nothing run.
    let refused = root.mkpolicy(["service", "install"])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("no executable systemctl"), "\(refused.stderr)")
    #expect(refused.stderr.contains("commands never run from the machine itself"))
    // The image's systemctl (here one that hands over to this machine's).
    try root.put("/usr/local/bin/systemctl", "#!/bin/sh\nexec /usr/bin/systemctl \"$@\"\n")
    chmod(root.root + "/usr/local/bin/systemctl", 0o755)
    let result = root.mkpolicy(["service", "install"])
    #expect(result.status == 0, "\(result.stderr)")
    let unit = root.read("/etc/systemd/system/mkpolicy-apply.service")
    let binary = URL(fileURLWithPath: PackagePaths.mkpolicyBinary).resolvingSymlinksInPath().path
    #expect(unit == ServiceUnit.render(binary: binary, stateDirectory: "/var/lib/mkpolicy"))
    #expect(try Self.verifyUnit(unit ?? "").status == 0)
    let link = root.root + "/etc/systemd/system/basic.target.wants/mkpolicy-apply.service"
    #expect(
      (try? FileManager.default.destinationOfSymbolicLink(atPath: link))
        == "/etc/systemd/system/mkpolicy-apply.service", "\(result.stdout)")
    let again = root.mkpolicy(["service", "install"])
    #expect(again.status == 0)
    #expect(again.stdout.hasPrefix("ran systemctl --root="), "\(again.stdout)")
  }

  /// The state directory survives a reboot, the cgroups do not: the
  /// boot-time reconcile restores them from the record, under another boot id.
  @Test func lastAppliedRestoresThePlanAfterAReboot() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    #expect(root.mkpolicy(["apply", "--plan", plan, "--yes"]).status == 0)
    let applied = root.tree()
    try FileManager.default.removeItem(atPath: root.root + "/sys/fs/cgroup/mkpolicy.slice")
    try root.put("/proc/irq/24/smp_affinity_list", "0-7\n")
    try root.put("/proc/sys/kernel/random/boot_id", "99999999-0000-0000-0000-000000000000\n")
    #expect(root.mkpolicy(["verify"]).status == 2)
    let boot = root.mkpolicy(["apply", "--last-applied", "--yes"])
    #expect(boot.status == 0, "\(boot.stderr)")
    var restored = root.tree()
    restored["/proc/sys/kernel/random/boot_id"] = applied["/proc/sys/kernel/random/boot_id"]
    #expect(restored == applied, "\(FaultInjectionTests.diff(restored, applied))")
    // kerf instances do not survive a reboot: they were started again.
    #expect(root.kerfInvocations.filter { $0.hasPrefix("start vm1") }.count == 2)
    let none = try TestRoot.make()
    defer { none.remove() }
    let nothing = none.mkpolicy(["apply", "--last-applied", "--yes"])
    #expect(nothing.status == 0)
    #expect(nothing.stdout.hasPrefix("nothing to reconcile: no plan was applied"))
  }

  @Test func applyAndVerifyReportAsJSON() throws {
    let root = try TestRoot.make()
    defer { root.remove() }
    let plan = try root.savePlan(Fixtures.create, name: "create")
    let apply = root.mkpolicy(["apply", "--plan", plan, "--yes", "--format", "json"])
    #expect(apply.status == 0, "\(apply.stderr)")
    let document = try JSONSerialization.jsonObject(with: Data(apply.stdout.utf8)) as? [String: Any]
    let report = document?["report"] as? [String: Any]
    #expect(report?["outcome"] as? String == "applied")
    let changes = report?["changes"] as? [[String: Any]] ?? []
    #expect(changes.first?["kind"] as? String == "mkdir", "\(changes.prefix(2))")
    #expect(changes.contains { $0["path"] as? String == "/proc/irq/24/smp_affinity_list" })
    try root.put("/sys/fs/cgroup/mkpolicy.slice/web/cpuset.cpus", "4")
    let verify = root.mkpolicy(["verify", "--format", "json"])
    #expect(verify.status == 2)
    let drift = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
    #expect(drift?["matches"] as? Bool == false)
    let diagnostics = drift?["diagnostics"] as? [[String: Any]] ?? []
    #expect(diagnostics.map { $0["code"] as? String } == ["E522"], "\(verify.stdout)")
    let refused = root.mkpolicy(["recover", "--complete", "--format", "json"])
    #expect(refused.status == 1)
    #expect(refused.stdout.contains("\"E509\""), "\(refused.stdout)")
  }
}
