/// SplitMix64 (Steele, Lea and Flood, 2014): a small seeded generator that
/// gives the same numbers on every machine and every run, for what must be
/// reproducible: generated traces, benchmark instances and the cases of
/// property tests. Not for anything that needs unpredictability.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// In `range`, by the remainder of one draw (a bias of count/2^64, which
  /// no use here can see).
  public mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }

  /// Uniform in [0, 1), from the draw's top 53 bits.
  public mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

  /// In [0, 1) in steps of 1/`resolution`: the remainder of one draw.
  public mutating func fraction(resolution: UInt64) -> Double {
    Double(next() % resolution) / Double(resolution)
  }

  /// True with probability `p`, judged in steps of 1/`resolution`.
  public mutating func chance(_ p: Double, resolution: UInt64) -> Bool {
    fraction(resolution: resolution) < p
  }

  /// One of `items` (not empty).
  public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}
