import MKCore
import Testing

@Suite struct DiagnosticRendererTests {
  let source = "host:\n  cpus: 4\n\tmemory: 1GiB\n  cpus: 5\n"
  var renderer: DiagnosticRenderer { DiagnosticRenderer(sources: ["p.yaml": source]) }
  let duplicate = Diagnostic.error(
    "E011", "duplicate key 'cpus'", at: SourceLocation(file: "p.yaml", line: 4, column: 3),
    notes: [.init("first defined here", at: SourceLocation(file: "p.yaml", line: 2, column: 3))],
    help: ["remove one of the two"])

  @Test func textShowsSourceLineCaretNotesAndHelp() {
    #expect(
      renderer.text([duplicate]) == """
        p.yaml:4:3: error[E011]: duplicate key 'cpus'
          |
        4 |   cpus: 5
          |   ^
          = note: p.yaml:2:3: first defined here
          = help: remove one of the two

        1 error

        """)
  }

  @Test func caretKeepsTabsAndWideGutters() {
    let tabbed = Diagnostic.error(
      "E006", "x", at: SourceLocation(file: "p.yaml", line: 3, column: 3))
    #expect(
      renderer.text(tabbed) == "p.yaml:3:3: error[E006]: x\n  |\n3 | \tmemory: 1GiB\n  | \t ^\n")
    var long = String(repeating: "\n", count: 99) + "name: x\n"
    long += ""
    let far = DiagnosticRenderer(sources: ["q": long]).text(
      .warning("E100", "far", at: SourceLocation(file: "q", line: 100, column: 7), help: ["h"]))
    #expect(
      far == "q:100:7: warning[E100]: far\n    |\n100 | name: x\n    |       ^\n    = help: h\n")
  }

  @Test func missingSourceOrLocationStillRenders() {
    let noSource = Diagnostic.error("E001", "cannot read 'x'", help: ["check the path"])
    #expect(renderer.text(noSource) == "error[E001]: cannot read 'x'\n = help: check the path\n")
    let unknownFile = Diagnostic.error(
      "E006", "y", at: SourceLocation(file: "z", line: 1, column: 1))
    #expect(renderer.text(unknownFile) == "z:1:1: error[E006]: y\n")
    let pastEnd = Diagnostic.error(
      "E006", "y", at: SourceLocation(file: "p.yaml", line: 9, column: 1))
    #expect(renderer.text(pastEnd) == "p.yaml:9:1: error[E006]: y\n")
  }

  @Test func crlfSourcesShowTheLineWithoutCarriageReturn() {
    let crlf = DiagnosticRenderer(sources: ["w": "a: 1\r\nb: 2\r\n"])
    #expect(crlf.sourceLine(SourceLocation(file: "w", line: 2, column: 1)) == "b: 2")
  }

  @Test func colourOnlyWhenAsked() {
    #expect(!renderer.text([duplicate]).contains("\u{1B}"))
    let coloured = DiagnosticRenderer(sources: ["p.yaml": source], color: true).text([duplicate])
    #expect(coloured.contains("\u{1B}[1;31merror[E011]\u{1B}[0m"))
  }

  @Test func jsonHasStableFieldOrderAndEscapes() {
    let odd = Diagnostic.warning("E101", "say \"hi\"\n\u{1}")
    #expect(
      renderer.json([duplicate, odd]) == """
        {
          "diagnostics": [
            {"severity": "error", "code": "E011", "message": "duplicate key 'cpus'", "file": "p.yaml", "line": 4, "column": 3, "notes": [{"message": "first defined here", "file": "p.yaml", "line": 2, "column": 3}], "help": ["remove one of the two"]},
            {"severity": "warning", "code": "E101", "message": "say \\"hi\\"\\n\\u0001", "file": null, "line": null, "column": null, "notes": [], "help": []}
          ],
          "errors": 1,
          "warnings": 1
        }

        """)
    #expect(
      renderer.json([]) == "{\n  \"diagnostics\": [],\n  \"errors\": 0,\n  \"warnings\": 0\n}\n")
  }

  @Test func githubAnnotationsEscapeDataAndProperties() {
    #expect(
      renderer.github([duplicate])
        == "::error file=p.yaml,line=4,col=3,title=E011::duplicate key 'cpus'%0Anote: p.yaml:2:3: first defined here%0Ahelp: remove one of the two\n"
    )
    let weird = Diagnostic.warning(
      "E1", "100% sure\r\nnext", at: SourceLocation(file: "a,b:c%.yaml", line: 1, column: 2))
    #expect(
      renderer.github([weird])
        == "::warning file=a%2Cb%3Ac%25.yaml,line=1,col=2,title=E1::100%25 sure%0D%0Anext\n")
    #expect(DiagnosticRenderer.githubData("a%b\nc\rd") == "a%25b%0Ac%0Dd")
  }

  @Test func readerDiagnosticsRenderAgainstTheirOwnSource() {
    let result = YAMLReader().read(text: "a: 1\nb: [1,\n", file: "s.yaml")
    let text = DiagnosticRenderer(sources: [result.file: result.source]).text(result.diagnostics)
    #expect(
      text.hasPrefix(
        "s.yaml:3:1: error[E006]: YAML syntax error: did not find expected node content\n"))
  }
}

@Suite struct DiagnosticExcerptTests {
  @Test func controlCharactersArePicturedAndLongLinesWindowed() {
    let nul = DiagnosticRenderer(sources: ["n": "a: b\u{0}c\n"]).text(
      .error("E004", "NUL", at: SourceLocation(file: "n", line: 1, column: 5)))
    #expect(nul == "n:1:5: error[E004]: NUL\n  |\n1 | a: b\u{2400}c\n  |     ^\n")
    let long = String(repeating: "a", count: 300) + "X" + String(repeating: "b", count: 300)
    let text = DiagnosticRenderer(sources: ["l": long]).text(
      .error("E010", "deep", at: SourceLocation(file: "l", line: 1, column: 301)))
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(
      lines[2] == "1 | ..." + String(repeating: "a", count: 60) + "X"
        + String(repeating: "b", count: 59) + "...")
    #expect(lines[3] == "  | " + String(repeating: " ", count: 63) + "^")
  }
}
