import MKPolicy

/// The decision function: (measurements, sizes in force, planned sizes,
/// policy, state) -> the sizes to re-plan with. Pure: no clock, no host, no
/// randomness, so tests and the simulator call it exactly as the agent does.
///
/// Rules (docs/agent.md):
/// - a workload is *under pressure* when its CPU PSI `some` pressure is at or
///   above its threshold, and *idle* when every configured pressure is below
///   half its threshold (hysteresis) and it used less than `idle` percent of
///   its CPUs; either must hold for `window` before the agent acts on it;
/// - a workload under pressure grows by `step` (whole cores for
///   `smt: exclusive`), up to its `max`, from the shared pool's spare CPUs,
///   then from idle workloads, then from workloads of lower priority, then
///   from a workload of the same priority that holds more than its planned
///   share while the grower holds less; nobody goes below its `min`;
/// - an idle workload above its planned size gives `step` back; a workload
///   below its planned size takes CPUs back when they are free again;
/// - no workload is resized within `coolDown` of its last resize or during
///   its back-off, and no more than `maxResizesPerMinute` sizes change in
///   any minute.
/// The planned sizes (`home`) are the static plan's: with no pressure the
/// host returns to exactly the plan the policy compiles to.
public struct Decider: Sendable {
  public let policy: Policy
  /// Threads per core of the host (granule of `smt: exclusive` workloads,
  /// cost of an `smt: off` CPU).
  public let threadsPerCore: Int

  public init(policy: Policy, threadsPerCore: Int) {
    self.policy = policy
    self.threadsPerCore = max(1, threadsPerCore)
  }

  /// One managed workload as the decision sees it.
  struct Unit {
    var name: String
    var order: Int
    var rules: AgentRules
    var min: Int
    var max: Int
    var granule: Int
    var cost: Int
    var priority: Int
    var size: Int
    var home: Int
    var signal: WorkloadSignal?
    var pressuredNow = false
    var busyNow = false
    var pressured = false
    /// Calm for the window: no pressure above half a threshold.
    var calm = false
    var idle = false
    /// CPUs it holds but did not use, less one CPU of headroom.
    var spare = 0
    var eligible = false
  }

  /// The workloads the agent manages (CPUs, memory or both), in policy order.
  public var managed: [Workload] {
    guard let agent = policy.agent else { return [] }
    return policy.workloads.filter { agent.rules(for: $0) != nil }
  }

  /// The workloads whose CPUs the agent resizes, in policy order.
  public var cpuManaged: [Workload] {
    guard let agent = policy.agent else { return [] }
    return policy.workloads.filter { agent.managesCPUs($0) }
  }

  /// The workloads whose memory the agent resizes, in policy order.
  public var memoryManaged: [Workload] {
    guard let agent = policy.agent else { return [] }
    return policy.workloads.filter { agent.managesMemory($0) }
  }

  /// Smallest and largest CPU counts the solver can give `workload`
  /// (`min` rounded up and `max` down to whole cores for `smt: exclusive`).
  public func bounds(_ workload: Workload) -> ClosedRange<Int> {
    let g = granule(workload)
    let low = (max(0, workload.cpus.min) + g - 1) / g * g
    let high = max(low, (max(0, workload.cpus.max) / g) * g)
    return low...high
  }

  func granule(_ workload: Workload) -> Int { workload.smt == .exclusive ? threadsPerCore : 1 }
  func cost(_ workload: Workload) -> Int { workload.smt == .off ? threadsPerCore : 1 }

  /// CPUs the shared pool must keep: the shared workloads' minimums.
  var poolFloor: Int {
    policy.workloads.filter { $0.isolation == .shared }.reduce(0) { $0 + max(0, $1.cpus.min) }
  }

  public func decide(
    _ measurements: Measurements, current: Allocation, home: Allocation, state: AgentState
  ) -> Decision {
    let now = measurements.timeMilliseconds
    var next = state
    next.recentResizes = state.recentResizes.filter { now - $0 < 60_000 && $0 <= now }
    // A gap of more than three intervals (the agent was stopped, or the
    // clock is of another boot): what held before says nothing about now.
    let interval = policy.agent?.intervalMilliseconds ?? AgentPolicy.defaultIntervalMilliseconds
    if let last = state.lastMeasured, now - last > 3 * interval || now < last {
      for (name, var clock) in next.workloads {
        clock.forget(.cpus)
        clock.forget(.memory)
        if let resized = clock.lastResize, resized > now { clock.lastResize = nil }
        if let resized = clock.lastMemoryResize, resized > now { clock.lastMemoryResize = nil }
        if let until = clock.backoffUntil, until - now > AgentState.maxBackoffMilliseconds {
          clock.backoffUntil = nil
        }
        if let until = clock.memoryBackoffUntil, until - now > AgentState.maxBackoffMilliseconds {
          clock.memoryBackoffUntil = nil
        }
        next.workloads[name] = clock
      }
    }
    next.lastMeasured = now
    var units: [Unit] = []
    var memoryUnits: [MemoryUnit] = []
    for (order, workload) in policy.workloads.enumerated() {
      guard let agent = policy.agent, let rules = agent.rules(for: workload) else { continue }
      let signal = measurements.workloads[workload.name]
      var clock = next.clock(workload.name)
      // Nothing measured: neither pressure, calm nor idleness can be claimed.
      let busyNow = signal.map { Self.anyPressure($0, rules, fraction: 0.5) } ?? true
      clock.calmSince = !busyNow ? (clock.calmSince ?? now) : nil
      let calm = clock.calmSince.map { now - $0 >= rules.windowMilliseconds } ?? false
      if agent.managesCPUs(workload), let size = current.cpus[workload.name] {
        let bounds = bounds(workload)
        var unit = Unit(
          name: workload.name, order: order, rules: rules, min: bounds.lowerBound,
          max: bounds.upperBound, granule: granule(workload), cost: cost(workload),
          priority: workload.priority, size: size,
          home: min(bounds.upperBound, max(bounds.lowerBound, home.cpus[workload.name] ?? size)),
          signal: signal)
        unit.busyNow = busyNow
        if let signal {
          unit.pressuredNow =
            rules.cpuPressurePercent.map { signal.cpuPressure >= Double($0) } ?? false
          let lowUse = signal.cpuUse.map { $0 * 100 < Double(rules.idlePercent) } ?? false
          clock.pressuredSince = unit.pressuredNow ? (clock.pressuredSince ?? now) : nil
          clock.idleSince = !busyNow && lowUse ? (clock.idleSince ?? now) : nil
          if let use = signal.cpuUse {
            let used = Int((use * Double(size)).rounded(.up))
            unit.spare = max(0, size - used - 1)
          }
        } else {
          clock.pressuredSince = nil
          clock.idleSince = nil
        }
        unit.pressured =
          clock.pressuredSince.map { now - $0 >= rules.windowMilliseconds } ?? false
        unit.idle = clock.idleSince.map { now - $0 >= rules.windowMilliseconds } ?? false
        unit.calm = calm
        let cooled = clock.lastResize.map { now - $0 >= rules.coolDownMilliseconds } ?? true
        let backedOff = clock.backoffUntil.map { now < $0 } ?? false
        unit.eligible = cooled && !backedOff
        units.append(unit)
      }
      if agent.managesMemory(workload), let size = current.memory[workload.name] {
        memoryUnits.append(
          memoryUnit(
            workload, order: order, rules: rules, size: size, home: home, signal: signal,
            busyNow: busyNow, calm: calm, clock: &clock, now: now))
      }
      next.workloads[workload.name] = clock
    }
    var decision = Decision(
      timeMilliseconds: now, target: current, resizes: [], notes: [], state: next)
    if state.paused {
      if units.contains(where: { $0.pressured || ($0.idle && $0.size > $0.home) })
        || memoryUnits.contains(where: { $0.pressured || ($0.idle && $0.size > $0.home) })
      {
        decision.notes.append("paused: no resize")
      }
      return decision
    }
    let cap = policy.agent?.maxResizesPerMinute ?? AgentPolicy.defaultMaxResizesPerMinute
    var budget = cap - next.recentResizes.count
    var pool = current.pool
    let floor = poolFloor
    var involved = Set<String>()
    var resizes: [Resize] = []
    func floored(_ value: Int, _ granule: Int) -> Int { max(0, value) / granule * granule }
    func ceiled(_ value: Int, _ granule: Int) -> Int {
      (max(0, value) + granule - 1) / granule * granule
    }

    // 1. Growth under pressure, the highest priority first.
    let growers = units.indices.filter { units[$0].pressured && units[$0].eligible }
      .sorted {
        let a = units[$0]
        let b = units[$1]
        if a.priority != b.priority { return a.priority > b.priority }
        let pa = a.signal?.cpuPressure ?? 0
        let pb = b.signal?.cpuPressure ?? 0
        if pa != pb { return pa > pb }
        return a.order < b.order
      }
    for g in growers {
      let grower = units[g]
      guard !involved.contains(grower.name) else { continue }
      let want = min(
        ceiled(grower.rules.step, grower.granule), floored(grower.max - grower.size, grower.granule)
      )
      guard want > 0 else {
        if grower.size >= grower.max {
          decision.notes.append("\(grower.name): under pressure at its max (\(grower.max) CPUs)")
        }
        continue
      }
      guard budget >= 1 else {
        decision.notes.append(
          "\(grower.name): under pressure, but \(cap) resizes a minute already made")
        break
      }
      let need = want * grower.cost
      let fromPool = min(max(0, pool - floor), need)
      var remaining = need - fromPool
      var takes: [(index: Int, cpus: Int)] = []
      var donorBudget = budget - 1
      if remaining > 0 {
        for (d, rank) in donors(for: g, units, involved: involved) {
          guard donorBudget >= 1, remaining > 0 else { break }
          let donor = units[d]
          // A lower priority gives down to its min; a calm workload what it
          // leaves unused; one of the same priority down to its planned size.
          let floorSize =
            donor.priority < grower.priority
            ? donor.min
            : rank == 0 ? max(donor.min, donor.size - donor.spare) : max(donor.min, donor.home)
          let limit = donor.size - floorSize
          let room = floored(limit, donor.granule)
          let give = min(room, ceiled((remaining + donor.cost - 1) / donor.cost, donor.granule))
          guard give > 0 else { continue }
          takes.append((d, give))
          remaining -= give * donor.cost
          donorBudget -= 1
        }
      }
      let donated = takes.reduce(0) { $0 + $1.cpus * units[$1.index].cost }
      let grow = min(want, floored((fromPool + donated) / grower.cost, grower.granule))
      guard grow > 0 else {
        decision.notes.append(
          "\(grower.name): under pressure, but no CPUs can be given (others at their min, busy with equal or higher priority, or cooling down)"
        )
        continue
      }
      pool += donated - grow * grower.cost
      units[g].size += grow
      involved.insert(grower.name)
      budget -= 1 + takes.count
      resizes.append(
        Resize(
          workload: grower.name, before: grower.size, after: grower.size + grow, reason: .pressure,
          counterpart: takes.first.map { units[$0.index].name }, signal: grower.signal))
      for take in takes {
        let donor = units[take.index]
        units[take.index].size -= take.cpus
        involved.insert(donor.name)
        resizes.append(
          Resize(
            workload: donor.name, before: donor.size, after: donor.size - take.cpus,
            reason: .givesWay, counterpart: grower.name, signal: donor.signal))
      }
    }

    // 2. Idle workloads above their planned size give back.
    for i in units.indices where budget >= 1 {
      let unit = units[i]
      guard !involved.contains(unit.name), unit.eligible, unit.idle, unit.size > unit.home
      else { continue }
      let give = min(
        ceiled(unit.rules.step, unit.granule), floored(unit.size - unit.home, unit.granule))
      guard give > 0 else { continue }
      units[i].size -= give
      pool += give * unit.cost
      involved.insert(unit.name)
      budget -= 1
      resizes.append(
        Resize(
          workload: unit.name, before: unit.size, after: unit.size - give, reason: .idleReturn,
          signal: unit.signal))
    }

    // 3. Workloads below their planned size take back what is free again
    // (the pool above its own planned size), the highest priority first.
    let below = units.indices.filter { units[$0].size < units[$0].home }
      .sorted {
        units[$0].priority != units[$1].priority
          ? units[$0].priority > units[$1].priority : units[$0].order < units[$1].order
      }
    for i in below where budget >= 1 {
      let unit = units[i]
      guard !involved.contains(unit.name), unit.eligible else { continue }
      let spare = pool - max(floor, home.pool)
      let take = min(
        ceiled(unit.rules.step, unit.granule), floored(unit.home - unit.size, unit.granule),
        floored(spare / unit.cost, unit.granule))
      guard take > 0 else { continue }
      units[i].size += take
      pool -= take * unit.cost
      involved.insert(unit.name)
      budget -= 1
      resizes.append(
        Resize(
          workload: unit.name, before: unit.size, after: unit.size + take, reason: .restore,
          signal: unit.signal))
    }

    var target = current
    for unit in units { target.cpus[unit.name] = unit.size }
    target.pool = pool
    resizes += decideMemory(
      &memoryUnits, free: &target.memoryFree, homeFree: home.memoryFree, budget: &budget,
      cap: cap, notes: &decision.notes)
    for unit in memoryUnits { target.memory[unit.name] = unit.size }
    decision.target = target
    decision.resizes = resizes
    return decision
  }

  /// Who may give CPUs to `grower`, in the order they are asked, with the
  /// rank that decided it: 0, calm workloads with CPUs they do not use;
  /// 1, lower priorities (the lowest first); 2, workloads of the same
  /// priority above their planned size while the grower is below its own.
  /// Never one under pressure of its own unless its priority is lower.
  func donors(for grower: Int, _ units: [Unit], involved: Set<String>) -> [(Int, Int)] {
    let g = units[grower]
    func rank(_ d: Int) -> Int? {
      let u = units[d]
      // A workload that could not be measured is left alone.
      guard d != grower, u.eligible, u.signal != nil, !involved.contains(u.name), u.size > u.min
      else { return nil }
      if u.calm && u.spare > 0 { return 0 }
      if u.priority < g.priority { return 1 }
      if u.priority == g.priority && u.size > u.home && g.size < g.home { return 2 }
      return nil
    }
    return units.indices.compactMap { d in rank(d).map { (d, $0) } }
      .sorted { a, b in
        if a.1 != b.1 { return a.1 < b.1 }
        let ua = units[a.0]
        let ub = units[b.0]
        if ua.priority != ub.priority { return ua.priority < ub.priority }
        if ua.size - ua.home != ub.size - ub.home { return ua.size - ua.home > ub.size - ub.home }
        return ua.order < ub.order
      }
  }

  /// Any configured pressure at or above `fraction` of its threshold.
  static func anyPressure(_ signal: WorkloadSignal, _ rules: AgentRules, fraction: Double) -> Bool {
    func over(_ value: Double?, _ threshold: Int?) -> Bool {
      guard let value, let threshold else { return false }
      return value >= Double(threshold) * fraction
    }
    return over(signal.cpuPressure, rules.cpuPressurePercent)
      || over(signal.memoryPressure, rules.memoryPressurePercent)
      || over(signal.ioPressure, rules.ioPressurePercent)
  }
}
