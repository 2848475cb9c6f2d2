import MKCore
import MKPolicy
import MKTopology

/// Who holds each logical CPU of a plan, computed once in time linear in
/// the plan's size (CPUs + the CPUs listed by its assignments), so that the
/// report, the character grid and the SVG map ask it per CPU without
/// scanning the assignments again (the report used to loop over
/// CPUs x workloads x shared workloads, most of `mkpolicy plan` for 500
/// workloads on 1,920 threads).
public struct CPUOwnership: Sendable {
  /// What a CPU is used for. Workloads are indices into `Plan.assignments`.
  public enum Owner: Sendable, Hashable {
    case housekeeping
    /// A `kernel` or `partition` workload's own CPU.
    case exclusive(Int)
    /// A shared-pool CPU; the payload numbers the set of shared workloads
    /// that may run on it (`sharedUsers`), so owners compare and hash in
    /// constant time however many workloads share the pool.
    case shared(Int)
    /// Left idle as the SMT sibling of a housekeeping CPU (`cpuList`).
    case idleForHousekeeping
    /// Left idle as the SMT sibling of an `smt: off` workload's CPU.
    case idleForWorkload(Int)
    /// Kept free for successor instances (`Plan.headroom`), by index.
    case headroom(Int)
    /// Assigned to nothing.
    case unused
  }

  /// Isolation of each assignment, by index. A workload the policy does not
  /// name (a previous plan's, since removed) is read from the plan itself:
  /// `kernel` when it has an instance, `shared` when its CPUs are all in the
  /// shared pool, else `partition`.
  public let isolation: [Isolation?]
  private let owners: [Owner]
  /// The shared workloads (assignment indices) of each `.shared` group.
  public let sharedUsers: [[Int]]

  public init(plan: Plan, policy: Policy, topology: Topology) {
    var byName: [String: Isolation] = [:]
    for workload in policy.workloads where byName[workload.name] == nil {
      byName[workload.name] = workload.isolation
    }
    let instances = Set(plan.kernelInstances.map(\.workloadName))
    isolation = plan.assignments.map { assignment in
      if let known = byName[assignment.workload] { return known }
      if instances.contains(assignment.workload) { return .kernel }
      if !assignment.cpus.isEmpty, assignment.cpus.isSubset(of: plan.sharedPool) { return .shared }
      return .partition
    }
    let size = (topology.threads.map(\.cpu).max() ?? -1) + 1
    var exclusive = [Int?](repeating: nil, count: size)
    var shared = [[Int]](repeating: [], count: size)
    for (index, assignment) in plan.assignments.enumerated() {
      let isShared = isolation[index] == .shared
      for cpu in assignment.cpus where cpu < size {
        if isShared {
          shared[cpu].append(index)
        } else if exclusive[cpu] == nil {
          exclusive[cpu] = index
        }
      }
    }
    let idle = plan.idle ?? []
    var reserved: [Int: Int] = [:]
    for (index, reserve) in (plan.headroom ?? []).enumerated() {
      for cpu in reserve.cpus { reserved[cpu] = index }
    }
    var owners = [Owner](repeating: .unused, count: size)
    var groups: [[Int]: Int] = [:]
    var sharedUsers: [[Int]] = []
    for core in topology.cores {
      for cpu in core.cpus where cpu < size {
        if plan.housekeeping.contains(cpu) {
          owners[cpu] = .housekeeping
        } else if let index = exclusive[cpu] {
          owners[cpu] = .exclusive(index)
        } else if let index = reserved[cpu] {
          owners[cpu] = .headroom(index)
        } else if idle.contains(cpu) {
          // Idle siblings name what they are idle for: housekeeping, or the
          // workload holding another thread of the core.
          let siblings = core.cpus.filter { $0 != cpu && $0 < size }
          if siblings.contains(where: { plan.housekeeping.contains($0) }) {
            owners[cpu] = .idleForHousekeeping
          } else if let holder = siblings.lazy.compactMap({ exclusive[$0] ?? shared[$0].first })
            .first
          {
            owners[cpu] = .idleForWorkload(holder)
          } else {
            owners[cpu] = .unused
          }
        } else if plan.sharedPool.contains(cpu) {
          // Each CPU's list is hashed once: linear in the plan's size.
          if let group = groups[shared[cpu]] {
            owners[cpu] = .shared(group)
          } else {
            groups[shared[cpu]] = sharedUsers.count
            owners[cpu] = .shared(sharedUsers.count)
            sharedUsers.append(shared[cpu])
          }
        }
      }
    }
    self.owners = owners
    self.sharedUsers = sharedUsers
  }

  public func owner(_ cpu: Int) -> Owner {
    cpu >= 0 && cpu < owners.count ? owners[cpu] : .unused
  }

  /// The report's words for an owner (`market-data (partition)`).
  public func label(_ owner: Owner, plan: Plan) -> String {
    switch owner {
    case .housekeeping: return "housekeeping"
    case .exclusive(let index):
      return "\(plan.assignments[index].workload) (\(isolation[index]?.rawValue ?? "?"))"
    case .shared(let group):
      let users = sharedUsers[group]
      if users.isEmpty { return "shared pool" }
      if users.count > 4 { return "shared pool: \(users.count) shared workloads" }
      return "shared pool: " + users.map { plan.assignments[$0].workload }.joined(separator: ", ")
    case .idleForHousekeeping: return "idle (sibling of housekeeping)"
    case .idleForWorkload(let index):
      return "idle (smt: off sibling of '\(plan.assignments[index].workload)')"
    case .headroom(let index):
      return "update headroom '\(plan.headroom?[index].name ?? "?")'"
    case .unused: return "idle"
    }
  }
}
