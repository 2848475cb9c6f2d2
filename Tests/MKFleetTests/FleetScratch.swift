import Foundation
import MKTestSupport

/// A throwaway fleet repository in a temporary folder: files written by the
/// test, or a copy of Examples/fleet to break on purpose.
struct FleetScratch {
  let root: String

  static func make() throws -> FleetScratch {
    let root = FileManager.default.temporaryDirectory.path + "/mkfleet-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    return FleetScratch(root: root)
  }

  /// A copy of Examples/fleet (inventory, policies, overlays, snapshots, committed plans).
  static func example() throws -> FleetScratch {
    let scratch = try make()
    try FileManager.default.removeItem(atPath: scratch.root)
    try FileManager.default.copyItem(
      atPath: PackagePaths.path("Examples/fleet"), toPath: scratch.root)
    return scratch
  }

  func put(_ relative: String, _ text: String) throws {
    let url = URL(fileURLWithPath: root + "/" + relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  func read(_ relative: String) -> String? {
    try? String(contentsOfFile: root + "/" + relative, encoding: .utf8)
  }

  /// Replaces the one occurrence of `old` in a file; fails the test if there is not exactly one.
  func edit(_ relative: String, replacing old: String, with new: String) throws {
    let text = read(relative) ?? ""
    guard text.components(separatedBy: old).count == 2 else {
      throw ScratchError.notUnique(old, relative)
    }
    try put(relative, text.replacingOccurrences(of: old, with: new))
  }

  func remove() { try? FileManager.default.removeItem(atPath: root) }

  /// `mkpolicy fleet ARGS --fleet ROOT/fleet.yaml`.
  func fleet(_ arguments: [String]) -> Subprocess.Result {
    PackagePaths.runMKPolicy(["fleet"] + arguments + ["--fleet", root + "/fleet.yaml"])
  }

  /// Every file under `relative`, path -> bytes.
  func tree(_ relative: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let base = root + "/" + relative
    for path in (try? FileManager.default.subpathsOfDirectory(atPath: base)) ?? [] {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        out[path] = FileManager.default.contents(atPath: base + "/" + path)
      }
    }
    return out
  }

  enum ScratchError: Error { case notUnique(String, String) }
}

/// The same small inventory pieces the decoder tests combine.
enum FleetText {
  static let snapshot = PackagePaths.path("Examples/topologies/telco-edge-1s-e810.yaml")

  static let policy = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata:
      name: edge
    host:
      housekeeping:
        cpus: 2
        memory: 4GiB
    workloads:
      - name: packet
        isolation: partition
        latency: low
        cpus: 4
        memory: 4GiB
      - name: oam
        isolation: shared
        cpus: {min: 1}

    """

  static func fleet(classes: String, hosts: String) -> String {
    """
    apiVersion: mkpolicy.io/v1
    kind: Fleet
    metadata:
      name: test
    classes:
    \(classes)
    hosts:
    \(hosts)
    """
  }
}
