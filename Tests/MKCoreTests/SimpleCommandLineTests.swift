import MKCore
import Testing

/// What the quick dispatch accepts as a plain line, and what it must leave
/// to the full argument parser.
@Suite struct SimpleCommandLineTests {
  static let options = ["--format": "format", "-o": "output", "--output": "output"]
  static let flags = ["--summary": "summary"]

  static func parse(_ arguments: [String]) -> SimpleCommandLine? {
    SimpleCommandLine(arguments, options: options, flags: flags)
  }

  @Test func plainLinesAreRead() throws {
    let line = try #require(
      Self.parse(["a", "--format", "json", "b", "--summary", "--output=x=y", "c"]))
    #expect(line.values == ["a", "b", "c"])
    #expect(line.options == ["format": "json", "output": "x=y"])
    #expect(line.flags == ["summary"])
    #expect(Self.parse([]) == SimpleCommandLine(options: [:], flags: [], values: []))
    #expect(Self.parse(["-o", "file"])?.options == ["output": "file"])
  }

  @Test func anythingElseIsLeftToTheFullParser() {
    let refused: [[String]] = [
      [""], ["-"], ["--"], ["-h"], ["--help"], ["--version"], ["--generate-completion-script"],
      ["--format"], ["--format", ""], ["--format", "-x"], ["--format="], ["--format=-x"],
      ["--format", "a", "--format", "b"], ["-o", "a", "--output", "b"], ["--output=a", "-o", "b"],
      ["--summary", "--summary"], ["--summary=true"], ["-o=file"], ["-ofile"], ["--unknown"],
      ["a", "--format"],
    ]
    for arguments in refused {
      #expect(Self.parse(arguments) == nil, "\(arguments)")
    }
  }
}
