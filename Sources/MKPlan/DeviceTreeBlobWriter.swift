import CFDT

/// Writes a `DeviceTreeNode` as a DTB with libfdt's sequential-write API,
/// the same library kerf and the kernel read it with.
public enum DeviceTreeBlobWriter {
  public struct Failure: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var description: String {
      "libfdt \(call) failed: \(String(cString: fdt_strerror(code)))"
    }
  }

  public static func blob(_ root: DeviceTreeNode) throws(Failure) -> [UInt8] {
    var capacity = 4096
    while true {
      var buffer = [UInt8](repeating: 0, count: capacity)
      let result: Result<Int, Failure> = buffer.withUnsafeMutableBytes { raw in
        guard let base = raw.baseAddress else {
          return .failure(Failure(call: "buffer", code: -FDT_ERR_NOSPACE))
        }
        var failure = Failure(call: "fdt_create", code: fdt_create(base, Int32(capacity)))
        if failure.code >= 0 {
          failure = Failure(call: "fdt_finish_reservemap", code: fdt_finish_reservemap(base))
        }
        if failure.code >= 0 { failure = write(root, base) }
        if failure.code >= 0 { failure = Failure(call: "fdt_finish", code: fdt_finish(base)) }
        if failure.code < 0 { return .failure(failure) }
        // totalsize is the big-endian word at offset 4 of the header.
        let size = (4..<8).reduce(0) { $0 << 8 | Int(raw[$1]) }
        return .success(size)
      }
      switch result {
      case .success(let size): return Array(buffer[0..<size])
      case .failure(let failure) where failure.code == -FDT_ERR_NOSPACE && capacity < 1 << 28:
        capacity *= 4
      case .failure(let failure): throw failure
      }
    }
  }

  /// Returns the first failing call, or a non-negative code on success.
  private static func write(_ node: DeviceTreeNode, _ base: UnsafeMutableRawPointer) -> Failure {
    let begin = fdt_begin_node(base, node.name)
    if begin < 0 { return Failure(call: "fdt_begin_node", code: begin) }
    for property in node.properties {
      let bytes = property.value.bytes
      let code = bytes.withUnsafeBytes {
        fdt_property(base, property.name, $0.baseAddress, Int32($0.count))
      }
      if code < 0 { return Failure(call: "fdt_property", code: code) }
    }
    for child in node.children {
      let failure = write(child, base)
      if failure.code < 0 { return failure }
    }
    return Failure(call: "fdt_end_node", code: fdt_end_node(base))
  }
}
