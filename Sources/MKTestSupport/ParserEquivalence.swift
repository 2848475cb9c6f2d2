import Foundation
import MKCore

/// Runs `mkpolicy` command lines twice, once as users run it and once with
/// MKPOLICY_FULL_PARSER=1 (swift-argument-parser for every line, no quick
/// dispatch), for the tests that show the quick path changes nothing a user
/// can see: same stdout, stderr, exit status and written files.
public enum ParserEquivalence {
  /// One line run both ways.
  public struct Outcome: Sendable {
    public var arguments: [String]
    public var quick: Subprocess.Result
    public var full: Subprocess.Result
    /// The file `-o` wrote in each run, when the line names one.
    public var quickFile: String?
    public var fullFile: String?

    public var isSame: Bool {
      quick.status == full.status && quick.stdout == full.stdout && quick.stderr == full.stderr
        && quickFile == fullFile
    }

    /// What differs, for a failing expectation.
    public var difference: String {
      "mkpolicy \(arguments.joined(separator: " ")): status \(quick.status) vs \(full.status)\n"
        + "stdout quick:\n\(quick.stdout)\nstdout full:\n\(full.stdout)\n"
        + "stderr quick:\n\(quick.stderr)\nstderr full:\n\(full.stderr)\n"
        + "file quick: \(quickFile ?? "none"), full: \(fullFile ?? "none")"
    }
  }

  /// Runs `arguments` both ways in `currentDirectory` (the package root by
  /// default; a scratch folder for lines that may write files named by
  /// their tokens). `outputFile`: a path the line may write (read and
  /// removed after each run).
  public static func run(
    _ arguments: [String], outputFile: String? = nil, currentDirectory: String? = nil
  ) -> Outcome {
    func once(_ environment: [String: String]) -> (Subprocess.Result, String?) {
      let result = Subprocess.run(
        [PackagePaths.mkpolicyBinary] + arguments, environment: environment,
        currentDirectory: currentDirectory ?? PackagePaths.root)
      var written: String?
      if let outputFile {
        written = try? String(contentsOfFile: outputFile, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: outputFile)
      }
      return (result, written)
    }
    let (quick, quickFile) = once([:])
    let (full, fullFile) = once(["MKPOLICY_FULL_PARSER": "1"])
    return Outcome(
      arguments: arguments, quick: quick, full: full, quickFile: quickFile, fullFile: fullFile)
  }

  /// `count` command lines of `subcommand` followed by one to `length`
  /// tokens drawn from `tokens`, reproducibly from `seed`.
  public static func lines(
    _ subcommand: String, tokens: [String], count: Int, length: Int, seed: UInt64
  ) -> [[String]] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in
      [subcommand] + (0..<generator.int(1...length)).map { _ in generator.pick(tokens) }
    }
  }
}
