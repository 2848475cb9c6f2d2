import MKAgent
import MKCore
import MKPlan
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

/// Policies, topologies and measurement helpers shared by the agent tests.
enum AgentFixtures {
  static func policy(_ text: String, file: String = "agent.yaml") -> Policy {
    let loaded = PolicyLoader.load(text: text, file: file)
    guard let policy = loaded.policy else {
      Issue.record("policy did not load: \(loaded.diagnostics.map(\.message))")
      return Policy(metadata: Metadata(name: "broken"))
    }
    return policy
  }

  static func topology(_ relative: String) throws -> Topology {
    let read = TopologySnapshot.read(path: PackagePaths.path(relative))
    guard let topology = read.topology else {
      throw DiagnosticError(read.diagnostics)
    }
    return topology
  }

  /// The shipped example: Examples/agent/policy.yaml on the 32-thread edge host.
  static func example() throws -> (Policy, Topology) {
    let loaded = PolicyLoader.load(paths: [PackagePaths.path("Examples/agent/policy.yaml")])
    guard let policy = loaded.policy else { throw DiagnosticError(loaded.diagnostics) }
    return (policy, try topology("Examples/topologies/telco-edge-1s-e810.yaml"))
  }

  /// A small host: `nodes` x `llcs` LLCs of `cores` cores x 2 threads, a
  /// 6.1 kernel (cgroup v2 partitions, no `cpuset.cpus.exclusive`, as the
  /// in-memory host models it).
  static func smallHost(cores: Int = 8, llcs: Int = 1, nodes: Int = 1) throws -> Topology {
    try TopologySynthesizer.build(
      TopologyShape(
        sockets: 1, nodesPerSocket: nodes, llcsPerNode: llcs, coresPerLLC: cores,
        threadsPerCore: 2,
        kernel: KernelInfo(release: "6.1.0-test", cgroupMode: .v2, cpusetExclusive: false)))
  }

  static func signal(pressure: Double, use: Double) -> WorkloadSignal {
    WorkloadSignal(cpuPressure: pressure, cpuUse: use)
  }
}
