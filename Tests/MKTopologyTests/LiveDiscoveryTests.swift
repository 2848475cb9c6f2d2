import Foundation
import MKCore
import MKTestSupport
import Testing

@testable import MKTopology

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// hwloc's view of this machine, from `lstopo --of xml --whole-io --disallowed`.
struct HwlocView {
  var packages = 0
  var cores = 0
  var threads: CPUSet = []
  /// NUMA node os_index -> cpuset.
  var nodes: [Int: CPUSet] = [:]
  /// Cpusets of the highest-level caches.
  var llcs: [CPUSet] = []
  /// PCI bus id -> NUMA node (nil when the device hangs off the machine or
  /// an object spanning several nodes).
  var pci: [String: Int?] = [:]

  init(xml: String) throws {
    let document = try XMLDocument(xmlString: xml, options: [])
    let objects = try document.nodes(forXPath: "//object").compactMap { $0 as? XMLElement }
    func attribute(_ element: XMLElement, _ name: String) -> String? {
      element.attribute(forName: name)?.stringValue
    }
    var cacheLevel = 0
    var caches: [Int: [CPUSet]] = [:]
    for object in objects {
      let type = attribute(object, "type") ?? ""
      let cpuset = try attribute(object, "cpuset").map(Self.parseCpuset) ?? []
      switch type {
      case "Package": packages += 1
      case "Core": cores += 1
      case "PU": threads.formUnion(cpuset)
      case "NUMANode":
        if let index = attribute(object, "os_index").flatMap({ Int($0) }) { nodes[index] = cpuset }
      case "L1Cache", "L2Cache", "L3Cache", "L4Cache", "L5Cache":
        let level = Int(String(type.dropFirst().prefix(1))) ?? 0
        cacheLevel = max(cacheLevel, level)
        caches[level, default: []].append(cpuset)
      case "PCIDev":
        guard let busid = attribute(object, "pci_busid") else { continue }
        let classCode = attribute(object, "pci_type")?.prefix(2)
        if classCode == "06" { continue }  // bridges, as discovery leaves them out
        var parent = object.parent as? XMLElement
        while let current = parent, ["Bridge", "PCIDev"].contains(attribute(current, "type")) {
          parent = current.parent as? XMLElement
        }
        var node: Int?
        if let parent, attribute(parent, "type") != "Machine",
          let nodeset = try attribute(parent, "nodeset").map(Self.parseCpuset), nodeset.count == 1
        {
          node = nodeset.first
        }
        pci[busid] = node
      default: break
      }
    }
    llcs = caches[cacheLevel] ?? []
  }

  /// hwloc bitmaps: comma-separated 32-bit hex words, most significant first.
  static func parseCpuset(_ text: String) throws -> CPUSet {
    var set = CPUSet()
    let words = text.split(separator: ",").reversed()
    for (index, word) in words.enumerated() {
      let hex = word.hasPrefix("0x") ? word.dropFirst(2) : word[...]
      guard let value = UInt32(hex, radix: 16) else { throw CocoaError(.coderReadCorrupt) }
      for bit in 0..<32 where value & (1 << UInt32(bit)) != 0 { set.insert(index * 32 + bit) }
    }
    return set
  }
}

@Suite(.serialized) struct LiveDiscoveryTests {
  @Test func matchesHwlocOnThisMachine() throws {
    // --disallowed: the whole machine, as discovery sees it, even when the
    // test runs inside a restricted cpuset.
    let lstopo = Subprocess.run(["lstopo", "--of", "xml", "--whole-io", "--disallowed"])
    try #require(
      lstopo.status == 0,
      "lstopo failed (scripts/ensure-deps.sh test installs hwloc): \(lstopo.stderr)")
    let hwloc = try HwlocView(xml: lstopo.stdout)
    try #require(hwloc.packages > 0 && !hwloc.nodes.isEmpty && !hwloc.threads.isEmpty)
    let topology = try LiveDiscovery().discover().topology

    #expect(topology.packages.count == hwloc.packages)
    #expect(topology.nodes.count == hwloc.nodes.count)
    // hwloc shows online CPUs only; offline ones are single-thread cores here.
    #expect(topology.cores.filter { $0.threads.contains(where: \.online) }.count == hwloc.cores)
    #expect(CPUSet(topology.threads.filter(\.online).map(\.cpu)) == hwloc.threads)
    var ours: [Int: CPUSet] = [:]
    for node in topology.nodes { ours[node.id] = node.cpus.intersection(topology.onlineCPUs) }
    #expect(ours == hwloc.nodes)
    // LLC domains are split per node, so split hwloc's the same way.
    let hwlocLLCs = Set(
      hwloc.llcs.flatMap { llc in
        hwloc.nodes.values.map { llc.intersection($0) }.filter { !$0.isEmpty }
      })
    #expect(
      Set(topology.cacheDomains.map { $0.cpus.intersection(topology.onlineCPUs) }) == hwlocLLCs)
    var devices: [String: Int?] = [:]
    for device in topology.devices { devices[device.pciAddress] = device.numaNode }
    #expect(devices == hwloc.pci)
  }

  @Test func deviceIRQsMatchProcInterrupts() throws {
    let text = try String(contentsOfFile: "/proc/interrupts", encoding: .utf8)
    // Independent of ProcInterrupts: every MSI line names its device in the
    // chip column on this kernel (PCI-MSIX-0000:00:02.0) and its handler last.
    var expected: Set<String> = []
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard let chip = fields.first(where: { $0.contains("PCI-MSI") }),
        let address = chip.split(separator: "-").last, address.count == 12,
        let irq = fields.first.flatMap({ Int($0.dropLast()) }), let name = fields.last
      else { continue }
      expected.insert("\(address) \(irq) \(name)")
    }
    try #require(!expected.isEmpty, "no MSI vectors in /proc/interrupts to compare with")
    let topology = try LiveDiscovery().discover().topology
    var discovered: Set<String> = []
    for device in topology.devices {
      for irq in device.irqs {
        discovered.insert("\(device.pciAddress) \(irq.irq) \(irq.name ?? "-")")
        let affinity = try String(
          contentsOfFile: "/proc/irq/\(irq.irq)/smp_affinity_list", encoding: .utf8)
        #expect(irq.affinity == (try CPUSet(cpulist: affinity)).intersection(topology.onlineCPUs))
      }
    }
    #expect(discovered == expected)
  }

  @Test func librariesAndSysfsAgreeAndRunsAreStable() throws {
    func masked(_ topology: Topology) -> String {
      // Free memory moves between any two reads (and this VM's balloon
      // moves the total); everything else must not.
      var copy = topology.withoutVolatileState()
      copy.packages = copy.packages.map { package in
        var package = package
        package.dies = package.dies.map { die in
          var die = die
          die.nodes = die.nodes.map { node in
            var node = node
            node.memoryFreeBytes = 0
            node.memoryTotalBytes = 0
            return node
          }
          return die
        }
        return package
      }
      return TopologySnapshot.yaml(copy)
    }
    let withLibraries = try LiveDiscovery().discover()
    let sysfsOnly = try LiveDiscovery(options: .init(useLibraries: false)).discover()
    let again = try LiveDiscovery().discover()
    #expect(masked(withLibraries.topology) == masked(sysfsOnly.topology))
    #expect(masked(withLibraries.topology) == masked(again.topology))
    #expect(withLibraries.diagnostics.allSatisfy { $0.severity != .error })
    let read = TopologySnapshot.read(
      text: TopologySnapshot.yaml(withLibraries.topology), file: "live.yaml")
    #expect(read.diagnostics == [])
    #expect(read.topology == withLibraries.topology)
  }
}
