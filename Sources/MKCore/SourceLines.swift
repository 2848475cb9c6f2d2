/// A source file split into lines once, as the diagnostic renderer needs it:
/// the text as Unicode scalars (libyaml counts columns in scalars, and
/// "\r\n" is one Character but two scalars) and where each line starts.
///
/// Only `\n` ends a line, as in editors, `grep -n` and the YAML reader's own
/// locations (it refuses the other line breaks libyaml knows, so that its
/// line numbers and these agree).
struct SourceLines {
  /// Which part of a line the renderer shows, and the caret's column in it.
  struct Excerpt {
    var text: String
    var column: Int
  }

  /// Lines longer than this are cut to a window around the column.
  static let width = 120

  private let scalars: [Unicode.Scalar]
  /// The index in `scalars` where line `n` (1-based) starts, at `n - 1`.
  private let starts: [Int]

  init(_ text: String) {
    scalars = Array(text.unicodeScalars)
    var starts = [0]
    for (index, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(index + 1) }
    self.starts = starts
  }

  /// Line `number` without its line break (and a `\r` before it).
  private func slice(_ number: Int) -> ArraySlice<Unicode.Scalar>? {
    guard number >= 1, number <= starts.count else { return nil }
    let start = starts[number - 1]
    var end = number < starts.count ? starts[number] - 1 : scalars.count
    if end > start, scalars[end - 1] == "\r" { end -= 1 }
    return scalars[start..<end]
  }

  func fullLine(_ number: Int) -> String? {
    guard let line = slice(number) else { return nil }
    var text = ""
    text.unicodeScalars.append(contentsOf: line)
    return text
  }

  /// The window of line `number` shown for a location at `column`; costs
  /// the window's length, not the line's.
  func line(_ number: Int, column: Int) -> Excerpt? {
    slice(number).map { Self.excerpt($0, column: column) }
  }

  static func excerpt(_ line: ArraySlice<Unicode.Scalar>, column: Int) -> Excerpt {
    var caret = column
    var window = line
    var before = false
    var after = false
    if line.count > width {
      let start = max(0, min(column - 1 - width / 2, line.count - width))
      let end = min(line.count, start + width)
      window = line[(line.startIndex + start)..<(line.startIndex + end)]
      caret = column - start
      before = start > 0
      after = end < line.count
      if before { caret += 3 }
    }
    var text = before ? "..." : ""
    for scalar in window {
      if scalar.value < 0x20 && scalar != "\t" {
        text.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value)!)
      } else if scalar.value == 0x7F {
        text.unicodeScalars.append("\u{2421}")
      } else {
        text.unicodeScalars.append(scalar)
      }
    }
    if after { text += "..." }
    return Excerpt(text: text, column: caret)
  }
}
