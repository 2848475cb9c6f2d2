/// The whole multikernel state after the plan, in the shape kerf 0.4.0
/// reads it: `/resources` (pool CPUs as 64-bit physical ids, one
/// `memory@N { size; numa-node-id; }` per node, PCI devices with vendor and
/// device ids), `/aliases`, and `/instances/NAME` with the resources of each.
///
/// `device-names` is one space-separated string, the form kerf's parser
/// accepts for more than one device.
///
/// Instance `memory-base` is 0: the kernel places instance memory inside
/// the pool when `kerf create` runs, so no address is known at plan time.
public struct DeviceTreeEmitter: Sendable {
  public init() {}

  /// nil when the plan has no coordinator pool (no `kernel` workloads).
  public func emit(pool: CoordinatorPool?, instances: [KernelInstance]) -> DeviceTreeNode? {
    guard let pool else { return nil }
    var resources = DeviceTreeNode(
      "resources", properties: [("cpus", .u64(pool.physicalIds.map(UInt64.init)))])
    for node in pool.memoryBytesByNode.keys.compactMap(Int.init).sorted() {
      resources.children.append(
        DeviceTreeNode(
          "memory@\(node)",
          properties: [
            ("size", .u64([pool.memoryBytesByNode[String(node)] ?? 0])),
            ("numa-node-id", .u32([UInt32(node)])),
          ]))
    }
    if !pool.devices.isEmpty {
      resources.children.append(
        DeviceTreeNode(
          "devices",
          children: pool.devices.map { device in
            DeviceTreeNode(
              device.nodeName,
              properties: [
                ("device-type", .strings(["pci"])), ("compatible", .strings([device.compatible])),
                ("pci-id", .strings([device.pciAddress])), ("vendor-id", .u32([device.vendorId])),
                ("device-id", .u32([device.deviceId])),
              ])
          }))
    }
    var root = DeviceTreeNode(
      "", properties: [("compatible", .strings(["linux,multikernel-host"]))])
    root.children.append(resources)
    let aliased = pool.devices.filter { $0.alias != nil }.sorted {
      ($0.alias ?? "") < ($1.alias ?? "")
    }
    if !aliased.isEmpty {
      root.children.append(
        DeviceTreeNode(
          "aliases",
          properties: aliased.map {
            ($0.alias ?? "", .strings(["/resources/devices/" + $0.nodeName]))
          }))
    }
    if !instances.isEmpty {
      root.children.append(
        DeviceTreeNode(
          "instances",
          children: instances.map { instance in
            var properties: [(name: String, value: DeviceTreeNode.Value)] = [
              ("cpus", .u64(instance.physicalIds.map(UInt64.init))), ("memory-base", .u64([0])),
              ("memory-bytes", .u64([instance.memoryBytes])),
            ]
            if !instance.devices.isEmpty {
              // One space-separated string: kerf 0.4.0 reads the property with
              // as_str() and splits it on whitespace, so a NUL-separated list
              // of two or more names is a parse error there.
              properties.append(
                ("device-names", .strings([instance.devices.joined(separator: " ")])))
            }
            return DeviceTreeNode(
              instance.name, properties: [("id", .u32([UInt32(instance.id)]))],
              children: [DeviceTreeNode("resources", properties: properties)])
          }))
    }
    return root
  }
}
