import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import Testing

/// Deterministic mutations of a valid policy (a fixed-seed generator, so a
/// failure reproduces): whatever the bytes, loading returns a policy or
/// located errors, and never crashes.
@Suite struct MutationTests {
  struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  static let alphabet = Array("{}[]:,-#&*!|>'\"% \t\n\0\u{FF}0aZ.~".utf8)

  @Test func mutatedPoliciesNeverCrashAndAlwaysExplain() throws {
    let path = PackagePaths.path("Tests/MKPolicyTests/Corpus/valid/every-field.yaml")
    let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    var random = Generator(state: 42)
    var rejected = 0
    for round in 0..<400 {
      var bytes = original
      for _ in 0..<(1 + random.next(4)) {
        let at = random.next(bytes.count)
        switch random.next(4) {
        case 0: bytes[at] = Self.alphabet[random.next(Self.alphabet.count)]
        case 1: bytes.remove(at: at)
        case 2: bytes.insert(Self.alphabet[random.next(Self.alphabet.count)], at: at)
        default: bytes = Array(bytes[..<at])
        }
        if bytes.isEmpty { bytes = [0x0A] }
      }
      let read = YAMLReader().read(bytes: bytes, file: "m\(round).yaml")
      let result = PolicyLoader.load(
        text: String(decoding: bytes, as: UTF8.self), file: "m\(round).yaml")
      if result.policy == nil {
        rejected += 1
        #expect(result.hasErrors, "round \(round): no policy and no error")
        for diagnostic in result.diagnostics where diagnostic.severity == .error {
          #expect(
            diagnostic.location != nil, "round \(round): \(diagnostic.message) has no location")
        }
      }
      // Rendering never traps either, whatever the locations.
      _ = DiagnosticRenderer(sources: [read.file: read.source]).text(read.diagnostics)
      _ = DiagnosticRenderer(sources: result.sources).text(result.diagnostics)
    }
    #expect(rejected > 200)
  }
}
