import Foundation
import MKFuzz
import MKTestSupport
import MKTopology
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every input the fuzzers ever crashed or hung on (Tests/Fuzz/crashes/TARGET/)
/// and the hang inputs of issue 12, replayed through the same code the
/// fuzzers run: each must pass and take under a second of CPU time (the
/// thread's own CPU time, so a loaded machine does not make it flaky).
@Suite struct FuzzRegressionTests {
  static let crashes = PackagePaths.path("Tests/Fuzz/crashes")
  static let topology = TopologySnapshot.read(
    path: PackagePaths.path("Examples/topologies/trading-2s-connectx-e810.yaml")
  ).topology

  static var cases: [String] {
    FuzzTargets.Target.allCases.flatMap { target in
      ((try? FileManager.default.contentsOfDirectory(atPath: "\(crashes)/\(target.rawValue)")) ?? [])
        .filter { !$0.hasPrefix(".") }.sorted().map { "\(target.rawValue)/\($0)" }
    }
  }

  /// This thread's CPU time: tests running in parallel on other threads,
  /// or a loaded machine, do not count.
  static func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }

  /// Runs one input and returns the CPU seconds it took.
  static func replay(_ target: FuzzTargets.Target, _ bytes: [UInt8]) -> Double {
    let start = cpuSeconds()
    FuzzTargets.run(target, bytes, topology: topology)
    return cpuSeconds() - start
  }

  @Test(arguments: cases) func crashInputPasses(_ name: String) throws {
    let target = try #require(FuzzTargets.Target(rawValue: String(name.split(separator: "/")[0])))
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.crashes)/\(name)")))
    let seconds = Self.replay(target, bytes)
    #expect(seconds < 1, "\(name) took \(seconds) s of CPU time")
  }

  @Test func topologyForThePolicyTargetReads() { #expect(Self.topology != nil) }

  /// 16,000 duplicate keys: `check` took 11 s to render them as text.
  @Test func manyDuplicateKeysRenderFast() {
    let lines =
      ["apiVersion: mkpolicy.io/v1", "kind: PartitionPolicy", "metadata: {name: d}"]
      + ["workloads:", "  - name: a", "    isolation: shared"]
      + Array(repeating: "    cpus: 1", count: 16_000)
    let seconds = Self.replay(.policy, Array((lines.joined(separator: "\n") + "\n").utf8))
    #expect(seconds < 1, "took \(seconds) s of CPU time")
  }
}
