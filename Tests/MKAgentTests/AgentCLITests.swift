import Foundation
import MKAgent
import MKApply
import MKCore
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

/// `mkpolicy agent` as shipped: the unit (checked by systemd), the traces
/// and the simulator's figures, and the real binary killed with SIGKILL in
/// the middle of a resize, restarted, and verified.
@Suite(.serialized) struct AgentCLITests {
  @Test func shippedUnitIsTheRenderedOneAndSystemdAcceptsIt() throws {
    let shipped = try String(
      contentsOfFile: PackagePaths.path("dist/systemd/mkpolicy-agent.service"), encoding: .utf8)
    #expect(shipped == AgentServiceUnit.render(binary: "/usr/bin/mkpolicy"))
    let directory = FileManager.default.temporaryDirectory.path + "/agent-unit-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    func verify(_ text: String) throws -> Subprocess.Result {
      let path = directory + "/" + AgentServiceUnit.name
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return Subprocess.run(["systemd-analyze", "verify", "--man=no", path])
    }
    let local = AgentServiceUnit.render(
      binary: PackagePaths.mkpolicyBinary, policy: "/etc/mkpolicy/my policy.yaml",
      stateDirectory: "/var/lib/my state")
    #expect(
      local.contains("agent run \"/etc/mkpolicy/my policy.yaml\" --state-dir \"/var/lib/my state\"")
    )
    let result = try verify(local)
    // Only the unit under test matters (the sibling apply unit is not installed here).
    let complaints = result.stderr.split(separator: "\n").filter {
      $0.contains(AgentServiceUnit.name) && !$0.contains(ServiceUnit.name)
    }
    #expect(result.status == 0 || complaints.isEmpty, "\(result.stdout)\(result.stderr)")
    #expect(complaints.isEmpty, "\(result.stderr)")
    let refused = try verify(
      local.replacingOccurrences(of: PackagePaths.mkpolicyBinary, with: "/nonexistent/mkpolicy"))
    #expect(refused.status != 0 && refused.stderr.contains("/nonexistent/mkpolicy"))
  }

  @Test func shippedTracesAreTheGeneratedOnesAndParse() throws {
    for kind in TraceGenerator.Kind.allCases {
      let path = PackagePaths.path("Examples/agent/traces/\(kind.rawValue).csv")
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let generated = TraceGenerator.generate(
        kind, front: "web", back: "batch", frontPlanned: 16, backPlanned: 8)
      let parsed = try Trace.parse(text, file: path).get()
      #expect(
        parsed.samples == generated.samples, "\(kind): regenerate with `mkpolicy agent trace`")
      #expect(parsed.workloads == ["web", "batch"] && parsed.name == kind.rawValue)
    }
  }

  @Test func traceMistakesAreLocated() {
    let text = "# c\nseconds,web,web\n0,1,2\n2,x,1\n0,1,1\n3,1\n"
    guard case .failure(let error) = Trace.parse(text, file: "t.csv") else {
      Issue.record("accepted")
      return
    }
    let found = error.diagnostics.map {
      "\($0.code)@\($0.location?.line ?? 0):\($0.location?.column ?? 0)"
    }
    #expect(
      found == ["E710@2:13", "E710@4:3", "E710@5:1", "E710@6:1"],
      "\(error.diagnostics.map(\.message))")
  }

  @Test func simulatorOnTheShippedTracesBreaksNoRule() throws {
    let traces = TraceGenerator.Kind.allCases.map {
      PackagePaths.path("Examples/agent/traces/\($0.rawValue).csv")
    }
    let run = PackagePaths.runMKPolicy(
      [
        "agent", "simulate", PackagePaths.path("Examples/agent/policy.yaml"), "--topology",
        PackagePaths.path("Examples/topologies/telco-edge-1s-e810.yaml"), "--format", "json",
      ] + traces)
    #expect(run.status == 0, "\(run.stderr)")
    let reports = try JSONDecoder().decode([Simulator.Report].self, from: Data(run.stdout.utf8))
    #expect(reports.map(\.trace) == ["burst", "diurnal", "noisy-neighbour", "idle"])
    for report in reports {
      #expect(report.ruleViolations.isEmpty, "\(report.trace): \(report.ruleViolations)")
      #expect(report.pressureSecondsAgent <= report.pressureSecondsStatic, "\(report.trace)")
      #expect(report.waitingCPUSecondsAgent <= report.waitingCPUSecondsStatic, "\(report.trace)")
    }
    let byName = Dictionary(uniqueKeysWithValues: reports.map { ($0.trace, $0) })
    #expect(byName["idle"]?.resizes == 0)
    #expect(
      (byName["burst"]?.pressureSecondsAgent ?? 1e9) < (byName["burst"]?.pressureSecondsStatic ?? 0)
    )
  }

  /// A rooted host (plain files) with the policy applied and signals seeded.
  struct Host {
    let base: String
    var root: String { base + "/root" }
    var policy: String { base + "/policy.yaml" }
    var topology: String { base + "/topology.yaml" }
    static let parent = "/sys/fs/cgroup/mkpolicy.slice"

    static func make() throws -> Host {
      let host = Host(
        base: FileManager.default.temporaryDirectory.path + "/agent-cli-\(UUID().uuidString)")
      try host.put("/proc/sys/kernel/random/boot_id", "bbbbbbbb-0000-0000-0000-000000000002\n")
      try host.put("/sys/devices/system/cpu/online", "0-15\n")
      try host.put("/sys/devices/system/cpu/possible", "0-15\n")
      try host.put("/proc/sys/kernel/osrelease", "6.1.0-test\n")
      try host.put("/sys/fs/cgroup/cgroup.subtree_control", "cpu cpuset memory\n")
      try host.put("/proc/irq/default_smp_affinity", "ffff\n")
      try FileManager.default.createDirectory(
        atPath: host.root + "/var/lib/mkpolicy", withIntermediateDirectories: true)
      try """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: cli}
      host: {housekeeping: {cpus: 2}, bootloader: none, irqbalance: keep}
      workloads:
        - {name: web, isolation: partition, cpus: {min: 2, max: 10}}
        - {name: batch, isolation: partition, cpus: {min: 2, max: 10}}
      agent: {interval: 300ms, window: 0s, step: 2, coolDown: 10s, pressure: {cpu: 10}, idle: 40}
      """.write(toFile: host.policy, atomically: true, encoding: .utf8)
      try TopologySnapshot.yaml(try AgentFixtures.smallHost(cores: 4, llcs: 2)).write(
        toFile: host.topology, atomically: true, encoding: .utf8)
      let applied = host.mkpolicy(["apply", host.policy, "--topology", host.topology, "--yes"])
      #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
      try host.put(
        Self.parent + "/web/cpu.pressure", "some avg10=75.00 avg60=0.00 avg300=0.00 total=9\n")
      try host.put(Self.parent + "/web/cpu.stat", "usage_usec 5000000\n")
      try host.put(
        Self.parent + "/batch/cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
      try host.put(Self.parent + "/batch/cpu.stat", "usage_usec 10\n")
      return host
    }

    func put(_ path: String, _ content: String) throws {
      let url = URL(fileURLWithPath: root + path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try content.write(to: url, atomically: true, encoding: .utf8)
    }

    func cpus(_ name: String) -> Int {
      let text =
        (try? String(contentsOfFile: root + Self.parent + "/\(name)/cpuset.cpus", encoding: .utf8))
        ?? ""
      return (try? CPUSet(cpulist: text.trimmingCharacters(in: .whitespacesAndNewlines)))?.count
        ?? -1
    }

    func copy() throws -> Host {
      let other = Host(
        base: FileManager.default.temporaryDirectory.path + "/agent-cli-\(UUID().uuidString)")
      try FileManager.default.copyItem(atPath: base, toPath: other.base)
      return other
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    /// Stands in for the kernel's PSI accounting of web: its stall total
    /// grows by a second at every write (so any interval between two reads
    /// shows full pressure); batch's files stay still (no stall, no use).
    func startPressure() throws -> Process {
      let file = root + Self.parent + "/web/cpu.pressure"
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = [
        "-c",
        "i=0; while :; do i=$((i+1000000)); printf 'some avg10=75.00 avg60=0.00 avg300=0.00 total=%d\\n' $i > \"$0.tmp\" && mv \"$0.tmp\" \"$0\"; sleep 0.02; done",
        file,
      ]
      try process.run()
      return process
    }

    func mkpolicy(_ arguments: [String], environment: [String: String] = [:]) -> Subprocess.Result {
      Subprocess.run(
        [PackagePaths.mkpolicyBinary] + arguments + ["--root", root], environment: environment)
    }

    func agentOnce(_ extra: [String] = [], environment: [String: String] = [:]) -> Subprocess.Result
    {
      mkpolicy(
        ["agent", "run", policy, "--topology", topology, "--once"] + extra, environment: environment
      )
    }
  }

  @Test func onceDryRunStatusPauseAndMetrics() throws {
    let host = try Host.make()
    defer { host.remove() }
    let kernel = try host.startPressure()
    defer { kernel.terminate() }
    #expect(host.cpus("web") == 7)
    let dry = host.agentOnce(["--dry-run"])
    #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
    #expect(
      dry.stdout.contains("\"outcome\":\"dry-run\"") && dry.stdout.contains("resize web: 7 -> 9"),
      "\(dry.stdout)")
    #expect(host.cpus("web") == 7)
    let paused = host.mkpolicy(["agent", "pause"])
    #expect(paused.status == 0)
    let held = host.agentOnce()
    #expect(held.status == 0 && held.stdout.contains(": paused"), "\(held.stdout)\(held.stderr)")
    #expect(host.cpus("web") == 7)
    #expect(host.mkpolicy(["agent", "resume"]).status == 0)
    let metrics = host.base + "/metrics.prom"
    let once = host.agentOnce(["--metrics", metrics])
    #expect(once.status == 0, "\(once.stdout)\(once.stderr)")
    let line = try #require(
      once.stdout.split(separator: "\n").first {
        $0.hasPrefix("{") && $0.contains("\"workload\":\"web\"")
      })
    let fields = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(fields["before"] as? Int == 7 && fields["after"] as? Int == 9)
    #expect(
      (fields["cpuPressure"] as? Double ?? 0) >= 10 && fields["outcome"] as? String == "applied")
    #expect(host.cpus("web") == 9 && host.cpus("batch") == 5)
    let verify = host.mkpolicy(["verify"])
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(
      verify.stdout.contains(
        "note: web: 9 CPUs in the applied plan; mkpolicy agent may resize it within 2...10 (static plan: 7)"
      ), "\(verify.stdout)")
    let prom = try String(contentsOfFile: host.root + metrics, encoding: .utf8)
    #expect(prom.contains("mkpolicy_agent_cpus{workload=\"web\"} 9"), "\(prom)")
    let status = host.mkpolicy(["agent", "status"])
    #expect(status.status == 0 && status.stdout.contains("2 resize(s) made"), "\(status.stdout)")
    #expect(status.stdout.contains("web: 9 CPUs (planned 7)"), "\(status.stdout)")
  }

  @Test func sigtermStopsAfterTheRoundInProgress() throws {
    let host = try Host.make()
    defer { host.remove() }
    let kernel = try host.startPressure()
    defer { kernel.terminate() }
    let agent = Process()
    agent.executableURL = URL(fileURLWithPath: PackagePaths.mkpolicyBinary)
    agent.arguments = [
      "agent", "run", host.policy, "--topology", host.topology, "--root", host.root,
    ]
    let output = Pipe()
    agent.standardOutput = output
    try agent.run()
    // Let it resize once (rounds every 300 ms), then stop it as systemd would.
    var waited = 0
    while host.cpus("web") == 7 && waited < 100 {
      usleep(100_000)
      waited += 1
    }
    kill(agent.processIdentifier, SIGTERM)
    agent.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(agent.terminationReason == .exit && agent.terminationStatus == 0, "\(text)")
    #expect(text.hasSuffix("{\"event\":\"stopped\"}\n"), "\(text)")
    #expect(host.cpus("web") == 9, "\(text)")
    #expect(!FileManager.default.fileExists(atPath: host.root + "/var/lib/mkpolicy/journal.json"))
    #expect(host.mkpolicy(["verify"]).status == 0)
  }

  /// The resize waits for a second round, whose pressure comes from the
  /// stand-in process writing PSI totals. On a loaded machine that process
  /// can be starved of CPU for a whole interval: the run then sees no
  /// pressure and makes no resize. Such a run is not a kill point passed
  /// (it used to end the loop early, so too few points were checked) nor a
  /// converged restart: it is run again, a bounded number of times.
  @Test func sigkillMidResizeThenRestartConverges() throws {
    let template = try Host.make()
    defer { template.remove() }
    var point = 1
    var killed = 0
    var midResize = 0
    var starved = 0
    while point < 60 && starved < 20 {
      let run = try template.copy()
      defer { run.remove() }
      let kernel = try run.startPressure()
      defer { kernel.terminate() }
      let crashed = run.agentOnce(environment: ["MKPOLICY_TEST_KILL_BEFORE_OP": "\(point)"])
      if crashed.status == 0 {
        // Past every kill point, unless it made no resize at all.
        if (run.cpus("web"), run.cpus("batch")) == (9, 5) { break }
        starved += 1
        continue
      }
      #expect(crashed.status == 9, "point \(point): \(crashed.status) \(crashed.stderr)")
      killed += 1
      let midApply = FileManager.default.fileExists(
        atPath: run.root + "/var/lib/mkpolicy/journal.json")
      if midApply { midResize += 1 }
      var again = run.agentOnce()
      // Killed inside apply: the restart completes that resize. Killed
      // before: the restart decides the same resize afresh (again if starved).
      while !midApply && again.status == 0 && (run.cpus("web"), run.cpus("batch")) == (7, 7)
        && starved < 20
      {
        starved += 1
        again = run.agentOnce()
      }
      #expect(again.status == 0, "point \(point): \(again.stdout) \(again.stderr)")
      let verify = run.mkpolicy(["verify"])
      #expect(verify.status == 0, "point \(point): \(verify.stdout)")
      let sizes = (run.cpus("web"), run.cpus("batch"))
      #expect(
        sizes == (9, 5),
        "point \(point): web \(sizes.0) batch \(sizes.1) \(crashed.stdout) // \(again.stdout)")
      if midApply {
        #expect(again.stdout.contains("\"event\":\"recovery\""), "point \(point): \(again.stdout)")
      }
      #expect(!FileManager.default.fileExists(atPath: run.root + "/var/lib/mkpolicy/journal.json"))
      point += 1
    }
    #expect(starved < 20, "the stand-in PSI writer was starved \(starved) times")
    #expect(killed >= 4 && midResize >= 2, "\(killed) kill points, \(midResize) inside apply")
  }
}
