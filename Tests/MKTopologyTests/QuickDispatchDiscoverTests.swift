import Foundation
import MKTestSupport
import Testing

/// `mkpolicy discover` lines run with the quick dispatch and with the full
/// argument parser (MKPOLICY_FULL_PARSER=1) print, write and exit the same,
/// on the two-node fixture tree (so that `--volatile` is the same twice).
@Suite struct QuickDispatchDiscoverTests {
  @Test func linesBehaveTheSameBothWays() throws {
    let tree = try DiscoveryFixtureTests.twoNodeHost()
    defer { tree.remove() }
    let output = tree.root + "/snapshot.out"
    let chosen: [[String]] = [
      [], ["--format", "json"], ["--format=json", "--volatile"], ["--summary"],
      ["-o", output], ["--output=" + output, "--summary", "--format", "json"],
      ["--sysfs-only", "--source", "a fixture"], ["--format", "xml"], ["--format", "-o"],
      ["-h"], ["--volatile", "--volatile"], ["extra"], ["--source="], ["-o=" + output],
      ["--summary=true"], ["--", "--volatile"],
    ]
    let tokens = [
      "--format", "json", "yaml", "xml", "--format=json", "--format=", "--summary",
      "--sysfs-only", "--volatile", "--source", "bench host", "--source=x", "-o", output,
      "--output", "--output=" + output, "--root", "-h", "--help", "--", "help", "", "extra",
    ]
    let random = ParserEquivalence.lines(
      "discover", tokens: tokens, count: 50, length: 5, seed: 0xD15C_0FE2
    ).map { Array($0.dropFirst()) }
    for rest in chosen + random {
      // The fixture root first, so that no line reads this host's volatile state.
      let line = ["discover", "--root", tree.root] + rest
      // In the fixture's folder: `-o` may take any token as its file name.
      let outcome = ParserEquivalence.run(
        line, outputFile: output, currentDirectory: tree.root)
      #expect(outcome.isSame, "\(outcome.difference)")
    }
  }
}
