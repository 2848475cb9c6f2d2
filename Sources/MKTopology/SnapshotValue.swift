/// An ordered document tree that renders to YAML or JSON byte for byte the
/// same way every time.
///
/// Snapshots are reviewed in diffs and hashed into plans, so key order and
/// layout are fixed by the encoder rather than left to a serializer. `flow`
/// marks small collections written on one line (`{cpu: 0, physicalId: 0}`),
/// which keeps a 1,920-thread machine readable.
indirect enum SnapshotValue: Sendable {
  case map([(String, SnapshotValue)], flow: Bool)
  case list([SnapshotValue], flow: Bool)
  case string(String)
  /// A token that YAML writes plain and JSON writes as a string (`4GiB`).
  case token(String)
  case int(Int)
  case bool(Bool)

  // MARK: YAML

  func yaml() -> String {
    var out = ""
    switch self {
    case .map(let entries, _):
      for (key, value) in entries { Self.yamlEntry(key, value, indent: 0, into: &out) }
    default:
      out += inlineYAML() + "\n"
    }
    return out
  }

  private var isBlockCollection: Bool {
    switch self {
    case .map(let entries, let flow): return !flow && !entries.isEmpty
    case .list(let items, let flow): return !flow && !items.isEmpty
    default: return false
    }
  }

  private static func yamlEntry(
    _ key: String, _ value: SnapshotValue, indent: Int, into out: inout String
  ) {
    let pad = String(repeating: " ", count: indent)
    if value.isBlockCollection {
      out += pad + key + ":\n"
      value.yamlBlock(indent: indent + 2, into: &out)
    } else {
      out += pad + key + ": " + value.inlineYAML() + "\n"
    }
  }

  /// Writes a block collection whose lines start at `indent`.
  private func yamlBlock(indent: Int, into out: inout String) {
    let pad = String(repeating: " ", count: indent)
    switch self {
    case .map(let entries, _):
      for (key, value) in entries { Self.yamlEntry(key, value, indent: indent, into: &out) }
    case .list(let items, _):
      for item in items {
        if case .map(let entries, let flow) = item, !flow, let first = entries.first {
          // `- key: value` then the other keys aligned under the first.
          var itemText = ""
          Self.yamlEntry(first.0, first.1, indent: indent + 2, into: &itemText)
          for (key, value) in entries.dropFirst() {
            Self.yamlEntry(key, value, indent: indent + 2, into: &itemText)
          }
          out += pad + "- " + itemText.dropFirst(indent + 2)
        } else if item.isBlockCollection {
          out += pad + "-\n"
          item.yamlBlock(indent: indent + 2, into: &out)
        } else {
          out += pad + "- " + item.inlineYAML() + "\n"
        }
      }
    default:
      out += pad + inlineYAML() + "\n"
    }
  }

  private func inlineYAML() -> String {
    switch self {
    case .map(let entries, _):
      if entries.isEmpty { return "{}" }
      return "{" + entries.map { "\($0.0): \($0.1.inlineYAML())" }.joined(separator: ", ") + "}"
    case .list(let items, _):
      return "[" + items.map { $0.inlineYAML() }.joined(separator: ", ") + "]"
    case .string(let text): return Self.yamlScalar(text)
    case .token(let text): return text
    case .int(let value): return String(value)
    case .bool(let value): return value ? "true" : "false"
    }
  }

  /// Plain when a YAML 1.1 or 1.2 reader would read the text back as the
  /// same string; double-quoted otherwise (numbers, booleans, `null`, `1:30`,
  /// leading indicators, spaces, anything non-trivial).
  static func yamlScalar(_ text: String) -> String {
    plainIsSafe(text) ? text : doubleQuoted(text)
  }

  private static func plainIsSafe(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first else { return false }
    let allowed: (Unicode.Scalar) -> Bool = {
      ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9")
        || "-_./@+".unicodeScalars.contains($0) || $0 == ":"
    }
    guard text.unicodeScalars.allSatisfy(allowed) else { return false }
    guard (first >= "a" && first <= "z") || (first >= "A" && first <= "Z") || first == "/"
    else { return false }  // digits, signs and dots may read as numbers
    if text.hasSuffix(":") || text.contains("::") { return false }
    let reserved: Set<String> = [
      "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf",
    ]
    return !reserved.contains(text.lowercased())
  }

  static func doubleQuoted(_ text: String) -> String {
    // Most strings (names, paths, cpulists) need no escape: copied whole,
    // not a scalar at a time (a snapshot writes hundreds of them). Bytes of
    // multi-byte characters are >= 0x80, which is never escaped.
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f || $0 == 0x22 || $0 == 0x5c }) {
      return "\"" + text + "\""
    }
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7f {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  // MARK: JSON

  func json() -> String { String(decoding: jsonBytes(), as: UTF8.self) }

  /// `json()` as UTF-8 bytes, written into one buffer: the host fingerprint
  /// hashes the JSON of the whole snapshot (hundreds of kilobytes on a
  /// 1,920-thread host) on every `plan`, so no string is built per value.
  func jsonBytes() -> [UInt8] {
    var out: [UInt8] = []
    jsonValue(indent: 0, into: &out)
    out.append(UInt8(ascii: "\n"))
    return out
  }

  private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

  private static func pad(_ count: Int, into out: inout [UInt8]) {
    var rest = count
    while rest > 0 {
      let part = min(rest, spaces.count)
      out.append(contentsOf: spaces[0..<part])
      rest -= part
    }
  }

  private static func append(_ text: StaticString, into out: inout [UInt8]) {
    text.withUTF8Buffer { out.append(contentsOf: $0) }
  }

  /// `doubleQuoted(text)`'s bytes: runs without escapes are copied whole
  /// (bytes of multi-byte characters are 0x80 and above and copied as they
  /// are, as appending their scalar would).
  private static func quoted(_ text: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { utf8 in
      var start = 0
      for index in 0..<utf8.count {
        let byte = utf8[index]
        guard
          byte < 0x20 || byte == 0x7f || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
        else { continue }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
        start = index + 1
        switch byte {
        case UInt8(ascii: "\""): append("\\\"", into: &out)
        case UInt8(ascii: "\\"): append("\\\\", into: &out)
        case UInt8(ascii: "\n"): append("\\n", into: &out)
        case UInt8(ascii: "\t"): append("\\t", into: &out)
        case UInt8(ascii: "\r"): append("\\r", into: &out)
        default:
          let hex = String(byte, radix: 16)
          append("\\u", into: &out)
          out.append(contentsOf: Array(repeating: UInt8(ascii: "0"), count: 4 - hex.utf8.count))
          out.append(contentsOf: hex.utf8)
        }
      }
      out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }
    out.append(UInt8(ascii: "\""))
  }

  private func jsonValue(indent: Int, into out: inout [UInt8]) {
    switch self {
    case .map(let entries, let flow):
      if entries.isEmpty {
        Self.append("{}", into: &out)
      } else if flow {
        out.append(UInt8(ascii: "{"))
        for (index, entry) in entries.enumerated() {
          if index > 0 { Self.append(", ", into: &out) }
          Self.quoted(entry.0, into: &out)
          Self.append(": ", into: &out)
          entry.1.jsonValue(indent: indent, into: &out)
        }
        out.append(UInt8(ascii: "}"))
      } else {
        Self.append("{\n", into: &out)
        for (index, entry) in entries.enumerated() {
          Self.pad(indent + 2, into: &out)
          Self.quoted(entry.0, into: &out)
          Self.append(": ", into: &out)
          entry.1.jsonValue(indent: indent + 2, into: &out)
          Self.append(index == entries.count - 1 ? "\n" : ",\n", into: &out)
        }
        Self.pad(indent, into: &out)
        out.append(UInt8(ascii: "}"))
      }
    case .list(let items, let flow):
      if items.isEmpty {
        Self.append("[]", into: &out)
      } else if flow {
        out.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
          if index > 0 { Self.append(", ", into: &out) }
          item.jsonValue(indent: indent, into: &out)
        }
        out.append(UInt8(ascii: "]"))
      } else {
        Self.append("[\n", into: &out)
        for (index, item) in items.enumerated() {
          Self.pad(indent + 2, into: &out)
          item.jsonValue(indent: indent + 2, into: &out)
          Self.append(index == items.count - 1 ? "\n" : ",\n", into: &out)
        }
        Self.pad(indent, into: &out)
        out.append(UInt8(ascii: "]"))
      }
    case .string(let text), .token(let text): Self.quoted(text, into: &out)
    case .int(let value): out.append(contentsOf: String(value).utf8)
    case .bool(let value): Self.append(value ? "true" : "false", into: &out)
    }
  }
}
