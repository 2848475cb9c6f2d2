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
    let text = try PlanCodec.encode(plan)
    let decoded = try PlanCodec.decode(text, file: "plan.json").get()
    #expect(decoded == plan)
    #expect(try PlanCodec.encode(decoded) == text)
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
    // Many blocks (FIPS 180-2's million a's), and every length around a
    // block's padding boundary against a plain byte-at-a-time reference.
    #expect(
      SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    var random = SplitMix64(seed: 256)
    for count in [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4096 + 17] {
      let message = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      #expect(SHA256.hex(message) == Self.referenceSHA256(message), "\(count) bytes")
      // The portable code and the SHA extensions (where the CPU has them) agree.
      #expect(
        SHA256.digest(message, accelerated: false)
          == SHA256.digest(message, accelerated: SHA256.accelerated), "\(count) bytes")
    }
    let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(
      SHA256.digest(million, accelerated: false)
        == SHA256.digest(million, accelerated: SHA256.accelerated))
  }

  /// SHA-256 as FIPS 180-4 states it, one padded copy and checked arrays:
  /// the reference the optimised `SHA256` is compared with.
  static func referenceSHA256(_ message: [UInt8]) -> String {
    let k: [UInt32] = [
      0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
      0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
      0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
      0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
      0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
      0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
      0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
      0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
      0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
      0xc671_78f2,
    ]
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var h: [UInt32] = [
      0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
      0x5be0_cd19,
    ]
    var data = message + [0x80]
    while data.count % 64 != 56 { data.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) {
      data.append(UInt8(truncatingIfNeeded: (UInt64(message.count) * 8) >> UInt64(shift)))
    }
    for chunk in stride(from: 0, to: data.count, by: 64) {
      var w = (0..<16).map { i in
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(data[chunk + i * 4 + $1]) }
      }
      for i in 16..<64 {
        let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w.append(w[i - 16] &+ s0 &+ w[i - 7] &+ s1)
      }
      var v = h
      for i in 0..<64 {
        let t1 =
          v[7] &+ (rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25))
          &+ ((v[4] & v[5]) ^ (~v[4] & v[6])) &+ k[i] &+ w[i]
        let t2 =
          (rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22))
          &+ ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]))
        v = [t1 &+ t2, v[0], v[1], v[2], v[3] &+ t1, v[4], v[5], v[6]]
      }
      h = zip(h, v).map { $0 &+ $1 }
    }
    return h.map { word in
      let text = String(word, radix: 16)
      return String(repeating: "0", count: 8 - text.count) + text
    }.joined()
  }

  /// Every golden plan.json validates against Schemas/plan.v2.schema.json.
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
        PackagePaths.path("Schemas/plan.v2.schema.json"),
      ] + documents)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
  }
}
