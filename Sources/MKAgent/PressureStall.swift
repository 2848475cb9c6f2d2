import MKCore

/// One line of a pressure stall information file (Documentation/accounting/psi.rst):
/// `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`.
public struct PressureLine: Sendable, Hashable, Codable {
  /// Percent of wall time stalled, averaged over 10, 60 and 300 seconds.
  public var avg10: Double
  public var avg60: Double
  public var avg300: Double
  /// Total stall time in microseconds.
  public var total: UInt64

  public init(avg10: Double, avg60: Double = 0, avg300: Double = 0, total: UInt64 = 0) {
    self.avg10 = avg10
    self.avg60 = avg60
    self.avg300 = avg300
    self.total = total
  }
}

/// A whole PSI file: `cpu.pressure`, `memory.pressure`, `io.pressure`, or
/// `/proc/pressure/*`. `full` is absent from the CPU file of older kernels
/// and from a kernel instance's report that does not have it.
public struct PressureStall: Sendable, Hashable, Codable {
  public var some: PressureLine
  public var full: PressureLine?

  public init(some: PressureLine, full: PressureLine? = nil) {
    self.some = some
    self.full = full
  }

  /// Parses the kernel's format; any other text is an error that says which
  /// line and field is wrong (never a value made up for it).
  public static func parse(_ text: String) -> Result<PressureStall, SignalProblem> {
    var some: PressureLine?
    var full: PressureLine?
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      let words = raw.split(separator: " ", omittingEmptySubsequences: true)
      guard let kind = words.first, kind == "some" || kind == "full" else {
        return .failure(.malformed("line \(index + 1): expected 'some' or 'full'"))
      }
      var fields: [Substring: Substring] = [:]
      for word in words.dropFirst() {
        guard let eq = word.firstIndex(of: "=") else {
          return .failure(.malformed("line \(index + 1): '\(word)' is not key=value"))
        }
        fields[word[..<eq]] = word[word.index(after: eq)...]
      }
      func percent(_ key: Substring) -> Double? {
        fields[key].flatMap { Double($0) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
      }
      guard let avg10 = percent("avg10"), let avg60 = percent("avg60"),
        let avg300 = percent("avg300"), let total = fields["total"].flatMap({ UInt64($0) })
      else {
        return .failure(
          .malformed("line \(index + 1): needs avg10=, avg60=, avg300= and total= with numbers"))
      }
      let line = PressureLine(avg10: avg10, avg60: avg60, avg300: avg300, total: total)
      if kind == "some" { some = line } else { full = line }
    }
    guard let some else { return .failure(.malformed("no 'some' line")) }
    return .success(PressureStall(some: some, full: full))
  }
}

/// Why a signal could not be read: the file's errno, or its text.
public enum SignalProblem: Error, Sendable, Hashable, CustomStringConvertible {
  case unreadable(String)
  case malformed(String)
  public var description: String {
    switch self {
    case .unreadable(let why): why
    case .malformed(let why): "unexpected content: \(why)"
    }
  }
}
