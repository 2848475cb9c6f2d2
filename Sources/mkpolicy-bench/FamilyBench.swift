import BenchFamilies
import Foundation
import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// `mkpolicy-bench families TOPOLOGY OUTDIR COUNT,...`: writes every family's
/// policy (and its oversubscribed variant) at each count as YAML for timing
/// the whole `mkpolicy plan` (Benchmarks/solver/families.sh), and times the
/// solver alone on each (median of 3), checking every rule of the plans.
func families(topologyPath: String, outDir: String, counts: [Int]) {
  let loaded = TopologySnapshot.read(path: topologyPath)
  guard let topology = loaded.topology else {
    FileHandle.standardError.write(Data("cannot read \(topologyPath)\n".utf8))
    exit(1)
  }
  try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
  let solver = Solver()
  print("| family | workloads | variant | solver ms (best of 3) | result | rule violations |")
  print("| --- | ---: | --- | ---: | --- | ---: |")
  for family in Families.names {
    for count in counts {
      for over in [false, true] {
        let policy = Families.policy(
          family, on: topology, workloads: count, seed: 11, oversubscribed: over)
        let name = "\(family)-\(over ? "over" : "fit")-\(count)"
        // A family whose smallest sizes are past the host has no fitting
        // variant at this size: said, not timed as a refusal.
        if !over && !Families.fits(policy, on: topology) {
          print(
            "| \(family) | \(count) | fits | | n/a: its minimums need \(Families.minimumSlots(policy, on: topology)) of \(Families.threads(topology)) threads | |"
          )
          continue
        }
        try? Families.yaml(policy).write(
          toFile: outDir + "/" + name + ".yaml", atomically: true, encoding: .utf8)
        let (result, ms) = timed(runs: 3) { solver.solve(policy, on: topology) }
        var outcome = "infeasible"
        var violations = 0
        switch result {
        case .success(let s):
          outcome = "placed"
          violations = familyRuleViolations(s.assignment, policy, topology).count
        case .failure(let e):
          outcome = "infeasible (\(e.diagnostics.first?.code ?? "?"))"
        }
        print(
          "| \(family) | \(count) | \(over ? "oversubscribed" : "fits") | \(String(format: "%.1f", ms)) | \(outcome) | \(violations) |"
        )
      }
    }
  }
}

/// The placement rules, checked in time linear in the plan: no CPU or
/// device twice, `smt: off` one thread per core and `smt: exclusive` whole
/// cores, numa single (CPUs, memory and huge pages on one node), spread (on
/// at least two nodes when it can be, counts within a granule), llc:
/// exclusive and avoid over real LLC domains, nearDevices.
func familyRuleViolations(_ assignment: Assignment, _ policy: Policy, _ topology: Topology)
  -> [String]
{
  var out: [String] = []
  var nodeOf: [Int: Int] = [:]
  var domainOf: [Int: Int] = [:]
  var coreOf: [Int: [Int]] = [:]
  for node in topology.nodes {
    for (index, domain) in node.cacheDomains.enumerated() {
      for core in domain.cores {
        let threads = core.threads.filter(\.online).map(\.cpu)
        for cpu in threads {
          nodeOf[cpu] = node.id
          domainOf[cpu] = node.id << 20 | index
          coreOf[cpu] = threads
        }
      }
    }
  }
  let deviceNode = Dictionary(
    topology.devices.map { ($0.pciAddress, $0.numaNode) }, uniquingKeysWith: { first, _ in first })
  var occupants: [Int: Set<String>] = [:]
  var cpuOwner: [Int: String] = [:]
  var deviceOwner: [String: String] = [:]
  var placed: [String: WorkloadAssignment] = [:]
  for (index, given) in assignment.workloads.enumerated() {
    placed[given.workload] = given
    for cpu in given.cpus {
      occupants[domainOf[cpu] ?? -1, default: []].insert(given.workload)
      if policy.workloads[index].ownsCPUs {
        if let owner = cpuOwner[cpu] {
          out.append("cpu \(cpu) given to \(owner) and \(given.workload)")
        }
        cpuOwner[cpu] = given.workload
      }
    }
    for device in given.devices {
      if let owner = deviceOwner[device] {
        out.append("device \(device) given to \(owner) and \(given.workload)")
      }
      deviceOwner[device] = given.workload
    }
  }
  for workload in policy.workloads {
    guard let given = placed[workload.name] else { continue }
    let name = workload.name
    let cpuNodes = Set(given.cpus.compactMap { nodeOf[$0] })
    let memoryNodes = given.memoryBytesByNode.filter { $0.value > 0 }.compactMap { Int($0.key) }
    let pageNodes =
      workload.isolation == .kernel
      ? [] : given.hugePagesByNode.filter { $0.value > 0 }.compactMap { Int($0.key) }
    let nodes = cpuNodes.union(memoryNodes).union(pageNodes)
    switch workload.smt {
    case .off:
      for cpu in given.cpus where (coreOf[cpu] ?? []).filter(given.cpus.contains).count > 1 {
        out.append("\(name): smt off with two threads of the core of \(cpu)")
      }
    case .exclusive:
      for cpu in given.cpus where !(coreOf[cpu] ?? []).allSatisfy(given.cpus.contains) {
        out.append("\(name): smt exclusive with part of the core of \(cpu)")
      }
    case .shared: break
    }
    if workload.placement.numa == .single && nodes.count > 1 { out.append("\(name): numa single") }
    if workload.placement.numa == .spread {
      var perNode: [Int: Int] = [:]
      for cpu in given.cpus { perNode[nodeOf[cpu] ?? -1, default: 0] += 1 }
      let granule = workload.smt == .exclusive ? 2 : 1
      let spreadOver = min(2, given.cpus.count / granule, topology.nodes.count)
      if (perNode.values.max() ?? 0) - (perNode.values.min() ?? 0) > granule
        || (!workload.placement.nearDevices && perNode.count < spreadOver)
      {
        out.append("\(name): spread over \(perNode)")
      }
    }
    for domain in Set(given.cpus.compactMap { domainOf[$0] }) {
      let others = occupants[domain, default: []].subtracting([name])
      if workload.placement.llc == .exclusive && !others.isEmpty {
        out.append("\(name): llc exclusive shared")
      }
      if !others.isDisjoint(with: workload.placement.avoid) { out.append("\(name): avoid") }
    }
    if workload.placement.nearDevices {
      let deviceNodes = Set(given.devices.compactMap { deviceNode[$0] ?? nil })
      if !deviceNodes.isEmpty && !cpuNodes.isSubset(of: deviceNodes) {
        out.append("\(name): not near its devices")
      }
    }
  }
  return out
}

/// `mkpolicy-bench quality-families COUNT`: COUNT small instances of every
/// family (hosts of 1-2 sockets, 1-2 nodes each, 2 LLCs of 4 SMT2 cores per
/// node, a NIC on every node and an NVMe drive on the last; the hybrid family
/// on hosts where some cores have one thread), fitting and oversubscribed, in
/// the format of `quality` for the MILP reference (mix = family).
func qualityFamilies(count: Int) {
  var records: [QualityRecord] = []
  let solver = Solver()
  for family in Families.names {
    for seed in 0..<UInt64(count) {
      let (policy, topology) = qualityFamilyInstance(family, seed: seed)
      let instance = solver.instance(policy, on: topology)
      let (result, ms) = timed(runs: 1) { solver.solve(policy, on: topology) }
      var mine = QualityRecord.Outcome(feasible: false)
      mine.milliseconds = ms
      if case .success(let solution) = result {
        mine = .init(
          feasible: true, objective: solution.assignment.objective,
          total: solution.assignment.objective.total, milliseconds: ms,
          ruleViolations: familyRuleViolations(solution.assignment, policy, topology))
      }
      records.append(
        QualityRecord(
          seed: seed, mix: family, instance: instance, mkpolicy: mine,
          kubelet: .init(feasible: false)))
    }
  }
  print(json(records))
}

/// One instance of `quality-families`: 3-6 workloads of `family` on a host
/// of 1-2 sockets, 1-2 nodes each, 2 LLCs of 4 SMT2 cores per node, a NIC on
/// every node and an NVMe drive on the last (hybrid: the second half of
/// every other LLC's cores has one thread); every fifth seed oversubscribed.
func qualityFamilyInstance(_ family: String, seed: UInt64) -> (Policy, Topology) {
  var random = SplitMix64(seed: seed &* 0x51_7CC1_B727_220A &+ 3)
  let (sockets, nodesPerSocket) = random.pick([(1, 1), (1, 2), (2, 1), (2, 2)])
  let nodes = sockets * nodesPerSocket
  var topology = try! TopologySynthesizer.build(
    TopologyShape(
      sockets: sockets, nodesPerSocket: nodesPerSocket, llcsPerNode: 2, coresPerLLC: 4,
      threadsPerCore: 2, memoryPerNodeBytes: 16 << 30,
      distances: .init(local: 10, sameSocket: 12, remoteSocket: 21),
      devices: [
        .init(.net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", perNode: 1),
        .init(
          .nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", perNode: 1,
          nodes: [nodes - 1]),
      ]))
  if family == "hybrid" {
    // E-core-like cores: the second half of every other LLC has one thread.
    for package in topology.packages.indices {
      for die in topology.packages[package].dies.indices {
        for node in topology.packages[package].dies[die].nodes.indices {
          for domain in topology.packages[package].dies[die].nodes[node].cacheDomains.indices
          where domain % 2 == 1 {
            let cores = topology.packages[package].dies[die].nodes[node].cacheDomains[domain]
              .cores.count
            for core in 2..<cores {
              topology.packages[package].dies[die].nodes[node].cacheDomains[domain].cores[core]
                .threads.removeLast()
            }
          }
        }
      }
    }
  }
  let workloads = random.int(3...6)
  let policy = Families.policy(
    family, on: topology, workloads: workloads, seed: seed, oversubscribed: seed % 5 == 4)
  return (policy, topology)
}

/// `mkpolicy-bench show-family FAMILY SEED`: one `quality-families`
/// instance and mkpolicy's placement of it (CPUs per LLC entry, memory per
/// node, objective terms), for looking into a gap to the MILP.
func showFamily(_ family: String, seed: UInt64) {
  let (policy, topology) = qualityFamilyInstance(family, seed: seed)
  let solver = Solver()
  if let instance = solver.instance(policy, on: topology) {
    print("LLC entries (node, domain, threads per core, free cores):")
    print(instance.llcs.map { "(\($0.node), \($0.domain), \($0.threadsPerCore), \($0.cores))" })
    for workload in instance.workloads {
      print(
        workload.name, workload.unit, workload.threads, "threads",
        String(format: "%.2f GiB", workload.memoryGiB), workload.numa,
        workload.llcExclusive ? "llc exclusive" : "", workload.avoid, workload.slots)
    }
  }
  for workload in policy.workloads {
    print(
      workload.name, workload.isolation, "cpus", workload.cpus.min, "...", workload.cpus.max,
      "hugepages", workload.hugepages.map { "\($0.count) x \($0.pageSizeBytes >> 20) MiB" } ?? "-")
  }
  switch solver.solve(policy, on: topology) {
  case .success(let solution):
    var nodeOf: [Int: Int] = [:]
    var domainOf: [Int: Int] = [:]
    for node in topology.nodes {
      for domain in node.cacheDomains {
        for cpu in domain.cpus {
          nodeOf[cpu] = node.id
          domainOf[cpu] = domain.id
        }
      }
    }
    for workload in solution.assignment.workloads {
      var perDomain: [Int: Int] = [:]
      for cpu in workload.cpus { perDomain[domainOf[cpu] ?? -1, default: 0] += 1 }
      print(
        workload.workload, "CPUs per LLC", perDomain.sorted { $0.key < $1.key },
        "memory per node",
        workload.memoryBytesByNode.sorted { $0.key < $1.key }.map {
          "\($0.key): \($0.value >> 20) MiB"
        }, "pages", workload.hugePagesByNode.sorted { $0.key < $1.key })
    }
    print("objective", solution.assignment.objective)
    print(solution.diagnostics.map { "\($0.code) \($0.message)" })
  case .failure(let error):
    print(error.diagnostics.map { "\($0.code) \($0.message)" })
  }
}
