/// JSON in the one form mkpolicy writes its documents in (the plan and its
/// digest): keys sorted by their UTF-8 bytes, two-space indentation, `" : "`
/// between a key and its value, slashes not escaped, numbers in Swift's
/// shortest round-tripping form (`1.5`, `2` for `2.0`, `1e-05`), no final
/// newline. These are exactly the bytes Foundation's `JSONEncoder` writes
/// with `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]` on Linux,
/// which wrote every plan and digest before this type: a plan's bytes, and
/// so its digest, do not depend on which of the two wrote it
/// (`CanonicalJSONEncoderTests` checks it on random documents).
///
/// Why not `JSONEncoder`: it was most of `mkpolicy plan --format json` on
/// large hosts (a plan of 4,000 workloads holds hundreds of thousands of CPU
/// numbers). This encoder builds a light tree (integer arrays, the CPU lists
/// and physical ids, as flat arrays) and writes it in one pass into one
/// byte buffer. It is still driven by the types' own `Encodable`
/// conformances, so a field added to the plan needs no second list here.
///
/// Deterministic: dictionaries are written in sorted key order whatever
/// their iteration order; when a container is given the same key twice, the
/// last value wins (as with `JSONEncoder`).
public struct CanonicalJSONEncoder: Sendable {
  public init() {}

  /// The JSON text of `value`. Throws `EncodingError.invalidValue` for a
  /// non-finite floating-point number (JSON has none) and for a top-level
  /// value that encodes nothing, as `JSONEncoder` does.
  public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
    let root = CanonicalJSONValueEncoder(parent: nil, key: nil)
    let node = try root.node(for: value, key: nil)
    if case .pending(let encoder) = node, encoder.result == nil {
      throw EncodingError.invalidValue(
        value,
        EncodingError.Context(
          codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
    }
    var writer = CanonicalJSONWriter()
    writer.write(node, depth: 0)
    return writer.bytes
  }
}

/// One value of the document being built. Containers are boxes, so that a
/// container handed out (`container(keyedBy:)`, nested containers) can be
/// filled after the call that made it returned, as `Encoder` allows.
enum CanonicalJSONNode {
  /// Written as is: `true`, `false`, `null`, a floating-point number.
  case literal(String)
  case integer(Int)
  case unsigned(UInt64)
  /// Quoted and escaped.
  case string(String)
  /// An array of integers (CPU lists, physical ids): the bulk of a plan.
  case integers([Int])
  case array(CanonicalJSONArrayBox)
  case object(CanonicalJSONObjectBox)
  /// The value a child encoder holds once its `encode(to:)` returned; empty
  /// object when it encoded nothing (as `JSONEncoder` writes it).
  case pending(CanonicalJSONValueEncoder)
}

final class CanonicalJSONArrayBox {
  var elements: [CanonicalJSONNode] = []
}

final class CanonicalJSONObjectBox {
  var entries: [(key: String, value: CanonicalJSONNode)] = []
}

/// A coding key for array positions and for `superEncoder()`.
struct CanonicalJSONKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(stringValue: String) {
    self.stringValue = stringValue
    intValue = nil
  }
  init(intValue: Int) {
    stringValue = String(intValue)
    self.intValue = intValue
  }
  static let superKey = CanonicalJSONKey(stringValue: "super")
}

/// The `Encoder` one value is encoded with. Its coding path is computed
/// from its parents when asked (error messages), not kept per value.
final class CanonicalJSONValueEncoder: Encoder {
  let parent: CanonicalJSONValueEncoder?
  let key: (any CodingKey)?
  /// What the value encoded: a container's box, or a single value.
  var result: CanonicalJSONNode?

  init(parent: CanonicalJSONValueEncoder?, key: (any CodingKey)?) {
    self.parent = parent
    self.key = key
  }

  var codingPath: [any CodingKey] {
    var path: [any CodingKey] = []
    var encoder: CanonicalJSONValueEncoder? = self
    while let current = encoder {
      if let key = current.key { path.append(key) }
      encoder = current.parent
    }
    return path.reversed()
  }

  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    let box: CanonicalJSONObjectBox
    if case .object(let existing) = result {
      box = existing
    } else {
      box = CanonicalJSONObjectBox()
      result = .object(box)
    }
    return KeyedEncodingContainer(CanonicalJSONKeyedContainer<Key>(encoder: self, box: box))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    let box: CanonicalJSONArrayBox
    if case .array(let existing) = result {
      box = existing
    } else {
      box = CanonicalJSONArrayBox()
      result = .array(box)
    }
    return CanonicalJSONUnkeyedContainer(encoder: self, box: box)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    CanonicalJSONSingleValueContainer(encoder: self)
  }

  /// The node of `value`, a child of this encoder under `key`. Values whose
  /// `Encodable` conformance is a single value of a JSON type are written
  /// directly (what their conformances would produce); others are encoded
  /// through a child encoder.
  func node<T: Encodable>(for value: T, key: (any CodingKey)?) throws -> CanonicalJSONNode {
    // Exact type matches only (a pointer comparison each), so that no
    // other type's own conformance is bypassed.
    if T.self == [Int].self { return .integers(value as! [Int]) }
    if T.self == String.self { return .string(value as! String) }
    if T.self == Int.self { return .integer(value as! Int) }
    if T.self == UInt64.self { return .unsigned(value as! UInt64) }
    if T.self == Bool.self { return .literal(value as! Bool ? "true" : "false") }
    if T.self == Double.self { return try Self.number(value as! Double, at: path(key)) }
    let child = CanonicalJSONValueEncoder(parent: self, key: key)
    try value.encode(to: child)
    return child.result ?? .pending(child)
  }

  /// The coding path of a child under `key`.
  func path(_ key: (any CodingKey)?) -> [any CodingKey] {
    codingPath + (key.map { [$0] } ?? [])
  }

  /// `description` without a trailing `.0` (`2` for 2.0), as `JSONEncoder`
  /// writes floating-point numbers; non-finite values are an error.
  static func number<F: BinaryFloatingPoint & CustomStringConvertible>(
    _ value: F, at path: [any CodingKey]
  ) throws -> CanonicalJSONNode {
    guard value.isFinite else {
      throw EncodingError.invalidValue(
        value,
        EncodingError.Context(
          codingPath: path,
          debugDescription: "Unable to encode \(F.self).\(value) directly in JSON."
        ))
    }
    var text = value.description
    if text.hasSuffix(".0") { text.removeLast(2) }
    return .literal(text)
  }
}

struct CanonicalJSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let encoder: CanonicalJSONValueEncoder
  let box: CanonicalJSONObjectBox

  var codingPath: [any CodingKey] { encoder.codingPath }

  private func add(_ node: CanonicalJSONNode, _ key: Key) {
    box.entries.append((key.stringValue, node))
  }

  mutating func encodeNil(forKey key: Key) throws { add(.literal("null"), key) }
  mutating func encode(_ value: Bool, forKey key: Key) throws {
    add(.literal(value ? "true" : "false"), key)
  }
  mutating func encode(_ value: String, forKey key: Key) throws { add(.string(value), key) }
  mutating func encode(_ value: Double, forKey key: Key) throws {
    add(try CanonicalJSONValueEncoder.number(value, at: encoder.path(key)), key)
  }
  mutating func encode(_ value: Float, forKey key: Key) throws {
    add(try CanonicalJSONValueEncoder.number(value, at: encoder.path(key)), key)
  }
  mutating func encode(_ value: Int, forKey key: Key) throws { add(.integer(value), key) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { add(.integer(Int(value)), key) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { add(.integer(Int(value)), key) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { add(.integer(Int(value)), key) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { add(.integer(Int(value)), key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { add(.unsigned(UInt64(value)), key) }
  mutating func encode(_ value: UInt8, forKey key: Key) throws {
    add(.unsigned(UInt64(value)), key)
  }
  mutating func encode(_ value: UInt16, forKey key: Key) throws {
    add(.unsigned(UInt64(value)), key)
  }
  mutating func encode(_ value: UInt32, forKey key: Key) throws {
    add(.unsigned(UInt64(value)), key)
  }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { add(.unsigned(value), key) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    add(try encoder.node(for: value, key: key), key)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: key)
    add(.pending(child), key)
    return child.container(keyedBy: keyType)
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: key)
    add(.pending(child), key)
    return child.unkeyedContainer()
  }

  mutating func superEncoder() -> any Encoder {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: CanonicalJSONKey.superKey)
    box.entries.append((CanonicalJSONKey.superKey.stringValue, .pending(child)))
    return child
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: key)
    add(.pending(child), key)
    return child
  }
}

struct CanonicalJSONUnkeyedContainer: UnkeyedEncodingContainer {
  let encoder: CanonicalJSONValueEncoder
  let box: CanonicalJSONArrayBox

  var codingPath: [any CodingKey] { encoder.codingPath }
  var count: Int { box.elements.count }

  private var nextKey: CanonicalJSONKey { CanonicalJSONKey(intValue: box.elements.count) }

  mutating func encodeNil() throws { box.elements.append(.literal("null")) }
  mutating func encode(_ value: Bool) throws {
    box.elements.append(.literal(value ? "true" : "false"))
  }
  mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
  mutating func encode(_ value: Double) throws {
    box.elements.append(try CanonicalJSONValueEncoder.number(value, at: encoder.path(nextKey)))
  }
  mutating func encode(_ value: Float) throws {
    box.elements.append(try CanonicalJSONValueEncoder.number(value, at: encoder.path(nextKey)))
  }
  mutating func encode(_ value: Int) throws { box.elements.append(.integer(value)) }
  mutating func encode(_ value: Int8) throws { box.elements.append(.integer(Int(value))) }
  mutating func encode(_ value: Int16) throws { box.elements.append(.integer(Int(value))) }
  mutating func encode(_ value: Int32) throws { box.elements.append(.integer(Int(value))) }
  mutating func encode(_ value: Int64) throws { box.elements.append(.integer(Int(value))) }
  mutating func encode(_ value: UInt) throws { box.elements.append(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt8) throws { box.elements.append(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt16) throws { box.elements.append(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt32) throws { box.elements.append(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt64) throws { box.elements.append(.unsigned(value)) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    box.elements.append(try encoder.node(for: value, key: nextKey))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: nextKey)
    box.elements.append(.pending(child))
    return child.container(keyedBy: keyType)
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: nextKey)
    box.elements.append(.pending(child))
    return child.unkeyedContainer()
  }

  mutating func superEncoder() -> any Encoder {
    let child = CanonicalJSONValueEncoder(parent: encoder, key: nextKey)
    box.elements.append(.pending(child))
    return child
  }
}

struct CanonicalJSONSingleValueContainer: SingleValueEncodingContainer {
  let encoder: CanonicalJSONValueEncoder

  var codingPath: [any CodingKey] { encoder.codingPath }

  private func set(_ node: CanonicalJSONNode) { encoder.result = node }

  mutating func encodeNil() throws { set(.literal("null")) }
  mutating func encode(_ value: Bool) throws { set(.literal(value ? "true" : "false")) }
  mutating func encode(_ value: String) throws { set(.string(value)) }
  mutating func encode(_ value: Double) throws {
    set(try CanonicalJSONValueEncoder.number(value, at: codingPath))
  }
  mutating func encode(_ value: Float) throws {
    set(try CanonicalJSONValueEncoder.number(value, at: codingPath))
  }
  mutating func encode(_ value: Int) throws { set(.integer(value)) }
  mutating func encode(_ value: Int8) throws { set(.integer(Int(value))) }
  mutating func encode(_ value: Int16) throws { set(.integer(Int(value))) }
  mutating func encode(_ value: Int32) throws { set(.integer(Int(value))) }
  mutating func encode(_ value: Int64) throws { set(.integer(Int(value))) }
  mutating func encode(_ value: UInt) throws { set(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt8) throws { set(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt16) throws { set(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt32) throws { set(.unsigned(UInt64(value))) }
  mutating func encode(_ value: UInt64) throws { set(.unsigned(value)) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    // The value in this encoder's place (the same coding path).
    set(try encoder.node(for: value, key: nil))
  }
}

/// Writes a node tree as `CanonicalJSONEncoder` documents it, in one pass.
struct CanonicalJSONWriter {
  var bytes: [UInt8] = []

  mutating func write(_ node: CanonicalJSONNode, depth: Int) {
    switch node {
    case .literal(let text): bytes.append(contentsOf: text.utf8)
    case .integer(let value): writeInteger(value)
    case .unsigned(let value): writeUnsigned(value)
    case .string(let text): writeString(text)
    case .integers(let values):
      open(UInt8(ascii: "["))
      for (index, value) in values.enumerated() {
        separate(index, depth: depth + 1)
        writeInteger(value)
      }
      close(UInt8(ascii: "]"), depth: depth)
    case .array(let box):
      open(UInt8(ascii: "["))
      for (index, element) in box.elements.enumerated() {
        separate(index, depth: depth + 1)
        write(element, depth: depth + 1)
      }
      close(UInt8(ascii: "]"), depth: depth)
    case .object(let box):
      open(UInt8(ascii: "{"))
      for (index, entry) in Self.sorted(box).enumerated() {
        separate(index, depth: depth + 1)
        writeString(entry.key)
        bytes.append(UInt8(ascii: " "))
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
        write(entry.value, depth: depth + 1)
      }
      close(UInt8(ascii: "}"), depth: depth)
    case .pending(let encoder):
      write(encoder.result ?? .object(CanonicalJSONObjectBox()), depth: depth)
    }
  }

  /// The box's entries in ascending order of their keys' UTF-8 bytes; of
  /// entries with the same key, the last one given. Sorted in place (the
  /// tree is written once), by insertion: objects have a few dozen keys at
  /// most, given in an order fixed by their type.
  static func sorted(_ box: CanonicalJSONObjectBox) -> [(key: String, value: CanonicalJSONNode)] {
    var entries = box.entries
    box.entries = []
    var index = 1
    while index < entries.count {
      let entry = entries[index]
      var slot = index
      while slot > 0 && entry.key.utf8.lexicographicallyPrecedes(entries[slot - 1].key.utf8) {
        entries[slot] = entries[slot - 1]
        slot -= 1
      }
      entries[slot] = entry
      index += 1
    }
    // Equal keys are adjacent and in the order given: keep the last.
    var kept = 0
    for index in entries.indices {
      if kept > 0 && entries[kept - 1].key == entries[index].key {
        entries[kept - 1] = entries[index]
      } else {
        entries[kept] = entries[index]
        kept += 1
      }
    }
    entries.removeSubrange(kept...)
    box.entries = entries
    return entries
  }

  private mutating func open(_ bracket: UInt8) {
    bytes.append(bracket)
    bytes.append(UInt8(ascii: "\n"))
  }

  /// Before element `index`: `,\n` after the first, then the indentation,
  /// copied from `Self.spaces` in one append (a CPU list of a large host is
  /// thousands of lines, each mostly indentation).
  private mutating func separate(_ index: Int, depth: Int) {
    if index > 0 {
      bytes.append(UInt8(ascii: ","))
      bytes.append(UInt8(ascii: "\n"))
    }
    indent(depth)
  }

  private mutating func close(_ bracket: UInt8, depth: Int) {
    bytes.append(UInt8(ascii: "\n"))
    indent(depth)
    bytes.append(bracket)
  }

  /// Enough spaces for any depth a plan reaches; deeper levels take several copies.
  private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

  private mutating func indent(_ depth: Int) {
    var count = 2 * depth
    while count > 0 {
      let part = min(count, Self.spaces.count)
      bytes.append(contentsOf: Self.spaces[0..<part])
      count -= part
    }
  }

  private mutating func writeInteger(_ value: Int) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    writeUnsigned(UInt64(value.magnitude))
  }

  /// Decimal digits: counted first, then written from the last into their
  /// places (CPU numbers are most of a plan's numbers).
  private mutating func writeUnsigned(_ value: UInt64) {
    if value < 10 {
      bytes.append(UInt8(ascii: "0") + UInt8(value))
      return
    }
    var digits = 1
    var probe = value
    while probe >= 10 {
      probe /= 10
      digits += 1
    }
    let start = bytes.count
    bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
    bytes.withUnsafeMutableBufferPointer { buffer in
      var rest = value
      var index = start + digits - 1
      while rest > 0 {
        buffer[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
        rest /= 10
        index -= 1
      }
    }
  }

  /// Quoted, with `"` and `\` escaped, the control characters as `\b`,
  /// `\f`, `\n`, `\r`, `\t` or `\u00XX` (lower-case hex), and nothing else
  /// (not `/`, not non-ASCII characters).
  private static func hex(_ digit: UInt8) -> UInt8 {
    digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
  }

  private mutating func writeString(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { utf8 in
      // Runs without escapes are copied whole (most strings are one run).
      var start = 0
      for index in 0..<utf8.count {
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
          continue
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
        start = index + 1
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0c: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0x0a: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0d: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
          bytes.append(contentsOf: [
            UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
          ])
          bytes.append(Self.hex(byte >> 4))
          bytes.append(Self.hex(byte & 0xf))
        }
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }
    bytes.append(UInt8(ascii: "\""))
  }
}
