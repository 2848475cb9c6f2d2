import Foundation
import MKCore
import MKTestSupport
import Testing

@testable import MKTopology

/// A small sysfs/procfs tree in a temporary directory.
struct FixtureTree {
  let root: String

  init(files: [String: String], links: [String: String] = [:], directories: [String] = []) throws {
    root =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("mkpolicy-fixture-\(UUID().uuidString)").path
    let manager = FileManager.default
    for directory in directories {
      try manager.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
    }
    for (path, content) in files {
      let url = URL(fileURLWithPath: root + path)
      try manager.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try content.write(to: url, atomically: false, encoding: .utf8)
    }
    for (path, target) in links {
      let url = URL(fileURLWithPath: root + path)
      try manager.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try manager.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }
  }

  func remove() { try? FileManager.default.removeItem(atPath: root) }

  func discover() throws -> LiveDiscovery.Result {
    try LiveDiscovery(options: .init(root: root, architecture: "x86_64")).discover()
  }
}

@Suite struct DiscoveryFixtureTests {
  /// Two packages, two nodes, CPU 0 offline, an NVMe drive on node 1 with
  /// managed queue vectors, a NIC without NUMA affinity, cgroup v2 with
  /// partitions, a multikernel host with a boot-time pool, irqbalance running.
  static func twoNodeHost() throws -> FixtureTree {
    let cpu = "/sys/devices/system/cpu"
    let node = "/sys/devices/system/node"
    let nvme = "/sys/bus/pci/devices/0000:17:00.0"
    let nic = "/sys/bus/pci/devices/0000:3b:00.0"
    var files: [String: String] = [
      "\(cpu)/present": "0-3\n", "\(cpu)/online": "1-3\n", "\(cpu)/cpu0/online": "0\n",
      "\(node)/node0/cpulist": "1\n", "\(node)/node1/cpulist": "2-3\n",
      "\(node)/node0/distance": "10 20\n", "\(node)/node1/distance": "20 10\n",
      "\(node)/node0/meminfo": "Node 0 MemTotal:  8388608 kB\nNode 0 MemFree:  4194304 kB\n",
      "\(node)/node1/meminfo": "Node 1 MemTotal:  8388608 kB\nNode 1 MemFree:  8000000 kB\n",
      "\(node)/node0/hugepages/hugepages-2048kB/nr_hugepages": "4\n",
      "\(node)/node0/hugepages/hugepages-2048kB/free_hugepages": "2\n",
      "\(node)/node1/hugepages/hugepages-2048kB/nr_hugepages": "0\n",
      "\(node)/node1/hugepages/hugepages-2048kB/free_hugepages": "0\n",
      "/proc/cpuinfo":
        "processor\t: 1\napicid\t\t: 2\n\nprocessor\t: 2\napicid\t\t: 4\n\n"
        + "processor\t: 3\napicid\t\t: 5\n\n",
      "\(nvme)/class": "0x010802\n", "\(nvme)/vendor": "0x144d\n", "\(nvme)/device": "0xa824\n",
      "\(nvme)/numa_node": "1\n", "\(nvme)/irq": "0\n", "\(nvme)/msi_irqs/50": "msix\n",
      "\(nvme)/msi_irqs/51": "msix\n", "\(nvme)/msi_irqs/52": "msix\n",
      "\(nvme)/nvme/nvme0/nvme0n1/dev": "259:0\n",
      "\(nic)/class": "0x020000\n", "\(nic)/vendor": "0x8086\n", "\(nic)/device": "0x1593\n",
      "\(nic)/numa_node": "-1\n", "\(nic)/irq": "0\n", "\(nic)/sriov_totalvfs": "8\n",
      "\(nic)/sriov_numvfs": "2\n", "\(nic)/net/ens1f0/ifindex": "3\n",
      "/sys/bus/pci/devices/0000:00:00.0/class": "0x060000\n",
      "/sys/bus/pci/devices/0000:00:00.0/vendor": "0x8086\n",
      "/sys/bus/pci/devices/0000:00:00.0/device": "0x09a2\n",
      "/proc/interrupts":
        "            CPU1       CPU2       CPU3\n"
        + "  50:          0          0          1  PCI-MSIX-0000:17:00.0    0-edge      nvme0q0\n"
        + "  51:          0          9          0  PCI-MSIX-0000:17:00.0    1-edge      nvme0q1\n"
        + "  52:          0          0          7  PCI-MSIX-0000:17:00.0    2-edge      nvme0q2\n"
        + " NMI:          0          0          0   Non-maskable interrupts\n",
      "/proc/irq/50/smp_affinity_list": "1-3\n", "/proc/irq/51/smp_affinity_list": "2\n",
      "/proc/irq/52/smp_affinity_list": "0,3\n",
      "/proc/self/mountinfo":
        "25 1 0:23 / /sys rw - sysfs sysfs rw\n"
        + "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
      "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
      "/sys/fs/cgroup/system.slice/cgroup.procs": "",
      "/sys/fs/cgroup/system.slice/cpuset.cpus.partition": "member\n",
      "/sys/fs/cgroup/system.slice/cpuset.cpus.exclusive": "\n",
      "/sys/fs/multikernel/device_tree": "",
      "/proc/cmdline": "BOOT_IMAGE=/vmlinuz ro mkkernel_pool=2G quiet\n",
      "/proc/sys/kernel/osrelease": "6.8.0-mk\n",
      "/proc/sys/kernel/hostname": "fixture-a\n",
      "/etc/machine-id": "5f0c3a2d9b8e4c1fa7d6e5b4c3a29180\n",
      "/proc/sys/kernel/random/boot_id": "0d9a7c2e-0000-4000-8000-000000000001\n",
      "/proc/1/comm": "systemd\n", "/proc/812/comm": "irqbalance\n",
    ]
    for n in 1...3 {
      let package = n == 1 ? 0 : 1
      let siblings = n == 1 ? "1" : "2-3"
      let shared = n == 1 ? "0-1" : "2-3"
      files["\(cpu)/cpu\(n)/topology/physical_package_id"] = "\(package)\n"
      files["\(cpu)/cpu\(n)/topology/die_id"] = "0\n"
      files["\(cpu)/cpu\(n)/topology/thread_siblings_list"] = siblings + "\n"
      files["\(cpu)/cpu\(n)/cache/index0/level"] = "1\n"
      files["\(cpu)/cpu\(n)/cache/index0/type"] = "Data\n"
      files["\(cpu)/cpu\(n)/cache/index0/shared_cpu_list"] = siblings + "\n"
      files["\(cpu)/cpu\(n)/cache/index0/size"] = "48K\n"
      files["\(cpu)/cpu\(n)/cache/index3/level"] = "3\n"
      files["\(cpu)/cpu\(n)/cache/index3/type"] = "Unified\n"
      files["\(cpu)/cpu\(n)/cache/index3/shared_cpu_list"] = shared + "\n"
      files["\(cpu)/cpu\(n)/cache/index3/size"] = "16384K\n"
    }
    return try FixtureTree(
      files: files,
      links: [
        // The kernel keeps offline CPUs linked under their node.
        "\(node)/node0/cpu0": "../../cpu/cpu0",
        "\(nvme)/driver": "../../../bus/pci/drivers/nvme",
        "\(nvme)/iommu_group": "../../../kernel/iommu_groups/7",
        "\(nic)/driver": "../../../bus/pci/drivers/ice",
      ])
  }

  @Test func twoNodeHostIsDiscoveredExactly() throws {
    let tree = try Self.twoNodeHost()
    defer { tree.remove() }
    let result = try tree.discover()
    let text =
      DiagnosticRenderer().text(result.diagnostics) + "---\n"
      + TopologySnapshot.yaml(result.topology)
    let mismatch = Golden.mismatch(
      actual: text,
      goldenPath: PackagePaths.path("Tests/MKTopologyTests/Golden/discover-two-node.txt"))
    #expect(mismatch == nil, "\(mismatch ?? "")")
    // The parts a solver depends on, asserted directly as well.
    let topology = result.topology
    #expect(topology.packages.map(\.id) == [0, 1])
    #expect(topology.nodes.map(\.cpus.cpulist) == ["0-1", "2-3"])
    #expect(topology.onlineCPUs.cpulist == "1-3")
    #expect(topology.threads.map(\.physicalId) == [nil, 2, 4, 5])
    #expect(topology.cacheDomains[0].cores.map(\.cpus.cpulist) == ["0", "1"])
    #expect(topology.kernel.cgroupMode == .v2)
    #expect(topology.kernel.multikernel == .bootParameter)
    #expect(topology.kernel.irqbalanceRunning == true)
    #expect(topology.devices.map(\.pciAddress) == ["0000:17:00.0", "0000:3b:00.0"])
    #expect(topology.devices[0].irqs.map(\.movable) == [true, false, false])
    #expect(topology.devices[0].irqs[2].affinity == [3])
    #expect(topology.devices[1].numaNode == nil)
  }

  /// `discover` without `--volatile` does not read the process table (for
  /// irqbalance) or the boot id: the stable snapshot and the diagnostics are
  /// the same as those of a full discovery, and both facts are nil.
  @Test func stableDiscoveryLeavesOutOnlyVolatileFacts() throws {
    let tree = try Self.twoNodeHost()
    defer { tree.remove() }
    let full = try tree.discover()
    let stable = try LiveDiscovery(
      options: .init(root: tree.root, architecture: "x86_64", volatileState: false)
    ).discover()
    #expect(full.topology.kernel.irqbalanceRunning == true)
    #expect(stable.topology.kernel.irqbalanceRunning == nil)
    #expect(stable.topology.kernel.bootId == nil)
    #expect(stable.diagnostics == full.diagnostics)
    #expect(
      TopologySnapshot.yaml(stable.topology.withoutVolatileState())
        == TopologySnapshot.yaml(full.topology.withoutVolatileState()))
  }

  @Test func hostWithoutNUMAOrCachesOrProcDegradesWithWarnings() throws {
    let cpu = "/sys/devices/system/cpu"
    var files = ["/proc/meminfo": "MemTotal:  2097152 kB\nMemFree:  1048576 kB\n"]
    for n in 0...1 {
      files["\(cpu)/cpu\(n)/topology/physical_package_id"] = "0\n"
      files["\(cpu)/cpu\(n)/topology/core_cpus_list"] = "\(n)\n"
    }
    files["\(cpu)/online"] = "0-1\n"
    let tree = try FixtureTree(files: files)
    defer { tree.remove() }
    let result = try tree.discover()
    #expect(
      result.diagnostics.map { "\($0.severity) \($0.code)" } == [
        "warning E324", "warning E323", "warning E320", "warning E326", "warning E326",
        "warning E332", "warning E332",
      ])
    let topology = result.topology
    // Neither the host name nor the machine id is made up.
    #expect(topology.hostName == nil && topology.machineId == nil)
    #expect(topology.source == "discovered on an unnamed host")
    #expect(topology.nodes.count == 1)
    #expect(topology.nodes[0].cpus == [0, 1])
    #expect(topology.nodes[0].memoryTotalBytes == 2 << 30)
    #expect(topology.cacheDomains.map(\.level) == [0])
    #expect(topology.kernel.cgroupMode == CgroupMode.none)
    // A degraded snapshot still reads back.
    let again = TopologySnapshot.read(text: TopologySnapshot.yaml(topology), file: "degraded")
    #expect(again.diagnostics == [])
    #expect(again.topology == topology)
  }

  @Test func hybridCgroupsAndCoreTypesAreRecognised() throws {
    let cpu = "/sys/devices/system/cpu"
    var files = [
      "\(cpu)/online": "0-2\n", "/sys/devices/cpu_core/cpus": "0-1\n",
      "/sys/devices/cpu_atom/cpus": "2\n",
      "/proc/self/mountinfo":
        "30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
        + "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
        + "32 30 0:28 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
        + "33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        + "34 30 0:30 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n",
      "/sys/fs/cgroup/unified/cgroup.controllers": "\n",
      "/.dockerenv": "",
      "/sys/devices/system/node/node0/cpulist": "0-2\n",
      "/sys/devices/system/node/node0/distance": "10\n",
    ]
    for n in 0...2 {
      files["\(cpu)/cpu\(n)/topology/physical_package_id"] = "0\n"
      files["\(cpu)/cpu\(n)/topology/core_cpus_list"] = n < 2 ? "0-1\n" : "2\n"
    }
    let tree = try FixtureTree(files: files)
    defer { tree.remove() }
    let result = try tree.discover()
    #expect(result.diagnostics.map(\.code).contains("E328"))
    let topology = result.topology
    #expect(topology.kernel.cgroupMode == .hybrid)
    #expect(topology.kernel.cgroupControllers == ["cpu", "cpuacct", "cpuset"])
    #expect(topology.kernel.cpusetPartitions == false)
    #expect(topology.cores.map(\.type) == [.performance, .efficiency])
    #expect(topology.cores.map(\.cpus.cpulist) == ["0-1", "2"])
  }

  @Test func anEmptyRootIsAnErrorNotACrash() throws {
    let tree = try FixtureTree(files: [:])
    defer { tree.remove() }
    #expect {
      try tree.discover()
    } throws: { error in
      (error as? DiagnosticError)?.diagnostics.map(\.code) == ["E329"]
    }
  }

  @Test func procInterruptsParsesChipsAndNames() {
    let parsed = ProcInterrupts(
      parsing: "           CPU0       CPU1\n"
        + "  24:          1          0  IO-APIC   5-edge      ACPI:Ged\n"
        + " 130:          0          0  IR-PCI-MSI 524288-edge      nvme0q0, other one\n"
        + "  7:          0          0  PCI-MSI-edge\n" + "LOC:  1 2  Local timer interrupts\n"
        + "  9:          0          0   \n" + " 31:  5\n")
    #expect(parsed.lines[24]?.name == "ACPI:Ged")
    #expect(parsed.lines[130]?.chip == "IR-PCI-MSI")
    #expect(parsed.lines[130]?.name == "nvme0q0, other one")
    #expect(parsed.lines[7]?.name == nil)
    #expect(parsed.lines.count == 3)
  }

  /// The host name and machine id are read, written and read back; a
  /// machine id that is not one (first boot's `uninitialized`) is a warning
  /// naming the file and an absent field, never an invented id.
  @Test func hostIdentityIsReadAndNeverInvented() throws {
    let tree = try Self.twoNodeHost()
    defer { tree.remove() }
    let good = try tree.discover()
    #expect(good.topology.hostName == "fixture-a")
    #expect(good.topology.machineId == "5f0c3a2d9b8e4c1fa7d6e5b4c3a29180")
    #expect(!good.diagnostics.contains { $0.code == "E332" })
    let text = TopologySnapshot.yaml(good.topology)
    #expect(
      text.contains("\nhostName: fixture-a\nmachineId: \"5f0c3a2d9b8e4c1fa7d6e5b4c3a29180\"\n"))
    #expect(TopologySnapshot.read(text: text, file: "t").topology == good.topology)

    try "uninitialized\n".write(
      toFile: tree.root + "/etc/machine-id", atomically: false, encoding: .utf8)
    let bad = try tree.discover()
    #expect(bad.topology.machineId == nil)
    let warning = try #require(bad.diagnostics.first { $0.code == "E332" })
    #expect(warning.severity == .warning)
    #expect(warning.message.contains(tree.root + "/etc/machine-id holds 'uninitialized'"))
    #expect(!TopologySnapshot.yaml(bad.topology).contains("machineId"))

    try FileManager.default.removeItem(atPath: tree.root + "/etc/machine-id")
    let missing = try tree.discover()
    #expect(missing.topology.machineId == nil)
    #expect(
      missing.diagnostics.contains {
        $0.code == "E332" && $0.message.contains("/etc/machine-id: ENOENT")
      })
  }

  @Test func snapshotIdentityFieldsAreValidatedWhereWritten() {
    let base = TopologySnapshot.yaml(
      Topology(
        architecture: "x86_64",
        packages: [
          CPUPackage(
            id: 0,
            dies: [
              Die(
                id: 0,
                nodes: [
                  NUMANode(
                    id: 0, memoryTotalBytes: 1 << 30, memoryFreeBytes: 0,
                    cacheDomains: [
                      CacheDomain(
                        id: 0, level: 3, sizeBytes: 0,
                        cores: [Core(id: 0, threads: [HardwareThread(cpu: 0, physicalId: 0)])])
                    ])
                ])
            ])
        ]))
    let bad = base.replacingOccurrences(
      of: "architecture:", with: "hostName: \"a b\"\nmachineId: XYZ\narchitecture:")
    let result = TopologySnapshot.read(text: bad, file: "id.yaml")
    #expect(result.topology == nil)
    #expect(result.diagnostics.map(\.code) == ["E305", "E305"])
    #expect(result.diagnostics.map { $0.location?.line } == [3, 4])
  }

  /// A NIC that was never brought up: its MSI-X vectors are allocated
  /// (sysfs msi_irqs) but have no /proc/irq/N and no /proc/interrupts line.
  /// Two functions share legacy IRQ 10. Discovery lists the NIC's vectors
  /// as not present with no affinity (nothing invented), lists IRQ 10 under
  /// both functions, and its own snapshot reads back.
  @Test func absentAndSharedIRQsAreModelledNotInvented() throws {
    let tree = try Self.twoNodeHost()
    defer { tree.remove() }
    let down = "/sys/bus/pci/devices/0000:5e:00.0"
    var files = [
      "\(down)/class": "0x020000\n", "\(down)/vendor": "0x1af4\n", "\(down)/device": "0x1041\n",
      "\(down)/numa_node": "0\n", "\(down)/irq": "11\n", "\(down)/msi_irqs/60": "msix\n",
      "\(down)/msi_irqs/61": "msix\n", "\(down)/net/eth1/ifindex": "4\n",
      "/proc/irq/10/smp_affinity_list": "1-3\n",
      "/proc/interrupts":
        "            CPU1       CPU2       CPU3\n"
        + "  10:          5          0          0   IO-APIC  10-fasteoi   uhci_hcd:usb1, ehci_hcd\n",
    ]
    for address in ["0000:00:1d.0", "0000:00:1d.7"] {
      let dir = "/sys/bus/pci/devices/\(address)"
      files["\(dir)/class"] = "0x0c0300\n"
      files["\(dir)/vendor"] = "0x8086\n"
      files["\(dir)/device"] = "0x2934\n"
      files["\(dir)/irq"] = "10\n"
    }
    for (path, content) in files {
      let url = URL(fileURLWithPath: tree.root + path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try content.write(to: url, atomically: false, encoding: .utf8)
    }
    let result = try tree.discover()
    let topology = result.topology
    let nic = try #require(topology.devices.first { $0.pciAddress == "0000:5e:00.0" })
    #expect(nic.irqs.map(\.irq) == [60, 61])
    #expect(nic.irqs.allSatisfy { $0.present == false && $0.affinity == nil && $0.name == nil })
    let note = try #require(result.diagnostics.first { $0.code == "E333" })
    #expect(note.severity == .note)
    #expect(note.message.hasPrefix("IRQs 60-61 of 0000:5e:00.0 (eth1) are allocated but not"))
    let usb = topology.devices.filter { $0.pciAddress.hasPrefix("0000:00:1d.") }
    #expect(usb.map { $0.irqs.map(\.irq) } == [[10], [10]])
    #expect(usb.allSatisfy { $0.irqs[0].affinity == [1, 2, 3] && $0.irqs[0].present == true })
    let ten = try #require(topology.interrupts.first { $0.irq == 10 })
    #expect(ten.devices == ["0000:00:1d.0", "0000:00:1d.7"])
    #expect(topology.interrupts.filter { $0.irq == 10 }.count == 1)
    // The host's own snapshot round-trips, in both formats, volatile or not.
    for form in [topology, topology.withoutVolatileState()] {
      for format in TopologySnapshot.Format.allCases {
        let text = TopologySnapshot.write(form, format: format)
        let again = TopologySnapshot.read(text: text, file: "host.\(format)")
        #expect(again.diagnostics == [], "\(format)")
        #expect(again.topology == form, "\(format)")
        #expect(again.topology.map { TopologySnapshot.write($0, format: format) } == text)
      }
    }
    let yaml = TopologySnapshot.yaml(topology)
    #expect(yaml.contains("- {irq: 60, movable: true, present: false}\n"))
  }
}
