import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKTestSupport
import Testing

/// Plans read from a file: the digest binds the body, and every value apply
/// writes or runs has the form the planner gives it (docs/apply.md, E513 and
/// E514). Each tampered plan here gets a fresh, correct digest, so what
/// refuses it is the value check, not the digest.
@Suite struct PlanValidatorTests {
  /// Every plan the repository holds (examples, golden files).
  static var planFiles: [String] {
    let examples = PackagePaths.path("Examples")
    let golden = PackagePaths.path("Tests/MKPlanTests/Golden")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []
    let goldens = (try? FileManager.default.contentsOfDirectory(atPath: golden)) ?? []
    return
      (names.map { "\(examples)/\($0)/plan/plan.json" }
      + goldens.map { "\(golden)/\($0)/plan.json" })
      .filter { FileManager.default.fileExists(atPath: $0) }.sorted()
  }

  static func load(_ example: String) throws -> Plan {
    let path = PackagePaths.path("Examples/\(example)/plan/plan.json")
    return try PlanCodec.decode(String(contentsOfFile: path, encoding: .utf8), file: path).get()
  }

  /// The codes and messages of decoding `plan` re-encoded with a valid digest.
  static func refusal(_ plan: Plan) -> [String] {
    guard let text = try? PlanCodec.encode(plan) else { return ["the plan does not encode"] }
    switch PlanCodec.decode(text, file: "p.json") {
    case .success: return []
    case .failure(let error): return error.diagnostics.map { "\($0.code) \($0.message)" }
    }
  }

  @Test func everyPlanOfTheRepositoryDecodes() throws {
    #expect(Self.planFiles.count >= 8)
    for path in Self.planFiles {
      let text = try String(contentsOfFile: path, encoding: .utf8)
      if case .failure(let error) = PlanCodec.decode(text, file: path) {
        Issue.record("\(path): \(error.diagnostics.map(\.message))")
      }
    }
  }

  @Test func editedBodyIsRefusedByTheDigest() throws {
    let path = PackagePaths.path("Examples/database-nvme/plan/plan.json")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let edited = text.replacingOccurrences(of: "\"cpu.shares\"", with: "\"cpu.shares\" ")
      .replacingOccurrences(of: "\"policy\" : \"database-nvme\"", with: "\"policy\" : \"other\"")
    guard case .failure(let error) = PlanCodec.decode(edited, file: "p.json") else {
      Issue.record("an edited plan was accepted")
      return
    }
    #expect(error.diagnostics.map(\.code) == ["E513"])
    let stripped = text.split(separator: "\n").filter { !$0.hasPrefix("  \"digest\" :") }
      .joined(separator: "\n")
    guard case .failure(let missing) = PlanCodec.decode(stripped, file: "p.json") else {
      Issue.record("a plan without digest was accepted")
      return
    }
    #expect(missing.diagnostics.map(\.code) == ["E513"])
    #expect(try PlanCodec.digest(try Self.load("database-nvme")).hasPrefix("sha256:"))
  }

  @Test func cgroupParentAtAHierarchyRootOrForeignIsRefused() throws {
    var plan = try Self.load("default")
    for parent in [
      "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/cpuset/memory", "/sys/fs/cgroup",
      "/sys/fs/cgroup/system.slice/x", "/sys/fs/cgroup/kubepods.slice", "/etc",
      "/sys/fs/cgroup/../../etc",
    ] {
      plan.cgroupParentPath = parent
      let codes = Self.refusal(plan)
      #expect(!codes.isEmpty && codes.allSatisfy { $0.hasPrefix("E514") }, "\(parent): \(codes)")
    }
  }

  @Test func processFilesAndForeignValuesAreRefused() throws {
    let base = try Self.load("default")
    let parent = base.effectiveParent
    for (file, value) in [
      ("cgroup.kill", "1"), ("cgroup.procs", "1"), ("cgroup.freeze", "1"), ("tasks", "1"),
      ("cpuset.cpus", "0-3\nx"), ("cpu.max", "$(reboot) 100000"), ("memory.max", "-1"),
      ("cpuset.cpus.partition", "root; reboot"), ("release_agent", "/bin/sh"),
    ] {
      var plan = base
      plan.cgroupWrites.append(
        CgroupOperation(op: .write, path: parent + "/x/" + file, value: value))
      let codes = Self.refusal(plan)
      #expect(
        codes.count == 1 && codes[0].hasPrefix("E514 p.json: cgroupWrites["), "\(file): \(codes)")
    }
    var outside = base
    outside.cgroupWrites.append(CgroupOperation(op: .rmdir, path: "/sys/fs/cgroup/system.slice"))
    #expect(Self.refusal(outside).count == 1)
  }

  @Test func bootStagingIsRebuiltNotTrusted() throws {
    var grub = try Self.load("trading-realtime")
    let fragment = grub.bootStaging?.content ?? ""
    grub.bootStaging?.content = fragment + "reboot\n"
    #expect(Self.refusal(grub).first?.contains("bootStaging") == true)

    var injected = try Self.load("trading-realtime")
    injected.bootParameters.append("init=/bin/sh")
    injected.bootParameterItems = []
    let rebuilt = BootStagingEmitterProbe.grub(injected)
    injected.bootStaging?.content = rebuilt
    #expect(Self.refusal(injected).contains { $0.contains("init=/bin/sh") })

    var kernelInstall = try Self.load("ai-inference")
    let line = kernelInstall.bootStaging?.content ?? ""
    kernelInstall.bootStaging?.content = "init=/bin/sh " + line
    #expect(Self.refusal(kernelInstall).contains { $0.contains("init=/bin/sh") })
    kernelInstall = try Self.load("ai-inference")
    kernelInstall.bootStaging?.content = "ro\nrm -rf /\n"
    #expect(!Self.refusal(kernelInstall).isEmpty)

    var grubby = try Self.load("telco-edge")
    grubby.bootStaging?.argv?.append("--config-file=/tmp/grub.cfg")
    #expect(Self.refusal(grubby).contains { $0.contains("bootStaging.argv") })
    grubby = try Self.load("telco-edge")
    grubby.bootStaging?.argv = ["sh", "-c", "reboot"]
    #expect(!Self.refusal(grubby).isEmpty)
  }

  @Test func irqbalanceConfigurationHoldsNoShell() throws {
    for content in [
      "IRQBALANCE_BANNED_CPULIST=$(touch /tmp/pwned)\n",
      "IRQBALANCE_ARGS=\"--banirq=1 `reboot`\"\n", "IRQBALANCE_BANNED_CPULIST=1-3\nreboot\n",
      "# fine\nIRQBALANCE_ONESHOT=1\n", "IRQBALANCE_BANNED_CPULIST=1-3",
    ] {
      var plan = try Self.load("ai-inference")
      plan.fileWrites[0].content = content
      #expect(
        Self.refusal(plan).first?.hasPrefix("E514 p.json: fileWrites[0]") == true, "\(content)")
    }
    var path = try Self.load("ai-inference")
    path.fileWrites[0].path = "/etc/cron.d/mkpolicy"
    #expect(!Self.refusal(path).isEmpty)
  }

  @Test func coordinatorArgvMustParseAsKerf() throws {
    let base = try Self.load("telco-edge")
    for argv in [
      ["sh", "-c", "reboot"], ["kerf", "exec", "upf"], ["kerf", "create", "upf", "--id=1"],
      ["kerf", "load", "upf", "--kernel=/boot/vmlinuz", "--cmdline=a\nb"],
      ["kerf", "start", "upf", "--force"], ["kerf", "load", "upf", "--kernel=relative"],
      ["kerf", "init", "--cpus=1-2", "--memory=1@0", "--devices=$(x)"], [],
    ] {
      var plan = base
      plan.coordinatorCommands[0].argv = argv
      #expect(Self.refusal(plan).first?.contains("coordinatorCommands[0].argv") == true, "\(argv)")
    }
    for command in base.coordinatorCommands {
      let parsed = try KerfInvocation.parse(command.argv).get()
      #expect(parsed.argv == command.argv)
    }
  }

  @Test func fingerprintMustBeComplete() throws {
    let base = try Self.load("default")
    var plan = base
    plan.topologyFingerprint.onlineCPUs = []
    #expect(!Self.refusal(plan).isEmpty)
    plan = base
    plan.topologyFingerprint.kernelRelease = ""
    #expect(!Self.refusal(plan).isEmpty)
    plan = base
    plan.topologyFingerprint.bootId = "not a uuid"
    #expect(!Self.refusal(plan).isEmpty)
    plan = base
    plan.topologyFingerprint.digest = "sha256:x"
    #expect(!Self.refusal(plan).isEmpty)
    let text = try PlanCodec.encode(base)
    for key in ["devices", "onlineCPUs", "kernelRelease", "digest"] {
      let cut = text.split(separator: "\n").filter { !$0.hasPrefix("    \"\(key)\" :") }.joined(
        separator: "\n")
      guard case .failure(let error) = PlanCodec.decode(cut, file: "p.json") else {
        Issue.record("a fingerprint without \(key) was accepted")
        continue
      }
      #expect(error.diagnostics.allSatisfy { ["E420", "E513"].contains($0.code) })
    }
  }

  /// CPU numbers out of range, a number that does not fit, IRQ numbers: all
  /// refused with the JSON path, in well under a second.
  @Test func outOfRangeNumbersAreLocated() throws {
    let text = try PlanCodec.encode(try Self.load("default"))
    let clock = ContinuousClock()
    for (replacement, expected) in [
      ("-1", "housekeeping[0]"), ("4611686018427387904", "housekeeping[0]"),
      ("18446744073709551616", "not valid plan JSON"), ("65536", "housekeeping[0]"),
    ] {
      let edited = text.replacingOccurrences(
        of: "\"housekeeping\" : [\n    0", with: "\"housekeeping\" : [\n    \(replacement)")
      #expect(edited != text)
      let elapsed = clock.measure {
        guard case .failure(let error) = PlanCodec.decode(edited, file: "p.json") else {
          Issue.record("CPU \(replacement) was accepted")
          return
        }
        #expect(error.diagnostics.map(\.code) == ["E420"])
        #expect(error.diagnostics[0].message.contains(expected), "\(error.diagnostics[0].message)")
      }
      #expect(elapsed < .seconds(1))
    }
    var irq = try Self.load("ai-inference")
    irq.irqAffinity[0].irq = Int.max
    #expect(Self.refusal(irq).first?.contains("irqAffinity[0].irq") == true)
  }
}

extension Plan {
  fileprivate var effectiveParent: String { cgroupParentPath ?? "/sys/fs/cgroup/mkpolicy.slice" }
}

/// The GRUB fragment as the planner writes it for a plan's parameters, so a
/// test can build a consistent tampered plan.
enum BootStagingEmitterProbe {
  static func grub(_ plan: Plan) -> String {
    let text = BootStagingEmitter().emit(
      parameters: plan.bootParameters.map { BootParameter($0, provenance: []) }, bootloader: .grub,
      currentCommandLine: "", previousParameters: [], policyName: plan.policy
    ).staging?.content
    return text ?? ""
  }
}
