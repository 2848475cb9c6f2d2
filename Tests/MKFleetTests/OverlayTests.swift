import Foundation
import MKCore
import MKFleet
import MKPolicy
import MKTestSupport
import Testing

/// Overlays merge into the policy's trees before decoding: merged values
/// keep the overlay's file and line, and the policy's own checks judge the result.
@Suite struct OverlayTests {
  static func load(hostOverlays: String, files: [String: String] = [:]) throws -> (
    FleetLoadResult, FleetScratch
  ) {
    let fleet = FleetText.fleet(
      classes: """
          - name: edge
            selector: {role: edge}
            policy: policies/edge.yaml
        """,
      hosts: """
          - name: edge-01
            snapshot: \(FleetText.snapshot)
            labels: {role: edge}
            overlays:
        \(hostOverlays)
        """)
    return try FleetLoaderTests.load(fleet, files: files)
  }

  static func policy(_ result: FleetLoadResult) -> PolicyLoadResult {
    PolicyLoader.load(reads: result.jobs[0].documents)
  }

  static let overlayFile = """
    apiVersion: mkpolicy.io/v1
    kind: PolicyOverlay
    metadata:
      name: bigger
    host:
      housekeeping:
        memory: 8GiB
    workloads:
      remove: [oam]
      override:
        packet:
          cpus: 6
          placement: {numa: single}
      add:
        - name: telemetry
          isolation: shared
          cpus: {min: 1, max: 2}

    """

  @Test func overrideRemoveAddAndHostMerge() throws {
    let (result, scratch) = try Self.load(
      hostOverlays: "      - overlays/bigger.yaml",
      files: ["overlays/bigger.yaml": Self.overlayFile])
    defer { scratch.remove() }
    #expect(FleetLoaderTests.allDiagnostics(result).isEmpty)
    let loaded = Self.policy(result)
    let policy = try #require(loaded.policy, "\(loaded.diagnostics)")
    #expect(policy.workloads.map(\.name) == ["packet", "telemetry"])
    let packet = try #require(policy.workload(named: "packet"))
    #expect(packet.cpus == Elastic(exactly: 6))
    #expect(packet.placement.numa == .single)
    // Untouched fields keep the policy's value and line; merged ones the overlay's.
    #expect(packet.isolation == .partition)
    #expect(packet.memory == Elastic(exactly: 4 << 30))
    let overlayPath = scratch.root + "/overlays/bigger.yaml"
    #expect(packet.location(of: "cpus") == SourceLocation(file: overlayPath, line: 12, column: 7))
    #expect(packet.location(of: "memory").file == scratch.root + "/policies/edge.yaml")
    #expect(policy.host.housekeeping.memoryBytes == 8 << 30)
    #expect(policy.host.housekeeping.cpus == .count(2))
    #expect(policy.workload(named: "telemetry")?.location.file == overlayPath)
  }

  @Test func aBadMergedValueIsReportedAtTheOverlayLine() throws {
    let (result, scratch) = try Self.load(
      hostOverlays: """
              - workloads:
                  override:
                    packet: {cpus: lots}
        """)
    defer { scratch.remove() }
    let loaded = Self.policy(result)
    #expect(loaded.policy == nil)
    let error = try #require(loaded.diagnostics.first { $0.severity == .error })
    #expect(error.code == "E025" || error.code == "E021")
    #expect(error.location?.file == scratch.root + "/fleet.yaml")
  }

  @Test func targetsThatDoNotExistAreErrorsWithASuggestion() throws {
    let (result, scratch) = try Self.load(
      hostOverlays: """
              - workloads:
                  remove: [oma]
                  override:
                    packets: {cpus: 2}
        """)
    defer { scratch.remove() }
    let errors = result.jobs[0].diagnostics
    #expect(errors.map(\.code) == ["E607", "E607"])
    #expect(errors[0].help == ["did you mean 'oam'?"])
    #expect(errors[1].help == ["did you mean 'packet'?"])
    #expect(errors.allSatisfy { $0.location?.file == scratch.root + "/fleet.yaml" })
  }

  @Test func nullDeletesAFieldAndRenamingIsRefused() throws {
    let (deleted, scratch) = try Self.load(
      hostOverlays: """
              - workloads:
                  override:
                    packet: {latency: null}
        """)
    defer { scratch.remove() }
    let policy = try #require(Self.policy(deleted).policy)
    #expect(policy.workload(named: "packet")?.latency == .normal)

    let (renamed, other) = try Self.load(
      hostOverlays: """
              - workloads:
                  override:
                    packet: {name: packet2}
        """)
    defer { other.remove() }
    #expect(renamed.jobs[0].diagnostics.map(\.code) == ["E608"])
  }

  @Test func anOverlayFileWithTheWrongKindIsRefused() throws {
    let (result, scratch) = try Self.load(
      hostOverlays: "      - overlays/x.yaml",
      files: [
        "overlays/x.yaml":
          "apiVersion: mkpolicy.io/v1\nkind: PartitionPolicy\nworkloads: {remove: [oam]}\n"
      ])
    defer { scratch.remove() }
    let errors = result.jobs[0].diagnostics
    #expect(errors.map(\.code) == ["E023"])
    #expect(errors.first?.location?.line == 2)
  }
}
