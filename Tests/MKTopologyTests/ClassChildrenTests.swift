import MKCore
import Testing

@testable import MKTopology

/// The children of PCI devices read from the class folders' links (the
/// libudev path's second half): each link names its device's path, the
/// nearest PCI device above it owns it, block devices count only as whole
/// disks, and virtual devices and plain files are passed over.
@Suite struct ClassChildrenTests {
  @Test func childrenGoToTheirNearestPCIDevice() throws {
    let nic = "/sys/devices/pci0000:00/0000:00:03.0"
    let disk = "/sys/devices/pci0000:00/0000:00:02.0"
    let bridge = "/sys/devices/pci0000:00/0000:00:1c.0"
    let gpu = "\(bridge)/0000:01:00.0"
    let tree = try FixtureTree(
      files: [
        "\(disk)/virtio1/block/vda/uevent": "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n",
        "\(disk)/virtio1/block/vda/dev": "254:0\n",
        "\(disk)/virtio1/block/vda/vda1/uevent": "MAJOR=254\nMINOR=1\nDEVTYPE=partition\n",
        "/sys/devices/virtual/block/loop0/uevent": "DEVTYPE=disk\n",
        "/sys/class/drm/version": "drm 1.1.0 20060810\n",
      ],
      links: [
        "/sys/class/net/eth0": "../../devices/pci0000:00/0000:00:03.0/virtio2/net/eth0",
        "/sys/class/net/lo": "../../devices/virtual/net/lo",
        "/sys/class/block/vda": "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda",
        "/sys/class/block/vda1": "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda/vda1",
        "/sys/class/block/loop0": "../../devices/virtual/block/loop0",
        "/sys/class/drm/card0": "../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/drm/card0",
        "/sys/class/nvme/nvme0": "../../../../../../../etc/passwd",
      ])
    defer { tree.remove() }
    func raw(_ address: String) -> DeviceDiscovery.Raw {
      DeviceDiscovery.Raw(
        address: address, classCode: 0x020000, vendor: "1af4", device: "1000", driver: nil,
        numaNode: nil, sriovTotal: nil, sriovEnabled: nil)
    }
    var raws: [String: DeviceDiscovery.Raw] = [:]
    var paths: [Substring: String] = [:]
    for (path, address) in [
      (nic, "0000:00:03.0"), (disk, "0000:00:02.0"), (bridge, "0000:00:1c.0"),
      (gpu, "0000:01:00.0"),
    ] {
      raws[address] = raw(address)
      paths[Substring(path)] = address
    }
    DeviceDiscovery.attachClassChildren(HostFiles(root: tree.root), paths, &raws)
    #expect(raws["0000:00:03.0"]?.children == [DeviceChild(kind: .net, name: "eth0")])
    #expect(
      raws["0000:00:02.0"]?.children == [
        DeviceChild(kind: .block, name: "vda", majorMinor: "254:0")
      ])
    #expect(raws["0000:01:00.0"]?.children == [DeviceChild(kind: .other, name: "card0")])
    #expect(raws["0000:00:1c.0"]?.children == [])
  }

  @Test func linkTargetsAreResolvedAgainstTheirFolder() {
    #expect(
      DeviceDiscovery.absolutePath(
        "../../devices/pci0000:00/0000:00:03.0/net/eth0", from: "/sys/class/net")
        == "/sys/devices/pci0000:00/0000:00:03.0/net/eth0")
    #expect(
      DeviceDiscovery.absolutePath("/sys/devices/x/./y", from: "/sys/class/net")
        == "/sys/devices/x/y")
    #expect(DeviceDiscovery.absolutePath("../../../../x", from: "/sys/class/net") == nil)
  }
}
