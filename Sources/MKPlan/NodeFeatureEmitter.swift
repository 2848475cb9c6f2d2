import MKCore
import MKPolicy
import MKTopology

/// A node-feature-discovery local feature file (`features.d/`, one
/// `name=value` per line) describing the node's partitions, so that pods can
/// select nodes by them. Names carry no prefix: NFD adds its default
/// `feature.node.kubernetes.io/`, which needs no extra configuration of
/// nfd-master. Every name and value follows Kubernetes' label syntax; a
/// workload whose name would make a label name over 63 characters gets no
/// label of its own (the counts still include it).
public enum NodeFeatureEmitter {
  static let workloadPrefix = "mkpolicy-workload-"

  public static func emit(_ plan: Plan, policy: Policy, topology: Topology, node: KubernetesNode)
    throws(DiagnosticError) -> String
  {
    let reserved = try KubeletConfigEmitter.reservation(
      plan, policy: policy, topology: topology, node: node)
    let workloads = policy.workloads
    let podNodes = topology.nodes.filter { !$0.cpus.intersection(reserved.podCPUs).isEmpty }
    var labels: [(String, String)] = [
      ("mkpolicy-policy", policy.metadata.name),
      ("mkpolicy-pod-cpus", String(reserved.podCPUs.count)),
      ("mkpolicy-pod-numa-nodes", String(podNodes.count)),
      ("mkpolicy-reserved-cpus", String(reserved.reservedCPUs.count)),
      ("mkpolicy-kernel-instances", String(workloads.filter { $0.isolation == .kernel }.count)),
      ("mkpolicy-partitions", String(workloads.filter { $0.isolation == .partition }.count)),
      ("mkpolicy-shared-workloads", String(workloads.filter { $0.isolation == .shared }.count)),
      ("mkpolicy-realtime", workloads.contains { $0.latency == .realtime } ? "true" : "false"),
    ]
    for workload in workloads where (workloadPrefix + workload.name).count <= 63 {
      labels.append((workloadPrefix + workload.name, workload.isolation.rawValue))
    }
    labels.sort { $0.0 < $1.0 }
    return labels.map { "\($0.0)=\($0.1)\n" }.joined()
  }
}
