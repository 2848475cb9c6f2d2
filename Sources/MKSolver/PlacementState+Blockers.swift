import MKCore
import MKPolicy

/// Why a workload does not fit a placement state: the placed workloads
/// that keep it out. The conflict search (`ConflictNarrowing`) grows its
/// set of suspects by them instead of re-solving the whole policy.
///
/// When the workload is short of CPUs or memory, not every holder is a
/// suspect: per place it may go (each node of its scope under
/// `numa: single`, else the whole scope), the holders there are taken
/// most constrained first (those with placement rules, then the largest),
/// until what they hold covers the shortfall. Workloads without rules can
/// go anywhere and are seldom part of a conflict; when they are, a later
/// round adds them (each round adds a suspect).
extension PlacementState {
  /// The placed workloads that keep `workload` out of the places its rules
  /// allow: those its `avoid` or `llc: exclusive` rules (or theirs) bar it
  /// from sharing an LLC domain with; when its CPUs do not fit in what is
  /// left, holders of cores in the domains it may use, enough to cover
  /// the shortfall in each place; when its memory or huge pages do not
  /// fit, holders of node memory likewise; and the owners of the devices
  /// it could match. Ascending. The holders in `known` (suspects already)
  /// are not counted towards covering a shortfall: when `workload` failed
  /// again with them in place, others took the room.
  func blockers(of workload: Int, besides known: Set<Int> = []) -> [Int] {
    let demand = demands[workload]
    var found = Set<Int>()
    // Threads each other workload holds in the unbarred entries, by node.
    var heldThreads: [Int: [Int: Int]] = [:]
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
          let node = model.llcs[entry].node
          for other in llc[entry].occupants where other != workload {
            let threads = placed[other]?.shares.first { $0.llc == entry }?.threads ?? 1
            heldThreads[other, default: [:]][node, default: 0] += threads
          }
        }
      }
    }
    let scopes = placesOf(workload)
    if cpuShort(workload) {
      for scope in scopes {
        let room = room(workload, scope.flatMap { model.nodes[$0].llcs })
        let short = demand.threads - room
        guard short > 0 else { continue }
        found.formUnion(
          covering(short, holders: heldThreads, besides: known) { held in
            scope.reduce(0) { $0 + (held[$1] ?? 0) }
          })
      }
    }
    if memoryShort(workload) {
      var heldMemory: [Int: [Int: Int]] = [:]
      for other in placed.indices where other != workload {
        guard let placement = placed[other] else { continue }
        for part in placement.memory {
          heldMemory[other, default: [:]][part.node, default: 0] += Int(clamping: part.amount)
        }
        for part in placement.hugePages {
          let bytes = Saturating.multiply(part.amount, demands[other].hugePageSize)
          heldMemory[other, default: [:]][part.node, default: 0] += Int(clamping: bytes)
        }
      }
      let need = Saturating.add(demand.memory, Solver.hugePageBytes(demand))
      for scope in scopes {
        let free = scope.reduce(UInt64(0)) { Saturating.add($0, memoryFree[$1]) }
        guard need > free else { continue }
        found.formUnion(
          covering(Int(clamping: need - free), holders: heldMemory, besides: known) { held in
            scope.reduce(0) { Saturating.add($0, held[$1] ?? 0) }
          })
      }
    }
    for candidates in demand.slots {
      for device in candidates { if let owner = deviceOwner[device] { found.insert(owner) } }
    }
    // No resource short by the sums (a packing the greedy missed): the
    // constrained holders of what it needs, else every holder.
    if found.isEmpty {
      let fresh = heldThreads.keys.filter { !known.contains($0) }
      let constrained = fresh.filter { rigidity(of: $0) > 0 }
      found = Set(constrained.isEmpty ? fresh : constrained)
    }
    return found.sorted()
  }

  /// The places `workload` may go, as sets of node indices: each node of
  /// its scope under `numa: single`, else the scope as one (the nodes of
  /// its devices under `nearDevices`, else every node).
  func placesOf(_ workload: Int) -> [[Int]] {
    let demand = demands[workload]
    var nodes = Array(model.nodes.indices)
    if demand.near {
      let deviceNodes = Set(demand.slots.joined().compactMap { model.deviceNode[$0] })
      if !deviceNodes.isEmpty { nodes = nodes.filter { deviceNodes.contains($0) } }
    }
    return demand.numa == .single ? nodes.map { [$0] } : [nodes]
  }

  /// The fewest holders not in `known`, most constrained first, whose
  /// amounts in a place (`amount` of their amounts by node) add up to
  /// `short`; all of them when they do not.
  func covering(
    _ short: Int, holders: [Int: [Int: Int]], besides known: Set<Int>,
    amount: ([Int: Int]) -> Int
  ) -> [Int] {
    let ranked = holders.compactMap { other, held -> (Int, Int)? in
      guard !known.contains(other) else { return nil }
      let here = amount(held)
      return here > 0 ? (other, here) : nil
    }.sorted { a, b in
      let (ra, rb) = (rigidity(of: a.0), rigidity(of: b.0))
      if ra != rb { return ra > rb }
      return a.1 != b.1 ? a.1 > b.1 : a.0 < b.0
    }
    var covered = 0
    var out: [Int] = []
    for (other, here) in ranked where covered < short {
      out.append(other)
      covered += here
    }
    return out
  }

  /// How many placement rules tie `workload` down: `numa`, `nearDevices`,
  /// `llc: exclusive`, `avoid`, an `smt` rule, devices. A workload without
  /// any can go anywhere its size fits.
  func rigidity(of workload: Int) -> Int {
    let demand = demands[workload]
    var rules = 0
    if demand.numa != .any { rules += 1 }
    if demand.near { rules += 1 }
    if demand.llcExclusive { rules += 1 }
    if !demand.avoid.isEmpty { rules += 1 }
    if demand.unit != .thread { rules += 1 }
    if !demand.slots.isEmpty { rules += 1 }
    return rules
  }

  /// Whether `workload`'s CPUs exceed the room its rules leave it: in one
  /// node under `numa: single`, on the whole host otherwise.
  func cpuShort(_ workload: Int) -> Bool {
    let demand = demands[workload]
    guard demand.threads > 0 else { return false }
    let rooms = placesOf(workload).map { room(workload, $0.flatMap { model.nodes[$0].llcs }) }
    return (rooms.max() ?? 0) < demand.threads
  }

  /// Whether `workload`'s memory and huge pages exceed the free node
  /// memory (one node's under `numa: single`).
  func memoryShort(_ workload: Int) -> Bool {
    let demand = demands[workload]
    let need = Saturating.add(demand.memory, Solver.hugePageBytes(demand))
    guard need > 0 else { return false }
    let free = placesOf(workload).map { scope in
      scope.reduce(UInt64(0)) { Saturating.add($0, memoryFree[$1]) }
    }
    return (free.max() ?? 0) < need
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
