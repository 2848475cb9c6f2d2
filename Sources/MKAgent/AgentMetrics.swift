/// The agent's state in the Prometheus text exposition format, for
/// node_exporter's textfile collector (`--collector.textfile.directory`):
/// one gauge per workload for CPUs held, planned size and last signals, and
/// counters of resizes. Written atomically after every round, so the
/// collector never reads half a file.
public enum AgentMetrics {
  public static func render(round: AgentRound, state: AgentState) -> String {
    var out = ""
    func family(_ name: String, _ type: String, _ help: String, _ samples: [(String?, Double)]) {
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
      for (workload, value) in samples {
        let labels = workload.map { "{workload=\"\(escape($0))\"}" } ?? ""
        out += "\(name)\(labels) \(number(value))\n"
      }
    }
    let names = round.cpus.keys.sorted()
    family(
      "mkpolicy_agent_cpus", "gauge", "CPUs the workload holds in the plan in force.",
      names.map { ($0, Double(round.cpus[$0] ?? 0)) })
    family(
      "mkpolicy_agent_planned_cpus", "gauge", "CPUs the static plan gives the workload.",
      names.compactMap { name in round.planned[name].map { (name, Double($0)) } })
    let signals = round.measurements.workloads
    family(
      "mkpolicy_agent_cpu_pressure_percent", "gauge",
      "CPU pressure (PSI some, percent of the last interval stalled) at the last round.",
      names.compactMap { name in signals[name].map { (name, $0.cpuPressure) } })
    family(
      "mkpolicy_agent_cpu_use_ratio", "gauge",
      "Share of its CPUs the workload used since the round before.",
      names.compactMap { name in signals[name]?.cpuUse.map { (name, $0) } })
    family(
      "mkpolicy_agent_signal_unreadable", "gauge",
      "1 when the workload's signals could not be read at the last round.",
      names.map { ($0, round.measurements.unreadable[$0] == nil ? 0 : 1) })
    if let memory = round.memory {
      let names = memory.keys.sorted()
      family(
        "mkpolicy_agent_memory_bytes", "gauge",
        "Memory granted to the workload (memory.high) in the plan in force.",
        names.map { ($0, Double(memory[$0] ?? 0)) })
      family(
        "mkpolicy_agent_planned_memory_bytes", "gauge",
        "Memory the static plan grants the workload.",
        names.compactMap { name in round.plannedMemory?[name].map { (name, Double($0)) } })
      family(
        "mkpolicy_agent_memory_pressure_percent", "gauge",
        "Memory pressure (PSI some, percent of the last interval stalled) at the last round.",
        names.compactMap { name in signals[name]?.memoryPressure.map { (name, $0) } })
      family(
        "mkpolicy_agent_memory_current_bytes", "gauge",
        "memory.current of the workload's cgroup at the last round.",
        names.compactMap { name in signals[name]?.memoryCurrent.map { (name, Double($0)) } })
    }
    family(
      "mkpolicy_agent_resizes_total", "counter", "Workload size changes applied.",
      [(nil, Double(state.resizes))])
    family(
      "mkpolicy_agent_failed_resizes_total", "counter",
      "Decisions the solver refused or apply rolled back.", [(nil, Double(state.failedResizes))])
    family(
      "mkpolicy_agent_paused", "gauge", "1 while the agent is paused.",
      [(nil, state.paused ? 1 : 0)])
    family(
      "mkpolicy_agent_last_round_timestamp_seconds", "gauge",
      "Wall-clock time of the last round.", [(nil, Double(round.wallSeconds))])
    return out
  }

  /// Label values escape backslash, quote and newline (the format's rule).
  static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.append(c)
      }
    }
    return out
  }

  /// Integers without a fraction, others with up to four decimals.
  static func number(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    let scaled = (value * 10_000).rounded() / 10_000
    return "\(scaled)"
  }
}
