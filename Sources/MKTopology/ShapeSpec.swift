import MKCore

/// Text forms of the parts of a `TopologyShape` that are more than a number,
/// as `mkpolicy topology synth` takes them on the command line.
public enum ShapeSpec {
  public static let code = "E331"

  private static func failure(_ message: String, _ help: String) -> DiagnosticError {
    DiagnosticError(.error(code, message, help: [help]))
  }

  /// `net,vendor=15b3,device=101d,driver=mlx5_core,per-node=2,nodes=0+3,irqs=64,managed,sriov=8`.
  public static func device(_ text: String) throws(DiagnosticError) -> TopologyShape.DeviceShape {
    let help =
      "write CLASS,vendor=HEX4,device=HEX4[,driver=NAME][,per-node=N][,nodes=A+B]"
      + "[,irqs=N][,managed][,sriov=N][,class-code=0xHEX6]"
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard let first = parts.first, let deviceClass = DeviceClass(rawValue: first) else {
      throw failure(
        "device '\(text)' must start with a class: "
          + DeviceClass.allCases.map(\.rawValue).joined(separator: ", "), help)
    }
    var shape = TopologyShape.DeviceShape(deviceClass, vendorId: "", deviceId: "")
    func number(_ key: String, _ value: String) throws(DiagnosticError) -> Int {
      guard let n = YAMLScalar.decimalInteger(value), n >= 0 else {
        throw failure("device '\(text)': \(key)=\(value) is not a number", help)
      }
      return n
    }
    for part in parts.dropFirst() {
      let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
      let key = pair[0]
      let value = pair.count == 2 ? pair[1] : nil
      switch (key, value) {
      case ("vendor", let v?): shape.vendorId = v
      case ("device", let v?): shape.deviceId = v
      case ("driver", let v?): shape.driver = v
      case ("per-node", let v?): shape.perNode = try number(key, v)
      case ("irqs", let v?): shape.irqs = try number(key, v)
      case ("sriov", let v?): shape.sriovTotalVFs = try number(key, v)
      case ("managed", nil): shape.managedIRQs = true
      case ("nodes", let v?):
        var nodes: [Int] = []
        for item in v.split(separator: "+", omittingEmptySubsequences: false) {
          nodes.append(try number(key, String(item)))
        }
        shape.nodes = nodes
      case ("class-code", let v?):
        guard let code = PCIAddress.hexValue(v, prefix: "0x", digits: 6) else {
          throw failure("device '\(text)': class-code \(v) is not 0x and 6 hex digits", help)
        }
        shape.classCode = UInt32(code)
      default:
        throw failure("device '\(text)': unknown or incomplete field '\(part)'", help)
      }
    }
    if shape.vendorId.isEmpty || shape.deviceId.isEmpty {
      throw failure("device '\(text)' needs vendor= and device=", help)
    }
    return shape
  }

  /// `1GiB:4` or `2MiB:512:100` (size, total, free; free defaults to total).
  public static func hugePages(_ text: String) throws(DiagnosticError) -> HugePagePool {
    let help = "write SIZE:COUNT[:FREE], for example 1GiB:4"
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2 || parts.count == 3,
      let size = try? ByteSize.parse(parts[0]),
      let total = YAMLScalar.decimalInteger(parts[1]),
      let free = parts.count == 3 ? YAMLScalar.decimalInteger(parts[2]) : total
    else { throw failure("huge pages '\(text)' are not SIZE:COUNT[:FREE]", help) }
    return HugePagePool(pageSizeBytes: size, total: total, free: free)
  }

  /// `10,12,32`: local, same socket, remote socket.
  public static func distances(_ text: String) throws(DiagnosticError)
    -> TopologyShape.DistancePattern
  {
    let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
      YAMLScalar.decimalInteger(String($0))
    }
    guard values.count == 3, let local = values[0], let same = values[1], let remote = values[2]
    else {
      throw failure(
        "distances '\(text)' are not LOCAL,SAME-SOCKET,REMOTE-SOCKET",
        "write three numbers, for example 10,12,32")
    }
    return TopologyShape.DistancePattern(local: local, sameSocket: same, remoteSocket: remote)
  }
}
