import MKCore
import MKPolicy
import MKSolver
import MKTopology

#if canImport(Glibc)
  import Glibc
#endif

/// The whole compile, as `mkpolicy plan` (and `apply POLICY`) run it: load
/// the policy (the embedded default when none is given), read a topology
/// snapshot or discover the live host, read the previous plan, solve, and
/// build the plan. Every stage's diagnostics are kept, with the sources
/// needed to render them with their lines.
public enum PlanPipeline {
  public struct Output: Sendable {
    public var plan: Plan?
    public var policy: Policy?
    public var topology: Topology?
    /// The `--previous` plan, as read.
    public var previous: Plan?
    /// Errors when `plan` is nil; warnings are also inside the plan.
    public var diagnostics: [Diagnostic]
    /// File name -> text, for `DiagnosticRenderer`.
    public var sources: [String: String]
  }

  public static func run(policyPaths: [String], topologyPath: String?, previousPath: String?)
    -> Output
  {
    let loaded =
      policyPaths.isEmpty ? PolicyLoader.loadDefault() : PolicyLoader.load(paths: policyPaths)
    return run(loaded: loaded, topologyPath: topologyPath, previousPath: previousPath)
  }

  /// The same compile for a policy already loaded (a fleet host's policy,
  /// merged with its overlays, or a policy with a kernel change made in
  /// memory by `mkpolicy update`); `previousPlan` is the plan in force when
  /// it is at hand rather than in a file.
  public static func run(
    loaded: PolicyLoadResult, topologyPath: String?, previousPath: String?,
    previousPlan: Plan? = nil, discovered: Topology? = nil
  )
    -> Output
  {
    var out = Output(
      plan: nil, policy: nil, topology: nil, previous: nil, diagnostics: [], sources: [:])
    out.sources.merge(loaded.sources) { first, _ in first }
    out.diagnostics += loaded.diagnostics
    guard let policy = loaded.policy, !loaded.hasErrors else { return out }
    out.policy = policy

    var warnings = loaded.diagnostics
    let topology: Topology
    if let discovered {
      topology = discovered
    } else if let topologyPath {
      let read = TopologySnapshot.read(path: topologyPath)
      out.sources.merge(read.sources) { first, _ in first }
      out.diagnostics += read.diagnostics
      guard let snapshot = read.topology, !read.hasErrors else { return out }
      topology = snapshot
      warnings += read.diagnostics
    } else {
      do {
        let discovered = try LiveDiscovery().discover()
        topology = discovered.topology
        warnings += discovered.diagnostics
        out.diagnostics += discovered.diagnostics
      } catch {
        out.diagnostics += error.diagnostics
        return out
      }
    }
    out.topology = topology

    var previous = previousPlan
    if let previousPath {
      guard case .success(let bytes) = LocalFile.read(previousPath) else {
        out.diagnostics.append(
          .error(
            "E420", "\(previousPath): cannot read the previous plan (\(Self.reason(previousPath)))",
            help: [
              "pass the plan.json of the plan in force, written by `mkpolicy plan --format json`"
            ]))
        return out
      }
      switch PlanCodec.decode(String(decoding: bytes, as: UTF8.self), file: previousPath) {
      case .success(let plan):
        previous = plan
        out.previous = plan
      case .failure(let error):
        out.diagnostics += error.diagnostics
        return out
      }
    }

    let previousAssignment = previous.map(Assignment.init(plan:))
    let solution: Solution
    switch Solver().solve(policy, on: topology, previous: previousAssignment) {
    case .success(let solved): solution = solved
    case .failure(let error):
      out.diagnostics += error.diagnostics
      return out
    }
    out.diagnostics += solution.diagnostics
    warnings += solution.diagnostics
    switch PlanBuilder().build(
      policy: policy, topology: topology, assignment: solution.assignment, warnings: warnings,
      previous: previous)
    {
    case .success(let plan):
      out.plan = plan
      out.diagnostics = plan.diagnostics
    case .failure(let error):
      out.diagnostics = error.diagnostics
    }
    return out
  }

  /// Why a file cannot be read, as the kernel says it (errno and its text),
  /// for errors that must name the path, the errno and what to do.
  public static func reason(_ path: String) -> String {
    if LocalFile.isDirectory(path) { return "EISDIR: it is a directory" }
    let descriptor = open(path, O_RDONLY)
    if descriptor >= 0 {
      close(descriptor)
      return "it cannot be read"
    }
    let code = errno
    return "\(Errno.name(code)): \(Errno.message(code))"
  }
}
