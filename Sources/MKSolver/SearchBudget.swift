/// Every limit on the solver's work, in one place.
///
/// Work is bounded by counts, never by a clock, so the same inputs give the
/// same plan and the same explanation on any machine and at any load. Sizes
/// are "cells": LLC entries of the host model times workloads, the unit in
/// which one greedy construction costs.
public struct SearchBudget: Sendable, Hashable {
  /// Construction orderings tried (heuristic ones, then seeded shuffles).
  public var orderings = 8
  /// Improvement passes (re-insert every workload) over a construction.
  public var improvementPasses = 3
  /// Up to this many cells an instance is small: at least 24 orderings, the
  /// best four constructions improved, and pair moves.
  public var smallInstance = 256
  /// Above these sizes, orderings are capped at 5 and at 3, so the search
  /// stays near-linear in cells.
  public var largeInstance = 4_000
  public var hugeInstance = 16_000
  /// Orderings a feasibility check tries at least (the elastic fallback and
  /// the explainer's oracle), where the cost-first greedy missed.
  public var feasibilityOrderings = 12
  /// On large instances a feasibility check tries fewer orderings (never
  /// fewer than the search itself): at most this many cells over its four
  /// strategies, so that proving a large policy infeasible costs a few
  /// searches, not fifty. Instances up to 10,000 cells keep every ordering.
  public var feasibilityCells = 500_000
  /// Nodes the complete search (`ExactSearch`) may visit on small instances.
  public var exactNodes = 50_000
  /// The explainer's work: the sum, over its feasibility checks, of the
  /// constructions each ran times its cells (workloads still in it times
  /// LLC entries), an upper bound on the insertions it tried. When it runs
  /// out, the conflict found so far is reported, marked as possibly not
  /// minimal, and help lines not yet checked by solving are left out.
  /// A cell costs about 1-3 us in a release build on a loaded 2-core
  /// machine (measured: 2,000,000 cells in 5.3 s at load 9), so this is
  /// well under a second; the small policies of the infeasible corpus use
  /// at most 1,600.
  public var explanationWork = 300_000
  /// Capacity conflicts (sums of minimums over the host) of instances up to
  /// this many cells are explained by the conflict search (the clauses
  /// involved, help values checked by solving); larger ones by the
  /// arithmetic alone, at once.
  public var fullExplanationCells = 1_000
  /// ... and of at most this many workloads: the conflict search's checks
  /// cost at least their workloads each, whatever the LLC entries, so 1,000
  /// workloads on a host of one LLC domain are not a small instance (2 s of
  /// checks that ended "may not be minimal", against the sums at once).
  public var fullExplanationWorkloads = 64
  /// Branch-and-bound steps of the exact `avoid` clique search behind E213
  /// and E218 (`AvoidCliqueSearch`), after a greedy clique: a step is one
  /// candidate coloured for one partial clique. Sparse graphs need a few
  /// per workload; when it runs out the largest clique found so far is
  /// used (a necessary condition still, only perhaps a weaker one).
  public var avoidCliqueSteps = 100_000
  /// Suspects the incremental narrowing (`ConflictNarrowing`) may gather
  /// before it leaves a large policy to the deletion filter: the suspects
  /// are re-solved as one instance by the oracle.
  public var narrowingSuspects = 512

  public init() {}

  /// Whether a conflict on `llcEntries` LLC entries of the host model and
  /// `workloads` workloads is searched over the whole policy (a small
  /// instance) rather than answered by the sums or narrowed first.
  func explainsInFull(llcEntries: Int, workloads: Int) -> Bool {
    Saturating.multiply(llcEntries, max(1, workloads)) <= fullExplanationCells
      && workloads <= fullExplanationWorkloads
  }

  /// Orderings per strategy of a feasibility check on an instance of `cells`.
  func feasibilityOrderings(cells: Int) -> Int {
    let affordable = feasibilityCells / max(1, 4 * cells)
    return max(orderings(cells: cells), min(feasibilityOrderings, affordable))
  }

  /// Orderings for an instance of `cells`.
  func orderings(cells: Int) -> Int {
    if cells <= smallInstance { return max(orderings, 24) }
    if cells > hugeInstance { return min(orderings, 3) }
    if cells > largeInstance { return min(orderings, 5) }
    return orderings
  }
}
