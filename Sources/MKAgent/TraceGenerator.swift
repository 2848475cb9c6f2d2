import MKCore

/// The shipped traces, generated deterministically (a fixed-seed generator,
/// no clock), so that `Examples/agent/traces/*.csv` can be checked against
/// what this code makes. Each has one hour at two-second resolution.
public enum TraceGenerator {
  public enum Kind: String, Sendable, CaseIterable {
    /// The front workload bursts well past its planned size a few times an
    /// hour; the batch workload is steady below its own.
    case burst
    /// Day and night in an hour: the front workload's demand rises while
    /// the batch one falls, and back.
    case diurnal
    /// The batch workload spikes at random; the front one is steady.
    case noisyNeighbour = "noisy-neighbour"
    /// Nothing runs.
    case idle
  }

  /// A trace for two workloads: `front` (latency-sensitive, planned `frontPlanned`
  /// CPUs) and `back` (batch, planned `backPlanned`).
  public static func generate(
    _ kind: Kind, front: String, back: String, frontPlanned: Int, backPlanned: Int,
    seconds: Int = 3_600, step: Int = 2
  ) -> Trace {
    var random = SplitMix64(seed: UInt64(kind.rawValue.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
    var samples: [Trace.Sample] = []
    let f = Double(frontPlanned)
    let b = Double(backPlanned)
    var spike = 0
    for time in stride(from: 0, to: seconds, by: step) {
      let noise = { (scale: Double) -> Double in (random.unit() - 0.5) * scale }
      var front: Double
      var back: Double
      switch kind {
      case .burst:
        // A 4-minute burst to 1.25 times the planned size every 15 minutes.
        let inBurst = time % 900 >= 300 && time % 900 < 540
        front = (inBurst ? f * 1.25 : f * 0.5) + noise(0.4)
        back = b * 0.3 + noise(0.4)
      case .diurnal:
        let phase = Double(time) / Double(seconds) * 2 * Double.pi
        let wave = (1 - cosine(phase)) / 2
        front = f * (0.3 + 1.4 * wave) + noise(0.4)
        back = b * (1.3 - 1.1 * wave) + noise(0.4)
      case .noisyNeighbour:
        if spike == 0 && random.unit() < 0.006 { spike = 60 + Int(random.unit() * 90) }
        if spike > 0 { spike -= step }
        front = f * 0.8 + noise(0.3)
        back = (spike > 0 ? b * 2.5 : b * 0.3) + noise(0.4)
      case .idle:
        front = 0.1 + noise(0.1)
        back = 0.1 + noise(0.1)
      }
      samples.append(
        Trace.Sample(
          milliseconds: time * 1000,
          demand: [max(0, (front * 100).rounded() / 100), max(0, (back * 100).rounded() / 100)]))
    }
    return Trace(name: kind.rawValue, workloads: [front, back], samples: samples)
  }

  /// A memory trace for the same two workloads: their working sets (MiB,
  /// columns `NAME.memory`) around the memory the static plan grants them,
  /// in the same shapes: `burst` takes the front workload a quarter past
  /// its grant, `diurnal` trades working set between the two over the hour,
  /// `noisy-neighbour` takes the batch one past its grant at random, `idle`
  /// holds a tenth of each.
  public static func generateMemory(
    _ kind: Kind, front: String, back: String, frontMiB: Int, backMiB: Int,
    seconds: Int = 3_600, step: Int = 2
  ) -> Trace {
    var random = SplitMix64(
      seed: UInt64(("memory-" + kind.rawValue).utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
    var samples: [Trace.Sample] = []
    let f = Double(frontMiB)
    let b = Double(backMiB)
    var spike = 0
    for time in stride(from: 0, to: seconds, by: step) {
      let noise = { (scale: Double) -> Double in (random.unit() - 0.5) * scale }
      var front: Double
      var back: Double
      switch kind {
      case .burst:
        let inBurst = time % 900 >= 300 && time % 900 < 540
        front = f * (inBurst ? 1.25 : 0.6) + noise(f * 0.02)
        back = b * 0.45 + noise(b * 0.02)
      case .diurnal:
        let phase = Double(time) / Double(seconds) * 2 * Double.pi
        let wave = (1 - cosine(phase)) / 2
        front = f * (0.5 + 0.8 * wave) + noise(f * 0.02)
        back = b * (1.2 - 0.8 * wave) + noise(b * 0.02)
      case .noisyNeighbour:
        if spike == 0 && random.unit() < 0.006 { spike = 60 + Int(random.unit() * 90) }
        if spike > 0 { spike -= step }
        front = f * 0.8 + noise(f * 0.02)
        back = (spike > 0 ? b * 1.4 : b * 0.5) + noise(b * 0.02)
      case .idle:
        front = f * 0.1 + noise(f * 0.01)
        back = b * 0.1 + noise(b * 0.01)
      }
      samples.append(
        Trace.Sample(
          milliseconds: time * 1000, demand: [max(0, front.rounded()), max(0, back.rounded())]))
    }
    return Trace(
      name: "memory-" + kind.rawValue, workloads: [front + ".memory", back + ".memory"],
      samples: samples)
  }

  /// cos without Foundation: a Taylor series after reduction to [-pi, pi].
  static func cosine(_ x: Double) -> Double {
    var x = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    if x > Double.pi { x -= 2 * Double.pi }
    if x < -Double.pi { x += 2 * Double.pi }
    var term = 1.0
    var sum = 1.0
    for n in 1...12 {
      term *= -x * x / Double((2 * n - 1) * (2 * n))
      sum += term
    }
    return sum
  }
}
