import MKCore
import MKPlan
import MKPolicy
import MKTopology

/// Replays a trace against the decision function and the real re-planner,
/// next to the static plan, and counts what matters: time under pressure,
/// resizes, failed re-plans and rule violations.
///
/// The load model (docs/agent.md): a workload with demand `d` CPUs on `n`
/// CPUs stalls while `d > n`; its CPU `some` pressure over an interval is
/// `min(1, d - n)` (each CPU of excess work is a task waiting all the time),
/// as the agent measures it from PSI's `total`; its use is `min(d, n) / n`.
/// A plan takes effect at the next measurement.
///
/// Memory (a trace column `NAME.memory`, working set in MiB): a workload
/// whose working set `w` exceeds the memory it is granted `h` stalls on
/// reclaim for the share of its working set that does not fit, so its
/// memory `some` pressure is `100 * (w - h) / w` percent, its
/// `memory.events` high count rises and `memory.current` is `h`; below its
/// grant it holds `w` and does not stall.
public struct Simulator: Sendable {
  public let policy: Policy
  public let topology: Topology

  public init(policy: Policy, topology: Topology) {
    self.policy = policy
    self.topology = topology
  }

  public struct WorkloadFigures: Sendable, Hashable, Codable {
    public var name: String
    public var min: Int
    public var max: Int
    public var planned: Int
    /// Seconds with demand above the CPUs held: the static plan, the agent.
    public var pressureSecondsStatic: Double
    public var pressureSecondsAgent: Double
    /// CPU-seconds of work that waited for a CPU (demand above CPUs held).
    public var waitingCPUSecondsStatic: Double
    public var waitingCPUSecondsAgent: Double
    public var resizes: Int
    public var smallest: Int
    public var largest: Int
  }

  /// One workload's memory over a trace (MiB).
  public struct MemoryFigures: Sendable, Hashable, Codable {
    public var name: String
    public var minMiB: Int
    public var maxMiB: Int
    public var plannedMiB: Int
    /// Seconds with a working set above the memory granted: static plan, agent.
    public var pressureSecondsStatic: Double
    public var pressureSecondsAgent: Double
    /// MiB-seconds of working set that did not fit.
    public var shortMiBSecondsStatic: Double
    public var shortMiBSecondsAgent: Double
    public var resizes: Int
    public var smallestMiB: Int
    public var largestMiB: Int
  }

  public struct Report: Sendable, Hashable, Codable {
    public var trace: String
    public var seconds: Double
    public var intervalSeconds: Double
    public var workloads: [WorkloadFigures]
    /// Workloads whose memory the agent manages and the trace loads.
    public var memory: [MemoryFigures] = []
    public var resizes: Int
    public var resizesPerHour: Double
    /// Decisions the solver refused or that broke a bound (then backed off).
    public var failedReplans: Int
    /// Rules broken by any plan the agent made (docs: `RuleCheck`); 0 is the goal.
    public var ruleViolations: [String]
    public var pressureSecondsStatic: Double {
      workloads.reduce(0) { $0 + $1.pressureSecondsStatic }
    }
    public var pressureSecondsAgent: Double { workloads.reduce(0) { $0 + $1.pressureSecondsAgent } }
    public var waitingCPUSecondsStatic: Double {
      workloads.reduce(0) { $0 + $1.waitingCPUSecondsStatic }
    }
    public var waitingCPUSecondsAgent: Double {
      workloads.reduce(0) { $0 + $1.waitingCPUSecondsAgent }
    }

    /// One table row per workload and a total line, for people.
    public func render() -> String {
      func fixed(_ value: Double, _ decimals: Int = 0) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard decimals > 0 else { return "\(scaled)" }
        let text = String(scaled)
        let padded = String(repeating: "0", count: max(0, decimals + 1 - text.count)) + text
        return padded.dropLast(decimals) + "." + padded.suffix(decimals)
      }
      var out = "trace \(trace): \(fixed(seconds)) s at \(fixed(intervalSeconds, 1)) s intervals\n"
      if !workloads.isEmpty || memory.isEmpty {
        out +=
          "  workload: min..max, planned, CPUs held, under pressure s (static -> agent), waiting CPU-s (static -> agent), resizes\n"
      }
      for w in workloads {
        out +=
          "  \(w.name): \(w.min)..\(w.max), \(w.planned), \(w.smallest)..\(w.largest), \(fixed(w.pressureSecondsStatic)) -> \(fixed(w.pressureSecondsAgent)), \(fixed(w.waitingCPUSecondsStatic)) -> \(fixed(w.waitingCPUSecondsAgent)), \(w.resizes)\n"
      }
      if !memory.isEmpty {
        out +=
          "  memory: min..max, planned, held (MiB), over its memory s (static -> agent), short MiB-s (static -> agent), resizes\n"
        for m in memory {
          out +=
            "  \(m.name).memory: \(m.minMiB)..\(m.maxMiB), \(m.plannedMiB), \(m.smallestMiB)..\(m.largestMiB), \(fixed(m.pressureSecondsStatic)) -> \(fixed(m.pressureSecondsAgent)), \(fixed(m.shortMiBSecondsStatic)) -> \(fixed(m.shortMiBSecondsAgent)), \(m.resizes)\n"
        }
      }
      let cpu =
        workloads.isEmpty && !memory.isEmpty
        ? ""
        : "under pressure \(fixed(pressureSecondsStatic)) s -> \(fixed(pressureSecondsAgent)) s, waiting \(fixed(waitingCPUSecondsStatic)) -> \(fixed(waitingCPUSecondsAgent)) CPU-s, "
      let short =
        memory.isEmpty
        ? ""
        : "short of memory \(fixed(memory.reduce(0) { $0 + $1.shortMiBSecondsStatic })) -> \(fixed(memory.reduce(0) { $0 + $1.shortMiBSecondsAgent })) MiB-s, "
      out +=
        "  total: \(cpu)\(short)\(resizes) resizes (\(fixed(resizesPerHour, 1))/h), \(failedReplans) refused re-plans, \(ruleViolations.count) rule violations\n"
      for violation in ruleViolations { out += "  violation: \(violation)\n" }
      return out
    }
  }

  public func run(_ trace: Trace) -> Result<Report, DiagnosticError> {
    let unknown = trace.workloads.filter {
      policy.workload(named: $0.hasSuffix(".memory") ? String($0.dropLast(7)) : $0) == nil
    }
    guard unknown.isEmpty else {
      return .failure(
        DiagnosticError(
          .error(
            "E711",
            "trace \(trace.name) names \(unknown.map { "'\($0)'" }.joined(separator: ", ")), which the policy \(policy.metadata.name) does not have",
            help: ["name the policy's workloads in the trace header"])))
    }
    let replanner = Replanner(policy: policy, topology: topology)
    let staticPlan: Plan
    switch replanner.staticPlan(previous: nil) {
    case .success(let plan): staticPlan = plan
    case .failure(let error): return .failure(error)
    }
    let decider = Decider(policy: policy, threadsPerCore: topology.threadsPerCore)
    let check = RuleCheck(policy: policy, topology: topology)
    let home = Allocation(plan: staticPlan, policy: policy, topology: topology)
    let interval = policy.agent?.intervalMilliseconds ?? AgentPolicy.defaultIntervalMilliseconds
    let managed = decider.cpuManaged.map(\.name)
    let memoryManaged = Set(decider.memoryManaged.map(\.name))
    let memoryLoaded = decider.memoryManaged.map(\.name).filter {
      trace.workloads.contains($0 + ".memory")
    }
    let signalled = decider.managed.map(\.name)
    var memoryFigures: [String: MemoryFigures] = [:]
    for name in memoryLoaded {
      let bounds = decider.memoryBounds(policy.workload(named: name)!)
      let planned = Int((home.memory[name] ?? 0) >> 20)
      memoryFigures[name] = MemoryFigures(
        name: name, minMiB: Int(bounds.lowerBound >> 20), maxMiB: Int(bounds.upperBound >> 20),
        plannedMiB: planned, pressureSecondsStatic: 0, pressureSecondsAgent: 0,
        shortMiBSecondsStatic: 0, shortMiBSecondsAgent: 0, resizes: 0, smallestMiB: planned,
        largestMiB: planned)
    }
    var plan = staticPlan
    var state = AgentState()
    var figures: [String: WorkloadFigures] = [:]
    for name in managed {
      let workload = policy.workload(named: name)!
      let bounds = decider.bounds(workload)
      let planned = home.cpus[name] ?? 0
      figures[name] = WorkloadFigures(
        name: name, min: bounds.lowerBound, max: bounds.upperBound, planned: planned,
        pressureSecondsStatic: 0, pressureSecondsAgent: 0, waitingCPUSecondsStatic: 0,
        waitingCPUSecondsAgent: 0, resizes: 0, smallest: planned,
        largest: planned)
    }
    var failed = 0
    var violations: [String] = []
    let start = trace.samples.first?.milliseconds ?? 0
    var time = start
    let end = start + trace.duration
    while time < end {
      let demand = trace.demand(at: time)
      let current = Allocation(plan: plan, policy: policy, topology: topology)
      var signals: [String: WorkloadSignal] = [:]
      for name in signalled where !managed.contains(name) {
        signals[name] = WorkloadSignal(cpuPressure: 0)
      }
      for name in managed {
        let d = demand[name] ?? 0
        let held = current.cpus[name] ?? 0
        let planned = home.cpus[name] ?? 0
        let seconds = Double(interval) / 1000
        if d > Double(planned) { figures[name]?.pressureSecondsStatic += seconds }
        if d > Double(held) { figures[name]?.pressureSecondsAgent += seconds }
        figures[name]?.waitingCPUSecondsStatic += max(0, d - Double(planned)) * seconds
        figures[name]?.waitingCPUSecondsAgent += max(0, d - Double(held)) * seconds
        let stall = min(1, max(0, d - Double(held))) * 100
        signals[name] = WorkloadSignal(
          cpuPressure: stall,
          cpuUse: held > 0 ? min(d, Double(held)) / Double(held) : 0)
      }
      let seconds = Double(interval) / 1000
      for name in memoryLoaded {
        let mib = demand[name + ".memory"] ?? 0
        let w = UInt64(max(0, mib) * 1_048_576)
        let h = current.memory[name] ?? 0
        let planned = home.memory[name] ?? 0
        func short(_ limit: UInt64) -> Double { w > limit ? Double(w - limit) / 1_048_576 : 0 }
        if w > planned { memoryFigures[name]?.pressureSecondsStatic += seconds }
        if w > h { memoryFigures[name]?.pressureSecondsAgent += seconds }
        memoryFigures[name]?.shortMiBSecondsStatic += short(planned) * seconds
        memoryFigures[name]?.shortMiBSecondsAgent += short(h) * seconds
        var signal = signals[name] ?? WorkloadSignal(cpuPressure: 0)
        signal.memoryPressure = w > h && w > 0 ? 100 * Double(w - h) / Double(w) : 0
        signal.memoryHighEvents = w > h ? 1 : 0
        signal.memoryCurrent = min(w, h)
        signals[name] = signal
      }
      let decision = decider.decide(
        Measurements(timeMilliseconds: time, workloads: signals), current: current, home: home,
        state: state)
      if decision.changes {
        let memory = decision.target.memory.filter { memoryManaged.contains($0.key) }
        switch replanner.plan(sizes: decision.target.cpus, memory: memory, previous: plan) {
        case .success(let next):
          let broken = check.violations(next, reference: staticPlan)
          violations += broken.map { "t=\(time / 1000)s: \($0)" }
          let got = Allocation(plan: next, policy: policy)
          if decision.resizes.allSatisfy({ got.holds($0) }) {
            plan = next
            state = state.committing(decision)
            for resize in decision.resizes where resize.resource == .memory {
              guard var figure = memoryFigures[resize.workload] else { continue }
              figure.resizes += 1
              figure.smallestMiB = min(figure.smallestMiB, resize.after >> 20)
              figure.largestMiB = max(figure.largestMiB, resize.after >> 20)
              memoryFigures[resize.workload] = figure
            }
            for resize in decision.resizes where resize.resource == .cpus {
              guard var figure = figures[resize.workload] else { continue }
              figure.resizes += 1
              figure.smallest = min(figure.smallest, resize.after)
              figure.largest = max(figure.largest, resize.after)
              figures[resize.workload] = figure
            }
          } else {
            failed += 1
            state = state.failing(decision) { decider.coolDown($0) }
          }
        case .failure:
          failed += 1
          state = state.failing(decision) { decider.coolDown($0) }
        }
      } else {
        state = decision.state
      }
      time += interval
    }
    let seconds = Double(end - start) / 1000
    let total =
      figures.values.reduce(0) { $0 + $1.resizes }
      + memoryFigures.values.reduce(0) { $0 + $1.resizes }
    return .success(
      Report(
        trace: trace.name, seconds: seconds, intervalSeconds: Double(interval) / 1000,
        workloads: managed.compactMap { figures[$0] },
        memory: memoryLoaded.compactMap { memoryFigures[$0] }, resizes: total,
        resizesPerHour: seconds > 0 ? Double(total) * 3600 / seconds : 0, failedReplans: failed,
        ruleViolations: violations))
  }
}

extension Decider {
  /// The cool-down of a managed workload (the back-off's base).
  public func coolDown(_ name: String) -> Int {
    policy.workload(named: name).flatMap { policy.agent?.rules(for: $0) }?.coolDownMilliseconds
      ?? AgentRules().coolDownMilliseconds
  }
}
