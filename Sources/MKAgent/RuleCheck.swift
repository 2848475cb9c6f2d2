import MKCore
import MKPlan
import MKPolicy
import MKTopology

/// An independent check that a plan keeps the policy's rules, written from
/// the policy language (docs/policy.md), not from the solver: what the
/// simulator counts as a rule violation and what the property tests assert.
///
/// A rule counts only when the reference plan (the static plan the policy
/// compiles to) keeps it too, so that a rule the host cannot keep at all is
/// the solver's warning, not the agent's violation.
public struct RuleCheck: Sendable {
  public let policy: Policy
  public let topology: Topology
  let threadsPerCore: Int

  public init(policy: Policy, topology: Topology) {
    self.policy = policy
    self.topology = topology
    threadsPerCore = topology.threadsPerCore
  }

  /// Every rule `plan` breaks that `reference` keeps.
  public func violations(_ plan: Plan, reference: Plan) -> [String] {
    let kept = Set(problems(reference))
    var out = problems(plan).filter { !kept.contains($0) }
    if plan.housekeeping != reference.housekeeping {
      out.append(
        "housekeeping: \(plan.housekeeping.cpulist), planned \(reference.housekeeping.cpulist)")
    }
    return out
  }

  /// Every rule `plan` breaks.
  public func problems(_ plan: Plan) -> [String] {
    var out: [String] = []
    let decider = Decider(policy: policy, threadsPerCore: threadsPerCore)
    var owner: [Int: String] = [:]
    for cpu in plan.housekeeping { owner[cpu] = "housekeeping" }
    for cpu in plan.idle ?? [] { owner[cpu] = owner[cpu] ?? "idle" }
    let cores = topology.cores
    let domains = topology.cacheDomains
    func cpus(_ name: String) -> CPUSet {
      plan.assignments.first { $0.workload == name }?.cpus ?? CPUSet()
    }
    for workload in policy.workloads where !workload.memory.isFixed {
      guard
        let granted = plan.assignments.first(where: { $0.workload == workload.name })?
          .memoryBytes
      else { continue }
      let low = workload.memory.min
      let high = max(low, workload.memory.max)
      if granted < low || granted > high {
        out.append(
          "\(workload.name): \(granted) bytes of memory, outside \(low)...\(workload.memory.isBounded ? "\(high)" : "")"
        )
      }
    }
    for workload in policy.workloads where workload.ownsCPUs {
      let mine = cpus(workload.name)
      let bounds = decider.bounds(workload)
      if !bounds.contains(mine.count) {
        out.append(
          "\(workload.name): \(mine.count) CPUs, outside \(bounds.lowerBound)...\(bounds.upperBound)"
        )
      }
      for cpu in mine {
        if let other = owner[cpu] {
          out.append("\(workload.name): CPU \(cpu) is also \(other)'s")
        }
        owner[cpu] = workload.name
      }
      if !mine.isDisjoint(with: plan.sharedPool) {
        out.append(
          "\(workload.name): CPUs \(mine.intersection(plan.sharedPool).cpulist) are in the shared pool"
        )
      }
    }
    for workload in policy.workloads where !workload.memory.isFixed {
      guard
        let granted = plan.assignments.first(where: { $0.workload == workload.name })?
          .memoryBytes
      else { continue }
      let low = workload.memory.min
      let high = max(low, workload.memory.max)
      if granted < low || granted > high {
        out.append(
          "\(workload.name): \(granted) bytes of memory, outside \(low)...\(workload.memory.isBounded ? "\(high)" : "")"
        )
      }
    }
    for workload in policy.workloads where workload.ownsCPUs {
      let mine = cpus(workload.name)
      guard !mine.isEmpty else { continue }
      let touched = cores.filter { !$0.cpus.isDisjoint(with: mine) }
      switch workload.smt {
      case .exclusive:
        for core in touched where !core.cpus.isSubset(of: mine) {
          out.append(
            "\(workload.name): smt exclusive, but core \(core.id) (\(core.cpus.cpulist)) is not whole"
          )
        }
      case .off:
        for core in touched {
          let siblings = core.cpus.subtracting(mine)
          if core.cpus.intersection(mine).count > 1 {
            out.append("\(workload.name): smt off, but two threads of core \(core.id)")
          }
          for cpu in siblings where owner[cpu] != nil && owner[cpu] != "idle" {
            out.append("\(workload.name): smt off, but sibling CPU \(cpu) is \(owner[cpu] ?? "")'s")
          }
        }
      case .shared: break
      }
      if workload.placement.numa == .single {
        let nodes = Set(topology.nodes.filter { !$0.cpus.isDisjoint(with: mine) }.map(\.id))
        if nodes.count > 1 {
          out.append("\(workload.name): numa single, but CPUs on nodes \(nodes.sorted())")
        }
      }
      let myDomains = domains.filter { !$0.cpus.isDisjoint(with: mine) }
      for other in policy.workloads where other.name != workload.name && other.ownsCPUs {
        let theirs = cpus(other.name)
        let avoids =
          workload.placement.avoid.contains(other.name)
          || other.placement.avoid.contains(workload.name)
        for domain in myDomains where !domain.cpus.isDisjoint(with: theirs) {
          if workload.placement.llc == .exclusive {
            out.append(
              "\(workload.name): llc exclusive, but shares cache domain \(domain.id) with \(other.name)"
            )
          } else if avoids {
            out.append(
              "\(workload.name): avoids \(other.name), but shares cache domain \(domain.id)")
          }
        }
      }
      if workload.placement.nearDevices,
        let assignment = plan.assignments.first(where: { $0.workload == workload.name }),
        !assignment.devices.isEmpty
      {
        let deviceNodes = Set(
          assignment.devices.compactMap { address in
            topology.devices.first { $0.pciAddress == address }?.numaNode
          })
        let cpuNodes = Set(topology.nodes.filter { !$0.cpus.isDisjoint(with: mine) }.map(\.id))
        if !deviceNodes.isEmpty, !cpuNodes.isSubset(of: deviceNodes) {
          out.append(
            "\(workload.name): near devices, but CPUs on nodes \(cpuNodes.sorted()) away from devices on \(deviceNodes.sorted())"
          )
        }
      }
    }
    return out
  }
}
