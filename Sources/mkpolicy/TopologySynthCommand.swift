import ArgumentParser
import MKCore
import MKTopology

/// `mkpolicy topology synth`: a snapshot of a machine shape, for trying a
/// policy against hosts one does not have (and for tests and benchmarks).
struct TopologySynthCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "synth",
    abstract: "Generate a HostTopology snapshot from a machine shape.",
    discussion: """
      Example: 2-socket EPYC 9654 in NPS4 with a NIC on node 0 and an NVMe drive per node:
        mkpolicy topology synth --sockets 2 --nodes-per-socket 4 --llcs-per-node 3 \\
          --cores-per-llc 8 --memory-per-node 96GiB \\
          --device net,vendor=15b3,device=101d,driver=mlx5_core,nodes=0,irqs=64 \\
          --device nvme,vendor=144d,device=a824,driver=nvme,irqs=33,managed
      """)

  @Option(help: "CPU architecture (x86_64 gives APIC ids, aarch64 MPIDR values).")
  var arch = "x86_64"
  @Option var sockets = 1
  @Option var diesPerSocket = 1
  @Option var nodesPerSocket = 1
  @Option(name: .customLong("llcs-per-node")) var llcsPerNode = 1
  @Option(name: .customLong("cores-per-llc")) var coresPerLLC = 4
  @Option var threadsPerCore = 2
  @Option(
    name: .customLong("efficiency-cores-per-llc"),
    help: "Hybrid CPUs: single-thread efficiency cores per LLC, after the performance cores.")
  var efficiencyCoresPerLLC = 0
  @Option(name: .customLong("llc-size")) var llcSize = "32MiB"
  @Option(name: .customLong("llc-level")) var llcLevel = 3
  @Option var memoryPerNode = "16GiB"
  @Option(help: "Huge page pool per node: SIZE:COUNT[:FREE] (repeatable).")
  var hugepages: [String] = []
  @Option(help: "NUMA distances: LOCAL,SAME-SOCKET,REMOTE-SOCKET.")
  var distances = "10,12,32"
  @Option(help: "CPU numbering: threads-last (x86 servers) or siblings-adjacent.")
  var numbering = "threads-last"
  @Option(help: "Device kind on every node (repeatable), see the example above.")
  var device: [String] = []
  @Option(help: "Logical CPUs to mark offline (cpulist).")
  var offline = ""
  @Option(help: "Free memory per node (default: all of it).")
  var memoryFreePerNode: String?
  @Option(help: "Kernel release the snapshot states.")
  var kernelRelease = ""
  @Option(help: "Kernel command line the snapshot states.")
  var cmdline = ""
  @Option(help: "cgroup mode: v2, v1, hybrid or none.")
  var cgroup = "v2"
  @Option(help: "cgroup controllers, comma-separated.")
  var cgroupControllers = "cpu,cpuset,io,memory,pids"
  @Option(help: "Multikernel pool mechanism: none, runtime or boot-parameter.")
  var multikernel = "none"
  @Flag(help: "State that irqbalance is running.")
  var irqbalance = false
  @Option(help: "The snapshot's source comment.")
  var source: String?

  @OptionGroup var output: SnapshotOutputOptions

  func run() throws {
    do {
      var shape = TopologyShape(
        architecture: arch, sockets: sockets, diesPerSocket: diesPerSocket,
        nodesPerSocket: nodesPerSocket, llcsPerNode: llcsPerNode, coresPerLLC: coresPerLLC,
        threadsPerCore: threadsPerCore, efficiencyCoresPerLLC: efficiencyCoresPerLLC,
        llcLevel: llcLevel)
      shape.llcSizeBytes = try size(llcSize, "--llc-size")
      shape.memoryPerNodeBytes = try size(memoryPerNode, "--memory-per-node")
      for text in hugepages { shape.hugePages.append(try ShapeSpec.hugePages(text)) }
      shape.distances = try ShapeSpec.distances(distances)
      guard let order = TopologyShape.CPUNumbering(rawValue: numbering) else {
        throw ValidationError("--numbering must be threads-last or siblings-adjacent")
      }
      shape.numbering = order
      for text in device { shape.devices.append(try ShapeSpec.device(text)) }
      do {
        shape.offlineCPUs = try CPUSet(cpulist: offline, allowEmpty: true)
      } catch {
        throw ValidationError("--offline: \(error)")
      }
      if let memoryFreePerNode {
        shape.memoryFreePerNodeBytes = try size(memoryFreePerNode, "--memory-free-per-node")
      }
      guard let mode = CgroupMode(rawValue: cgroup) else {
        throw ValidationError("--cgroup must be v2, v1, hybrid or none")
      }
      guard multikernel == "none" || MultikernelPool(rawValue: multikernel) != nil else {
        throw ValidationError("--multikernel must be none, runtime or boot-parameter")
      }
      let controllers = cgroupControllers.split(separator: ",").map(String.init)
      shape.kernel = KernelInfo(
        release: kernelRelease, commandLine: cmdline, cgroupMode: mode,
        cgroupControllers: controllers,
        cpusetPartitions: mode == .v2 && controllers.contains("cpuset"),
        cpusetExclusive: mode == .v2 && controllers.contains("cpuset"),
        multikernel: MultikernelPool(rawValue: multikernel), irqbalanceRunning: irqbalance)
      shape.source =
        source
        ?? "synthetic: mkpolicy topology synth, \(sockets) socket(s) x \(nodesPerSocket) node(s)"
      try output.emit(try TopologySynthesizer.build(shape))
    } catch let error as DiagnosticError {
      SnapshotOutput.report(error.diagnostics)
      throw ExitCode.failure
    }
  }

  private func size(_ text: String, _ flag: String) throws -> UInt64 {
    do {
      return try ByteSize.parse(text)
    } catch {
      throw ValidationError("\(flag): \(error)")
    }
  }
}
