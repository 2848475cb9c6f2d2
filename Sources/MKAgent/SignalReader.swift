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
        result = pressure(report).map { WorkloadSignal(cpuPressure: $0.some.avg10) }
      } else {
        result = cgroupSignal(
          workload.name, directory: Self.cgroupDirectory(workload, policy: policy, plan: plan),
          rules: rules, held: held, time: time)
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
    _ name: String, directory: String, rules: AgentRules, held: Int, time: Int
  ) -> Result<WorkloadSignal, SignalProblem> {
    let cpu: PressureStall
    switch pressure(directory + "/cpu.pressure") {
    case .success(let value): cpu = value
    case .failure(let problem): return .failure(problem)
    }
    var signal = WorkloadSignal(cpuPressure: cpu.some.avg10)
    if rules.memoryPressurePercent != nil {
      switch pressure(directory + "/memory.pressure") {
      case .success(let value): signal.memoryPressure = value.some.avg10
      case .failure(let problem): return .failure(problem)
      }
    }
    if rules.ioPressurePercent != nil {
      switch pressure(directory + "/io.pressure") {
      case .success(let value): signal.ioPressure = value.some.avg10
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
      time: time, usageMicros: usage, cpus: held, high: events["high"], max: events["max"])
    if let before = previous[name], time > before.time, before.cpus > 0 {
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
