/// Renders diagnostics for people (compiler-style text), for tools (JSON)
/// and for CI (GitHub workflow annotations).
///
/// Text shows the offending source line with a caret under the column, so it
/// needs the sources: pass every file's text in `sources` (path -> text, as
/// `YAMLReadResult.source` and `PolicyLoadResult.sources` provide). A file
/// missing from the cache is rendered without its source line.
///
/// Output is deterministic: the renderer never reorders, never reads the
/// clock or the environment, and never colours unless asked.
public struct DiagnosticRenderer: Sendable {
  public enum Format: String, Sendable, CaseIterable {
    case text, json, github
  }

  public var sources: [String: String]
  /// ANSI colours in text output; off unless the caller turns it on.
  public var color: Bool

  public init(sources: [String: String] = [:], color: Bool = false) {
    self.sources = sources
    self.color = color
  }

  public func render(_ diagnostics: [Diagnostic], format: Format) -> String {
    switch format {
    case .text: return text(diagnostics)
    case .json: return json(diagnostics)
    case .github: return github(diagnostics)
    }
  }

  // MARK: text

  /// Every diagnostic in the form
  /// ```
  /// policy.yaml:3:5: error[E011]: duplicate key 'cpus'
  ///   |
  /// 3 |     cpus: 4
  ///   |     ^
  ///   = note: policy.yaml:2:5: first defined here
  ///   = help: remove one of the two, or merge their values
  /// ```
  /// followed by a blank line, and a summary line when there are errors or warnings.
  public func text(_ diagnostics: [Diagnostic]) -> String {
    // Each file is split into lines once, so rendering stays linear in the
    // number of diagnostics however many point into the same large file.
    var lines: [String: SourceLines] = [:]
    var out = ""
    for diagnostic in diagnostics {
      var source: SourceLines.Excerpt?
      if let location = diagnostic.location, let text = sources[location.file] {
        if lines[location.file] == nil { lines[location.file] = SourceLines(text) }
        source = lines[location.file]?.line(location.line, column: location.column)
      }
      out += text(diagnostic, excerpt: source)
      out += "\n"
    }
    let errors = diagnostics.filter { $0.severity == .error }.count
    let warnings = diagnostics.filter { $0.severity == .warning }.count
    var parts: [String] = []
    if errors > 0 { parts.append("\(errors) error\(errors == 1 ? "" : "s")") }
    if warnings > 0 { parts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
    if !parts.isEmpty { out += parts.joined(separator: ", ") + "\n" }
    return out
  }

  /// One diagnostic, ending in a newline.
  public func text(_ diagnostic: Diagnostic) -> String {
    let source = diagnostic.location.flatMap { location in
      sources[location.file].flatMap {
        SourceLines($0).line(location.line, column: location.column)
      }
    }
    return text(diagnostic, excerpt: source)
  }

  /// `excerpt` is the source line as `SourceLines.line` cut it: at most
  /// `excerptWidth` columns around the location's column.
  private func text(_ diagnostic: Diagnostic, excerpt source: SourceLines.Excerpt?) -> String {
    let severity = paint(
      "\(diagnostic.severity.rawValue)[\(diagnostic.code)]",
      diagnostic.severity == .error ? "1;31" : diagnostic.severity == .warning ? "1;33" : "1;36")
    var out = ""
    if let location = diagnostic.location {
      out += paint("\(location):", "1") + " "
    }
    out += "\(severity): \(paint(diagnostic.message, "1"))\n"
    var gutter = 1
    if let location = diagnostic.location, let source {
      let number = String(location.line)
      gutter = number.count + 1
      let pad = String(repeating: " ", count: gutter)
      let (line, caretColumn) = (source.text, source.column)
      // Keep tabs so that the caret lines up under tabbed text.
      let prefix = line.unicodeScalars.prefix(max(0, caretColumn - 1)).map {
        $0 == "\t" ? "\t" : " "
      }
      out += "\(pad)\(paint("|", "1;34"))\n"
      out += "\(number) \(paint("|", "1;34")) \(line)\n"
      out += "\(pad)\(paint("|", "1;34")) \(prefix.joined())\(paint("^", "1;31"))\n"
    }
    let indent = String(repeating: " ", count: gutter)
    for note in diagnostic.notes {
      let place = note.location.map { "\($0): " } ?? ""
      out += "\(indent)= \(paint("note", "1")): \(place)\(note.message)\n"
    }
    for help in diagnostic.help {
      out += "\(indent)= \(paint("help", "1;32")): \(help)\n"
    }
    return out
  }

  /// The part of a source line worth showing: control characters drawn as
  /// their Unicode pictures (a NUL byte becomes ␀, one column wide, so the
  /// caret stays aligned), and a line longer than 120 columns cut to a window
  /// around the column with `...` on the cut sides. Returns the text and the
  /// caret's column within it.
  static func excerpt(_ line: String, column: Int) -> (text: String, column: Int) {
    let cut = SourceLines.excerpt(Array(line.unicodeScalars)[...], column: column)
    return (cut.text, cut.column)
  }

  private func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  /// The line a location points at, without its line break; nil when the
  /// file is not in the cache or the line does not exist.
  public func sourceLine(_ location: SourceLocation) -> String? {
    guard let text = sources[location.file] else { return nil }
    return SourceLines(text).fullLine(location.line)
  }

  // MARK: JSON

  /// `{"diagnostics":[...],"errors":N,"warnings":N}` with fields in a fixed
  /// order (severity, code, message, file, line, column, notes, help), so
  /// tools may diff the output byte for byte.
  public func json(_ diagnostics: [Diagnostic]) -> String {
    var out = "{\n  \"diagnostics\": ["
    for (index, diagnostic) in diagnostics.enumerated() {
      out += index == 0 ? "\n" : ",\n"
      out += "    {"
      out += "\"severity\": \(Self.jsonString(diagnostic.severity.rawValue)), "
      out += "\"code\": \(Self.jsonString(diagnostic.code)), "
      out += "\"message\": \(Self.jsonString(diagnostic.message)), "
      out += Self.jsonLocation(diagnostic.location)
      out += ", \"notes\": ["
      out += diagnostic.notes.map {
        "{\"message\": \(Self.jsonString($0.message)), \(Self.jsonLocation($0.location))}"
      }.joined(separator: ", ")
      out += "], \"help\": ["
      out += diagnostic.help.map(Self.jsonString).joined(separator: ", ")
      out += "]}"
    }
    out += diagnostics.isEmpty ? "],\n" : "\n  ],\n"
    out += "  \"errors\": \(diagnostics.filter { $0.severity == .error }.count),\n"
    out += "  \"warnings\": \(diagnostics.filter { $0.severity == .warning }.count)\n}\n"
    return out
  }

  private static func jsonLocation(_ location: SourceLocation?) -> String {
    guard let location else { return "\"file\": null, \"line\": null, \"column\": null" }
    return
      "\"file\": \(jsonString(location.file)), \"line\": \(location.line), \"column\": \(location.column)"
  }

  /// A JSON string literal (RFC 8259 escaping).
  public static func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  // MARK: GitHub

  /// One workflow command per diagnostic:
  /// `::error file=policy.yaml,line=3,col=5,title=E011::duplicate key 'cpus'`,
  /// with notes and help on further lines of the message (escaped as `%0A`).
  public func github(_ diagnostics: [Diagnostic]) -> String {
    var out = ""
    for diagnostic in diagnostics {
      let command =
        switch diagnostic.severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "notice"
        }
      var properties: [String] = []
      if let location = diagnostic.location {
        properties.append("file=\(Self.githubProperty(location.file))")
        properties.append("line=\(location.line)")
        properties.append("col=\(location.column)")
      }
      properties.append("title=\(Self.githubProperty(diagnostic.code))")
      var message = diagnostic.message
      for note in diagnostic.notes {
        message += "\nnote: " + (note.location.map { "\($0): " } ?? "") + note.message
      }
      for help in diagnostic.help { message += "\nhelp: " + help }
      out += "::\(command) \(properties.joined(separator: ","))::\(Self.githubData(message))\n"
    }
    return out
  }

  /// Escapes a workflow command's message: `%`, CR and LF.
  public static func githubData(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "%": out += "%25"
      case "\r": out += "%0D"
      case "\n": out += "%0A"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Escapes a workflow command's property value: as data, plus `:` and `,`.
  public static func githubProperty(_ text: String) -> String {
    var out = ""
    for character in githubData(text) {
      switch character {
      case ":": out += "%3A"
      case ",": out += "%2C"
      default: out.append(character)
      }
    }
    return out
  }
}
