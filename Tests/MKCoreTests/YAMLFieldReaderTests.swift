import MKCore
import Testing

/// The readers the policy decoder and the fleet's documents share.
@Suite struct YAMLFieldReaderTests {
  struct Reader: YAMLFieldReader {
    var diagnostics: [Diagnostic] = []
  }

  func root(_ text: String) throws -> YAMLNode {
    try #require(YAMLReader().read(text: text, file: "f.yaml").root)
  }

  @Test func mappingChecksKeysAndRequiredOnes() throws {
    var reader = Reader()
    let fields = reader.mapping(
      try root("nmae: a\nsize: 3\n"), "host", keys: ["name", "size"], required: ["name"])
    #expect(fields.map { Set($0.keys) } == ["size"])
    #expect(reader.diagnostics.map(\.code) == ["E020", "E022"])
    #expect(reader.diagnostics[0].message == "unknown key 'nmae' in host")
    #expect(reader.diagnostics[0].help == ["did you mean 'name'?"])
    #expect(reader.diagnostics[0].location?.line == 1)
    #expect(reader.diagnostics[1].message == "host has no 'name'")
  }

  @Test func wrongKindsAreE021() throws {
    var reader = Reader()
    let node = try root("a: [1]\nb: 7\nc: {x: 1}\n")
    let mapped = reader.mapping(node, "doc", keys: ["a", "b", "c"])
    let fields = try #require(mapped)
    let a = try #require(fields["a"]).value
    let b = try #require(fields["b"]).value
    let c = try #require(fields["c"]).value
    let string = reader.string(b, "doc.b")
    let list = reader.list(c, "doc.c")
    let entries = reader.mappingEntries(a, "doc.a")
    #expect(string == nil && list == nil && entries == nil)
    #expect(reader.diagnostics.map(\.code) == ["E021", "E021", "E021"])
    #expect(reader.diagnostics[0].help == ["quote it to keep it as text: \"7\""])
    #expect(reader.diagnostics.map { $0.location?.line } == [2, 3, 1])
  }
}
