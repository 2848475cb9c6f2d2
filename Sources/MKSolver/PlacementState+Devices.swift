import MKCore
import MKPolicy

/// Devices: requested devices matched jointly, so that taking one never
/// strands another workload's request (`Matching`).
extension PlacementState {

  /// Matches `workload`'s requested devices (in `preference` order per slot) together
  /// with every unplaced workload's, so taking them never strands another.
  func matchDevices(
    _ workload: Int, restrict: ((Int) -> Bool)?, rank: (Int) -> Double, joint: Bool = true
  ) -> [Int]? {
    let demand = demands[workload]
    guard !demand.slots.isEmpty else { return [] }
    var slots: [[Int]] = demand.slots.map { cands in
      cands.filter { deviceOwner[$0] == nil && (restrict?($0) ?? true) }
        .sorted { rank($0) != rank($1) ? rank($0) < rank($1) : $0 < $1 }
    }
    for other in demands.indices
    where joint && other != workload && placed[other] == nil && !demands[other].slots.isEmpty {
      for cands in demands[other].slots { slots.append(cands.filter { deviceOwner[$0] == nil }) }
    }
    guard let match = Matching.bipartite(slots: slots, deviceCount: model.devices.count) else {
      return nil
    }
    return Array(match.prefix(demand.slots.count)).sorted()
  }

  /// Whether every unplaced workload's devices can still be matched once `workload`
  /// takes `devices` (quick when none of them wants those devices).
  func othersStillMatch(_ workload: Int, taking devices: [Int]) -> Bool {
    let taken = Set(devices)
    var slots: [[Int]] = []
    var contested = false
    for other in demands.indices
    where other != workload && placed[other] == nil && !demands[other].slots.isEmpty {
      for cands in demands[other].slots {
        if !contested && cands.contains(where: { taken.contains($0) }) { contested = true }
        slots.append(cands.filter { deviceOwner[$0] == nil && !taken.contains($0) })
      }
    }
    guard contested else { return true }
    return Matching.bipartite(slots: slots, deviceCount: model.devices.count) != nil
  }

  /// Device choices for a `nearDevices` workload: all on one node, or (when
  /// the workload may span nodes) wherever they match.
  func deviceOptions(_ workload: Int) -> [(devices: [Int], nodes: [Int]?)] {
    let demand = demands[workload]
    var options: [(devices: [Int], nodes: [Int]?)] = []
    var seenNodes = Set<Int>()
    for cands in demand.slots {
      for dev in cands where deviceOwner[dev] == nil {
        if let node = model.deviceNode[dev] { seenNodes.insert(node) }
      }
    }
    for node in seenNodes.sorted() {
      if let devs = matchDevices(
        workload, restrict: { model.deviceNode[$0] == node }, rank: { Double($0) }, joint: false)
      {
        options.append((devs, [node]))
      }
    }
    if demand.numa != .single || options.isEmpty {
      let roomByNode = model.nodes.indices.map { room(workload, model.nodes[$0].llcs) }
      if let devs = matchDevices(
        workload, restrict: nil,
        rank: { dev in model.deviceNode[dev].map { -Double(roomByNode[$0]) } ?? 0 }, joint: false)
      {
        let nodes = Array(Set(devs.compactMap { model.deviceNode[$0] })).sorted()
        if !options.contains(where: { $0.devices == devs }) {
          options.append((devs, nodes.isEmpty ? nil : nodes))
        }
      }
    }
    return options
  }
}
