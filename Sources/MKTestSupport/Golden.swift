import Foundation

/// Golden-file comparison for emitted artefacts and diagnostics.
///
/// A mismatch fails with a unified diff of expected against actual. Run the
/// tests with `MKPOLICY_UPDATE_GOLDEN=1` to rewrite the golden files after an
/// intended change, then review the diff in git like any other change.
public enum Golden {
  public static var updating: Bool {
    ProcessInfo.processInfo.environment["MKPOLICY_UPDATE_GOLDEN"] == "1"
  }

  /// Returns nil when `actual` equals the file's content, else a readable diff.
  public static func mismatch(actual: String, goldenPath: String) -> String? {
    let url = URL(fileURLWithPath: goldenPath)
    if updating {
      try? FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try? actual.write(to: url, atomically: true, encoding: .utf8)
      return nil
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      return "missing golden file \(goldenPath) (run with MKPOLICY_UPDATE_GOLDEN=1 to create it)"
    }
    if expected == actual { return nil }
    return "golden file \(goldenPath) differs:\n" + unifiedDiff(expected: expected, actual: actual)
  }

  /// `diff -u` between two texts, labelled expected/actual.
  public static func unifiedDiff(expected: String, actual: String) -> String {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("mkpolicy-golden-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let left = directory.appendingPathComponent("expected")
    let right = directory.appendingPathComponent("actual")
    try? expected.write(to: left, atomically: true, encoding: .utf8)
    try? actual.write(to: right, atomically: true, encoding: .utf8)
    let result = Subprocess.run([
      "diff", "-u", "--label", "expected", "--label", "actual", left.path, right.path,
    ])
    return result.stdout
  }
}
