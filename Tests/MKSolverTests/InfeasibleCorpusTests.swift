import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

@testable import MKSolver

/// Policies that cannot be placed, each with the exact explanation as a golden
/// file, and a check that every reported conflict set is minimal.
///
/// Each case's first line names its host: `# topology: sockets=1 nodes=2
/// llcs=2 cores=4 threads=2 memory=16GiB nic=0,1 nvme=1 hugepages=2MiB:512`
/// (`nic`/`nvme` list the NUMA nodes that get one device each).
@Suite struct InfeasibleCorpusTests {
  static let folder = PackagePaths.path("Tests/MKSolverTests/Infeasible")

  static var cases: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
  }

  static func topology(fromHeader text: String) throws -> Topology {
    let line = text.split(separator: "\n").first.map(String.init) ?? ""
    guard line.hasPrefix("# topology:") else { throw CaseError("missing '# topology:' line") }
    var values: [String: String] = [:]
    for item in line.dropFirst("# topology:".count).split(separator: " ") {
      let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
      if pair.count == 2 { values[pair[0]] = pair[1] }
    }
    func int(_ key: String, _ fallback: Int) -> Int { values[key].flatMap { Int($0) } ?? fallback }
    func nodes(_ key: String) -> [Int]? {
      values[key].map { $0.split(separator: ",").compactMap { Int($0) } }
    }
    var devices: [TopologyShape.DeviceShape] = []
    if let on = nodes("nic") {
      devices.append(
        .init(.net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", nodes: on))
    }
    if let on = nodes("nvme") {
      devices.append(.init(.nvme, vendorId: "144d", deviceId: "a808", driver: "nvme", nodes: on))
    }
    var huge: [HugePagePool] = []
    if let spec = values["hugepages"] {
      let parts = spec.split(separator: ":").map(String.init)
      if parts.count == 2, let size = try? ByteSize.parse(parts[0]), let count = Int(parts[1]) {
        huge.append(HugePagePool(pageSizeBytes: size, total: count, free: count))
      }
    }
    let memory = try ByteSize.parse(values["memory"] ?? "16GiB")
    return try TopologySynthesizer.build(
      TopologyShape(
        sockets: int("sockets", 1), nodesPerSocket: int("nodes", 1), llcsPerNode: int("llcs", 1),
        coresPerLLC: int("cores", 4), threadsPerCore: int("threads", 2),
        memoryPerNodeBytes: memory, hugePages: huge, devices: devices))
  }

  struct CaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  static func load(_ name: String) throws -> (PolicyLoadResult, Policy, Topology) {
    let path = folder + "/" + name
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let loaded = PolicyLoader.load(text: text, file: "Infeasible/" + name)
    guard let policy = loaded.policy else {
      throw CaseError("\(name) does not load: \(loaded.diagnostics.map(\.message))")
    }
    return (loaded, policy, try topology(fromHeader: text))
  }

  @Test func atLeastTwentyCases() { #expect(Self.cases.count >= 20) }

  /// Every small case is explained within `SearchBudget.explanationWork`:
  /// its conflict is searched to the end (the goldens never say "may not
  /// be minimal"). The work is the budget's count, not a clock.
  @Test(arguments: cases.filter { !$0.hasPrefix("sums-") })
  func explainedWithinTheBudget(name: String) throws {
    let (_, policy, topology) = try Self.load(name)
    let explainer = Explainer(solver: Solver(), policy: policy, topology: topology)
    _ = explainer.explain()
    #expect(!explainer.meter.exhausted, "\(name): \(explainer.meter.used) cells")
  }

  /// Large policies past a sum answer with the arithmetic alone: no
  /// conflict search runs (its explanations have other words).
  @Test(arguments: cases.filter { $0.hasPrefix("sums-") })
  func sumsAnswerWithTheArithmetic(name: String) throws {
    let (_, policy, topology) = try Self.load(name)
    let model = try HostModel.build(policy: policy, topology: topology).get()
    let demands = Demand.build(policy: policy, model: model, weights: ObjectiveWeights())
    #expect(model.llcs.count * demands.count > SearchBudget().fullExplanationCells)
    let sums = CapacityCheck(policy: policy, model: model, demands: demands).conflicts()
    guard case .failure(let error) = Solver().solve(policy, on: topology) else {
      Issue.record("\(name) was placed")
      return
    }
    #expect(!sums.isEmpty)
    #expect(error.diagnostics.map(\.message) == sums.map(\.message))
  }

  @Test(arguments: cases)
  func explanationMatchesGolden(name: String) throws {
    let (loaded, policy, topology) = try Self.load(name)
    guard case .failure(let error) = Solver().solve(policy, on: topology) else {
      Issue.record("\(name) was placed")
      return
    }
    #expect(error.diagnostics.allSatisfy { $0.code.hasPrefix("E2") && $0.severity == .error })
    let text = DiagnosticRenderer(sources: loaded.sources).text(error.diagnostics)
    let golden = Self.folder + "/" + name.dropLast(5) + ".expected"
    if let mismatch = Golden.mismatch(actual: text, goldenPath: golden) {
      Issue.record(Comment(rawValue: mismatch))
    }
  }

  /// For every reported conflict (a policy may have several independent
  /// ones): dropping any member makes the rest feasible, and the whole set is
  /// infeasible: decided by the exact search.
  @Test(arguments: cases)
  func conflictSetIsMinimal(name: String) throws {
    // `sums-` cases are large policies past a sum of minimums: the answer
    // is the arithmetic (`CapacityCheck`), not a conflict set.
    if name.hasPrefix("sums-") { return }
    let (_, policy, topology) = try Self.load(name)
    let explainer = Explainer(solver: Solver(), policy: policy, topology: topology)
    let all = explainer.groups()
    guard !explainer.feasible(Set(all)) else { return }  // host-model errors: no set
    let conflicts = explainer.independentConflicts(all)
    #expect(!conflicts.isEmpty, "\(name): no conflict")
    func exact(_ active: Set<ConstraintGroup>) -> Bool? {
      let p = explainer.restricted(to: active)
      guard case .success(let model) = HostModel.build(policy: p, topology: topology) else {
        return false
      }
      let demands = Demand.build(policy: p, model: model, weights: ObjectiveWeights())
      if demands.contains(where: { $0.hugePageCount > 0 }) {
        // The test oracle has no huge pages; the solver's complete search does.
        var search = ExactSearch(model: model, demands: demands, budget: 3_000_000)
        let found = search.search() != nil
        return search.exhausted && !found ? nil : found
      }
      var oracle = ExactOracle(model: model, demands: demands)
      return oracle.feasible()
    }
    for conflict in conflicts {
      #expect(exact(Set(conflict)) == false, "\(name): conflict set \(conflict) is feasible")
      for member in conflict {
        var rest = Set(conflict)
        rest.remove(member)
        #expect(
          exact(rest) == true, "\(name): dropping \(member) leaves an infeasible set \(conflict)")
      }
    }
    if name == "two-independent-conflicts.yaml" { #expect(conflicts.count == 2) }
  }
}
