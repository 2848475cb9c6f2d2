import MKApply
import MKCore
import MKPlan
import MKPolicy

/// Reads the demand signals of every workload the agent manages: PSI of the
/// workload's cgroup (`cpu.pressure`, `memory.pressure`, `io.pressure`), its
/// CPU use (`cpu.stat` usage_usec, as a rate between two reads) and memory
/// events (`memory.events` high/max, as counts between two reads); for a
/// kernel instance, the PSI file the instance publishes (`report:`).
///
/// It keeps the counters of its previous read to turn them into rates, so
/// one reader lives as long as the agent.
public struct SignalReader {
  struct Counters: Sendable, Hashable {
    var time: Int
    /// PSI `some` totals (µs stalled) of cpu, memory and io, then memory `full`.
    var stalls: [UInt64?]
    var usageMicros: UInt64
    var cpus: Int
    var high: UInt64?
    var max: UInt64?
  }

  public let host: any HostReader
  var previous: [String: Counters] = [:]

  public init(host: any HostReader) { self.host = host }

  /// The cgroup directory of `workload` under the plan's parent.
  public static func cgroupDirectory(_ workload: Workload, policy: Policy, plan: Plan) -> String {
    plan.effectiveCgroupParent + "/"
      + workload.cgroupDirectoryName(parent: policy.host.cgroupParent)
  }

  /// One round for every workload `policy.agent` manages, at `time` (ms).
  public mutating func read(policy: Policy, plan: Plan, time: Int) -> Measurements {
    var out = Measurements(timeMilliseconds: time, workloads: [:])
    guard let agent = policy.agent else { return out }
    for workload in policy.workloads {
      guard let rules = agent.rules(for: workload) else { continue }
      let held = plan.assignments.first { $0.workload == workload.name }?.cpus.count ?? 0
      let result: Result<WorkloadSignal, SignalProblem>
      if workload.isolation == .kernel {
        guard let report = rules.report else {
          out.unreadable[workload.name] = "no report configured for the kernel instance"
          continue
        }
        result = pressure(report).map { stall in
          let before = previous[workload.name]
          previous[workload.name] = Counters(
            time: time, stalls: [stall.some.total], usageMicros: 0, cpus: held)
          return WorkloadSignal(
            cpuPressure: Self.rate(stall.some, since: before, index: 0, time: time))
        }
      } else {
        result = cgroupSignal(
          workload.name, directory: Self.cgroupDirectory(workload, policy: policy, plan: plan),
          rules: rules, held: held, time: time, managesMemory: agent.managesMemory(workload))
      }
      switch result {
      case .success(let signal): out.workloads[workload.name] = signal
      case .failure(let problem):
        previous[workload.name] = nil
        out.unreadable[workload.name] = problem.description
      }
    }
    return out
  }

  mutating func cgroupSignal(
    _ name: String, directory: String, rules: AgentRules, held: Int, time: Int,
    managesMemory: Bool = false
  ) -> Result<WorkloadSignal, SignalProblem> {
    let cpu: PressureStall
    switch pressure(directory + "/cpu.pressure") {
    case .success(let value): cpu = value
    case .failure(let problem): return .failure(problem)
    }
    let before = previous[name]
    var signal = WorkloadSignal(
      cpuPressure: Self.rate(cpu.some, since: before, index: 0, time: time))
    var stalls: [UInt64?] = [cpu.some.total, nil, nil, nil]
    if rules.memoryPressurePercent != nil {
      switch pressure(directory + "/memory.pressure") {
      case .success(let value):
        signal.memoryPressure = Self.rate(value.some, since: before, index: 1, time: time)
        stalls[1] = value.some.total
        if let full = value.full {
          signal.memoryFullPressure = Self.rate(full, since: before, index: 3, time: time)
          stalls[3] = full.total
        }
      case .failure(let problem): return .failure(problem)
      }
    }
    if managesMemory {
      // The limit the agent moves is never set below what the cgroup holds.
      let path = directory + "/memory.current"
      let text: String
      do { text = try host.read(path) } catch { return .failure(.unreadable(error.description)) }
      guard let bytes = UInt64(text.trimmingASCIIWhitespace()) else {
        return .failure(.malformed("\(path): \(Quoted.text(text)) is not a byte count"))
      }
      signal.memoryCurrent = bytes
    }
    if rules.ioPressurePercent != nil {
      switch pressure(directory + "/io.pressure") {
      case .success(let value):
        signal.ioPressure = Self.rate(value.some, since: before, index: 2, time: time)
        stalls[2] = value.some.total
      case .failure(let problem): return .failure(problem)
      }
    }
    let usage: UInt64
    switch keyedCounters(directory + "/cpu.stat") {
    case .success(let fields):
      guard let value = fields["usage_usec"] else {
        return .failure(.malformed("\(directory)/cpu.stat has no usage_usec"))
      }
      usage = value
    case .failure(let problem): return .failure(problem)
    }
    // memory.events exists only with the memory controller enabled.
    var events: [String: UInt64] = [:]
    if case .success(let fields) = keyedCounters(directory + "/memory.events") { events = fields }
    let now = Counters(
      time: time, stalls: stalls, usageMicros: usage, cpus: held, high: events["high"],
      max: events["max"])
    if let before, time > before.time, before.cpus > 0 {
      let elapsed = Double(time - before.time) * 1000
      let used = Double(usage &- before.usageMicros)
      signal.cpuUse =
        usage >= before.usageMicros ? min(1, used / (elapsed * Double(before.cpus))) : nil
      if let high = now.high, let old = before.high, high >= old {
        signal.memoryHighEvents = high - old
      }
      if let max = now.max, let old = before.max, max >= old { signal.memoryMaxEvents = max - old }
    }
    previous[name] = now
    return .success(signal)
  }

  /// The share of wall time stalled since the previous read (percent),
  /// from the `total` counter: pressure over exactly the agent's interval,
  /// without the 10 s lag of `avg10`. The first read (or a counter that went
  /// backwards: a cgroup made anew) uses `avg10`.
  static func rate(_ line: PressureLine, since before: Counters?, index: Int, time: Int) -> Double {
    guard let before, time > before.time, index < before.stalls.count,
      let old = before.stalls[index], line.total >= old
    else { return line.avg10 }
    let stalled = Double(line.total - old)
    return min(100, stalled / (Double(time - before.time) * 1000) * 100)
  }

  func pressure(_ path: String) -> Result<PressureStall, SignalProblem> {
    let text: String
    do { text = try host.read(path) } catch { return .failure(.unreadable(error.description)) }
    return PressureStall.parse(text).mapError { .malformed("\(path): \($0)") }
  }

  /// `key value` lines (`cpu.stat`, `memory.events`).
  func keyedCounters(_ path: String) -> Result<[String: UInt64], SignalProblem> {
    let text: String
    do { text = try host.read(path) } catch { return .failure(.unreadable(error.description)) }
    var out: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let words = line.split(separator: " ")
      guard words.count == 2, let value = UInt64(words[1]) else {
        return .failure(
          .malformed("\(path): line \(Quoted.text(String(line))) is not 'key number'"))
      }
      out[String(words[0])] = value
    }
    return .success(out)
  }
}
