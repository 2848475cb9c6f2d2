/// Sizes and rates as the policy language writes them: `KiB MiB GiB TiB` are
/// binary, `KB MB GB TB` decimal, a bare number is bytes.
///
/// Parsing is exact integer arithmetic (no floating point), so `1.5GiB` is
/// exactly 1610612736 bytes and overflow is an error rather than a wrap.
public enum ByteSize {
  public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case malformed(String)
    case unknownUnit(String)
    case fractionalBytes(String)
    case overflow(String)

    public var description: String {
      switch self {
      case .empty: "empty size"
      case .malformed(let text): "'\(text)' is not a size"
      case .unknownUnit(let unit): "unknown unit '\(unit)'"
      case .fractionalBytes(let text): "'\(text)' is not a whole number of bytes"
      case .overflow(let text): "'\(text)' is too large"
      }
    }
  }

  /// Units in the order they are suggested in diagnostics.
  public static let units: [(suffix: String, factor: UInt64)] = [
    ("B", 1),
    ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
    ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
  ]

  public static func parse(_ text: String) throws(ParseError) -> UInt64 {
    let trimmed = text.trimmingASCIIWhitespace()
    guard !trimmed.isEmpty else { throw .empty }
    let numberEnd =
      trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
    let number = String(trimmed[..<numberEnd])
    let unit = String(trimmed[numberEnd...]).trimmingASCIIWhitespace()
    guard !number.isEmpty, number.first != ".", number.last != "." else { throw .malformed(text) }
    let factor: UInt64
    if unit.isEmpty {
      factor = 1
    } else if let match = units.first(where: { $0.suffix == unit }) {
      factor = match.factor
    } else {
      throw .unknownUnit(unit)
    }
    let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
    guard pieces.count <= 2, pieces.allSatisfy({ !$0.isEmpty && $0.count <= 20 }) else {
      throw .malformed(text)
    }
    guard let whole = UInt64(pieces[0]) else { throw .overflow(text) }
    let (scaled, overflow) = whole.multipliedReportingOverflow(by: factor)
    guard !overflow else { throw .overflow(text) }
    guard pieces.count == 2 else { return scaled }
    // Fraction: digits / 10^k * factor must be a whole number of bytes.
    let digits = pieces[1]
    guard digits.count <= 12, let fraction = UInt64(digits) else { throw .malformed(text) }
    var denominator: UInt64 = 1
    for _ in 0..<digits.count { denominator *= 10 }
    let (numerator, overflow2) = fraction.multipliedReportingOverflow(by: factor)
    guard !overflow2 else { throw .overflow(text) }
    guard numerator % denominator == 0 else { throw .fractionalBytes(text) }
    let (total, overflow3) = scaled.addingReportingOverflow(numerator / denominator)
    guard !overflow3 else { throw .overflow(text) }
    return total
  }

  /// The shortest exact binary form (`4GiB`, `1536MiB`, `4097`), used in
  /// reports and snapshots so that values round-trip without loss.
  public static func format(_ bytes: UInt64) -> String {
    for (suffix, factor) in [
      ("TiB", UInt64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
    ]
    where bytes != 0 && bytes % factor == 0 {
      return "\(bytes / factor)\(suffix)"
    }
    return "\(bytes)"
  }
}
