/// Kuhn's augmenting-path matching of requested devices (slots) to devices.
enum Matching {
  /// A device per slot, or nil when some slot cannot be served.
  static func bipartite(slots: [[Int]], deviceCount: Int) -> [Int]? {
    var owner = Array(repeating: -1, count: deviceCount)
    var assigned = Array(repeating: -1, count: slots.count)
    for s in slots.indices {
      var visited = Array(repeating: false, count: deviceCount)
      guard augment(s, slots, &owner, &assigned, &visited) else { return nil }
    }
    return assigned
  }

  private static func augment(
    _ s: Int, _ slots: [[Int]], _ owner: inout [Int], _ assigned: inout [Int],
    _ visited: inout [Bool]
  ) -> Bool {
    for dev in slots[s] where !visited[dev] {
      visited[dev] = true
      if owner[dev] < 0 || augment(owner[dev], slots, &owner, &assigned, &visited) {
        owner[dev] = s
        assigned[s] = dev
        return true
      }
    }
    return false
  }

  /// The size of a maximum matching (for explanations).
  static func maximum(slots: [[Int]], deviceCount: Int) -> Int {
    var owner = Array(repeating: -1, count: deviceCount)
    var assigned = Array(repeating: -1, count: slots.count)
    var size = 0
    for s in slots.indices {
      var visited = Array(repeating: false, count: deviceCount)
      if augment(s, slots, &owner, &assigned, &visited) { size += 1 }
    }
    return size
  }
}
