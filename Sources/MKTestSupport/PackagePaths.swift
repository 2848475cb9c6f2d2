import Foundation

/// Where things are when tests run from a checkout.
public enum PackagePaths {
  /// The package root, found from this file's own path.
  public static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  public static func path(_ relative: String) -> String { root + "/" + relative }

  /// The built `mkpolicy` binary: `MKPOLICY_BIN` if set, else `.build/debug`.
  public static var mkpolicyBinary: String {
    ProcessInfo.processInfo.environment["MKPOLICY_BIN"] ?? path(".build/debug/mkpolicy")
  }

  /// The tests' Python (kerf's validator, jsonschema, the MILP reference).
  public static var python: String { path(".venv/bin/python") }

  /// Runs the built `mkpolicy` as a user would, for black-box CLI tests.
  public static func runMKPolicy(
    _ arguments: [String], stdin: String? = nil, currentDirectory: String? = nil
  ) -> Subprocess.Result {
    Subprocess.run(
      [mkpolicyBinary] + arguments, stdin: stdin, currentDirectory: currentDirectory ?? root)
  }
}
