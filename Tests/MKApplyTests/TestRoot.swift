import Foundation
import MKApply
import MKCore
import MKPlan
import MKTestSupport

/// A directory standing in for a host's `/` (`--root`), with the files the
/// fingerprint check and the plans read, and a fake `kerf` inside the root (apply runs only the root's programs) that logs
/// every invocation.
struct TestRoot {
  let base: String
  var root: String { base + "/root" }
  var kerfLog: String { base + "/kerf.log" }
  /// Programs apply may run: inside the root (never the machine's own).
  var bin: String { root + "/usr/local/bin" }

  static func make() throws -> TestRoot {
    let base = FileManager.default.temporaryDirectory.path + "/mkpolicy-apply-\(UUID().uuidString)"
    let root = TestRoot(base: base)
    let files: [String: String] = [
      "/proc/sys/kernel/random/boot_id": Fixtures.fingerprint.bootId! + "\n",
      "/proc/sys/kernel/osrelease": "6.8.0-test\n",
      "/sys/devices/system/cpu/online": "0-7\n",
      "/proc/irq/24/smp_affinity_list": "0-7\n",
      "/proc/irq/25/smp_affinity_list": "0-7\n",
      "/sys/fs/cgroup/cgroup.subtree_control": "cpu cpuset memory\n",
    ]
    for (path, content) in files { try root.put(path, content) }
    for directory in ["/etc/default/grub.d", "/var/lib"] {
      try FileManager.default.createDirectory(
        atPath: root.root + directory, withIntermediateDirectories: true)
    }
    try FileManager.default.createDirectory(atPath: root.bin, withIntermediateDirectories: true)
    let kerf = root.bin + "/kerf"
    try "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$KERF_LOG\"\n".write(
      toFile: kerf, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: kerf)
    _ = FileManager.default.createFile(atPath: root.kerfLog, contents: nil)
    return root
  }

  func put(_ path: String, _ content: String) throws {
    let url = URL(fileURLWithPath: root + path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try content.write(to: url, atomically: true, encoding: .utf8)
  }

  func read(_ path: String) -> String? { try? String(contentsOfFile: root + path, encoding: .utf8) }

  /// A copy of this root (and its kerf log) in a new directory.
  func copy() throws -> TestRoot {
    let other = TestRoot(
      base: FileManager.default.temporaryDirectory.path + "/mkpolicy-apply-\(UUID().uuidString)")
    try FileManager.default.copyItem(atPath: base, toPath: other.base)
    return other
  }

  func remove() { try? FileManager.default.removeItem(atPath: base) }

  func savePlan(_ plan: Plan, name: String) throws -> String {
    // As `mkpolicy plan` writes it: with the digest apply checks.
    let path = base + "/\(name).json"
    try Data(try PlanCodec.encode(plan).utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Runs the built binary against this root with the fake kerf first on PATH.
  func mkpolicy(
    _ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil
  )
    -> Subprocess.Result
  {
    var environment = [
      "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
      "KERF_LOG": kerfLog,
    ]
    environment.merge(extra) { $1 }
    return Subprocess.run(
      [PackagePaths.mkpolicyBinary] + arguments + ["--root", root], stdin: stdin,
      environment: environment)
  }

  var kerfInvocations: [String] {
    ((try? String(contentsOfFile: kerfLog, encoding: .utf8)) ?? "").split(separator: "\n").map(
      String.init)
  }

  /// Every file and directory under the root except the state directory;
  /// file contents without trailing whitespace (kernel files print a newline,
  /// apply writes none).
  func tree() -> [String: String] {
    var out: [String: String] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return out }
    while let relative = walker.nextObject() as? String {
      if relative.hasPrefix("var/lib/mkpolicy") { continue }
      let full = root + "/" + relative
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
      out["/" + relative] =
        isDirectory.boolValue
        ? "<dir>"
        : ((try? String(contentsOfFile: full, encoding: .utf8)) ?? "?").trimmingASCIIWhitespace()
    }
    return out
  }
}
