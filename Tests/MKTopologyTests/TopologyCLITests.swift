import Foundation
import MKCore
import MKTestSupport
import Testing

@testable import MKTopology

/// Black-box tests of `mkpolicy discover` and `mkpolicy topology ...`, and
/// of the JSON Schema against every snapshot the tools write.
@Suite(.serialized) struct TopologyCLITests {
  static func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("mkpolicy-cli-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func discoverPrintsASnapshotThatReadsBack() throws {
    for format in ["yaml", "json"] {
      let run = PackagePaths.runMKPolicy(["discover", "--format", format])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(!run.stderr.contains("error"))
      let read = TopologySnapshot.read(text: run.stdout, file: "stdout.\(format)")
      #expect(read.diagnostics == [])
      #expect(
        read.topology.map { TopologySnapshot.write($0, format: .init(rawValue: format)!) }
          == run.stdout)
    }
  }

  /// Issue 15: re-discovering an unchanged host gives identical bytes, so a
  /// snapshot kept in a repository only changes when the host does. Two
  /// live discoveries of this machine, each format; `--volatile` adds the
  /// live state back and still reads back.
  @Test func twoLiveDiscoveriesAreByteIdentical() throws {
    for format in ["yaml", "json"] {
      let first = PackagePaths.runMKPolicy(["discover", "--format", format])
      let second = PackagePaths.runMKPolicy(["discover", "--format", format])
      #expect(first.status == 0 && second.status == 0, "\(first.stderr)")
      #expect(!first.stdout.isEmpty && first.stdout == second.stdout)
      let topology = try #require(
        TopologySnapshot.read(text: first.stdout, file: "stable.\(format)").topology)
      #expect(topology.isStable)
      for key in ["free", "bootId", "irqbalanceRunning", "affinity", "present"] {
        #expect(!first.stdout.contains("\(key):") && !first.stdout.contains("\"\(key)\""))
      }
    }
    let live = PackagePaths.runMKPolicy(["discover", "--volatile"])
    #expect(live.status == 0)
    #expect(live.stdout.contains("free:") && live.stdout.contains("irqbalanceRunning:"))
    let read = TopologySnapshot.read(text: live.stdout, file: "live.yaml")
    #expect(read.diagnostics == [])
    #expect(read.topology.map { TopologySnapshot.yaml($0) } == live.stdout)
  }

  @Test func discoverWorksWithoutRoot() throws {
    var argv = [PackagePaths.mkpolicyBinary, "discover", "--format", "json"]
    if getuid() == 0 {
      // Run a copy that the unprivileged user can reach, as nobody.
      let dir = try Self.temporaryDirectory()
      defer { try? FileManager.default.removeItem(atPath: dir) }
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
      let copy = dir + "/mkpolicy"
      try FileManager.default.copyItem(atPath: PackagePaths.mkpolicyBinary, toPath: copy)
      argv =
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy] + argv.dropFirst()
      let run = Subprocess.run(argv)
      try Self.expectReadableSnapshot(run)
    } else {
      try Self.expectReadableSnapshot(Subprocess.run(argv))
    }
  }

  static func expectReadableSnapshot(_ run: Subprocess.Result) throws {
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stderr.contains("error"))
    let read = TopologySnapshot.read(text: run.stdout, file: "nobody.json")
    #expect(read.diagnostics == [])
    #expect(try #require(read.topology).threads.count > 0)
  }

  @Test func discoverWritesTheFileAndPrintsTheSummary() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = PackagePaths.runMKPolicy(["discover", "-o", "\(dir)/host.yaml", "--summary"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.hasPrefix("Host: discovered on "))
    #expect(run.stdout.contains("\n  node  socket  cpus"))
    let read = TopologySnapshot.read(path: "\(dir)/host.yaml")
    #expect(read.diagnostics == [])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["host.yaml"])
  }

  @Test func synthMatchesTheLibraryAndShowRoundTrips() throws {
    let run = PackagePaths.runMKPolicy([
      "topology", "synth", "--sockets", "2", "--nodes-per-socket", "2", "--cores-per-llc", "3",
      "--hugepages", "1GiB:4:2", "--offline", "0", "--source", "cli test",
      "--device", "nvme,vendor=144d,device=a824,driver=nvme,nodes=1,irqs=3,managed",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    var shape = TopologyShape(sockets: 2, nodesPerSocket: 2, coresPerLLC: 3)
    shape.hugePages = [HugePagePool(pageSizeBytes: 1 << 30, total: 4, free: 2)]
    shape.offlineCPUs = [0]
    shape.source = "cli test"
    shape.kernel = KernelInfo(cgroupControllers: ["cpu", "cpuset", "io", "memory", "pids"])
    shape.devices = [
      .init(
        .nvme, vendorId: "144d", deviceId: "a824", driver: "nvme", nodes: [1], irqs: 3,
        managedIRQs: true)
    ]
    #expect(run.stdout == TopologySnapshot.yaml(try TopologySynthesizer.build(shape)))

    let example = PackagePaths.path("Examples/topologies/intel-hybrid-edge.yaml")
    let show = PackagePaths.runMKPolicy(["topology", "show", example])
    #expect(show.status == 0)
    #expect(show.stdout == (try String(contentsOfFile: example, encoding: .utf8)))
  }

  @Test func malformedSnapshotFailsWithLocatedDiagnostics() throws {
    let run = PackagePaths.runMKPolicy([
      "topology", "show", "Tests/MKTopologyTests/Fixtures/malformed/keys.yaml",
    ])
    #expect(run.status == 1)
    #expect(run.stdout == "")
    let mismatch = Golden.mismatch(
      actual: run.stderr,
      goldenPath: PackagePaths.path("Tests/MKTopologyTests/Golden/malformed/keys.yaml.txt"))
    #expect(mismatch == nil, "\(mismatch ?? "")")
  }

  @Test func badArgumentsAndUnwritableOutputAreReported() throws {
    let format = PackagePaths.runMKPolicy(["discover", "--format", "xml"])
    #expect(format.status == 64)
    #expect(format.stderr.contains("--format must be yaml or json, not 'xml'"))

    let unwritable = PackagePaths.runMKPolicy(["discover", "-o", "/nonexistent/dir/host.yaml"])
    #expect(unwritable.status == 1)
    #expect(
      unwritable.stderr.contains(
        "error[E309]: cannot write '/nonexistent/dir/host.yaml': create: No such file or directory")
    )

    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let empty = PackagePaths.runMKPolicy(["discover", "--root", dir])
    #expect(empty.status == 1)
    #expect(
      empty.stderr.contains(
        "error[E329]: no CPU topology found under \(dir)/sys/devices/system/cpu"))

    let shape = PackagePaths.runMKPolicy(["topology", "synth", "--sockets", "0"])
    #expect(shape.status == 1)
    #expect(
      shape.stderr.hasPrefix(
        "error[E330]: invalid topology shape: sockets is 0, must be at least 1"))
  }

  @Test func everySnapshotMatchesTheJSONSchema() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var files: [String] = []
    for name in ExampleTopologiesTests.names {
      let yaml = PackagePaths.path("Examples/topologies/\(name).yaml")
      let json = "\(dir)/\(name).json"
      let run = PackagePaths.runMKPolicy(["topology", "show", yaml, "--format", "json", "-o", json])
      #expect(run.status == 0)
      files += [yaml, json]
    }
    let malformed = ["header.yaml", "keys.yaml"].map {
      PackagePaths.path("Tests/MKTopologyTests/Fixtures/malformed/\($0)")
    }
    let run = Subprocess.run(
      [
        PackagePaths.python, PackagePaths.path("Tests/MKTopologyTests/Scripts/validate_schema.py"),
        PackagePaths.path("Schemas/topology.v1.schema.json"),
      ] + files + malformed)
    try #require(run.status == 0, "schema check failed to run: \(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.prefix(files.count).allSatisfy { $0.hasSuffix(" ok") }, "\(lines)")
    #expect(
      lines.suffix(2).map { $0.replacingOccurrences(of: PackagePaths.root + "/", with: "") } == [
        "Tests/MKTopologyTests/Fixtures/malformed/header.yaml invalid: apiVersion: 'mkpolicy.io/v1' was expected",
        "Tests/MKTopologyTests/Fixtures/malformed/keys.yaml invalid: devices/0: 'classCode' is a required property",
      ])
  }
}
