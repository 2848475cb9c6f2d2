/// Sums and rounding of sizes that saturate instead of trapping.
///
/// Every size the solver adds up comes from input (policy memory, huge page
/// counts, node memory from a snapshot), and any of them may be as large as
/// its type allows: the planner must answer with a diagnostic, never trap.
/// A saturated value is larger than any host, so it fails the capacity
/// checks like any other oversized demand.
enum Saturating {
  static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = a.addingReportingOverflow(b)
    return r.overflow ? .max : r.partialValue
  }

  static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = a.multipliedReportingOverflow(by: b)
    return r.overflow ? .max : r.partialValue
  }

  static func sum(_ values: [UInt64]) -> UInt64 { values.reduce(0, add) }

  static func add(_ a: Int, _ b: Int) -> Int {
    let r = a.addingReportingOverflow(b)
    return r.overflow ? (b > 0 ? .max : .min) : r.partialValue
  }

  static func multiply(_ a: Int, _ b: Int) -> Int {
    let r = a.multipliedReportingOverflow(by: b)
    return r.overflow ? ((a < 0) != (b < 0) ? .min : .max) : r.partialValue
  }

  static func sum(_ values: [Int]) -> Int { values.reduce(0, add) }
}
