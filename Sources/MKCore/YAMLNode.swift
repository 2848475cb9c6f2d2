/// One node of a YAML document as `YAMLReader` builds it: a scalar, a
/// sequence or a mapping, each with the location it was written at.
///
/// Scalars stay text exactly as written (no YAML 1.1 typing: `no`, `on`,
/// `0755` and `1:30` are strings); the typed accessors below apply the policy
/// language's own rules, so that the schema of each field decides what a
/// scalar means.
public struct YAMLNode: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode])
    case mapping([YAMLMappingEntry])
  }

  public var kind: Kind
  /// Where the node starts (for a block mapping or sequence: its first key or dash).
  public var location: SourceLocation

  public init(_ kind: Kind, at location: SourceLocation) {
    self.kind = kind
    self.location = location
  }

  public var scalar: YAMLScalar? {
    if case .scalar(let scalar) = kind { return scalar }
    return nil
  }

  public var sequence: [YAMLNode]? {
    if case .sequence(let items) = kind { return items }
    return nil
  }

  public var mapping: [YAMLMappingEntry]? {
    if case .mapping(let entries) = kind { return entries }
    return nil
  }

  /// The value for `key` in a mapping (keys are unique: the reader rejects duplicates).
  public subscript(key: String) -> YAMLNode? {
    mapping?.first { $0.key == key }?.value
  }

  /// A plain `~`, `null`, `Null`, `NULL` or an empty plain scalar (`key:` with no value).
  public var isNull: Bool {
    guard let scalar, scalar.style == .plain else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.value)
  }

  /// The text of a scalar, quoted or not; nil for collections and nulls.
  public var string: String? {
    guard let scalar, !isNull else { return nil }
    return scalar.value
  }

  /// `true` or `false`, plain. Nothing else is a boolean: YAML 1.1's `yes`,
  /// `no`, `on`, `off`, `True` and quoted `"true"` are not.
  public var bool: Bool? {
    guard let scalar, scalar.style == .plain else { return nil }
    switch scalar.value {
    case "true": return true
    case "false": return false
    default: return nil
    }
  }

  /// A plain decimal integer (`-12`, `0`, `4096`). Leading zeros (`0755`,
  /// octal in YAML 1.1), `+`, `_` separators, hex and floats are not integers.
  public var int: Int? {
    guard let scalar, scalar.style == .plain else { return nil }
    return YAMLScalar.decimalInteger(scalar.value)
  }

  /// How the node reads in a message: `a mapping`, `the string "no"`, `the integer 5`.
  public var kindDescription: String {
    switch kind {
    case .sequence: return "a list"
    case .mapping: return "a mapping"
    case .scalar(let scalar):
      if isNull { return "no value" }
      if scalar.style != .plain { return "the string \(YAMLScalar.quoted(scalar.value))" }
      if bool != nil { return "the boolean \(scalar.value)" }
      if int != nil { return "the integer \(scalar.value)" }
      return "\(YAMLScalar.quoted(scalar.value))"
    }
  }
}

/// A scalar's text and how it was written.
public struct YAMLScalar: Sendable, Hashable {
  public enum Style: String, Sendable, Hashable {
    case plain
    case singleQuoted = "single-quoted"
    case doubleQuoted = "double-quoted"
    case literal
    case folded
  }

  public var value: String
  public var style: Style

  public init(_ value: String, style: Style = .plain) {
    self.value = value
    self.style = style
  }

  /// Anything but plain: the author said "this is text".
  public var isQuoted: Bool { style != .plain }

  /// Parses `-?[0-9]+` without leading zeros; nil otherwise or on overflow.
  public static func decimalInteger(_ text: String) -> Int? {
    var digits = Substring(text)
    if digits.first == "-" { digits = digits.dropFirst() }
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    if digits.count > 1 && digits.first == "0" { return nil }
    return Int(text)
  }

  /// `"text"` with quotes, backslashes and control characters escaped, for messages.
  public static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7f {
          let hex = String(scalar.value, radix: 16)
          out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}

/// One `key: value` pair of a mapping. Mappings keep their keys in the order
/// written, so that output derived from them is deterministic and diagnostics
/// can point at the key itself.
public struct YAMLMappingEntry: Sendable, Hashable {
  public var key: String
  public var keyLocation: SourceLocation
  public var value: YAMLNode

  public init(key: String, keyLocation: SourceLocation, value: YAMLNode) {
    self.key = key
    self.keyLocation = keyLocation
    self.value = value
  }
}
