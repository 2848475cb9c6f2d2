import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKTopology

/// The run-time agent: one `round` measures, decides, re-plans through the
/// solver and applies through the journaled reconciling apply, then records
/// the round. The CLI calls `round` every `agent.interval`; tests call it
/// with a `MemoryHost` and their own clock.
///
/// Files in the state directory (next to apply's journal and record):
/// `agent.json` (the state: clocks, counters, last round; kept per boot) and
/// `agent.paused` (present while paused; written by `agent pause`, so the
/// running agent's own saves never undo a pause).
public final class Agent {
  public let policy: Policy
  public let topology: Topology
  public let host: any HostIO
  public let stateDirectory: String
  public let bootID: String
  let decider: Decider
  let replanner: Replanner
  var reader: SignalReader
  var home: Allocation?
  public private(set) var state: AgentState
  var pending: Pending?
  var sequence = 0

  /// The saved form of `agent.json`.
  public struct Saved: Sendable, Hashable, Codable {
    public var version = 1
    public var policy: String
    public var bootID: String
    public var state: AgentState
    public var lastRound: AgentRound?
    /// A resize being applied: saved before apply starts, cleared after.
    public var pending: Pending?
  }

  /// A decision whose plan was being applied: if the process dies before it
  /// records the outcome, the next start finds the plan either in force
  /// (the resize happened: its cool-down counts) or rolled back.
  public struct Pending: Sendable, Hashable, Codable {
    public var decision: Decision
    public var planDigest: String
  }

  public init(
    policy: Policy, topology: Topology, host: any HostIO,
    stateDirectory: String = "/var/lib/mkpolicy", bootID: String? = nil
  ) {
    self.policy = policy
    self.topology = topology
    self.host = host
    self.stateDirectory = stateDirectory
    self.bootID = bootID ?? Applier.readBootID(host)
    decider = Decider(policy: policy, threadsPerCore: topology.threadsPerCore)
    replanner = Replanner(policy: policy, topology: topology)
    reader = SignalReader(host: ReadOnlyHost(host))
    state = AgentState()
    // Clocks and cool-downs of this boot survive a restart; counters always.
    if let saved = try? Self.load(host: host, stateDirectory: stateDirectory),
      saved.policy == policy.metadata.name
    {
      state = saved.state
      pending = saved.pending
      if saved.bootID != self.bootID {
        state.workloads = [:]
        state.recentResizes = []
        pending = nil
      }
    }
  }

  public static func statePath(_ directory: String) -> String { directory + "/agent.json" }
  public static func pausePath(_ directory: String) -> String { directory + "/agent.paused" }

  public static func load(host: any HostIO, stateDirectory: String) throws(StateStore.LoadError)
    -> Saved?
  {
    try StateStore(host: host, directory: stateDirectory).load(
      Saved.self, from: statePath(stateDirectory))
  }

  /// Pauses or resumes every agent using `stateDirectory`.
  public static func setPaused(_ paused: Bool, host: any HostIO, stateDirectory: String)
    throws(HostIOError)
  {
    let path = pausePath(stateDirectory)
    if paused {
      try host.replaceAtomically(path, "paused by mkpolicy agent pause\n")
    } else if host.kind(path) != .missing {
      try host.removeFile(path)
    }
  }

  /// One round at `time` (monotonic ms) and `wallSeconds`; saved to
  /// `agent.json` unless `dryRun`.
  public func round(time: Int, wallSeconds: Int, dryRun: Bool = false) -> AgentRound {
    sequence += 1
    var round = decide(time: time, wallSeconds: wallSeconds, dryRun: dryRun)
    if !dryRun, let error = save(round) {
      round.problems.append("cannot save the agent's state: \(error)")
    }
    return round
  }

  func decide(time: Int, wallSeconds: Int, dryRun: Bool) -> AgentRound {
    var round = AgentRound(
      sequence: sequence, timeMilliseconds: time, wallSeconds: wallSeconds, outcome: .skipped,
      measurements: Measurements(timeMilliseconds: time, workloads: [:]))
    let store = StateStore(host: host, directory: stateDirectory)
    // An apply killed half-way (this agent's, mid-resize) is completed
    // first, as `recover --complete` would: its plan was checked by the
    // solver, and completing keeps the record and the host in step (rolling
    // back after the record was written would leave the record naming a
    // plan the host no longer has). The next decision starts from it.
    if !dryRun {
      do {
        if try store.loadJournal() != nil {
          let report = try Applier(host: host, stateDirectory: stateDirectory, bootID: bootID)
            .recover(complete: true)
          guard report.succeeded, report.failure == nil else {
            round.problems.append(
              "completing the interrupted apply failed: \(report.failure ?? report.outcome.rawValue)"
            )
            return round
          }
          let detail = "completed an interrupted apply (\(report.changes.count) change(s) made)"
          round.notes.append(detail)
          round.recovery = detail
        }
      } catch {
        round.problems.append("\(error)")
        return round
      }
    }
    let applied: AppliedRecord
    do {
      guard let record = try store.loadApplied() else {
        round.problems.append(
          "no plan applied (\(store.appliedPath) does not exist): apply the policy first (`mkpolicy apply`)"
        )
        return round
      }
      applied = record
    } catch {
      round.problems.append("\(error)")
      return round
    }
    if let pending {
      // The last process died while applying a resize: it counts if its
      // plan is the one in force (the interrupted one was rolled back above).
      if applied.planDigest == pending.planDigest {
        state = state.committing(pending.decision)
        round.notes.append("the resize being applied when the agent stopped is in force")
      }
      self.pending = nil
    }
    let plan = applied.plan
    guard plan.policy == policy.metadata.name else {
      round.problems.append(
        "the plan in force is of policy '\(plan.policy)', not '\(policy.metadata.name)': apply this policy first, or run the agent with the policy in force"
      )
      return round
    }
    if home == nil {
      switch replanner.staticPlan(previous: plan) {
      case .success(let value): home = Allocation(plan: value, policy: policy, topology: topology)
      case .failure(let error):
        round.problems += error.diagnostics.map { "\($0.code): \($0.message)" }
        return round
      }
    }
    guard let home else { return round }
    state.paused = host.kind(Self.pausePath(stateDirectory)) != .missing
    let measurements = reader.read(policy: policy, plan: plan, time: time)
    round.measurements = measurements
    let current = Allocation(plan: plan, policy: policy, topology: topology)
    let cpuManaged = Set(decider.cpuManaged.map(\.name))
    let memoryManaged = Set(decider.memoryManaged.map(\.name))
    round.planned = home.cpus.filter { cpuManaged.contains($0.key) }
    for workload in decider.cpuManaged {
      let bounds = decider.bounds(workload)
      round.bounds[workload.name] = [bounds.lowerBound, bounds.upperBound]
    }
    round.cpus = current.cpus.filter { round.planned[$0.key] != nil }
    if !memoryManaged.isEmpty {
      round.plannedMemory = home.memory.filter { memoryManaged.contains($0.key) }
      round.memory = current.memory.filter { memoryManaged.contains($0.key) }
      round.memoryBounds = [:]
      for workload in decider.memoryManaged {
        let bounds = decider.memoryBounds(workload)
        round.memoryBounds?[workload.name] = [bounds.lowerBound, bounds.upperBound]
      }
    }
    round.planDigest = applied.planDigest
    for (name, why) in measurements.unreadable.sorted(by: { $0.key < $1.key }) {
      round.notes.append("\(name): no signal: \(why)")
    }
    let decision = decider.decide(measurements, current: current, home: home, state: state)
    round.notes += decision.notes
    round.resizes = decision.resizes
    guard decision.changes else {
      state = decision.state
      round.outcome = state.paused ? .paused : .unchanged
      return round
    }
    let next: Plan
    let memory = decision.target.memory.filter { memoryManaged.contains($0.key) }
    switch replanner.plan(sizes: decision.target.cpus, memory: memory, previous: plan) {
    case .success(let value): next = value
    case .failure(let error):
      round.outcome = .refused
      round.problems += error.diagnostics.map { "\($0.code): \($0.message)" }
      state = state.failing(decision) { self.decider.coolDown($0) }
      return round
    }
    let got = Allocation(plan: next, policy: policy)
    let missed = decision.resizes.filter { !got.holds($0) }
    guard missed.isEmpty else {
      round.outcome = .refused
      round.problems += missed.map { got.shortfall($0) }
      state = state.failing(decision) { self.decider.coolDown($0) }
      return round
    }
    if dryRun {
      round.outcome = .dryRun
      state = decision.state
      return round
    }
    let digest: String
    do { digest = try StateStore.digest(next) } catch {
      // E270: a plan that cannot be written as JSON has no digest to apply under.
      round.outcome = .refused
      round.problems.append(error.diagnostics.map(\.message).joined(separator: "; "))
      state = state.failing(decision) { self.decider.coolDown($0) }
      return round
    }
    pending = Pending(decision: decision, planDigest: digest)
    if let error = save(round) {
      pending = nil
      round.problems.append(
        "cannot save the agent's state before applying: \(error); nothing applied")
      return round
    }
    defer { pending = nil }
    let applier = Applier(host: host, stateDirectory: stateDirectory, bootID: bootID)
    do {
      let report = try applier.apply(next, rollback: true)
      guard report.succeeded, report.failure == nil else {
        round.outcome = .rolledBack
        round.problems.append(report.failure ?? "apply failed (\(report.outcome.rawValue))")
        round.problems += report.notRestored.map { "not restored: \($0)" }
        state = state.failing(decision) { self.decider.coolDown($0) }
        return round
      }
    } catch {
      round.outcome = .rolledBack
      round.problems.append(error.diagnostic.message)
      state = state.failing(decision) { self.decider.coolDown($0) }
      return round
    }
    state = state.committing(decision)
    round.outcome = .applied
    round.cpus = decision.target.cpus.filter { round.planned[$0.key] != nil }
    if round.memory != nil { round.memory = got.memory.filter { memoryManaged.contains($0.key) } }
    round.planDigest = digest
    return round
  }

  func save(_ round: AgentRound) -> HostIOError? {
    let saved = Saved(
      policy: policy.metadata.name, bootID: bootID, state: state, lastRound: round,
      pending: pending)
    do {
      try StateStore(host: host, directory: stateDirectory).save(
        saved, to: Self.statePath(stateDirectory))
      return nil
    } catch {
      return error
    }
  }
}
