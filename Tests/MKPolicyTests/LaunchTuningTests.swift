import MKCore
import MKPolicy
import Testing

/// `launch:` and `tuning:`: what they decode to, the defaults per latency
/// class, and every refusal with the line it points at.
@Suite struct LaunchTuningTests {
  static func load(_ workloads: String, host: String = "") -> PolicyLoadResult {
    PolicyLoader.load(
      text: """
        apiVersion: mkpolicy.io/v1
        kind: PartitionPolicy
        metadata: {name: t}
        \(host)
        workloads:
        \(workloads)
        """, file: "t.yaml")
  }

  static func codes(_ result: PolicyLoadResult) -> [String] {
    result.diagnostics.map {
      "\($0.code) \($0.location.map { "\($0.line):\($0.column)" } ?? "-")"
    }
  }

  @Test func launchForms() throws {
    let result = Self.load(
      """
        - name: feed
          isolation: partition
          cpus: 2
          launch: {manager: systemd, unit: "feed@a.service", delegate: true}
        - name: batch
          cpus: 1
          launch: {manager: cgroup, path: runner, delegate: true}
        - name: web
          cpus: 1
          launch: systemd
      """)
    let policy = try #require(result.policy, "\(Self.codes(result))")
    let feed = policy.workloads[0].launch
    #expect(feed.manager == .systemd && feed.unit == "feed@a.service" && feed.delegate)
    #expect(
      policy.workloads[0].cgroupDirectoryName(parent: "mkpolicy.slice") == "mkpolicy-feed.slice")
    #expect(policy.workloads[1].cgroupDirectoryName(parent: "mkpolicy.slice") == "runner")
    #expect(
      policy.workloads[2].launch.manager == .systemd && policy.workloads[2].launch.unit == nil)
    var dashed = policy.workloads[2]
    dashed.name = "market-data-2"
    #expect(dashed.cgroupDirectoryName(parent: "a.slice") == "a-market_data_2.slice")
  }

  @Test func launchRefusals() {
    let result = Self.load(
      """
        - name: a
          cpus: 1
          launch: {manager: none, unit: x.service}
        - name: b
          cpus: 1
          launch: {manager: systemd, unit: "x.socket"}
        - name: c
          cpus: 1
          launch: {manager: cgroup, path: "x/y"}
        - name: d
          cpus: 1
          launch: {manager: cgroup, path: "_idle"}
        - name: e
          cpus: 1
          launch: {manager: none, delegate: true}
        - name: f
          cpus: 1
          launch: docker
      """)
    #expect(result.policy == nil)
    #expect(
      Self.codes(result) == [
        "E140 8:29", "E141 11:38", "E106 14:37", "E107 17:37", "E140 20:29", "E023 23:13",
      ])
  }

  @Test func crossChecks() {
    let result = Self.load(
      """
        - name: vm
          isolation: kernel
          cpus: 1
          memory: 1GiB
          launch: systemd
          tuning: {governor: performance}
        - name: db
          isolation: partition
          cpus: 1
          launch: {manager: cgroup, path: web}
        - name: web
          cpus: 1
          launch: {manager: systemd, unit: web.service}
        - name: api
          cpus: 1
          launch: {manager: systemd, unit: web.service}
        - name: rt
          isolation: partition
          latency: low
          cpus: 1
          tuning: {xps: irqCpus}
      """,
      host: "host: {cgroupParent: tenants/a}\ncoordinator: {kernel: {image: /boot/vmlinuz-mk}}")
    #expect(result.policy == nil)
    #expect(
      Self.codes(result).sorted()
        == [
          "E143 11:13", "E143 12:5", "E144 11:13", "E144 19:13", "E144 22:13", "E145 22:13",
          "E146 27:14",
        ].sorted(), "\(Self.codes(result))")
  }

  @Test func tuningDefaultsByLatencyAndOverrides() throws {
    let result = Self.load(
      """
        - name: rt
          isolation: partition
          latency: realtime
          cpus: 2
          tuning: {idle: poll, statInterval: 30, nicChannels: keep, rtThrottling: off, stalld: true, hungTaskTimeout: 0}
        - name: low
          isolation: partition
          latency: low
          cpus: 2
        - name: batch
          isolation: partition
          latency: batch
          cpus: 2
          tuning: {governor: powersave}
        - name: pool
          cpus: 1
          latency: realtime
      """)
    let policy = try #require(result.policy, "\(Self.codes(result))")
    let rt = try #require(policy.workloads[0].resolvedTuning)
    #expect(rt.idle == .poll && rt.statInterval == .seconds(30) && rt.governor == .performance)
    // Channels kept: RPS and XPS defaults fall back to keep (queues unknown).
    #expect(rt.nicChannels == .keep && rt.rps == .keep && rt.xps == .keep)
    #expect(rt.rtThrottling == .off && rt.stalld == true && rt.hungTaskTimeout == .seconds(0))
    let low = try #require(policy.workloads[1].resolvedTuning)
    #expect(low.idle == .microseconds(10) && low.workqueues == .housekeeping)
    #expect(low.nicChannels == .keep && low.timerMigration == .off)
    #expect(low.hungTaskTimeout == .seconds(600))
    let batch = try #require(policy.workloads[2].resolvedTuning)
    #expect(batch.governor == .powersave && batch.workqueues == .keep && batch.idle == .keep)
    #expect(batch.hungTaskTimeout == .keep)
    #expect(policy.workloads[3].resolvedTuning == nil)
    #expect(policy.workloads[0].fieldLocations["tuning.idle"]?.line == 10)
  }

  @Test func tuningRefusalsAndTheThrottlingWarning() {
    let bad = Self.load(
      """
        - name: rt
          isolation: partition
          cpus: 2
          tuning: {idle: 0, statInterval: never, governor: turbo, stalld: yes, workqueue: keep}
      """)
    #expect(bad.policy == nil)
    #expect(
      Self.codes(bad) == ["E025 9:20", "E025 9:37", "E023 9:54", "E024 9:69", "E020 9:74"],
      "\(Self.codes(bad))")
    let unwatched = Self.load(
      """
        - name: rt
          isolation: partition
          latency: realtime
          cpus: 2
          tuning: {rtThrottling: off}
      """)
    #expect(unwatched.policy != nil)
    #expect(Self.codes(unwatched) == ["E147 10:14"])
  }
}
