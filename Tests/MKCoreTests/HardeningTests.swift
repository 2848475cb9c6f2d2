import Foundation
import MKCore
import Testing

/// Inputs that used to crash or hang (issue 12): CPU numbers from plan JSON,
/// sets of huge physical ids, hostile cpulists, many diagnostics in one
/// file, and the line breaks that shifted reported lines.
@Suite struct HardeningTests {
  struct Holder: Codable { var cpus: CPUSet }

  @Test func decodedCPUNumbersAreRangeCheckedWithTheirPath() throws {
    for (json, index) in [
      ("[0, -1]", 1), ("[4611686018427387904]", 0), ("[\(CPUSet.maximumCPU + 1)]", 0),
    ] {
      do {
        _ = try JSONDecoder().decode(Holder.self, from: Data("{\"cpus\": \(json)}".utf8))
        Issue.record("\(json) was accepted")
      } catch DecodingError.dataCorrupted(let context) {
        #expect(
          context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == [
            "cpus", "\(index)",
          ])
        #expect(context.debugDescription.contains("outside 0...\(CPUSet.maximumCPU)"))
      }
    }
    let decoded = try JSONDecoder().decode(Holder.self, from: Data("{\"cpus\": [5, 1, 3, 1]}".utf8))
    #expect(decoded.cpus == [1, 3, 5])
  }

  /// Memory follows what a set holds, not its largest member: an arm64
  /// MPIDR-sized id is one more word, not 2^34 of them.
  @Test func hugeIdsCostNothing() {
    let ids = CPUSet([0, 1 << 40, (1 << 40) + 1, 1 << 62])
    #expect(ids.count == 4 && ids.contains(1 << 40) && !ids.contains(1 << 41))
    #expect(ids.cpulist == "0,1099511627776-1099511627777,4611686018427387904")
    #expect(ids.last == 1 << 62 && ids.first == 0)
    #expect(ids.subtracting([0]).first == 1 << 40)
    #expect(ids.intersection(CPUSet(range: 0...63)) == [0])
  }

  /// Set algebra against Swift's Set on random sparse and dense sets.
  @Test func algebraMatchesSet() {
    var generator = SplitMix64(seed: 12)
    for _ in 0..<300 {
      let spread = [64, 512, 1 << 20, 1 << 40][Int(generator.next() % 4)]
      let a = Set(
        (0..<Int(generator.next() % 40)).map { _ in Int(generator.next() % UInt64(spread)) })
      let b = Set(
        (0..<Int(generator.next() % 40)).map { _ in Int(generator.next() % UInt64(spread)) })
      var x = CPUSet(a)
      let y = CPUSet(b)
      #expect(Array(x.union(y)) == a.union(b).sorted())
      #expect(Array(x.intersection(y)) == a.intersection(b).sorted())
      #expect(Array(x.subtracting(y)) == a.subtracting(b).sorted())
      #expect(x.isSubset(of: y) == a.isSubset(of: b))
      #expect(x.isDisjoint(with: y) == a.isDisjoint(with: b))
      #expect(x.count == a.count && x.first == a.min() && x.last == a.max())
      if let some = a.first {
        x.remove(some)
        #expect(Array(x) == a.subtracting([some]).sorted())
        #expect(x == CPUSet(a.subtracting([some])))
      }
    }
    #expect(CPUSet(range: 3...200) == CPUSet(Array(3...200)))
    #expect(CPUSet(range: 64...127) == CPUSet(Array(64...127)))
  }

  /// Ranges that overlap over and over are refused, not enumerated.
  @Test func overlappingCpulistIsRefused() {
    let hostile = Array(repeating: "0-65535", count: 40_000).joined(separator: ",")
    #expect(throws: CPUSet.ParseError.overlapping) { try CPUSet(cpulist: hostile) }
    let strided = Array(repeating: "0-65535:1/2", count: 40_000).joined(separator: ",")
    #expect(throws: CPUSet.ParseError.overlapping) { try CPUSet(cpulist: strided) }
    #expect((try? CPUSet(cpulist: "0-3,2,8-15:2/4")) == [0, 1, 2, 3, 8, 9, 12, 13])
  }

  /// Rendering cost per diagnostic does not grow with their number: 10
  /// times the diagnostics take about 10 times as long (the quadratic
  /// renderer took 100 times; 40 leaves room for a loaded machine), also when they all point into one long line.
  @Test func textRenderingIsLinear() {
    func cost(_ count: Int, oneLine: Bool) -> Duration {
      let lines = (0..<count).map { _ in "  cpus: 1" }
      let text =
        oneLine
        ? "w: {" + Array(repeating: "cpus: 1", count: count).joined(separator: ", ") + "}\n"
        : "w:\n" + lines.joined(separator: "\n") + "\n"
      let diagnostics = (0..<count).map { index in
        Diagnostic.error(
          "E011", "duplicate key 'cpus'",
          at: SourceLocation(
            file: "p.yaml", line: oneLine ? 1 : index + 2, column: oneLine ? 5 + 9 * index : 3),
          notes: [
            .init("first defined here", at: SourceLocation(file: "p.yaml", line: 2, column: 3))
          ])
      }
      let renderer = DiagnosticRenderer(sources: ["p.yaml": text])
      let clock = ContinuousClock()
      return (0..<5).map { _ in clock.measure { _ = renderer.text(diagnostics) } }.min()!
    }
    for oneLine in [false, true] {
      let small = cost(1_000, oneLine: oneLine)
      let large = cost(10_000, oneLine: oneLine)
      #expect(large < small * 40, "1,000: \(small), 10,000: \(large)")
    }
  }

  func codes(_ text: String) -> [String] {
    YAMLReader().read(text: text, file: "p.yaml").diagnostics.map {
      "\($0.code)@\($0.location.map { "\($0.line):\($0.column)" } ?? "-")"
    }
  }

  /// libyaml counts NEL, U+2028, U+2029 and a lone CR as line breaks;
  /// editors and grep do not: such a document is refused where the
  /// character is, so no later line is reported one off.
  @Test func lineBreaksEditorsDoNotCountAreRefused() {
    #expect(codes("a: 1\nb: x\u{2028}y\nc: [\n") == ["E004@2:5"])
    #expect(codes("a: 1\nb: \"x\u{2029}\"\n") == ["E004@2:6"])
    #expect(codes("a: 1\nb: x\u{85}y\n") == ["E004@2:5"])
    #expect(codes("a: 1\rb: 2\n") == ["E004@1:5"])
    #expect(codes("a: 1\r\nb: 2\r\n").isEmpty)
    // An escaped U+2028 is text, not a line break: it stays allowed.
    #expect(codes("a: \"x\\u2028y\"\n").isEmpty)
  }

  @Test func byteOrderMarkIsRefusedAnywhere() {
    #expect(codes("a: 1\nb: \"x\u{FEFF}y\"\n") == ["E005@2:6"])
    #expect(codes("a: 1\nb: \"x\\uFEFFy\"\n") == ["E005@2:4"])
    #expect(codes("\u{FEFF}a: 1\n") == ["E005@1:1"])
  }
}
