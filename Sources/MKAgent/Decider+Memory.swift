import MKPolicy

/// Memory decisions: the same pure function as for CPUs, in bytes.
///
/// - A workload is *short of memory* when its memory PSI `some` is at or
///   above `pressure.memory` while it is at its limit (`memory.events` high
///   rose, or `memory.current` is within a step of the memory it is
///   granted): more memory relieves only a workload its own limit holds
///   back, not one stalled by the host's reclaim. It is *idle* when calm
///   (every configured pressure below half its threshold) and it holds less
///   than `idle` percent of its memory, or all it holds fits in its planned
///   memory with a step to spare. Either must hold for `window`.
/// - Short of memory for the window, it grows by `memoryStep` up to its
///   `max`: from host memory no workload is granted, then from calm
///   workloads' unused memory, then from lower priorities, then from a
///   workload of the same priority above its planned size while the grower
///   is below its own.
/// - Nobody is ever given less than it holds now (`memory.current`) plus a
///   step of headroom, nor less than its `min`: shrinking a limit below the
///   memory in use would make the kernel reclaim it at once, or kill. What
///   that keeps a workload from giving is said in the decision's notes.
/// - Idle above its planned size, it gives `memoryStep` back; below it, it
///   takes memory back once it is free again.
/// - Memory has its own cool-down clock and back-off; the per-minute cap
///   counts CPU and memory resizes together.
extension Decider {
  /// Memory changes in whole MiB.
  static let memoryGranule: UInt64 = 1 << 20

  struct MemoryUnit {
    var name: String
    var order: Int
    var rules: AgentRules
    var min: UInt64
    var max: UInt64
    var priority: Int
    var size: UInt64
    var home: UInt64
    var signal: WorkloadSignal?
    /// `memory.current`; nil when not measured (then never a donor).
    var used: UInt64?
    var pressured = false
    var calm = false
    var idle = false
    var eligible = false

    /// The least it may be given now: its min, and what it holds plus one
    /// step of headroom (all it has when not measured).
    var floor: UInt64 {
      guard let used else { return size }
      let safe = Decider.ceiled(used.addingReportingOverflow(rules.memoryStepBytes).partialValue)
      return Swift.max(min, Swift.min(safe, Swift.max(size, min)))
    }
  }

  /// Smallest and largest memory the agent may grant `workload`.
  public func memoryBounds(_ workload: Workload) -> ClosedRange<UInt64> {
    workload.memory.min...Swift.max(workload.memory.min, workload.memory.max)
  }

  static func floored(_ value: UInt64) -> UInt64 { value / memoryGranule * memoryGranule }
  static func ceiled(_ value: UInt64) -> UInt64 {
    let (sum, overflow) = value.addingReportingOverflow(memoryGranule - 1)
    return overflow ? floored(value) : floored(sum)
  }

  /// One workload's memory as the decision sees it, with its clocks
  /// advanced by this measurement.
  func memoryUnit(
    _ workload: Workload, order: Int, rules: AgentRules, size: UInt64, home: Allocation,
    signal: WorkloadSignal?, busyNow: Bool, calm: Bool, clock: inout AgentState.Clock, now: Int
  ) -> MemoryUnit {
    let bounds = memoryBounds(workload)
    var unit = MemoryUnit(
      name: workload.name, order: order, rules: rules, min: bounds.lowerBound,
      max: bounds.upperBound, priority: workload.priority, size: size,
      home: Swift.min(
        bounds.upperBound, Swift.max(bounds.lowerBound, home.memory[workload.name] ?? size)),
      signal: signal, used: signal?.memoryCurrent)
    if let signal, let used = signal.memoryCurrent, let threshold = rules.memoryPressurePercent {
      let atLimit =
        (signal.memoryHighEvents ?? 0) > 0
        || used.addingReportingOverflow(rules.memoryStepBytes).partialValue >= size
      let short = (signal.memoryPressure ?? 0) >= Double(threshold) && atLimit
      // Idle: little of its memory held, or all it holds fits in its planned
      // memory with a step to spare (what it took in a burst goes back).
      let lowUse =
        Double(used) * 100 < Double(rules.idlePercent) * Double(size)
        || used.addingReportingOverflow(rules.memoryStepBytes).partialValue <= unit.home
      clock.memoryPressuredSince = short ? (clock.memoryPressuredSince ?? now) : nil
      clock.memoryIdleSince = !busyNow && lowUse ? (clock.memoryIdleSince ?? now) : nil
    } else {
      clock.memoryPressuredSince = nil
      clock.memoryIdleSince = nil
      unit.used = nil
    }
    unit.pressured =
      clock.memoryPressuredSince.map { now - $0 >= rules.windowMilliseconds } ?? false
    unit.idle = clock.memoryIdleSince.map { now - $0 >= rules.windowMilliseconds } ?? false
    unit.calm = calm
    let cooled = clock.lastMemoryResize.map { now - $0 >= rules.coolDownMilliseconds } ?? true
    let backedOff = clock.memoryBackoffUntil.map { now < $0 } ?? false
    unit.eligible = cooled && !backedOff
    return unit
  }

  /// Grows, gives back and restores memory; `free` is host memory no
  /// workload is granted, `homeFree` what the static plan leaves so.
  func decideMemory(
    _ units: inout [MemoryUnit], free: inout UInt64, homeFree: UInt64, budget: inout Int,
    cap: Int, notes: inout [String]
  ) -> [Resize] {
    var involved = Set<String>()
    var resizes: [Resize] = []
    func mib(_ bytes: UInt64) -> String { "\(bytes >> 20)MiB" }

    // 1. Growth when short of memory, the highest priority first.
    let growers = units.indices.filter { units[$0].pressured && units[$0].eligible }
      .sorted {
        let a = units[$0]
        let b = units[$1]
        if a.priority != b.priority { return a.priority > b.priority }
        let pa = a.signal?.memoryPressure ?? 0
        let pb = b.signal?.memoryPressure ?? 0
        if pa != pb { return pa > pb }
        return a.order < b.order
      }
    for g in growers {
      let grower = units[g]
      let want = Swift.min(
        Self.ceiled(grower.rules.memoryStepBytes),
        Self.floored(grower.max - Swift.min(grower.max, grower.size)))
      guard want > 0 else {
        notes.append("\(grower.name): short of memory at its max (\(mib(grower.max)))")
        continue
      }
      guard budget >= 1 else {
        notes.append(
          "\(grower.name): short of memory, but \(cap) resizes a minute already made")
        break
      }
      let fromFree = Self.floored(Swift.min(free, want))
      var remaining = want - fromFree
      var takes: [(index: Int, bytes: UInt64)] = []
      var donorBudget = budget - 1
      for (d, rank) in memoryDonors(for: g, units, involved: involved) where remaining > 0 {
        guard donorBudget >= 1 else { break }
        let donor = units[d]
        let keep =
          donor.priority < grower.priority || rank == 0
          ? donor.floor : Swift.max(donor.floor, donor.home)
        guard donor.size > keep else { continue }
        let give = Swift.min(Self.floored(donor.size - keep), remaining)
        guard give > 0 else { continue }
        takes.append((d, give))
        remaining -= give
        donorBudget -= 1
      }
      let grow = fromFree + takes.reduce(0) { $0 + $1.bytes }
      guard grow > 0 else {
        notes.append(
          "\(grower.name): short of memory, but none can be given (others use theirs, are at their min, of equal or higher priority, or cooling down)"
        )
        continue
      }
      free -= fromFree
      units[g].size += grow
      involved.insert(grower.name)
      budget -= 1 + takes.count
      resizes.append(
        Resize(
          workload: grower.name, resource: .memory, before: Int(grower.size),
          after: Int(grower.size + grow), reason: .pressure,
          counterpart: takes.first.map { units[$0.index].name }, signal: grower.signal))
      for take in takes {
        let donor = units[take.index]
        units[take.index].size -= take.bytes
        involved.insert(donor.name)
        resizes.append(
          Resize(
            workload: donor.name, resource: .memory, before: Int(donor.size),
            after: Int(donor.size - take.bytes), reason: .givesWay, counterpart: grower.name,
            signal: donor.signal))
      }
    }

    // 2. Idle workloads above their planned size give back, never below
    // what they hold.
    for i in units.indices where budget >= 1 {
      let unit = units[i]
      guard !involved.contains(unit.name), unit.eligible, unit.idle, unit.size > unit.home
      else { continue }
      let lowest = Swift.max(unit.home, unit.floor)
      let give =
        unit.size > lowest
        ? Swift.min(Self.ceiled(unit.rules.memoryStepBytes), Self.floored(unit.size - lowest)) : 0
      guard give > 0 else {
        notes.append(
          "\(unit.name): idle above its planned memory, but holds \(mib(unit.used ?? unit.size)): not shrunk below that"
        )
        continue
      }
      units[i].size -= give
      free += give
      involved.insert(unit.name)
      budget -= 1
      resizes.append(
        Resize(
          workload: unit.name, resource: .memory, before: Int(unit.size),
          after: Int(unit.size - give), reason: .idleReturn, signal: unit.signal))
    }

    // 3. Workloads below their planned size take back what is free again.
    let below = units.indices.filter { units[$0].size < units[$0].home }
      .sorted {
        units[$0].priority != units[$1].priority
          ? units[$0].priority > units[$1].priority : units[$0].order < units[$1].order
      }
    for i in below where budget >= 1 {
      let unit = units[i]
      guard !involved.contains(unit.name), unit.eligible, free > homeFree else { continue }
      let take = Self.floored(
        Swift.min(Self.ceiled(unit.rules.memoryStepBytes), unit.home - unit.size, free - homeFree))
      guard take > 0 else { continue }
      units[i].size += take
      free -= take
      involved.insert(unit.name)
      budget -= 1
      resizes.append(
        Resize(
          workload: unit.name, resource: .memory, before: Int(unit.size),
          after: Int(unit.size + take), reason: .restore, signal: unit.signal))
    }
    return resizes
  }

  /// Who may give memory to `grower`, with the rank that decided it: 0,
  /// calm workloads holding less than they are granted; 1, lower priorities;
  /// 2, the same priority above its planned size while the grower is below.
  /// Never one not measured, nor one short of memory itself unless its
  /// priority is lower.
  func memoryDonors(for grower: Int, _ units: [MemoryUnit], involved: Set<String>) -> [(Int, Int)] {
    let g = units[grower]
    func rank(_ d: Int) -> Int? {
      let u = units[d]
      guard d != grower, u.eligible, u.used != nil, !involved.contains(u.name), u.size > u.floor
      else { return nil }
      if u.calm && !u.pressured { return 0 }
      if u.priority < g.priority { return 1 }
      if u.priority == g.priority && u.size > u.home && g.size < g.home && !u.pressured {
        return 2
      }
      return nil
    }
    return units.indices.compactMap { d in rank(d).map { (d, $0) } }
      .sorted { a, b in
        if a.1 != b.1 { return a.1 < b.1 }
        let ua = units[a.0]
        let ub = units[b.0]
        if ua.priority != ub.priority { return ua.priority < ub.priority }
        let ea = Int64(bitPattern: ua.size &- ua.home)
        let eb = Int64(bitPattern: ub.size &- ub.home)
        if ea != eb { return ea > eb }
        return ua.order < ub.order
      }
  }
}
