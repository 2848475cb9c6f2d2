import Foundation
import MKCore
import MKPlan
import Testing

/// `CanonicalJSONEncoder` writes the bytes Foundation's `JSONEncoder` writes
/// with `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]` (the form
/// every plan and digest was written in): checked on random documents
/// against `JSONEncoder` itself, and on the corners one by one.
@Suite struct CanonicalJSONEncoderTests {
  static func foundation<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return Array(try encoder.encode(value))
  }

  static func canonical<T: Encodable>(_ value: T) throws -> [UInt8] {
    try CanonicalJSONEncoder().encode(value)
  }

  static func expectSame<T: Encodable>(
    _ value: T, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let expected = try foundation(value)
    let actual = try canonical(value)
    #expect(
      actual == expected,
      "\(String(decoding: actual, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))",
      sourceLocation: sourceLocation)
  }

  /// A random JSON document, encoded through every kind of container.
  indirect enum Document: Encodable {
    case string(String)
    case int(Int)
    case unsigned(UInt64)
    case small(Int8, UInt16)
    case double(Double)
    case float(Float)
    case bool(Bool)
    case null
    case integers([Int])
    case strings([String])
    case array([Document])
    case object([String: Document])
    /// A struct-like object: synthesized-style keys, optionals left out.
    case record(Record)
    /// Keys through nested containers made before they are filled.
    case nested(String, [Document])

    struct Record: Encodable {
      var name: String
      var cpus: CPUSet
      var weight: Double?
      var bytesByNode: [String: UInt64]
      var flag: Bool?
    }

    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(_ string: String) { stringValue = string }
      init?(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
      switch self {
      case .string(let value):
        var container = encoder.singleValueContainer()
        try container.encode(value)
      case .int(let value):
        var container = encoder.singleValueContainer()
        try container.encode(value)
      case .unsigned(let value):
        var container = encoder.singleValueContainer()
        try container.encode(value)
      case .small(let a, let b):
        var container = encoder.unkeyedContainer()
        try container.encode(a)
        try container.encode(b)
      case .double(let value):
        var container = encoder.singleValueContainer()
        try container.encode(value)
      case .float(let value):
        var container = encoder.singleValueContainer()
        try container.encode(value)
      case .bool(let value):
        var container = encoder.singleValueContainer()
        try container.encode(value)
      case .null:
        var container = encoder.singleValueContainer()
        try container.encodeNil()
      case .integers(let value): try value.encode(to: encoder)
      case .strings(let value): try value.encode(to: encoder)
      case .array(let value): try value.encode(to: encoder)
      case .object(let value): try value.encode(to: encoder)
      case .record(let value): try value.encode(to: encoder)
      case .nested(let key, let values):
        var container = encoder.container(keyedBy: Key.self)
        var inner = container.nestedUnkeyedContainer(forKey: Key(key))
        var object = container.nestedContainer(keyedBy: Key.self, forKey: Key(key + "!"))
        for (index, value) in values.enumerated() {
          try inner.encode(value)
          try object.encode(value, forKey: Key("k\(values.count - index)"))
        }
        try container.encodeNil(forKey: Key(""))
      }
    }
  }

  struct Generator {
    var random: SplitMix64

    mutating func text() -> String {
      let pieces = [
        "a", "Z", "0", "9", "10", "/", "\\", "\"", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}",
        "\u{1}", "\u{1f}", "\u{7f}", " ", "é", "日本", "🙂", "cpu", "Cpu", "_", "-", ":", "{",
      ]
      return (0..<random.int(0...6)).map { _ in random.pick(pieces) }.joined()
    }

    mutating func double() -> Double {
      switch random.int(0...5) {
      case 0: return Double(random.int(-1000...1000))
      case 1: return random.unit() * 1e-6
      case 2: return (random.unit() - 0.5) * 1e22
      case 3: return random.pick([0, -0.0, 0.1, 1e16, 1e-5, 123456789.125, .leastNonzeroMagnitude])
      default:
        let value = Double(bitPattern: random.next())
        return value.isFinite ? value : 1
      }
    }

    mutating func document(depth: Int) -> Document {
      let kinds = depth > 3 ? 9 : 13
      switch random.int(0...kinds) {
      case 0: return .string(text())
      case 1: return .int(Int(truncatingIfNeeded: random.next()))
      case 2: return .unsigned(random.next())
      case 3: return .small(Int8(truncatingIfNeeded: random.next()), UInt16(random.int(0...65535)))
      case 4: return .double(double())
      case 5:
        let value = Float(double())
        return .float(value.isFinite ? value : 0.5)
      case 6: return .bool(random.int(0...1) == 0)
      case 7: return .null
      case 8: return .integers((0..<random.int(0...5)).map { _ in random.int(-5...5000) })
      case 9: return .strings((0..<random.int(0...3)).map { _ in text() })
      case 10: return .array((0..<random.int(0...4)).map { _ in document(depth: depth + 1) })
      case 11:
        var object: [String: Document] = [:]
        for _ in 0..<random.int(0...5) { object[text()] = document(depth: depth + 1) }
        return .object(object)
      case 12:
        var bytes: [String: UInt64] = [:]
        for _ in 0..<random.int(0...4) { bytes[String(random.int(0...40))] = random.next() >> 20 }
        return .record(
          Document.Record(
            name: text(), cpus: CPUSet((0..<random.int(0...8)).map { _ in random.int(0...300) }),
            weight: random.int(0...1) == 0 ? nil : double(), bytesByNode: bytes,
            flag: random.int(0...2) == 0 ? nil : random.int(0...1) == 0))
      default:
        return .nested(
          text(), (0..<random.int(0...3)).map { _ in document(depth: depth + 1) })
      }
    }
  }

  @Test func randomDocumentsAreTheBytesJSONEncoderWrites() throws {
    var generator = Generator(random: SplitMix64(seed: 13))
    for _ in 0..<2000 {
      try Self.expectSame(generator.document(depth: 0))
    }
  }

  @Test func emptyContainersAndScalarsAtTheTop() throws {
    try Self.expectSame([Int]())
    try Self.expectSame([String: Int]())
    try Self.expectSame([[Int]()])
    try Self.expectSame(["a": [String: Int]()])
    try Self.expectSame("x/y")
    try Self.expectSame(2.0)
    try Self.expectSame(-0.0)
    try Self.expectSame(Int.min)
    try Self.expectSame(UInt64.max)
  }

  /// Keys are ordered by their UTF-8 bytes: upper case before lower case,
  /// `10` before `9`, non-ASCII last.
  @Test func keysSortByTheirBytes() throws {
    let keys = ["b", "B", "a", "10", "9", "é", "", "ab", "a0"]
    let object = Dictionary(uniqueKeysWithValues: keys.map { ($0, 1) })
    try Self.expectSame(object)
    let text = String(decoding: try Self.canonical(object), as: UTF8.self)
    let order = text.split(separator: "\n").dropFirst().dropLast().map {
      String($0.split(separator: "\"", omittingEmptySubsequences: false)[safe: 1] ?? "")
    }
    #expect(order == ["", "10", "9", "B", "a", "a0", "ab", "b", "é"])
  }

  /// The same key twice in one container: the last value is written.
  @Test func aRepeatedKeyKeepsItsLastValue() throws {
    struct Twice: Encodable {
      struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
      }
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: Key(stringValue: "k")!)
        try container.encode("z", forKey: Key(stringValue: "a")!)
        try container.encode(2, forKey: Key(stringValue: "k")!)
      }
    }
    try Self.expectSame(Twice())
    #expect(String(decoding: try Self.canonical(Twice()), as: UTF8.self).contains("\"k\" : 2"))
  }

  /// JSON has no infinity or NaN: both encoders refuse them, with the path.
  @Test func nonFiniteNumbersAreRefused() {
    struct Holder: Encodable { var values: [Double] }
    #expect(throws: EncodingError.self) { try Self.canonical(Holder(values: [1, .infinity])) }
    #expect(throws: EncodingError.self) { try Self.foundation(Holder(values: [1, .infinity])) }
    do {
      _ = try Self.canonical(Holder(values: [1, .nan]))
      Issue.record("NaN encoded")
    } catch EncodingError.invalidValue(_, let context) {
      #expect(context.codingPath.map(\.stringValue) == ["values", "1"])
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  /// Dictionaries are written in key order whatever order they were built in.
  @Test func dictionaryOrderDoesNotMatter() throws {
    var forward: [String: Int] = [:]
    var backward: [String: Int] = [:]
    for index in 0..<200 { forward[String(index)] = index }
    for index in (0..<200).reversed() { backward[String(index)] = index }
    #expect(try Self.canonical(forward) == Self.canonical(backward))
  }
}

extension Array {
  fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
