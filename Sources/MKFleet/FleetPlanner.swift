import MKCore
import MKPlan
import MKPolicy

/// Plans every host of a fleet at once: each host is an independent compile
/// (policy trees -> decoder -> solver -> plan -> artefacts) run as a child
/// task, at most `concurrency` at a time (the cores), and the results come
/// back in inventory order whatever order they finish in, so the output is
/// the same for every run and every core count.
public enum FleetPlanner {
  public static func plan(_ jobs: [HostJob], concurrency: Int) async -> [HostPlan] {
    let width = max(1, concurrency)
    var results = [HostPlan?](repeating: nil, count: jobs.count)
    await withTaskGroup(of: (Int, HostPlan).self) { group in
      var next = 0
      func startNext() {
        guard next < jobs.count else { return }
        let index = next
        let job = jobs[index]
        group.addTask { (index, planOne(job)) }
        next += 1
      }
      for _ in 0..<min(width, jobs.count) { startNext() }
      while let (index, plan) = await group.next() {
        results[index] = plan
        startNext()
      }
    }
    return distinctMachines(results.compactMap { $0 })
  }

  /// Two hosts whose snapshots carry the same machine id are one machine
  /// listed twice, or a snapshot copied to the wrong host: an error at the
  /// second listing.
  static func distinctMachines(_ plans: [HostPlan]) -> [HostPlan] {
    var first: [String: (host: String, location: SourceLocation?)] = [:]
    var out = plans
    for index in out.indices {
      guard let id = out[index].machineId else { continue }
      if let earlier = first[id] {
        out[index].diagnostics.append(
          .error(
            "E616",
            "host '\(out[index].host)' has the snapshot of the same machine as host '\(earlier.host)' (machine id \(id))",
            at: out[index].snapshotLocation,
            notes: [.init("host '\(earlier.host)' names its snapshot here", at: earlier.location)],
            help: [
              "discover each host on the host itself: mkpolicy discover -o snapshots/<host>.yaml"
            ]))
        out[index].artifacts = nil
      } else {
        first[id] = (out[index].host, out[index].snapshotLocation)
      }
    }
    return out
  }

  /// One host, synchronously: the same stages as `mkpolicy plan`.
  public static func planOne(_ job: HostJob) -> HostPlan {
    var out = HostPlan(
      host: job.host.name, hostClass: job.hostClass?.name, policy: nil, artifacts: nil,
      diagnostics: job.diagnostics, sources: [:])
    out.snapshotLocation = job.host.snapshotLocation
    guard !job.hasErrors, let hostClass = job.hostClass else { return out }
    let loaded = PolicyLoader.load(reads: job.documents, origin: hostClass.policy)
    let result = PlanPipeline.run(loaded: loaded, topologyPath: job.snapshotPath, previousPath: nil)
    out.sources = result.sources
    out.policy = result.policy?.metadata.name
    out.machineId = result.topology?.machineId
    if let name = result.topology?.hostName, name != job.host.name {
      out.diagnostics.append(
        .error(
          "E615",
          "host '\(job.host.name)': its snapshot '\(job.host.snapshot)' was discovered on host '\(name)'",
          at: job.host.snapshotLocation,
          help: [
            "give the host its own snapshot (mkpolicy discover -o \(job.host.snapshot) on \(job.host.name)), or fix the name"
          ]))
      return out
    }
    guard let plan = result.plan, let policy = result.policy, let topology = result.topology else {
      out.diagnostics += result.diagnostics
      return out
    }
    out.diagnostics += plan.diagnostics
    out.needsReboot = plan.changes.needsReboot.count
    out.live = plan.changes.live.count
    out.coordinator = plan.changes.coordinator.count
    do {
      out.artifacts = try PlanArtifacts.render(plan, policy: policy, topology: topology)
    } catch {
      out.diagnostics += error.diagnostics
    }
    return out
  }
}
