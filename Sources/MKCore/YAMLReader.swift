import CYAML

#if canImport(Glibc)
  import Glibc
#endif

/// What `YAMLReader` returns: the document's root node (nil when the input
/// was rejected or holds no document), every diagnostic found, and the text
/// that `DiagnosticRenderer` shows source lines from.
public struct YAMLReadResult: Sendable {
  public var file: String
  public var root: YAMLNode?
  public var diagnostics: [Diagnostic]
  /// The input as text (invalid UTF-8 replaced), for the renderer's source cache.
  public var source: String

  public init(file: String, root: YAMLNode?, diagnostics: [Diagnostic], source: String) {
    self.file = file
    self.root = root
    self.diagnostics = diagnostics
    self.source = source
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// A strict YAML reader on libyaml's event API.
///
/// It builds a `YAMLNode` tree where every node knows its file, line and
/// column, and rejects what a policy never needs and an attacker could abuse:
/// documents over `maximumBytes` (checked before parsing), invalid UTF-8, NUL
/// bytes, byte order marks (anywhere, escaped or not), the line breaks
/// editors do not count (lone CR, NEL, U+2028, U+2029), nesting deeper than
/// `maximumDepth` (checked while streaming, so a 10,000-deep document fails
/// at level 65 without building
/// anything), anchors and aliases (so no alias bomb can expand), tags, keys
/// that are not scalars, duplicate keys (every one reported, with both places)
/// and multi-document streams.
///
/// Scalars are not typed: see `YAMLNode` for the accessors that decide.
public struct YAMLReader: Sendable {
  /// Larger than any policy or topology snapshot a person writes or a host
  /// produces; small enough that reading is instant.
  public var maximumBytes: Int
  public var maximumDepth: Int

  public init(maximumBytes: Int = 1 << 20, maximumDepth: Int = 64) {
    self.maximumBytes = maximumBytes
    self.maximumDepth = maximumDepth
  }

  /// Reads a file. The size is checked with `stat` before anything is read.
  public func read(path: String) -> YAMLReadResult {
    var info = stat()
    guard stat(path, &info) == 0 else {
      return failure(path, "cannot read '\(path)': \(Errno.message(errno))")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      return failure(path, "cannot read '\(path)': it is a directory")
    }
    if Int(info.st_size) > maximumBytes {
      return YAMLReadResult(
        file: path, root: nil, diagnostics: [tooLarge(path, size: Int(info.st_size))], source: "")
    }
    guard let file = fopen(path, "rb") else {
      return failure(path, "cannot read '\(path)': \(Errno.message(errno))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
      if bytes.count > maximumBytes {
        // The file grew after stat: still refuse it.
        return YAMLReadResult(
          file: path, root: nil, diagnostics: [tooLarge(path, size: bytes.count)], source: "")
      }
      if count < chunk.count {
        if ferror(file) != 0 {
          return failure(path, "cannot read '\(path)': \(Errno.message(errno))")
        }
        break
      }
    }
    return read(bytes: bytes, file: path)
  }

  /// Reads text already in memory (tests, embedded defaults, stdin).
  public func read(text: String, file: String) -> YAMLReadResult {
    read(bytes: Array(text.utf8), file: file)
  }

  /// Reads raw bytes; `file` is the name used in locations.
  public func read(bytes: [UInt8], file: String) -> YAMLReadResult {
    if bytes.count > maximumBytes {
      return YAMLReadResult(
        file: file, root: nil, diagnostics: [tooLarge(file, size: bytes.count)], source: "")
    }
    let source = String(decoding: bytes, as: UTF8.self)
    if let problem = Self.scanEncoding(bytes, file: file) {
      return YAMLReadResult(file: file, root: nil, diagnostics: [problem], source: source)
    }
    var builder = TreeBuilder(file: file, maximumDepth: maximumDepth)
    bytes.withUnsafeBufferPointer { builder.parse($0) }
    return YAMLReadResult(
      file: file, root: builder.root, diagnostics: builder.diagnostics, source: source)
  }

  private func failure(_ file: String, _ message: String) -> YAMLReadResult {
    YAMLReadResult(
      file: file, root: nil, diagnostics: [.error("E001", message)], source: "")
  }

  private func tooLarge(_ file: String, size: Int) -> Diagnostic {
    .error(
      "E002", "document is \(size) bytes, more than the limit of \(maximumBytes) bytes",
      at: SourceLocation(file: file, line: 1, column: 1),
      help: ["split the policy into a folder of smaller files"])
  }

  /// Finds the first byte order mark, NUL byte or invalid UTF-8 sequence,
  /// with its line and column (columns count characters, as libyaml's do).
  static func scanEncoding(_ bytes: [UInt8], file: String) -> Diagnostic? {
    func at(_ line: Int, _ column: Int) -> SourceLocation {
      SourceLocation(file: file, line: line, column: column)
    }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFE, 0xFF])
      || bytes.starts(with: [0xFF, 0xFE])
    {
      return .error(
        "E005", "file starts with a byte order mark", at: at(1, 1),
        help: ["save the file as UTF-8 without a BOM"])
    }
    var line = 1
    var column = 1
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      var length = 0
      var secondRange: ClosedRange<UInt8> = 0x80...0xBF
      switch byte {
      case 0x00:
        return .error(
          "E004", "NUL byte in the document", at: at(line, column),
          help: ["a policy is text: remove the NUL byte (was a binary file given?)"])
      case 0x01...0x08, 0x0B, 0x0C, 0x0E...0x1F, 0x7F:
        let hex = String(byte, radix: 16, uppercase: true)
        return .error(
          "E004", "control character U+00\(hex.count == 1 ? "0" + hex : hex) in the document",
          at: at(line, column),
          help: ["remove it; only tabs and line breaks are allowed among control characters"])
      case 0x0A:
        line += 1
        column = 1
        index += 1
        continue
      case 0x01...0x7F: length = 1
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        secondRange = 0xA0...0xBF
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        secondRange = 0x80...0x9F
      case 0xF0:
        length = 4
        secondRange = 0x90...0xBF
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        secondRange = 0x80...0x8F
      default: length = 0
      }
      var valid = length > 0 && index + length <= bytes.count
      if valid && length > 1 {
        valid = secondRange.contains(bytes[index + 1])
        for offset in 2..<max(2, length) where valid {
          valid = (0x80...0xBF).contains(bytes[index + offset])
        }
      }
      guard valid else {
        let hex = String(byte, radix: 16, uppercase: true)
        return .error(
          "E003", "invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex))",
          at: at(line, column), help: ["save the file as UTF-8"])
      }
      if byte == 0x0D, index + 1 >= bytes.count || bytes[index + 1] != 0x0A {
        return .error(
          "E004", "carriage return without a line feed in the document", at: at(line, column),
          help: [
            "end lines with LF or CR LF: libyaml counts a lone CR as a line break, editors may not, so reported lines would be off"
          ])
      }
      if length > 1, let problem = Self.refusedScalar(bytes[index..<(index + length)]) {
        return .error(
          problem.code, problem.message, at: at(line, column), help: [problem.help])
      }
      index += length
      column += 1
    }
    return nil
  }
}

extension YAMLReader {
  /// Valid UTF-8 that a policy or snapshot still may not hold: the line
  /// breaks libyaml counts but editors and `grep -n` do not (NEL, U+2028,
  /// U+2029: every line reported after one would be off by one), and a byte
  /// order mark anywhere, not only at the start.
  static func refusedScalar(_ sequence: ArraySlice<UInt8>) -> (
    code: String, message: String, help: String
  )? {
    switch Array(sequence) {
    case [0xC2, 0x85], [0xE2, 0x80, 0xA8], [0xE2, 0x80, 0xA9]:
      let name =
        sequence.count == 2
        ? "next line (NEL, U+0085)"
        : sequence.last == 0xA8 ? "line separator U+2028" : "paragraph separator U+2029"
      return (
        "E004", "\(name) in the document",
        "use a plain line break (LF), or write it as an escape in a double-quoted string (\"\\u2028\")"
      )
    case [0xEF, 0xBB, 0xBF]:
      return (
        "E005", "byte order mark (U+FEFF) inside the document",
        "remove it: it is invisible in most editors, and no policy or snapshot value holds one"
      )
    default:
      return nil
    }
  }
}

/// Turns libyaml events into a tree, checking limits as events stream in.
private struct TreeBuilder {
  final class Frame {
    let start: SourceLocation
    let isMapping: Bool
    var items: [YAMLNode] = []
    var entries: [YAMLMappingEntry] = []
    var pendingKey: (key: String, location: SourceLocation, duplicate: Bool)?
    var seen: [String: SourceLocation] = [:]
    init(start: SourceLocation, isMapping: Bool) {
      self.start = start
      self.isMapping = isMapping
    }
  }

  let file: String
  let maximumDepth: Int
  var root: YAMLNode?
  var diagnostics: [Diagnostic] = []
  var stack: [Frame] = []
  var documents = 0
  var fatal = false

  init(file: String, maximumDepth: Int) {
    self.file = file
    self.maximumDepth = maximumDepth
  }

  func location(_ mark: yaml_mark_t) -> SourceLocation {
    SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }

  mutating func fail(_ diagnostic: Diagnostic) {
    diagnostics.append(diagnostic)
    fatal = true
  }

  mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>) {
    let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    defer { parser.deallocate() }
    guard yaml_parser_initialize(parser) != 0 else {
      fail(.error("E001", "cannot initialise the YAML parser: out of memory"))
      return
    }
    defer { yaml_parser_delete(parser) }
    // libyaml wants a non-null pointer even for empty input.
    let empty: [UInt8] = [0]
    empty.withUnsafeBufferPointer { placeholder in
      let base = buffer.count > 0 ? buffer.baseAddress! : placeholder.baseAddress!
      yaml_parser_set_input_string(parser, base, buffer.count)
      yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
      var event = yaml_event_t()
      while !fatal {
        guard yaml_parser_parse(parser, &event) != 0 else {
          syntaxError(parser.pointee, buffer)
          return
        }
        let done = event.type == YAML_STREAM_END_EVENT
        handle(&event)
        yaml_event_delete(&event)
        if done { return }
      }
    }
  }

  mutating func syntaxError(_ parser: yaml_parser_t, _ buffer: UnsafeBufferPointer<UInt8>) {
    let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
    var notes: [Diagnostic.Note] = []
    if let context = parser.context {
      notes.append(.init(String(cString: context), at: location(parser.context_mark)))
    }
    var help: [String] = []
    let mark = location(parser.problem_mark)
    if problem.contains("tab character")
      || (problem.contains("cannot start any token")
        && Self.character(at: mark, in: buffer) == "\t")
    {
      help.append("indent with spaces: YAML does not allow tabs here")
    }
    if problem.contains("mapping values are not allowed") {
      help.append("quote a value that contains ': ', or check the indentation")
    }
    if problem.contains("did not find expected key")
      || problem.contains("did not find expected '-' indicator")
    {
      help.append("check that this line is indented like its siblings")
    }
    fail(.error("E006", "YAML syntax error: \(problem)", at: mark, notes: notes, help: help))
  }

  /// The character at a 1-based line and character column.
  static func character(at mark: SourceLocation, in buffer: UnsafeBufferPointer<UInt8>)
    -> Character?
  {
    var line = 1
    var start = 0
    while line < mark.line, let newline = buffer[start...].firstIndex(of: 0x0A) {
      start = newline + 1
      line += 1
    }
    guard line == mark.line else { return nil }
    let end = buffer[start...].firstIndex(of: 0x0A) ?? buffer.endIndex
    let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
    let characters = Array(text.unicodeScalars)
    guard mark.column >= 1, mark.column <= characters.count else { return nil }
    return Character(characters[mark.column - 1])
  }

  mutating func handle(_ event: inout yaml_event_t) {
    let start = location(event.start_mark)
    switch event.type {
    case YAML_DOCUMENT_START_EVENT:
      documents += 1
      if documents > 1 {
        fail(
          .error(
            "E007", "a second YAML document; exactly one is expected", at: start,
            help: ["remove the '---' separator, or put each document in its own file"]))
      }
    case YAML_ALIAS_EVENT:
      let name = String(cString: event.data.alias.anchor)
      fail(
        .error(
          "E009", "alias '*\(name)' is not allowed: policies do not use anchors and aliases",
          at: start, help: ["write the value out in full"]))
    case YAML_SCALAR_EVENT:
      let scalar = event.data.scalar
      if rejectAnchorOrTag(anchor: scalar.anchor, tag: scalar.tag, at: start) { return }
      let text = String(
        decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
      if text.unicodeScalars.contains("\u{FEFF}") {
        // Written as an escape ("\uFEFF"); the raw character is refused by scanEncoding.
        fail(
          .error(
            "E005", "byte order mark (U+FEFF) in a value", at: start,
            help: ["remove the \\uFEFF escape: no policy or snapshot value holds one"]))
        return
      }
      let style: YAMLScalar.Style =
        switch scalar.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
      if let frame = stack.last, frame.isMapping, frame.pendingKey == nil {
        if let first = frame.seen[text] {
          diagnostics.append(
            .error(
              "E011", "duplicate key '\(text)'", at: start,
              notes: [.init("first defined here", at: first)],
              help: ["remove one of the two, or merge their values"]))
          frame.pendingKey = (text, start, true)
        } else {
          frame.seen[text] = start
          frame.pendingKey = (text, start, false)
        }
        return
      }
      add(YAMLNode(.scalar(YAMLScalar(text, style: style)), at: start))
    case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
      let isMapping = event.type == YAML_MAPPING_START_EVENT
      let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
      let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
      if rejectAnchorOrTag(anchor: anchor, tag: tag, at: start) { return }
      if let frame = stack.last, frame.isMapping, frame.pendingKey == nil {
        fail(
          .error(
            "E012", "a mapping key must be a plain name, not a \(isMapping ? "mapping" : "list")",
            at: start))
        return
      }
      guard stack.count < maximumDepth else {
        fail(
          .error(
            "E010", "nesting is deeper than \(maximumDepth) levels", at: start,
            help: ["a policy needs only a few levels: flatten the document"]))
        return
      }
      stack.append(Frame(start: start, isMapping: isMapping))
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      guard let frame = stack.popLast() else { return }
      let kind: YAMLNode.Kind = frame.isMapping ? .mapping(frame.entries) : .sequence(frame.items)
      add(YAMLNode(kind, at: frame.start))
    default:
      break
    }
  }

  /// Anchors, aliases and tags are refused: a policy is plain data.
  mutating func rejectAnchorOrTag(
    anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?,
    at start: SourceLocation
  ) -> Bool {
    if let anchor {
      let name = String(cString: anchor)
      fail(
        .error(
          "E008", "anchor '&\(name)' is not allowed: policies do not use anchors and aliases",
          at: start, help: ["write the value out in full where it is used"]))
      return true
    }
    if let tag {
      let name = String(cString: tag)
      fail(
        .error(
          "E013", "tag '\(name)' is not allowed: the policy schema decides every value's type",
          at: start, help: ["remove the tag; quote the value to keep it as text"]))
      return true
    }
    return false
  }

  mutating func add(_ node: YAMLNode) {
    guard let frame = stack.last else {
      root = node
      return
    }
    if frame.isMapping {
      guard let key = frame.pendingKey else { return }
      frame.pendingKey = nil
      if !key.duplicate {
        frame.entries.append(YAMLMappingEntry(key: key.key, keyLocation: key.location, value: node))
      }
    } else {
      frame.items.append(node)
    }
  }
}
