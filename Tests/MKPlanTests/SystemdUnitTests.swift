import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKTestSupport
import Testing

/// The systemd units a plan emits: `systemd-analyze verify` accepts every
/// one (no warning either), and each slice's cgroup is exactly a directory
/// of the plan's cgroup tree with the same CPUs and memory nodes.
@Suite struct SystemdUnitTests {
  /// Runs `systemd-analyze verify` on `units` (paths below
  /// /etc/systemd/system) inside a scratch root holding this host's own
  /// system units. A service the plan only drops into gets a minimal unit;
  /// verify looks for ExecStart= binaries inside the root: this host's are
  /// copied in, one it lacks (stalld is not in Debian 12) is an empty
  /// executable.
  static func verify(_ units: [FileWrite]) throws -> (status: Int32, output: String) {
    let root = try ShellScriptTests.temporaryDirectory().path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let manager = FileManager.default
    try manager.createDirectory(
      atPath: root + "/usr/lib/systemd", withIntermediateDirectories: true)
    let copy = Subprocess.run(["cp", "-a", "/usr/lib/systemd/system", root + "/usr/lib/systemd/"])
    guard copy.status == 0 else { return (copy.status, "cannot copy system units: \(copy.stderr)") }
    var names: [String] = []
    for unit in units {
      let path = root + unit.path
      try manager.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Data(unit.content.utf8).write(to: URL(fileURLWithPath: path))
      let relative = String(unit.path.dropFirst(SystemdSliceEmitter.directory.count + 1))
      if let slash = relative.firstIndex(of: "/") {
        let service = String(relative[..<slash].dropLast(2))
        let base = root + SystemdSliceEmitter.directory + "/" + service
        if !manager.fileExists(atPath: base) {
          try Data(
            "[Unit]\nDescription=the workload's own unit\n\n[Service]\nExecStart=/bin/true\n".utf8
          )
          .write(to: URL(fileURLWithPath: base))
        }
        names.append(service)
      } else {
        names.append(relative)
      }
    }
    let contents = try manager.subpathsOfDirectory(atPath: root + "/etc").map {
      (try? String(contentsOfFile: root + "/etc/" + $0, encoding: .utf8)) ?? ""
    }
    for line in contents.flatMap({ $0.split(separator: "\n") }) where line.hasPrefix("ExecStart=/")
    {
      let binary = String(line.dropFirst("ExecStart=".count).split(separator: " ")[0])
      guard !manager.fileExists(atPath: root + binary) else { continue }
      try manager.createDirectory(
        atPath: root + (binary as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
      if manager.fileExists(atPath: binary) {
        try manager.copyItem(atPath: binary, toPath: root + binary)
      } else {
        _ = manager.createFile(
          atPath: root + binary, contents: Data("#!/bin/sh\n".utf8),
          attributes: [.posixPermissions: 0o755])
      }
    }
    let result = Subprocess.run(
      ["systemd-analyze", "verify", "--root=" + root] + Array(Set(names)).sorted())
    return (result.status, result.stdout + result.stderr)
  }

  /// Each example's plan run once (the pipeline is slow in debug builds).
  static let results: [String: PlanPipeline.Output] = Dictionary(
    uniqueKeysWithValues: ExampleTests.cases.compactMap { name in
      guard let (policies, topology) = try? ExampleTests.inputs(name) else { return nil }
      return (
        name, PlanPipeline.run(policyPaths: policies, topologyPath: topology, previousPath: nil)
      )
    })

  static func plan(_ name: String) throws -> Plan {
    let result = try #require(results[name])
    return try #require(result.plan, "\(name): \(result.diagnostics.map(\.message))")
  }

  @Test(arguments: ExampleTests.cases) func everyEmittedUnitVerifies(_ name: String) throws {
    let units = try Self.plan(name).systemdUnits
    guard !units.isEmpty else { return }
    let (status, output) = try Self.verify(units)
    #expect(status == 0, "\(name): \(output)")
    #expect(output.isEmpty, "\(name): systemd-analyze verify warns:\n\(output)")
  }

  /// The check itself can fail: a unit with an unknown directive is reported.
  @Test func verifyReportsAnUnknownDirective() throws {
    let (_, output) = try Self.verify([
      FileWrite(path: "/etc/systemd/system/x.slice", content: "[Slice]\nAllowedCPU=1\n")
    ])
    #expect(output.contains("Unknown key"), "\(output)")
  }

  /// Each slice is the cgroup directory the tree manages, with its values.
  @Test(arguments: ExampleTests.cases) func slicesAreTheManagedDirectories(_ name: String) throws {
    let plan = try Self.plan(name)
    let parent = try #require(plan.cgroupParentPath)
    let tree = plan.cgroupTree
    for unit in plan.systemdUnits where unit.path.hasSuffix(".slice") {
      let file = String(unit.path.split(separator: "/").last ?? "")
      let directory = (parent as NSString).lastPathComponent == file ? parent : parent + "/" + file
      #expect(tree.contains { $0.op == .mkdir && $0.path == directory }, "\(name): \(directory)")
      for (directive, interface) in [
        ("AllowedCPUs=", KernelInterfaces.cpusetCPUs),
        ("AllowedMemoryNodes=", KernelInterfaces.cpusetMems),
      ] {
        let line = unit.content.split(separator: "\n").first { $0.hasPrefix(directive) }
        let written = tree.last { $0.path == interface.path(inCgroup: directory) }?.value
        #expect(line.map { String($0.dropFirst(directive.count)) } == written, "\(name): \(file)")
      }
    }
    // Every workload launched by systemd has its slice, and its service its drop-in.
    let units = Set(plan.systemdUnits.map(\.path))
    let policy = try #require(Self.results[name]?.policy)
    for workload in policy.workloads where workload.launch.manager == .systemd {
      let slice = workload.cgroupDirectoryName(parent: policy.host.cgroupParent)
      #expect(units.contains(SystemdSliceEmitter.directory + "/" + slice), "\(name): \(slice)")
      if let unit = workload.launch.unit {
        let dropIn = SystemdSliceEmitter.directory + "/\(unit).d/" + SystemdSliceEmitter.dropInName
        #expect(units.contains(dropIn))
        let content = plan.systemdUnits.first { $0.path == dropIn }?.content ?? ""
        #expect(content.contains("\nSlice=\(slice)\n"))
        #expect(content.contains("\nDelegate=yes") == workload.launch.delegate)
      }
    }
  }
}
