/// POSIX shell quoting: every argument becomes one word, byte for byte.
///
/// Single quotes preserve everything except a single quote, which is closed,
/// emitted as `\'` and reopened. A word with `$`, a backtick or a backslash
/// is double-quoted instead, with exactly those four characters (and `"`)
/// escaped: the same bytes, in the form shellcheck reads as deliberate.
/// Arguments made only of characters no shell treats specially stay bare.
public enum ShellQuote {
  public static func quote(_ word: String) -> String {
    if !word.isEmpty && word.unicodeScalars.allSatisfy({ isPlain($0) || $0 == "=" }) {
      return word
    }
    return strictQuote(word)
  }

  /// Quotes a command name: `=` would make a bare first word an assignment.
  public static func strictQuote(_ word: String) -> String {
    if !word.isEmpty && word.unicodeScalars.allSatisfy(isPlain) { return word }
    if word.contains(where: { $0 == "$" || $0 == "`" || $0 == "\\" }) {
      var out = "\""
      for character in word {
        if character == "$" || character == "`" || character == "\\" || character == "\"" {
          out.append("\\")
        }
        out.append(character)
      }
      return out + "\""
    }
    return "'" + word.replacingAll("'", with: "'\\''") + "'"
  }

  /// A command line: the first word quoted strictly, the rest as arguments.
  public static func join(_ argv: [String]) -> String {
    guard let first = argv.first else { return "" }
    return ([strictQuote(first)] + argv.dropFirst().map(quote)).joined(separator: " ")
  }

  private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "a"..."z", "A"..."Z", "0"..."9", "_", ".", ",", ":", "/", "@", "+", "-", "%": true
    default: false
    }
  }
}

extension String {
  /// Replaces every occurrence of `target` without Foundation.
  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var result = ""
    var rest = Substring(self)
    while let range = rest.firstRange(of: target) {
      result += rest[..<range.lowerBound]
      result += replacement
      rest = rest[range.upperBound...]
    }
    return result + rest
  }
}
