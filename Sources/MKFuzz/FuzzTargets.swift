import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology

/// What the fuzzers run on each input, shared by the libFuzzer executable
/// (`mkpolicy-fuzz`, built only with `MKPOLICY_FUZZ=1`, see `make fuzz`) and
/// the regression tests that replay every crash found (Tests/Fuzz).
///
/// Each target reads one input the way a command does and then checks what
/// must hold for any input, trapping when it does not, so that libFuzzer
/// records the input: no crash or hang while reading and rendering the
/// diagnostics in every format; a policy that checks clean and plans is
/// planned into a plan that `PlanCodec.decode` accepts again; a plan that
/// decodes gives steps and a path guard verdict, and encodes to a plan that
/// decodes to itself.
public enum FuzzTargets {
  public enum Target: String, Sendable, CaseIterable {
    case policy, snapshot, plan
  }

  /// Runs `target` on `bytes`. `topology` is the host a checked policy is
  /// planned on (the policy target only).
  public static func run(_ target: Target, _ bytes: [UInt8], topology: Topology?) {
    switch target {
    case .policy: policy(bytes, topology: topology)
    case .snapshot: snapshot(bytes)
    case .plan: plan(bytes)
    }
  }

  static func render(_ diagnostics: [Diagnostic], sources: [String: String]) {
    let renderer = DiagnosticRenderer(sources: sources)
    for format in DiagnosticRenderer.Format.allCases {
      _ = renderer.render(diagnostics, format: format)
    }
  }

  static func policy(_ bytes: [UInt8], topology: Topology?) {
    let text = String(decoding: bytes, as: UTF8.self)
    let loaded = PolicyLoader.load(text: text, file: "fuzz.yaml")
    render(loaded.diagnostics, sources: loaded.sources)
    guard let policy = loaded.policy, !loaded.hasErrors, let topology else { return }
    // A cheap solver: the fuzzer looks for traps, not good placements.
    guard
      case .success(let solution) = Solver(orderings: 1, improvementPasses: 0).solve(
        policy, on: topology)
    else { return }
    guard
      case .success(let built) = PlanBuilder().build(
        policy: policy, topology: topology, assignment: solution.assignment,
        warnings: solution.diagnostics)
    else { return }
    let json: String
    do { json = try PlanCodec.encode(built) } catch {
      fatalError("a plan mkpolicy built does not encode: \(error.diagnostics.map(\.message))")
    }
    if case .failure(let error) = PlanCodec.decode(json, file: "built.json") {
      fatalError("a plan mkpolicy built does not decode: \(error.diagnostics.map(\.message))")
    }
  }

  static func snapshot(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let read = TopologySnapshot.read(text: text, file: "fuzz.yaml")
    render(read.diagnostics, sources: read.sources)
    guard let topology = read.topology, !read.hasErrors else { return }
    _ = HostFingerprinter.fingerprint(topology)
    _ = TopologySnapshot.write(topology, format: .json)
  }

  static func plan(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    switch PlanCodec.decode(text, file: "fuzz.json") {
    case .failure(let error):
      render(error.diagnostics, sources: [:])
    case .success(let plan):
      let steps = plan.applySteps
      _ = PathGuard(plan: plan).problems(in: steps, bootloader: plan.bootStaging?.bootloader)
      _ = steps.map(\.summary)
      // A decoded plan had its digest computed, so it encodes.
      guard let text = try? PlanCodec.encode(plan),
        case .success(let again) = PlanCodec.decode(text, file: "again.json"),
        again == plan
      else { fatalError("a decoded plan does not encode to itself") }
    }
  }
}
