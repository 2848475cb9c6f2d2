import MKCore
import MKPolicy
import MKTestSupport
import Testing

/// What valid policies decode to, field by field.
@Suite struct PolicyDecoderTests {
  static let corpus = PackagePaths.path("Tests/MKPolicyTests/Corpus")

  func load(_ name: String) throws -> Policy {
    let result = PolicyLoader.load(paths: [Self.corpus + "/valid/\(name).yaml"])
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    return try #require(result.policy)
  }

  @Test func everyFieldOfTheSpecDecodes() throws {
    let policy = try load("every-field")
    #expect(policy.metadata.name == "trading-edge")
    #expect(policy.metadata.description == "Order routing and market data on one box")
    #expect(
      policy.metadata.labels == [
        .init(key: "env", value: "prod"), .init(key: "site", value: "fra1"),
      ])
    #expect(policy.host.housekeeping.cpus == .list(CPUSet([0, 1])))
    #expect(policy.host.housekeeping.memoryBytes == 4 << 30)
    #expect(policy.host.housekeeping.perNode == false)
    #expect(policy.host.bootloader == .kernelInstall && policy.host.irqbalance == .stop)
    #expect(policy.host.cgroupParent == "tenants/mkpolicy.slice")
    #expect(policy.host.allowForeignCgroups && policy.host.realtimeExtras)
    #expect(
      policy.host.kubernetes
        == KubernetesNode(
          topologyManagerPolicy: .singleNUMANode, topologyManagerScope: .pod,
          evictionMemoryBytes: 200 << 20,
          location: SourceLocation(
            file: Self.corpus + "/valid/every-field.yaml", line: 17, column: 3)))
    #expect(policy.coordinator.memoryGranuleBytes == 2 << 20)
    #expect(
      policy.coordinator.kernel.image == "/boot/vmlinuz-mk"
        && policy.coordinator.kernel.initrd == "/boot/initrd-mk.img"
        && policy.coordinator.kernel.cmdline == "root=/dev/vda1 ro"
        && policy.coordinator.kernel.profile == .default)
    #expect(policy.workloads.map(\.name) == ["order-router", "analytics", "market-data"])

    let router = policy.workloads[0]
    #expect(router.isolation == .kernel && router.latency == .realtime && router.smt == .exclusive)
    #expect(router.cpus == Elastic(min: 4, max: 8))
    #expect(router.memory == Elastic(min: 4 << 30, max: 16 << 30))
    #expect(router.hugepages == HugePages(pageSizeBytes: 1 << 30, count: 4))
    #expect(router.devices.count == 1)
    let nic = router.devices[0]
    #expect(nic.type == .net && nic.driver == "mlx5_core" && nic.name == "ens*")
    #expect(
      nic.pci == "0000:3b:*" && nic.vendor == "15b3" && nic.device == "1017" && nic.count == 1)
    #expect(
      router.placement
        == Placement(numa: .single, nearDevices: true, llc: .exclusive, avoid: ["analytics"]))
    #expect(router.priority == 100 && router.weight == 200 && router.irqCPUs == 2)
    #expect(router.kernel?.profile == .realtime && router.kernel?.cmdline == "quiet")
    #expect(router.update?.strategy == .handover && router.update?.release == .headroom)
    #expect(router.update?.healthCheck == .command(["/usr/local/bin/router-ready", "--wait"]))
    #expect(
      router.update?.drainMilliseconds == 2_000 && router.update?.timeoutMilliseconds == 30_000)
    #expect(
      policy.coordinator.updateHeadroom?.cpus == 8
        && policy.coordinator.updateHeadroom?.memoryBytes == 16 << 30)
    #expect(
      router.location(of: "cpus") == SourceLocation(file: router.location.file, line: 30, column: 5)
    )
    #expect(
      router.location(of: "name")
        == SourceLocation(file: router.location.file, line: 27, column: 11))
    #expect(router.fieldLocations["placement.avoid[0]"]?.line == 42)

    let analytics = policy.workloads[1]
    #expect(analytics.cpus.min == 2 && !analytics.cpus.isBounded)
    #expect(analytics.cpus.max(clampedTo: 64) == 64)
    #expect(analytics.memory == Elastic(exactly: 1_610_612_736))
    #expect(analytics.weight == 10000 && analytics.priority == 0 && analytics.latency == .batch)
    #expect(
      analytics.io == [
        IOLimit(
          device: "nvme0n1", readBytesPerSecond: 500_000_000, writeBytesPerSecond: 200_000_000,
          readIOPS: 50000, writeIOPS: 20000, location: analytics.io[0].location)
      ])

    let feed = policy.workloads[2]
    #expect(feed.smt == .off && feed.cpus == Elastic(exactly: 2))
    #expect(feed.memory == Elastic(exactly: 1 << 30))
    #expect(feed.devices.map(\.vendor) == ["8086"] && feed.devices[0].type == .gpu)
  }

  @Test func stringFieldsKeepWhatYAML11WouldRetype() throws {
    let policy = try load("strings-stay-strings")
    let labels = Dictionary(uniqueKeysWithValues: policy.metadata.labels.map { ($0.key, $0.value) })
    #expect(
      labels == [
        "answer": "no", "switch": "on", "mode": "0755", "time": "1:30", "flag": "true",
        "version": "1",
      ])
    #expect(policy.coordinator.kernel.cmdline == "no")
  }

  @Test func defaultsApplyToOmittedFields() throws {
    let result = PolicyLoader.load(
      text: """
        apiVersion: mkpolicy.io/v1
        kind: PartitionPolicy
        metadata: {name: tiny}
        workloads:
          - {name: one, cpus: 1}
        """, file: "tiny.yaml")
    let policy = try #require(result.policy)
    #expect(policy.host == HostSpec(location: nil))
    #expect(policy.coordinator == CoordinatorSpec())
    let one = policy.workloads[0]
    #expect(one.isolation == .shared && one.latency == .normal && one.smt == .shared)
    #expect(one.priority == 0 && one.weight == 100 && one.memory == Elastic(exactly: 0))
    #expect(policy.sourceFiles == ["tiny.yaml"])
  }

  @Test func warningsLeaveAPolicy() throws {
    let result = PolicyLoader.load(
      text: """
        apiVersion: mkpolicy.io/v1
        kind: PartitionPolicy
        metadata: {name: warn}
        workloads:
          - name: one
            latency: realtime
            cpus: 1
            placement: {nearDevices: true}
        """, file: "w.yaml")
    #expect(result.policy != nil)
    #expect(
      result.diagnostics.map {
        "\($0.severity) \($0.code) \($0.location!.line):\($0.location!.column)"
      } == [
        "warning E119 6:5", "warning E120 8:17",
      ])
  }

  @Test func allErrorsAreReportedNotOnlyTheFirst() {
    let result = PolicyLoader.load(
      text: """
        apiVersion: mkpolicy.io/v1
        kind: PartitionPolicy
        metadata: {name: Bad}
        host: {bootloader: lilo, irqbalance: yes}
        workloads:
          - {name: a, cpus: {min: 3, max: 2}, weight: 0}
          - {name: b, cpus: 1, smt: maybe, placement: {avoid: [c]}}
        """, file: "m.yaml")
    #expect(
      result.diagnostics.map { "\($0.code)@\($0.location!.line):\($0.location!.column)" } == [
        "E107@3:18", "E023@4:20", "E023@4:38", "E102@6:27", "E025@6:47", "E023@7:29",
        "E104@7:56",
      ])
  }

  @Test(arguments: [
    ("1:30", "E025"), ("0755", "E025"), ("true", "E025"), ("4096", nil), ("\"7\"", "E025"),
  ])
  func integerFieldsAcceptOnlyPlainDecimals(text: String, code: String?) {
    let result = PolicyLoader.load(
      text: "apiVersion: mkpolicy.io/v1\nkind: PartitionPolicy\nmetadata: {name: n}\n"
        + "workloads:\n  - {name: a, cpus: 1, priority: \(text == "4096" ? "40" : text)}\n",
      file: "i.yaml")
    #expect(result.diagnostics.first?.code == code)
  }
}
