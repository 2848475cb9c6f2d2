import MKCore
import MKPolicy

/// Why a workload does not fit a placement state: the placed workloads
/// that keep it out. The conflict search (`ConflictNarrowing`) grows its
/// set of suspects by them instead of re-solving the whole policy.
extension PlacementState {
  /// The placed workloads that keep `workload` out of the places its rules
  /// allow: those its `avoid` or `llc: exclusive` rules (or theirs) bar it
  /// from sharing an LLC domain with; when its CPUs do not fit in what is
  /// left, those holding cores in the domains it may use; when its memory
  /// or huge pages do not fit, those holding node memory; and the owners
  /// of the devices it could match. Ascending.
  func blockers(of workload: Int) -> [Int] {
    let demand = demands[workload]
    var found = Set<Int>()
    var holdingCores = Set<Int>()
    if demand.threads > 0 {
      for entry in model.llcs.indices {
        var barred = false
        for domainEntry in model.llcs[entry].domainEntries {
          for other in llc[domainEntry].occupants where other != workload {
            if demands[other].llcExclusive || demand.llcExclusive || demand.avoid.contains(other) {
              found.insert(other)
              barred = true
            }
          }
        }
        if !barred {
          for other in llc[entry].occupants where other != workload { holdingCores.insert(other) }
        }
      }
    }
    if cpuShort(workload) { found.formUnion(holdingCores) }
    if memoryShort(workload) {
      for other in placed.indices where other != workload {
        guard let p = placed[other], !p.memory.isEmpty || !p.hugePages.isEmpty else { continue }
        found.insert(other)
      }
    }
    for candidates in demand.slots {
      for device in candidates { if let owner = deviceOwner[device] { found.insert(owner) } }
    }
    // No resource short by the sums (a packing the greedy missed): every
    // placed workload that holds what it needs is a suspect.
    if found.isEmpty { found = holdingCores }
    return found.sorted()
  }

  /// Whether `workload`'s CPUs exceed the room its rules leave it: in one
  /// node under `numa: single`, on the whole host otherwise.
  func cpuShort(_ workload: Int) -> Bool {
    let demand = demands[workload]
    guard demand.threads > 0 else { return false }
    let rooms = model.nodes.map { room(workload, $0.llcs) }
    let available = demand.numa == .single ? rooms.max() ?? 0 : rooms.reduce(0, +)
    return available < demand.threads
  }

  /// Whether `workload`'s memory and huge pages exceed the free node
  /// memory (one node's under `numa: single`).
  func memoryShort(_ workload: Int) -> Bool {
    let demand = demands[workload]
    let need = Saturating.add(demand.memory, Solver.hugePageBytes(demand))
    guard need > 0 else { return false }
    let free =
      demand.numa == .single
      ? memoryFree.max() ?? 0 : memoryFree.reduce(UInt64(0)) { Saturating.add($0, $1) }
    return free < need
  }
}

extension PlacementState {
  /// This state's placements moved into `target` (a fresh state over
  /// another policy's demands), workload `i` here becoming `members[i]`
  /// there: the same shares, memory, huge pages and devices, and the same
  /// sibling pairs (the first of each pair opens the half core, the second
  /// joins it), so the target holds exactly what this state holds.
  func transplanted(into target: PlacementState, members: [Int]) -> PlacementState {
    var state = target
    var partnerOf: [Int: [Int: Int]] = [:]
    for entry in llc.indices {
      for pair in llc[entry].pairs {
        partnerOf[pair.a, default: [:]][entry] = pair.b
        partnerOf[pair.b, default: [:]][entry] = pair.a
      }
    }
    for workload in placed.indices {
      guard let p = placed[workload] else { continue }
      var partners: [Int: Int] = [:]
      for (entry, other) in partnerOf[workload] ?? [:] where other < workload {
        partners[entry] = members[other]
      }
      var moved = p
      moved.terms = Terms()
      state.apply(members[workload], moved, partners: partners)
    }
    return state
  }
}
