/// A flattened-device-tree node: the one model both the DTS text and the
/// DTB blob are rendered from, so the two can never disagree.
public struct DeviceTreeNode: Sendable, Hashable {
  public enum Value: Sendable, Hashable {
    case strings([String])
    case u32([UInt32])
    /// `/bits/ 64` cells: kerf reads CPU ids and sizes as 64-bit cells.
    case u64([UInt64])

    /// The property's bytes in the blob (big-endian cells, NUL-terminated strings).
    public var bytes: [UInt8] {
      switch self {
      case .strings(let strings): return strings.flatMap { Array($0.utf8) + [0] }
      case .u32(let cells):
        return cells.flatMap { cell in
          (0..<4).reversed().map { UInt8(truncatingIfNeeded: cell >> ($0 * 8)) }
        }
      case .u64(let cells):
        return cells.flatMap { cell in
          (0..<8).reversed().map { UInt8(truncatingIfNeeded: cell >> ($0 * 8)) }
        }
      }
    }
  }

  public var name: String
  public var properties: [(name: String, value: Value)]
  public var children: [DeviceTreeNode]

  public init(
    _ name: String, properties: [(name: String, value: Value)] = [], children: [DeviceTreeNode] = []
  ) {
    self.name = name
    self.properties = properties
    self.children = children
  }

  public static func == (lhs: DeviceTreeNode, rhs: DeviceTreeNode) -> Bool {
    lhs.name == rhs.name && lhs.children == rhs.children
      && lhs.properties.map(\.name) == rhs.properties.map(\.name)
      && lhs.properties.map(\.value) == rhs.properties.map(\.value)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(children)
    for property in properties {
      hasher.combine(property.name)
      hasher.combine(property.value)
    }
  }

  /// DTS source (`/dts-v1/;`), as `dtc -I dts` reads it.
  public var dts: String {
    var out = "/dts-v1/;\n\n"
    render(into: &out, depth: 0)
    return out
  }

  private func render(into out: inout String, depth: Int) {
    let indent = String(repeating: "\t", count: depth)
    out += indent + (depth == 0 ? "/" : name) + " {\n"
    for property in properties {
      out += indent + "\t" + property.name + " = " + Self.dtsValue(property.value) + ";\n"
    }
    for (index, child) in children.enumerated() {
      if index > 0 || !properties.isEmpty { out += "\n" }
      child.render(into: &out, depth: depth + 1)
    }
    out += indent + "};\n"
  }

  private static func dtsValue(_ value: Value) -> String {
    switch value {
    case .strings(let strings):
      return strings.map {
        "\"" + $0.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
      }
      .joined(separator: ", ")
    case .u32(let cells):
      return "<" + cells.map { "0x" + String($0, radix: 16) }.joined(separator: " ") + ">"
    case .u64(let cells):
      return "/bits/ 64 <" + cells.map { "0x" + String($0, radix: 16) }.joined(separator: " ") + ">"
    }
  }
}
