import MKCore
import Testing

@Suite struct YAMLReaderTests {
  let reader = YAMLReader()

  func read(_ text: String) -> YAMLReadResult { reader.read(text: text, file: "p.yaml") }

  /// `code@line:col message` for each diagnostic, so tests assert exact text and places.
  func summary(_ result: YAMLReadResult) -> [String] {
    result.diagnostics.map {
      "\($0.code)@\($0.location.map { "\($0.line):\($0.column)" } ?? "-") \($0.message)"
    }
  }

  @Test func buildsLocatedTreeKeepingKeyOrderAndStyles() throws {
    let result = read(
      """
      b: 1
      a:
        - "x"
        - 'y'
        - z
      c: {k: v}
      """)
    #expect(result.diagnostics.isEmpty)
    let root = try #require(result.root)
    let entries = try #require(root.mapping)
    #expect(entries.map(\.key) == ["b", "a", "c"])
    #expect(entries.map { "\($0.keyLocation)" } == ["p.yaml:1:1", "p.yaml:2:1", "p.yaml:6:1"])
    let items = try #require(root["a"]?.sequence)
    #expect(items.map { $0.scalar?.style } == [.doubleQuoted, .singleQuoted, .plain])
    #expect(items.map { "\($0.location.line):\($0.location.column)" } == ["3:5", "4:5", "5:5"])
    #expect(root["c"]?.location == SourceLocation(file: "p.yaml", line: 6, column: 4))
    #expect(root["c"]?["k"]?.string == "v")
    #expect(root.location == SourceLocation(file: "p.yaml", line: 1, column: 1))
  }

  @Test func scalarsAreNotTypedByYAML11() throws {
    let root = try #require(
      read("a: no\nb: on\nc: 0755\nd: 1:30\ne: true\nf: \"true\"\ng: 42\nh: -3\ni: yes\nj: ~\nk:\n")
        .root)
    #expect(root["a"]?.string == "no" && root["a"]?.bool == nil)
    #expect(root["b"]?.string == "on" && root["b"]?.bool == nil)
    #expect(root["c"]?.string == "0755" && root["c"]?.int == nil)
    #expect(root["d"]?.string == "1:30" && root["d"]?.int == nil)
    #expect(root["e"]?.bool == true)
    #expect(root["f"]?.bool == nil && root["f"]?.string == "true")
    #expect(root["g"]?.int == 42 && root["h"]?.int == -3)
    #expect(root["i"]?.bool == nil)
    #expect(root["j"]?.isNull == true && root["k"]?.isNull == true)
    #expect(root["a"]?.kindDescription == "\"no\"")
    #expect(root["f"]?.kindDescription == "the string \"true\"")
    #expect(root["g"]?.kindDescription == "the integer 42")
  }

  @Test func duplicateKeysAreAllReportedWithBothPlaces() {
    let result = read("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n")
    #expect(
      summary(result) == ["E011@4:3 duplicate key 'x'", "E011@5:1 duplicate key 'a'"])
    #expect(result.diagnostics.map { $0.notes.first?.location?.line } == [3, 1])
    #expect(result.root?["a"]?.int == 1)
  }

  @Test func anchorsAliasesAndTagsAreRejected() {
    #expect(
      summary(read("a: &x 1\nb: *x\n")) == [
        "E008@1:4 anchor '&x' is not allowed: policies do not use anchors and aliases"
      ])
    #expect(
      summary(read("a: [*x]\n")) == [
        "E009@1:5 alias '*x' is not allowed: policies do not use anchors and aliases"
      ])
    #expect(
      summary(read("a: !!str 5\n")) == [
        "E013@1:4 tag 'tag:yaml.org,2002:str' is not allowed: the policy schema decides every value's type"
      ])
  }

  @Test func aliasBombFailsAtTheFirstAnchor() {
    var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for (name, previous) in zip("bcdefghi", "abcdefgh") {
      text +=
        "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",")
        + "]\n"
    }
    let result = read(text)
    #expect(summary(result).map { $0.prefix(8) } == ["E008@1:4"])
    #expect(result.root == nil)
  }

  @Test func nestingDeeperThan64FailsWhileStreaming() {
    let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
    #expect(read(ok).diagnostics.isEmpty)
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(summary(read(deep)) == ["E010@1:65 nesting is deeper than 64 levels"])
    var block = ""
    for level in 0..<70 { block += String(repeating: " ", count: level) + "k:\n" }
    #expect(summary(read(block)) == ["E010@65:65 nesting is deeper than 64 levels"])
  }

  @Test func oversizedDocumentsAreRejectedBeforeParsing() {
    // Not even valid YAML: the size check comes first.
    let big = [UInt8](repeating: UInt8(ascii: "["), count: (1 << 20) + 1)
    let result = reader.read(bytes: big, file: "big.yaml")
    #expect(
      summary(result) == [
        "E002@1:1 document is 1048577 bytes, more than the limit of 1048576 bytes"
      ])
  }

  @Test func encodingProblemsHaveLocations() {
    #expect(
      summary(reader.read(bytes: Array("a: 1\nb: x\0y\n".utf8), file: "p.yaml")) == [
        "E004@2:5 NUL byte in the document"
      ])
    #expect(
      summary(reader.read(bytes: [0x61, 0x3A, 0x20, 0xC3, 0xA9, 0xFF, 0x0A], file: "p.yaml")) == [
        "E003@1:5 invalid UTF-8 (byte 0xFF)"
      ])
    // Overlong encoding and a UTF-16 surrogate are invalid too.
    #expect(reader.read(bytes: [0x61, 0xC0, 0x80], file: "p").diagnostics.first?.code == "E003")
    #expect(
      reader.read(bytes: [0x61, 0xED, 0xA0, 0x80], file: "p").diagnostics.first?.code == "E003")
    #expect(
      summary(reader.read(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), file: "p.yaml")) == [
        "E005@1:1 file starts with a byte order mark"
      ])
  }

  @Test func multiDocumentStreamsAreRejected() {
    #expect(
      summary(read("a: 1\n---\nb: 2\n")) == [
        "E007@2:1 a second YAML document; exactly one is expected"
      ])
    #expect(read("---\na: 1\n...\n").diagnostics.isEmpty)
  }

  @Test func syntaxErrorsCarryLibyamlsPlaceAndContext() {
    let result = read("a:\n  b: 1\n c: 2\n")
    #expect(summary(result) == ["E006@3:2 YAML syntax error: did not find expected key"])
    #expect(result.diagnostics.first?.notes.map(\.message) == ["while parsing a block mapping"])
    let tab = read("a:\n\tb: 1\n")
    #expect(tab.diagnostics.first?.help == ["indent with spaces: YAML does not allow tabs here"])
    #expect(summary(read("a: [1, 2\n")).first?.hasPrefix("E006@") == true)
  }

  @Test func nonScalarKeysAreRejected() {
    #expect(
      summary(read("? [a]\n: 1\n")) == [
        "E012@1:3 a mapping key must be a plain name, not a list"
      ])
  }

  @Test func emptyInputHasNoRoot() {
    let result = read("")
    #expect(result.root == nil && result.diagnostics.isEmpty)
    #expect(read("# only a comment\n").root == nil)
  }

  @Test func missingFilesAndDirectoriesAreReported() {
    let missing = reader.read(path: "/nonexistent/p.yaml")
    #expect(
      summary(missing) == ["E001@- cannot read '/nonexistent/p.yaml': No such file or directory"])
    #expect(summary(reader.read(path: "/")) == ["E001@- cannot read '/': it is a directory"])
  }
}
