import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

/// The conflict search is bounded by `SearchBudget.explanationWork`, counted
/// in cells (constructions x workloads x LLC entries), never by a clock: it
/// stops within one check of its budget and still answers, with the
/// conflict found so far marked as possibly not minimal.
@Suite struct ExplanationBudgetTests {
  /// Three workloads that avoid each other on a host of two LLC domains
  /// (a conflict of rules no sum shows), with `fillers` memory-only workloads.
  static func avoidTriangle(fillers: Int) -> (Policy, Topology) {
    let names = ["a", "b", "c"]
    var workloads = names.enumerated().map { i, name in
      Fixtures.workload(
        name, line: 10 + 20 * i, cpus: .init(exactly: 2),
        placement: Placement(avoid: names.filter { $0 != name }))
    }
    workloads += CapacityArithmeticTests.fillers(fillers)
    return (Fixtures.policy(workloads), Fixtures.host(llcsPerNode: 2))
  }

  @Test func defaultBudgetFindsTheMinimalConflict() {
    let (policy, topology) = Self.avoidTriangle(fillers: 0)
    let explainer = Explainer(solver: Solver(), policy: policy, topology: topology)
    let error = explainer.explain()
    #expect(explainer.meter.used > 0)
    #expect(!explainer.meter.exhausted)
    let text = error.diagnostics.map(\.message).joined()
    #expect(error.diagnostics.first?.code == "E201")
    #expect(
      !error.diagnostics.flatMap(\.notes).contains { $0.message.contains("may not be minimal") })
    #expect(text.contains("away from"))
  }

  @Test func exhaustedBudgetReportsTheConflictSoFar() {
    let (policy, topology) = Self.avoidTriangle(fillers: 0)
    var solver = Solver()
    solver.budget.explanationWork = 1
    let explainer = Explainer(solver: solver, policy: policy, topology: topology)
    let error = explainer.explain()
    #expect(explainer.meter.exhausted)
    guard let d = error.diagnostics.first else {
      Issue.record("no diagnostic")
      return
    }
    #expect(d.code.hasPrefix("E2"))
    #expect(d.notes.contains { $0.message.contains("may not be minimal") })
    #expect(d.help.contains { $0.contains("relax one of the clauses named here") })
    // What the filter found when its budget ran out is still a conflict.
    let limited = Explainer(solver: solver, policy: policy, topology: topology)
    let (conflict, minimal) = limited.deletionFilter(limited.groups())
    #expect(!minimal)
    let check = Explainer(solver: Solver(), policy: policy, topology: topology)
    #expect(!check.feasible(Set(conflict)))
  }

  /// With many workloads in each check the search stops within one check of
  /// its budget, whatever the policy's size, and names the members it could
  /// not set aside by count past the first few.
  @Test func largePolicyStaysWithinTheBudget() {
    let (policy, topology) = Self.avoidTriangle(fillers: 400)
    var solver = Solver()
    solver.budget.explanationWork = 200_000
    let explainer = Explainer(solver: solver, policy: policy, topology: topology)
    let oneCheck = solver.minsFeasibility(policy, on: topology).work
    let error = explainer.explain(knownInfeasible: true)
    #expect(explainer.meter.used <= solver.budget.explanationWork + oneCheck)
    #expect(!error.diagnostics.isEmpty)
    #expect(error.diagnostics.allSatisfy { $0.code.hasPrefix("E2") && $0.severity == .error })
    for d in error.diagnostics { #expect(d.notes.count <= Explainer.namedMembers + 2) }
  }

  /// An avoid cycle no sum refuses (the avoid triangle is refused by its
  /// LLC domains at once, E213, without a construction).
  @Test func feasibilityChecksCountTheirConstructions() {
    let policy = Fixtures.policy(LargeInfeasibleFamilyTests.oddCycle())
    let topology = LargeInfeasibleFamilyTests.twoDomains
    let solver = Solver()
    let infeasible = solver.minsFeasibility(policy, on: topology)
    #expect(!infeasible.feasible)
    var fits = policy
    fits.workloads.removeLast()
    let feasible = solver.minsFeasibility(fits, on: topology)
    #expect(feasible.feasible)
    // Every ordering of every strategy failed, against one construction.
    #expect(infeasible.work > feasible.work)
  }

  /// A focused explainer's checks start from the last placement found:
  /// the workloads whose demands did not change stay, the others are
  /// inserted, charged a fraction of a search; a set that does not place
  /// is still decided by the full search.
  @Test func focusedChecksStartFromTheLastPlacement() {
    let host = Fixtures.host(llcsPerNode: 4, memoryGiB: 64)
    var workloads = (0..<2).map {
      Fixtures.workload(
        "x\($0)", line: 10 + 20 * $0, cpus: .init(exactly: 2),
        placement: Placement(llc: .exclusive))
    }
    workloads += LargeInfeasibleFamilyTests.oddCycle()
    var explainer = Explainer(solver: Solver(), policy: Fixtures.policy(workloads), topology: host)
    explainer.resourcesFirst = true
    let all = Set(explainer.groups())
    // Without c4's CPUs the rest places: the full search finds it.
    #expect(explainer.feasible(all.subtracting([.cpus(6)])))
    let full = explainer.meter.used
    // Without c3's instead: c3 and c4 are inserted, the others stay.
    #expect(explainer.feasible(all.subtracting([.cpus(5)])))
    let incremental = explainer.meter.used - full
    #expect(incremental > 0 && incremental < full)
    // All of it does not place: the insertions fail and the full search says so.
    #expect(!explainer.feasible(all))
  }
}
