/// A minimal SVG text builder: elements with attributes in the order given,
/// escaped text, and nothing that depends on the machine (no floating-point
/// formatting, no dictionaries), so the same map is the same bytes.
struct SVGWriter {
  private(set) var parts: [String] = []

  static func escape(_ text: String) -> String {
    // Most text needs no escaping; skip the copy then.
    guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 })
    else { return text }
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(character)
      }
    }
    return out
  }

  static func attributes(_ pairs: [(String, String)]) -> String {
    pairs.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
  }

  mutating func raw(_ text: String) { parts.append(text) }

  mutating func open(_ name: String, _ pairs: [(String, String)] = []) {
    parts.append("<\(name)\(Self.attributes(pairs))>")
  }

  mutating func close(_ name: String) { parts.append("</\(name)>") }

  mutating func empty(_ name: String, _ pairs: [(String, String)]) {
    parts.append("<\(name)\(Self.attributes(pairs))/>")
  }

  mutating func element(_ name: String, _ pairs: [(String, String)] = [], text: String) {
    parts.append("<\(name)\(Self.attributes(pairs))>\(Self.escape(text))</\(name)>")
  }

  /// A rectangle with a `<title>` (the hover text and its accessible name).
  mutating func rect(
    x: Int, y: Int, width: Int, height: Int, _ pairs: [(String, String)], title: String? = nil
  ) {
    let geometry = [("x", "\(x)"), ("y", "\(y)"), ("width", "\(width)"), ("height", "\(height)")]
    if let title {
      parts.append(
        "<rect\(Self.attributes(geometry + pairs))><title>\(Self.escape(title))</title></rect>")
    } else {
      empty("rect", geometry + pairs)
    }
  }

  mutating func text(
    x: Int, y: Int, _ content: String, size: Int, _ pairs: [(String, String)] = []
  ) {
    element(
      "text", [("x", "\(x)"), ("y", "\(y)"), ("font-size", "\(size)")] + pairs, text: content)
  }

  var document: String { parts.joined(separator: "\n") + "\n" }
}
