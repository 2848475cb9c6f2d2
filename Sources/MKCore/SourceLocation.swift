/// A position in an input file, carried by every YAML node so that any later
/// stage (checks, solver, emitters) can point a user at the line that caused it.
///
/// Lines and columns are 1-based, as editors and compilers print them.
public struct SourceLocation: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
  /// The path as the user gave it (not made absolute), so messages match what they typed.
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  public var description: String { "\(file):\(line):\(column)" }

  public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
    (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
  }
}
