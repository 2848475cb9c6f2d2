import ArgumentParser
import MKAgent
import MKApply
import MKCore
import MKPolicy
import MKTopology

#if canImport(Glibc)
  import Glibc
#endif

/// `mkpolicy agent`: resizes elastic workloads at run time from measured
/// pressure (docs/agent.md).
struct AgentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "agent",
    abstract:
      "Resize elastic workloads at run time from measured pressure (PSI), within the policy.",
    subcommands: [
      AgentRunCommand.self, AgentStatusCommand.self, AgentPauseCommand.self,
      AgentResumeCommand.self, AgentSimulateCommand.self, AgentTraceCommand.self,
    ])

  /// The policy, checked, with its `agent:` section; diagnostics rendered and exit 1 otherwise.
  static func loadPolicy(_ path: String) throws -> Policy {
    let loaded = PolicyLoader.load(paths: [path])
    guard let policy = loaded.policy, !loaded.hasErrors else {
      throw CLIOutput.failure(DiagnosticError(loaded.diagnostics), sources: loaded.sources)
    }
    guard policy.agent != nil else {
      CLIOutput.error(
        "error[E701]: \(path): the policy has no agent section, so the agent has nothing to do\n"
          + "help: add `agent:` with the pressure and idleness rules (docs/agent.md)\n")
      throw ExitCode(1)
    }
    return policy
  }

  static func loadTopology(_ path: String?, root: String) throws -> Topology {
    if let path { return try ApplyCommand.readTopology(path) }
    do {
      return try LiveDiscovery(options: .init(root: root)).discover().topology
    } catch {
      throw CLIOutput.failure(error)
    }
  }
}

/// `mkpolicy agent run POLICY`: the service's loop, or one round.
struct AgentRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Measure, decide and apply every agent.interval (what mkpolicy-agent.service runs).",
    discussion: """
      Each round reads the PSI and CPU use of every elastic workload, decides with the policy's \
      agent rules, re-plans through the solver with the plan in force as previous and applies the \
      change with the journaled apply. One JSON line per resize goes to stdout (the journal under \
      systemd). Exit status: 0 (after --once), 1 error.
      """)

  @Argument(help: "The policy in force (the one last applied).")
  var policy: String

  @Option(name: .long, help: "A topology snapshot instead of discovering this host.")
  var topology: String?

  @OptionGroup var host: HostOptions

  @Flag(
    name: .long,
    help:
      "Measure for one window (as many rounds as the longest window needs), decide, apply, exit.")
  var once = false

  @Flag(
    name: .long,
    help: "With --once: decide and re-plan, apply nothing, save nothing; print what would change.")
  var dryRun = false

  @Option(
    name: .long,
    help:
      "Write Prometheus metrics to this file after every round (node_exporter textfile collector)."
  )
  var metrics: String?

  func validate() throws {
    if dryRun && !once { throw ValidationError("--dry-run needs --once") }
  }

  func run() throws {
    let policy = try AgentCommand.loadPolicy(self.policy)
    let topology = try AgentCommand.loadTopology(self.topology, root: host.root)
    let io = host.makeHost()
    let agent = Agent(
      policy: policy, topology: topology, host: io, stateDirectory: host.stateDir)
    let interval = policy.agent?.intervalMilliseconds ?? AgentPolicy.defaultIntervalMilliseconds
    // One window: the rounds the longest window needs, plus one for CPU use.
    let window =
      Decider(policy: policy, threadsPerCore: 1).managed.compactMap {
        policy.agent?.rules(for: $0)?.windowMilliseconds
      }.max() ?? 0
    var roundsLeft = (window + interval - 1) / interval + 2
    var lastProblems: [String] = []
    // SIGTERM/SIGINT (systemctl stop, ^C): finish the round in progress, so
    // a stop never leaves a resize half-applied, then exit 0.
    signal(SIGTERM) { _ in agentStopRequested = 1 }
    signal(SIGINT) { _ in agentStopRequested = 1 }
    // A parent may hand over a blocked mask (test runners do): unblock both.
    var stops = sigset_t()
    sigemptyset(&stops)
    sigaddset(&stops, SIGTERM)
    sigaddset(&stops, SIGINT)
    sigprocmask(SIG_UNBLOCK, &stops, nil)
    while agentStopRequested == 0 {
      let started = Self.monotonicMilliseconds()
      let round = agent.round(time: started, wallSeconds: Int(time(nil)), dryRun: dryRun)
      // Problems are logged when they change, not every round.
      if !round.resizes.isEmpty || round.recovery != nil || round.problems != lastProblems {
        for line in round.journalLines() { Console.write(line + "\n", to: .standardOutput) }
      }
      lastProblems = round.problems
      if let metrics, !dryRun {
        do {
          try io.replaceAtomically(metrics, AgentMetrics.render(round: round, state: agent.state))
        } catch {
          CLIOutput.error("error[E702]: cannot write the metrics file: \(error)\n")
        }
      }
      roundsLeft -= 1
      let decided = !round.resizes.isEmpty || !round.problems.isEmpty
      if once && (decided || roundsLeft <= 0) {
        Console.write(AgentStatusCommand.summary(round), to: .standardOutput)
        if round.outcome == .skipped || round.outcome == .refused || round.outcome == .rolledBack {
          throw ExitCode(1)
        }
        return
      }
      let elapsed = Self.monotonicMilliseconds() - started
      Self.sleep(milliseconds: max(0, interval - elapsed))
    }
    Console.write("{\"event\":\"stopped\"}\n", to: .standardOutput)
  }

  static func monotonicMilliseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
  }

  static func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR && agentStopRequested == 0 {
      request = remaining
    }
  }
}

/// Set by the SIGTERM/SIGINT handler of `agent run`; read between rounds.
/// A `sig_atomic_t` is the one type a signal handler may write.
nonisolated(unsafe) var agentStopRequested: sig_atomic_t = 0

/// `mkpolicy agent status`: what the agent did last and holds now.
struct AgentStatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the agent's last round, the sizes it holds and its counters.",
    discussion: "Exit status: 0, 1 when the agent has not run (no agent.json) or it cannot be read."
  )

  @OptionGroup var host: HostOptions

  func run() throws {
    let io = host.makeHost()
    let saved: Agent.Saved?
    do { saved = try Agent.load(host: io, stateDirectory: host.stateDir) } catch {
      CLIOutput.error("error[E703]: \(error)\n")
      throw ExitCode(1)
    }
    guard let saved else {
      CLIOutput.error(
        "error[E703]: the agent has not run: \(Agent.statePath(host.stateDir)) does not exist\n")
      throw ExitCode(1)
    }
    var state = saved.state
    state.paused = io.kind(Agent.pausePath(host.stateDir)) != .missing
    switch host.format {
    case .json:
      var copy = saved
      copy.state = state
      try CLIOutput.printDocument { try StateStore.encode(copy) }
    case .text:
      var out = "policy \(saved.policy): \(state.paused ? "paused" : "active"), "
      out += "\(state.resizes) resize(s) made, \(state.failedResizes) failed\n"
      if let round = saved.lastRound { out += Self.summary(round) }
      Console.write(out, to: .standardOutput)
    }
  }

  /// A round for people: outcome, each workload's CPUs, memory and signals, resizes, notes.
  static func summary(_ round: AgentRound) -> String {
    func percent(_ value: Double) -> String {
      "\(Int((value * 10).rounded()) / 10).\(Int((value * 10).rounded()) % 10)%"
    }
    var out = "round \(round.sequence): \(round.outcome.rawValue)\n"
    for name in round.planned.keys.sorted() {
      out += "  \(name): \(round.cpus[name] ?? 0) CPUs (planned \(round.planned[name] ?? 0))"
      if let signal = round.measurements.workloads[name] {
        out += ", cpu pressure \(percent(signal.cpuPressure))"
        if let use = signal.cpuUse { out += ", use \(percent(use * 100))" }
      } else if let why = round.measurements.unreadable[name] {
        out += ", no signal: \(why)"
      }
      out += "\n"
    }
    func mib(_ bytes: UInt64?) -> String { bytes.map { "\($0 >> 20)MiB" } ?? "?" }
    for name in (round.plannedMemory ?? [:]).keys.sorted() {
      out +=
        "  \(name): \(mib(round.memory?[name])) memory (planned \(mib(round.plannedMemory?[name])))"
      if let signal = round.measurements.workloads[name] {
        if let pressure = signal.memoryPressure { out += ", memory pressure \(percent(pressure))" }
        if let held = signal.memoryCurrent { out += ", holds \(mib(held))" }
      } else if let why = round.measurements.unreadable[name] {
        out += ", no signal: \(why)"
      }
      out += "\n"
    }
    for resize in round.resizes {
      let change =
        resize.resource == .memory
        ? "memory \(mib(UInt64(max(0, resize.before)))) -> \(mib(UInt64(max(0, resize.after))))"
        : "\(resize.before) -> \(resize.after)"
      out +=
        "  resize \(resize.workload): \(change) (\(resize.reason.rawValue)\(resize.counterpart.map { ", with \($0)" } ?? ""))\n"
    }
    for note in round.notes { out += "  note: \(note)\n" }
    for problem in round.problems { out += "  problem: \(problem)\n" }
    return out
  }
}

/// `mkpolicy agent pause`: measure only, until `resume`.
struct AgentPauseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pause",
    abstract: "Stop resizing (the agent keeps measuring) until `agent resume`.")

  @OptionGroup var host: HostOptions

  func run() throws {
    do {
      try Agent.setPaused(true, host: host.makeHost(), stateDirectory: host.stateDir)
      print("paused: \(Agent.pausePath(host.stateDir)) written")
    } catch {
      CLIOutput.error("error[E704]: cannot pause the agent: \(error)\n")
      throw ExitCode(1)
    }
  }
}

/// `mkpolicy agent resume`.
struct AgentResumeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resume", abstract: "Let a paused agent resize again.")

  @OptionGroup var host: HostOptions

  func run() throws {
    do {
      try Agent.setPaused(false, host: host.makeHost(), stateDirectory: host.stateDir)
      print("resumed")
    } catch {
      CLIOutput.error("error[E704]: cannot resume the agent: \(error)\n")
      throw ExitCode(1)
    }
  }
}
