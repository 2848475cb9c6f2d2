import MKPolicy

/// The weights of the placement objective (docs/objective.md). They are the
/// prototype's values from the placement reference; the benchmark's MILP uses
/// the same ones, so gaps are measured on one and the same objective.
public struct ObjectiveWeights: Sendable, Hashable, Codable {
  /// Per GiB of memory on node b serving CPUs on node a, times X(a,b).
  public var alpha: Double = 1
  /// Per device on node b serving CPUs on node a, times X(a,b).
  public var beta: Double = 2
  /// Per last-level-cache domain a workload uses.
  public var gamma: Double = 0.5
  /// Per NUMA node a workload's CPUs or memory are on.
  public var delta: Double = 1
  /// Per CPU moved between LLC domains and per GiB moved between nodes, halved.
  public var mu: Double = 0.2
  /// Per SMT sibling shared with another workload, by latency class.
  public var lambdaRealtime: Double = 8
  public var lambdaLow: Double = 4
  public var lambdaNormal: Double = 1
  public var lambdaBatch: Double = 0.25

  public init() {}

  public func lambda(_ latency: LatencyClass) -> Double {
    switch latency {
    case .realtime: lambdaRealtime
    case .low: lambdaLow
    case .normal: lambdaNormal
    case .batch: lambdaBatch
    }
  }
}
