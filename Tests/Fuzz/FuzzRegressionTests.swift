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

  /// 16,000 duplicate keys: `check` took 11 s to render them as text, the
  /// diagnostics' rendering being quadratic. Not a timed bound (this machine
  /// is shared): four times the keys must cost well under sixteen times the
  /// CPU time, each size the fastest of three runs in this one process.
  @Test func manyDuplicateKeysRenderInLinearTime() {
    func policy(keys: Int) -> [UInt8] {
      let lines =
        ["apiVersion: mkpolicy.io/v1", "kind: PartitionPolicy", "metadata: {name: d}"]
        + ["workloads:", "  - name: a", "    isolation: shared"]
        + Array(repeating: "    cpus: 1", count: keys)
      return Array((lines.joined(separator: "\n") + "\n").utf8)
    }
    func fastest(keys: Int) -> Double {
      let bytes = policy(keys: keys)
      return (0..<3).map { _ in Self.replay(.policy, bytes) }.min() ?? 0
    }
    let small = fastest(keys: 4_000)
    let large = fastest(keys: 16_000)
    #expect(
      large < 8 * max(small, 0.005), "4,000 keys: \(small) s, 16,000 keys: \(large) s of CPU time")
  }
}
