import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// PCI devices with their children and interrupt vectors: libudev on the
/// running host enumerates `pci` (opened at first use, `LibUDev`), each
/// device's attributes come from its sysfs folder and its net, block, nvme
/// and drm children from the class folders' links; plain sysfs under a
/// fixture root or where libudev cannot be loaded or cannot start (E322).
///
/// Bridges (class 0x06) are left out: nothing is ever placed on them.
enum DeviceDiscovery {
  /// One device's attributes, whichever way they were read.
  struct Raw {
    var address: String
    var classCode: UInt32
    var vendor: String
    var device: String
    var driver: String?
    var numaNode: Int?
    var sriovTotal: Int?
    var sriovEnabled: Int?
    var children: [DeviceChild] = []
  }

  static func discover(
    _ files: HostFiles, useLibrary: Bool, cpus: CPUSet, nodes: Set<Int>,
    diagnostics: inout [Diagnostic]
  ) -> [Device] {
    var raws: [Raw]
    switch useLibrary && files.isLiveHost ? udevDevices(files) : nil {
    case .success(let fromUdev):
      raws = fromUdev
      if !files.exists("/run/udev/data") {
        diagnostics.append(
          .warning(
            "E322",
            "no udev database (/run/udev/data: a container, or no systemd-udevd): devices are "
              + "enumerated from sysfs through libudev; udev-assigned names and properties are "
              + "not available"))
      }
    case .failure(let error):
      diagnostics.append(
        .warning(
          "E322",
          "libudev could not enumerate devices (\(error.reason)): reading /sys/bus/pci directly",
          help: ["the devices are the same, without udev names; install libudev1 if it is missing"])
      )
      raws = sysfsDevices(files)
    case nil:
      raws = sysfsDevices(files)
    }
    attachMultipathNamespaces(files, &raws)
    let interrupts = files.read("/proc/interrupts").map(ProcInterrupts.init(parsing:))
    let debugfs = files.exists("/sys/kernel/debug/irq/irqs")
    var inferred = false
    var devices: [Device] = []
    var absent: [(device: String, irqs: [Int])] = []
    var unreadable: [(irq: Int, error: HostFiles.ReadError)] = []
    for raw in raws where raw.classCode >> 16 != 0x06 {
      let dir = "/sys/bus/pci/devices/\(raw.address)"
      var numbers = files.numbered(dir + "/msi_irqs", prefix: "")
      if numbers.isEmpty, let line = files.int(dir + "/irq"), line > 0,
        files.exists("/proc/irq/\(line)")
      {
        numbers = [line]
      }
      var irqs: [DeviceIRQ] = []
      var notRequested: [Int] = []
      for (index, irq) in numbers.enumerated() {
        let name = interrupts?.lines[irq]?.name
        // /proc/irq/N appears when a driver requests the IRQ: a vector that
        // is allocated but not requested (a NIC never brought up) has none,
        // and no affinity yet. Nothing is assumed for it.
        let present = files.exists("/proc/irq/\(irq)")
        var affinity: CPUSet?
        if present {
          switch files.bytesOrErrno("/proc/irq/\(irq)/smp_affinity_list") {
          case .success(let bytes):
            let text = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
            if let set = try? CPUSet(cpulist: text, allowEmpty: true) {
              affinity = set.intersection(cpus)
            } else {
              unreadable.append((irq, HostFiles.ReadError(code: EINVAL)))
            }
          case .failure(let error): unreadable.append((irq, error))
          }
        } else {
          notRequested.append(irq)
        }
        var movable: Bool
        if debugfs, let flags = files.read("/sys/kernel/debug/irq/irqs/\(irq)") {
          movable = !flags.containsUTF8("AFFINITY_MANAGED")
        } else {
          inferred = true
          movable = !managedByConvention(driver: raw.driver, name: name, vector: index)
        }
        irqs.append(
          DeviceIRQ(irq: irq, name: name, affinity: affinity, movable: movable, present: present))
      }
      if !notRequested.isEmpty { absent.append((raw.address, notRequested)) }
      var node = raw.numaNode
      if let known = node, !nodes.contains(known) { node = nil }
      devices.append(
        Device(
          pciAddress: raw.address, deviceClass: DeviceClass.classify(classCode: raw.classCode),
          classCode: raw.classCode, vendorId: raw.vendor, deviceId: raw.device,
          driver: raw.driver, numaNode: node, sriovTotalVFs: raw.sriovTotal,
          sriovEnabledVFs: raw.sriovEnabled,
          iommuGroup: files.linkName(dir + "/iommu_group").flatMap { Int($0) },
          children: raw.children.sorted { $0.name < $1.name }, irqs: irqs))
    }
    for (address, irqs) in absent {
      let one = irqs.count == 1
      let children = devices.first { $0.pciAddress == address }?.children.map(\.name) ?? []
      let label = address + (children.isEmpty ? "" : " (\(children.joined(separator: ", ")))")
      diagnostics.append(
        Diagnostic(
          .note, "E333",
          "IRQ\(one ? "" : "s") \(NumberRanges.format(irqs)) of \(label) \(one ? "is" : "are") "
            + "allocated but not requested by a driver (the device is down): listed with "
            + "present: false and no affinity",
          help: [
            "nothing to do: when the device comes up, its IRQs start on the default affinity "
              + "(/proc/irq/default_smp_affinity), which plans set to the housekeeping CPUs"
          ]))
    }
    for (irq, error) in unreadable {
      diagnostics.append(
        .warning(
          "E333",
          "cannot read \(files.resolve("/proc/irq/\(irq)/smp_affinity_list")): "
            + "\(error.description); IRQ \(irq) is listed without an affinity",
          help: ["discover with /proc readable (as root inside a container's host)"]))
    }
    if inferred && devices.contains(where: { !$0.irqs.isEmpty }) {
      diagnostics.append(
        .warning(
          "E325",
          "kernel-managed IRQ flags are not readable (debugfs is not mounted at "
            + "/sys/kernel/debug): queue vectors of nvme, virtio-blk and virtio-scsi are taken "
            + "to be managed, all others movable",
          help: ["mount debugfs (mount -t debugfs none /sys/kernel/debug) for exact flags"]))
    }
    return devices.sorted { $0.pciAddress < $1.pciAddress }
  }

  /// Drivers whose per-queue vectors the kernel spreads and manages
  /// (`pci_alloc_irq_vectors_affinity`); the first vector (admin, config)
  /// is a pre-vector and stays movable.
  static func managedByConvention(driver: String?, name: String?, vector: Int) -> Bool {
    if driver == "nvme" { return vector > 0 }
    guard let name else { return false }
    return name.containsUTF8("-req.") || name.containsUTF8("-request.")
  }

  /// With NVMe native multipath the namespace (`nvme0n1`) hangs off a
  /// virtual subsystem device, not the controller: give it to the PCI device
  /// that owns controller `nvme0`.
  static func attachMultipathNamespaces(_ files: HostFiles, _ raws: inout [Raw]) {
    for name in files.list("/sys/class/block") ?? [] {
      guard name.hasPrefix("nvme"), let n = name.firstIndex(of: "n", after: 4) else { continue }
      let controller = String(name[..<n])
      guard controller.dropFirst(4).allSatisfy({ $0.isASCII && $0.isNumber }),
        name[name.index(after: n)...].allSatisfy({ $0.isASCII && $0.isNumber }),
        let owner = raws.firstIndex(where: { $0.children.contains { $0.name == controller } }),
        !raws[owner].children.contains(where: { $0.name == name })
      else { continue }
      raws[owner].children.append(
        DeviceChild(
          kind: .block, name: name, majorMinor: files.line("/sys/class/block/\(name)/dev")))
    }
  }

  // MARK: libudev

  /// PCI devices and their children through libudev, or why libudev could
  /// not be loaded or could not enumerate them.
  private static func udevDevices(_ files: HostFiles) -> Result<[Raw], SharedLibrary.LoadError> {
    let udev: LibUDev
    switch LibUDev.loaded {
    case .success(let loaded): udev = loaded
    case .failure(let error): return .failure(error)
    }
    let failed = SharedLibrary.LoadError(
      soname: LibUDev.soname, reason: "udev_new or udev_enumerate_scan_devices failed")
    guard let context = udev.new() else { return .failure(failed) }
    defer { _ = udev.unref(context) }
    var raws: [String: Raw] = [:]
    /// PCI address by sysfs path (`/sys/devices/pci0000:00/0000:00:03.0`).
    var pciPaths: [Substring: String] = [:]
    // The attributes are read from the device's sysfs folder, as sysfsDevices
    // reads them: udev_device_new_from_syspath opened every component of
    // each device's path and fopen'd each attribute, 20 more system calls a
    // device (1,186 -> 1,066 for discover on a VM with 6 PCI devices) for
    // the same file contents.
    guard
      scan(
        udev, context, subsystems: ["pci"],
        { path in
          let address = path.split(separator: "/").last.map(String.init) ?? path
          guard let raw = attributes(files, directory: path, address: address) else { return }
          pciPaths[Substring(path)] = address
          raws[address] = raw
        })
    else { return .failure(failed) }
    attachClassChildren(files, pciPaths, &raws)
    return .success(raws.values.sorted { $0.address < $1.address })
  }

  /// The net, block (whole disks), nvme and drm devices of each PCI device,
  /// from the kernel's class folders. A child belongs to its nearest PCI
  /// ancestor: the longest PCI device path that the path its class link
  /// points to continues (what udev_device_get_parent_with_subsystem_devtype
  /// (.., "pci") finds). Each `/sys/class/X/NAME` link is read once; only a
  /// child of a PCI device has a file read (`uevent` for a block device's
  /// type, `dev`). A second libudev enumeration of these subsystems gave the
  /// same children but resolved every class device's path (loop, zram, lo,
  /// partitions) one component at a time: 1,200 of discover's 2,700 system
  /// calls on a VM with 5 PCI devices.
  static func attachClassChildren(
    _ files: HostFiles, _ pciPaths: [Substring: String], _ raws: inout [String: Raw]
  ) {
    for subsystem in ["net", "block", "nvme", "drm"] {
      let folder = "/sys/class/\(subsystem)"
      for entry in files.list(folder) ?? [] {
        guard let target = files.linkTarget("\(folder)/\(entry)"),
          let path = absolutePath(target, from: folder),
          let address = pciAddress(owning: path, pciPaths), raws[address] != nil
        else { continue }
        let name = path.split(separator: "/").last.map(String.init) ?? entry
        let child: DeviceChild
        switch subsystem {
        case "net": child = DeviceChild(kind: .net, name: name)
        case "block":
          let uevent = files.read(path + "/uevent") ?? ""
          guard uevent.split(separator: "\n").contains("DEVTYPE=disk") else { continue }
          child = DeviceChild(kind: .block, name: name, majorMinor: files.line(path + "/dev"))
        default: child = DeviceChild(kind: .other, name: name)
        }
        raws[address]?.children.append(child)
      }
    }
  }

  /// `../../devices/pci0000:00/0000:00:03.0/virtio2/net/eth0` read in
  /// `/sys/class/net` -> `/sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0`;
  /// nil for a path that climbs above `/`.
  static func absolutePath(_ target: String, from folder: String) -> String? {
    // Components as UTF-8 byte ranges ("/" is one byte and never part of a
    // longer character): splitting by Characters cost ~16 k instructions
    // per link.
    let slash = UInt8(ascii: "/")
    var components = target.utf8.first == slash ? [] : folder.utf8.split(separator: slash)
    for component in target.utf8.split(separator: slash) {
      if component.elementsEqual(".".utf8) { continue }
      if component.elementsEqual("..".utf8) {
        guard components.popLast() != nil else { return nil }
      } else {
        components.append(component)
      }
    }
    var bytes: [UInt8] = []
    for component in components {
      bytes.append(slash)
      bytes.append(contentsOf: component)
    }
    return bytes.isEmpty ? "/" : String(decoding: bytes, as: UTF8.self)
  }

  /// The PCI address of the nearest PCI device above `path`: the longest
  /// PCI device path that `path` continues.
  static func pciAddress(owning path: String, _ pciPaths: [Substring: String]) -> String? {
    var prefix = Substring(path)
    while let slash = prefix.lastIndex(of: "/"), slash > prefix.startIndex {
      prefix = prefix[..<slash]
      if let address = pciPaths[prefix] { return address }
    }
    return nil
  }

  /// Calls `body` with the sysfs path of every device of the subsystems;
  /// false if enumeration failed.
  private static func scan(
    _ udev: LibUDev, _ context: OpaquePointer, subsystems: [String],
    _ body: (String) -> Void
  ) -> Bool {
    guard let enumerate = udev.enumerateNew(context) else { return false }
    defer { _ = udev.enumerateUnref(enumerate) }
    for subsystem in subsystems { _ = udev.enumerateAddMatchSubsystem(enumerate, subsystem) }
    guard udev.enumerateScanDevices(enumerate) >= 0 else { return false }
    // udev_list_entry_foreach is a macro: walk the list by hand.
    var entry = udev.enumerateGetListEntry(enumerate)
    while let current = entry {
      if let name = udev.listEntryGetName(current) { body(String(cString: name)) }
      entry = udev.listEntryGetNext(current)
    }
    return true
  }

  /// `0x15b3` -> `15b3`.
  static func hexId(_ text: String) -> String {
    let trimmed = text.trimmingASCIIWhitespace().lowercased()
    return trimmed.hasPrefix("0x") ? String(trimmed.dropFirst(2)) : trimmed
  }

  // MARK: sysfs

  /// A PCI device's attributes from its sysfs folder (`directory`, the
  /// device's own path or its /sys/bus/pci/devices link); nil without a
  /// readable class, vendor and device.
  static func attributes(_ files: HostFiles, directory dir: String, address: String) -> Raw? {
    guard let classText = files.line(dir + "/class"),
      let classCode = UInt32(classText.dropFirst(2), radix: 16),
      let vendor = files.line(dir + "/vendor").map(hexId),
      let device = files.line(dir + "/device").map(hexId)
    else { return nil }
    let node = files.int(dir + "/numa_node")
    return Raw(
      address: address, classCode: classCode, vendor: vendor, device: device,
      driver: files.linkName(dir + "/driver"), numaNode: node.flatMap { $0 < 0 ? nil : $0 },
      sriovTotal: files.int(dir + "/sriov_totalvfs"),
      sriovEnabled: files.int(dir + "/sriov_numvfs"))
  }

  static func sysfsDevices(_ files: HostFiles) -> [Raw] {
    var raws: [Raw] = []
    for address in files.list("/sys/bus/pci/devices") ?? [] {
      let dir = "/sys/bus/pci/devices/\(address)"
      guard var raw = attributes(files, directory: dir, address: address) else { continue }
      // Children sit directly under the device, or under a bus device
      // (virtioN) between them.
      var holders = [dir]
      for entry in files.list(dir) ?? [] where entry.hasPrefix("virtio") {
        holders.append("\(dir)/\(entry)")
      }
      for holder in holders {
        for name in files.list(holder + "/net") ?? [] {
          raw.children.append(DeviceChild(kind: .net, name: name))
        }
        for name in files.list(holder + "/block") ?? [] {
          raw.children.append(
            DeviceChild(
              kind: .block, name: name, majorMinor: files.line("\(holder)/block/\(name)/dev")))
        }
        for name in files.list(holder + "/drm") ?? [] {
          raw.children.append(DeviceChild(kind: .other, name: name))
        }
        for controller in files.list(holder + "/nvme") ?? [] {
          raw.children.append(DeviceChild(kind: .other, name: controller))
          let controllerDir = "\(holder)/nvme/\(controller)"
          for name in files.list(controllerDir) ?? []
          where name.hasPrefix(controller + "n") && files.exists("\(controllerDir)/\(name)/dev") {
            raw.children.append(
              DeviceChild(
                kind: .block, name: name, majorMinor: files.line("\(controllerDir)/\(name)/dev")))
          }
        }
      }
      raws.append(raw)
    }
    return raws
  }
}

extension String {
  /// The first `character` at or after offset `start`.
  fileprivate func firstIndex(of character: Character, after start: Int) -> Index? {
    guard start < count else { return nil }
    return self[index(startIndex, offsetBy: start)...].firstIndex(of: character)
  }
}
