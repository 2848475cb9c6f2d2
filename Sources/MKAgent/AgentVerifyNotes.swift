import MKApply
import MKCore

/// What `mkpolicy verify` says about the agent: which workloads' sizes (CPUs,
/// memory) the agent may change and within which bounds, and whether it is
/// paused.
///
/// The agent applies every resize through the journaled apply, so the
/// applied record always names the plan it made: verify compares the host
/// with that, and a size the agent chose is not drift. These notes say why
/// the applied sizes differ from the policy's static plan.
public enum AgentVerifyNotes {
  public static func notes(host: any HostIO, stateDirectory: String, policy: String) -> [String] {
    let saved: Agent.Saved?
    do { saved = try Agent.load(host: host, stateDirectory: stateDirectory) } catch {
      return ["cannot read the agent's state: \(error)"]
    }
    guard let saved, saved.policy == policy, let round = saved.lastRound else { return [] }
    var out: [String] = []
    for name in round.bounds.keys.sorted() {
      guard let bounds = round.bounds[name], bounds.count == 2 else { continue }
      let cpus = round.cpus[name].map { "\($0)" } ?? "?"
      let planned = round.planned[name].map { "\($0)" } ?? "?"
      out.append(
        "\(name): \(cpus) CPUs in the applied plan; mkpolicy agent may resize it within \(bounds[0])...\(bounds[1]) (static plan: \(planned))"
      )
    }
    for name in (round.memoryBounds ?? [:]).keys.sorted() {
      guard let bounds = round.memoryBounds?[name], bounds.count == 2 else { continue }
      func size(_ value: UInt64?) -> String { value.map(ByteSize.format) ?? "?" }
      out.append(
        "\(name): \(size(round.memory?[name])) of memory (memory.high) in the applied plan; mkpolicy agent may resize it within \(size(bounds[0]))...\(size(bounds[1])) (static plan: \(size(round.plannedMemory?[name])))"
      )
    }
    if host.kind(Agent.pausePath(stateDirectory)) != .missing {
      out.append("mkpolicy agent is paused (\(Agent.pausePath(stateDirectory)))")
    }
    return out
  }
}
