import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

@Suite struct PlanCodecTests {
  /// Same inputs, same bytes: every artefact, including the DTB, twice.
  @Test func plansAreByteIdenticalAcrossRuns() throws {
    let topology = PlanFixture.topology()
    let policy = PlanFixture.policy()
    let first = try PlanArtifacts.render(
      PlanFixture.plan(topology: topology), policy: policy, topology: topology)
    let second = try PlanArtifacts.render(
      PlanFixture.plan(topology: PlanFixture.topology()), policy: PlanFixture.policy(),
      topology: PlanFixture.topology())
    #expect(first.map(\.path) == second.map(\.path))
    for (a, b) in zip(first, second) {
      #expect(a.bytes == b.bytes, "\(a.path) differs between runs")
    }
    #expect(first.map(\.path).contains("state.dtb"))
  }

  @Test func jsonRoundTrips() throws {
    let plan = PlanFixture.plan()
    let text = PlanCodec.encode(plan)
    let decoded = try PlanCodec.decode(text, file: "plan.json").get()
    #expect(decoded == plan)
    #expect(PlanCodec.encode(decoded) == text)
  }

  @Test func badPreviousPlanIsNamed() {
    guard case .failure(let error) = PlanCodec.decode("{\"apiVersion\": 1}", file: "old.json")
    else {
      Issue.record("accepted a non-plan")
      return
    }
    #expect(error.diagnostics.map(\.code) == ["E420"])
    #expect(error.diagnostics[0].message.hasPrefix("old.json: "))
  }

  @Test func fingerprintDigestFollowsTheTopology() {
    let a = HostFingerprinter.fingerprint(PlanFixture.topology())
    let b = HostFingerprinter.fingerprint(PlanFixture.topology(release: "6.9.0"))
    #expect(a.digest.hasPrefix("sha256:") && a.digest.count == 71)
    #expect(a.digest != b.digest)
    #expect(a == HostFingerprinter.fingerprint(PlanFixture.topology()))
    #expect(a.devices == a.devices.sorted() && a.devices.count == 3)
  }

  /// Free memory, IRQ affinities and the like change on an unchanged host
  /// between two runs; they must not make two plans of it differ.
  @Test func fingerprintDigestIgnoresVolatileHostState() {
    let base = PlanFixture.topology()
    var busy = base
    busy.packages[0].dies[0].nodes[0].memoryFreeBytes = 1 << 20
    busy.devices[0].irqs[0].affinity = [3]
    busy.kernel.irqbalanceRunning = !(busy.kernel.irqbalanceRunning ?? false)
    busy.devices[0].irqs[0].present = false
    busy.kernel.bootId = "another-boot"
    #expect(
      HostFingerprinter.fingerprint(busy).digest == HostFingerprinter.fingerprint(base).digest)
    var grown = base
    grown.packages[0].dies[0].nodes[0].memoryTotalBytes += 1 << 30
    #expect(
      HostFingerprinter.fingerprint(grown).digest != HostFingerprinter.fingerprint(base).digest)
  }

  /// The hardware identity survives what a reboot of the same machine may
  /// change (kernel, command line, memory totals, IRQ numbers, online CPUs)
  /// and follows what makes it another machine (machine id, CPUs, devices).
  @Test func hardwareIdentityIsTheMachineNotTheBoot() {
    var base = PlanFixture.topology()
    base.machineId = "0123456789abcdef0123456789abcdef"
    base.hostName = "db-07"
    let a = HostFingerprinter.fingerprint(base)
    #expect(a.machineId == base.machineId && a.hostName == "db-07")
    #expect(a.cpus == CPUSet(base.threads.map(\.cpu)))
    #expect(a.hardwareDigest?.hasPrefix("sha256:") == true && a.hardwareDigest?.count == 71)
    var rebooted = base
    rebooted.kernel.release = "6.9.0"
    rebooted.kernel.commandLine += " isolcpus=2-3"
    rebooted.kernel.bootId = "another-boot"
    rebooted.packages[0].dies[0].nodes[0].memoryTotalBytes -= 1 << 30
    rebooted.devices[0].irqs[0].irq += 7
    rebooted.devices[0].driver = nil
    #expect(HostFingerprinter.fingerprint(rebooted).hardwareDigest == a.hardwareDigest)
    var other = base
    other.machineId = "fedcba9876543210fedcba9876543210"
    #expect(HostFingerprinter.fingerprint(other).hardwareDigest != a.hardwareDigest)
    var moved = base
    moved.devices[0].deviceId = "ffff"
    #expect(HostFingerprinter.fingerprint(moved).hardwareDigest != a.hardwareDigest)
    var renumbered = base
    renumbered.packages[0].dies[0].nodes[0].cacheDomains[0].cores[0].threads[0].physicalId = 999
    #expect(HostFingerprinter.fingerprint(renumbered).hardwareDigest != a.hardwareDigest)
  }

  @Test func sha256KnownAnswers() {
    #expect(
      SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  /// Every golden plan.json validates against Schemas/plan.v1.schema.json.
  @Test func goldenPlansMatchTheSchema() throws {
    let golden = PackagePaths.path("Tests/MKPlanTests/Golden")
    // Golden/hosts holds maps and reports only (PlanReviewTests).
    let cases = try FileManager.default.contentsOfDirectory(atPath: golden).sorted().filter {
      FileManager.default.fileExists(atPath: "\(golden)/\($0)/plan.json")
    }
    #expect(cases.count >= 3)
    let documents = cases.map { "\(golden)/\($0)/plan.json" }
    let result = Subprocess.run(
      [
        PackagePaths.python, PackagePaths.path("Tests/Python/validate_json_schema.py"),
        PackagePaths.path("Schemas/plan.v1.schema.json"),
      ] + documents)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
  }
}
