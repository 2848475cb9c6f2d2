import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

/// `host.kubernetes`: the kubelet configuration and the node-feature-discovery
/// file of a Kubernetes node, checked against kubelet's own field names and
/// types and against the rules kubelet enforces at start-up.
@Suite struct KubernetesNodeTests {
  /// KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields this emitter
  /// may write, with their Go types as kubelet's config/v1beta1/types.go
  /// declares them (json names). kubelet decodes its file strictly: any other
  /// key, or a value of another type, stops it.
  enum FieldType { case string, stringMap, memoryReservations }
  // Go types from kubelet's types.go: apiVersion/kind, cpuManagerPolicy
  // ("none" | "static"), reservedSystemCPUs (a cpuset list), memoryManagerPolicy
  // ("None" | "Static"), topologyManagerPolicy and topologyManagerScope are
  // strings; cpuManagerPolicyOptions, systemReserved, kubeReserved and evictionHard are
  // map[string]string; reservedMemory is []MemoryReservation{numaNode int32,
  // limits ResourceList}.
  static let kubeletFields: [String: FieldType] = [
    "apiVersion": .string, "kind": .string, "cpuManagerPolicy": .string,
    "reservedSystemCPUs": .string, "memoryManagerPolicy": .string,
    "topologyManagerPolicy": .string, "topologyManagerScope": .string,
    "cpuManagerPolicyOptions": .stringMap,
    "systemReserved": .stringMap, "kubeReserved": .stringMap, "evictionHard": .stringMap,
    "reservedMemory": .memoryReservations,
  ]
  static let enums: [String: Set<String>] = [
    "cpuManagerPolicy": ["none", "static"], "memoryManagerPolicy": ["None", "Static"],
    "topologyManagerPolicy": ["none", "best-effort", "restricted", "single-numa-node"],
    "topologyManagerScope": ["container", "pod"],
  ]

  /// A Kubernetes quantity in bytes (`64Gi`, `100Mi`, `1500`); nil for anything else.
  static func bytes(_ quantity: String) -> UInt64? {
    for (suffix, shift) in [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40)]
    where quantity.hasSuffix(suffix) {
      return UInt64(quantity.dropLast(2)).map { $0 << UInt64(shift) }
    }
    return UInt64(quantity)
  }

  struct Parsed {
    var strings: [String: String] = [:]
    var maps: [String: [String: String]] = [:]
    var reservations: [(node: Int, limits: [String: String])] = []
  }

  /// Reads the emitted YAML with the project's strict reader and checks
  /// every key and type against `kubeletFields`.
  static func parse(_ text: String) throws -> Parsed {
    let read = YAMLReader().read(text: text, file: "kubelet-config.yaml")
    let root = try #require(read.root?.mapping, "\(read.diagnostics)")
    var parsed = Parsed()
    for entry in root {
      let type = try #require(Self.kubeletFields[entry.key], "unknown kubelet field \(entry.key)")
      switch type {
      case .string:
        let value = try #require(entry.value.scalar?.value, "\(entry.key) is not a string")
        if let allowed = enums[entry.key] {
          #expect(allowed.contains(value), "\(entry.key): \(value)")
        }
        parsed.strings[entry.key] = value
      case .stringMap:
        let pairs = try #require(entry.value.mapping, "\(entry.key) is not a map")
        var map: [String: String] = [:]
        for pair in pairs {
          map[pair.key] = try #require(pair.value.scalar?.value, "\(entry.key).\(pair.key)")
        }
        parsed.maps[entry.key] = map
      case .memoryReservations:
        for item in try #require(entry.value.sequence, "reservedMemory is not a list") {
          let fields = try #require(item.mapping)
          #expect(Set(fields.map(\.key)) == ["numaNode", "limits"])
          let node = try #require(item["numaNode"]?.int, "numaNode is not an integer")
          #expect((0...Int(Int32.max)).contains(node))
          var limits: [String: String] = [:]
          for limit in try #require(item["limits"]?.mapping) {
            #expect(limit.key == "memory" || limit.key.hasPrefix("hugepages-"))
            limits[limit.key] = try #require(limit.value.scalar?.value)
          }
          parsed.reservations.append((node, limits))
        }
      }
    }
    return parsed
  }

  static func plan(_ policyText: String, topology: String) throws -> (
    [PlanArtifacts.Artifact], Plan, Topology, Policy
  ) {
    let loaded = PolicyLoader.load(text: policyText, file: "k8s.yaml")
    let output = PlanPipeline.run(
      loaded: loaded, topologyPath: PackagePaths.path(topology), previousPath: nil)
    let plan = try #require(output.plan, "\(output.diagnostics)")
    let policy = try #require(output.policy)
    let host = try #require(output.topology)
    return (try PlanArtifacts.render(plan, policy: policy, topology: host), plan, host, policy)
  }

  static let example = "Examples/fleet/policies/k8s-worker.yaml"

  @Test(arguments: [
    "Examples/topologies/epyc-9654-2s-nps4.yaml",
    "Examples/topologies/database-2s-nvme-hybrid.yaml",
    "Examples/topologies/trading-2s-connectx-e810.yaml",
  ])
  func kubeletConfigurationFollowsKubeletsRules(topologyPath: String) throws {
    let text = try String(contentsOfFile: PackagePaths.path(Self.example), encoding: .utf8)
    let (artifacts, plan, topology, policy) = try Self.plan(text, topology: topologyPath)
    let kubelet = try #require(artifacts.first { $0.path == "kubernetes/kubelet-config.yaml" })
    let config = try Self.parse(kubelet.text)
    #expect(config.strings["apiVersion"] == "kubelet.config.k8s.io/v1beta1")
    #expect(config.strings["kind"] == "KubeletConfiguration")
    #expect(config.strings["cpuManagerPolicy"] == "static")
    #expect(config.strings["memoryManagerPolicy"] == "Static")
    #expect(config.strings["topologyManagerPolicy"] == "single-numa-node")
    #expect(config.strings["topologyManagerScope"] == "pod")
    #expect(config.maps["cpuManagerPolicyOptions"] == ["strict-cpu-reservation": "true"])

    // CPUs: reserved + pods = what the host kernel keeps; pods = the shared pool.
    let reserved = try CPUSet(cpulist: try #require(config.strings["reservedSystemCPUs"]))
    let kernelCPUs = CPUSet(
      plan.assignments.filter { policy.workload(named: $0.workload)?.isolation == .kernel }
        .flatMap { $0.cpus.sorted() })
    #expect(reserved.intersection(plan.sharedPool).isEmpty)
    #expect(reserved.union(plan.sharedPool) == topology.onlineCPUs.subtracting(kernelCPUs))
    #expect(plan.housekeeping.isSubset(of: reserved))
    // The static CPU manager needs a reservation.
    #expect(!reserved.isEmpty)

    // Memory: kubelet's rule, sum of per-node reservations = systemReserved
    // + kubeReserved + evictionHard memory.available; nodes exist, once each.
    let eviction = try #require(
      config.maps["evictionHard"]?["memory.available"].flatMap(Self.bytes))
    for signal in ["nodefs.available", "nodefs.inodesFree", "imagefs.available"] {
      #expect(config.maps["evictionHard"]?[signal] != nil, "\(signal) would become 0")
    }
    let system = config.maps["systemReserved"]?["memory"].flatMap(Self.bytes) ?? 0
    let kube = config.maps["kubeReserved"]?["memory"].flatMap(Self.bytes) ?? 0
    var total: UInt64 = 0
    var nodes = Set<Int>()
    for reservation in config.reservations {
      #expect(nodes.insert(reservation.node).inserted)
      let node = try #require(topology.nodes.first { $0.id == reservation.node })
      let memory = try #require(reservation.limits["memory"].flatMap(Self.bytes))
      #expect(memory > 0 && memory <= node.memoryTotalBytes)
      total += memory
    }
    #expect(total == system + kube + eviction)
    // Everything mkpolicy gives away on the host kernel is reserved.
    // (Kernel instances' memory counts only when the pool is taken at
    // runtime: a pool reserved at boot is not in the host's MemTotal.)
    let workloadBytes = plan.assignments.filter {
      topology.kernel.multikernel != .bootParameter
        || policy.workload(named: $0.workload)?.isolation != .kernel
    }.map(\.memoryBytes).reduce(0, +)
    #expect(system == workloadBytes + policy.host.housekeeping.memoryBytes)

    // NFD: name=value lines, Kubernetes label syntax, one per name.
    let features = try #require(artifacts.first { $0.path == "kubernetes/features.d/mkpolicy" })
    let label = try Regex("^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
    var names = Set<String>()
    for line in features.text.split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      #expect(parts.count == 2)
      #expect(String(parts[0]).wholeMatch(of: label) != nil, "\(line)")
      #expect(parts[1].isEmpty || String(parts[1]).wholeMatch(of: label) != nil, "\(line)")
      #expect(names.insert(String(parts[0])).inserted)
    }
    #expect(features.text.contains("mkpolicy-pod-cpus=\(plan.sharedPool.count)\n"))
    #expect(features.text.contains("mkpolicy-workload-storage-kernel=kernel\n"))
  }

  @Test func olderKubeletsGetNoStrictReservationOption() throws {
    var text = try String(contentsOfFile: PackagePaths.path(Self.example), encoding: .utf8)
    text = text.replacingOccurrences(
      of: "    topologyManagerScope: pod\n",
      with: "    topologyManagerScope: pod\n    strictCPUReservation: false\n")
    let (artifacts, _, _, _) = try Self.plan(
      text, topology: "Examples/topologies/database-2s-nvme-hybrid.yaml")
    let kubelet = try #require(artifacts.first { $0.path == "kubernetes/kubelet-config.yaml" })
    let config = try Self.parse(kubelet.text)
    #expect(config.maps["cpuManagerPolicyOptions"] == nil)
    #expect(config.strings["cpuManagerPolicy"] == "static")
  }

  @Test func noKubernetesSectionNoKubernetesFiles() throws {
    let text = try String(
      contentsOfFile: PackagePaths.path("Examples/fleet/policies/telco-edge.yaml"), encoding: .utf8)
    let (artifacts, _, _, _) = try Self.plan(
      text, topology: "Examples/topologies/telco-edge-1s-e810.yaml")
    #expect(!artifacts.contains { $0.path.hasPrefix("kubernetes/") })
  }

  @Test func aNodeWithoutASharedPoolIsAnErrorAtTheKubernetesKey() throws {
    let policy = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: full}
      host:
        housekeeping: {cpus: 2}
        kubernetes: {}
      workloads:
        - name: everything
          isolation: partition
          cpus: {min: 2}
          smt: shared
      """
    let loaded = PolicyLoader.load(text: policy, file: "full.yaml")
    let output = PlanPipeline.run(
      loaded: loaded,
      topologyPath: PackagePaths.path("Examples/topologies/telco-edge-1s-e810.yaml"),
      previousPath: nil)
    let plan = try #require(output.plan, "\(output.diagnostics)")
    #expect(plan.sharedPool.isEmpty)
    #expect(throws: DiagnosticError.self) {
      try PlanArtifacts.render(plan, policy: output.policy!, topology: output.topology!)
    }
    do {
      _ = try PlanArtifacts.render(plan, policy: output.policy!, topology: output.topology!)
    } catch {
      #expect(error.diagnostics.first?.code == "E440")
      #expect(
        error.diagnostics.first?.location == SourceLocation(file: "full.yaml", line: 6, column: 3))
    }
  }

  @Test func theDecoderLocatesMistakes() {
    let policy = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: node}
      host:
        kubernetes:
          topologyManagerPolicy: single
          evictionMemory: 0
          cpuManager: static
      workloads: []
      """
    let loaded = PolicyLoader.load(text: policy, file: "node.yaml")
    #expect(loaded.policy == nil)
    let found = loaded.diagnostics.map {
      "\($0.code) \($0.location.map { "\($0.line):\($0.column)" } ?? "")"
    }
    #expect(found == ["E023 6:28", "E027 7:21", "E020 8:5"], "\(loaded.diagnostics)")
  }
}
