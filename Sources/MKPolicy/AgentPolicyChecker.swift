import MKCore

/// Checks of `agent:` that need the workloads: every workload it names
/// exists, once, and is one the agent can resize; a kernel instance has a
/// signal to be resized by; the window can be observed at the interval.
enum AgentPolicyChecker {
  /// `fieldsBroken`: some field of the section had an error and kept its
  /// default, so comparisons between fields are skipped.
  static func check(_ policy: Policy, knownNames: [String], fieldsBroken: Bool) -> [Diagnostic] {
    guard let agent = policy.agent else { return [] }
    var out: [Diagnostic] = []
    var seen: [String: SourceLocation] = [:]
    for override in agent.overrides {
      let at = override.location(of: "name")
      if let first = seen[override.name] {
        out.append(
          .error(
            "E152", "agent.workloads names '\(override.name)' twice", at: at,
            notes: [.init("first named here", at: first)],
            help: ["keep one entry for '\(override.name)' and merge the fields"]))
        continue
      }
      seen[override.name] = at
      guard let workload = policy.workload(named: override.name) else {
        // A workload that failed to decode exists: its own error is enough.
        if knownNames.contains(override.name) { continue }
        out.append(
          .error(
            "E151", "agent.workloads names '\(override.name)', which the policy does not have",
            at: at, help: [Suggestion.help(for: override.name, in: knownNames)]))
        continue
      }
      if override.rules.manage, agent.rules(for: workload) == nil {
        let why =
          workload.isolation == .shared
          ? "it is shared: the scheduler already shares the pool by cpu.weight at run time"
          : "its cpus are fixed (\(workload.cpus.min))"
        let memory =
          !AgentPolicy.isMemoryResizable(workload)
          ? "its memory is not {min, max} with min < max in a host cgroup"
          : "no pressure.memory threshold says when its memory is short"
        out.append(
          .error(
            "E153", "the agent cannot resize '\(workload.name)': \(why), and \(memory)", at: at,
            notes: [.init("cpus is set here", at: workload.location(of: "cpus"))],
            help: [
              "give it cpus: {min: N, max: M} with isolation partition or kernel, or memory: {min, max} with pressure: {memory: N}, or set manage: false"
            ]))
      }
      if override.rules.report != nil, workload.isolation != .kernel {
        out.append(
          .error(
            "E154",
            "agent.workloads '\(workload.name)': report is for kernel instances; the agent reads this workload's cgroup",
            at: override.location(of: "report"), help: ["remove report"]))
      }
    }
    for workload in policy.workloads where workload.isolation == .kernel {
      guard let rules = agent.rules(for: workload), rules.report == nil else { continue }
      out.append(
        .warning(
          "E155",
          "the agent has no signal for the kernel instance '\(workload.name)': it runs its own kernel, so no host cgroup shows its pressure",
          at: workload.location(of: "cpus"),
          help: [
            "add agent.workloads: [{name: \(workload.name), report: /run/...}] with the file the instance publishes its PSI to, or manage: false"
          ]))
    }
    let interval = agent.intervalMilliseconds
    let windows =
      [("agent.window", agent.defaults.windowMilliseconds, agent.location(of: "window"))]
      + agent.overrides.compactMap { o in
        o.fieldLocations["window"].map {
          ("agent.workloads '\(o.name)' window", o.rules.windowMilliseconds, Optional($0))
        }
      }
    for (what, window, location) in windows where !fieldsBroken && window > 0 && window < interval {
      out.append(
        .error(
          "E156",
          "\(what) (\(window)ms) is shorter than agent.interval (\(interval)ms): the agent cannot see a condition hold that briefly",
          at: location,
          help: ["make the window at least the interval, or 0 to act on one measurement"]))
    }
    return out
  }
}
