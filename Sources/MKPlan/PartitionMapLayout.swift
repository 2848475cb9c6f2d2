import MKTopology

/// Where every box of the partition map goes, in whole pixels: sockets hold
/// NUMA nodes, nodes hold last-level-cache domains and device chips, LLCs
/// hold one slot per core in rows of at most `coresPerRow`. Boxes flow left
/// to right and wrap at a maximum width, so a 2-thread laptop gives a small
/// picture and a 1,920-thread host a tall one of the same scale (a
/// 30-core node is two rows of 16 slots; 8 sockets of 4 nodes stack as 8
/// rows of 4 nodes).
struct PartitionMapLayout {
  static let slot = 18
  static let coreHeight = 26
  static let coresPerRow = 16
  static let rowGap = 3
  static let llcPad = 4
  static let llcHeader = 13
  static let nodePad = 6
  static let nodeHeader = 18
  static let gap = 6
  static let deviceWidth = 92
  static let deviceHeight = 18
  static let socketPad = 8
  static let socketHeader = 20
  static let nodeRowWidth = 560
  static let socketRowWidth = 1300
  static let pageRowWidth = 1300

  struct Box {
    var x = 0
    var y = 0
    var width = 0
    var height = 0
  }

  struct LLC {
    var domain: CacheDomain
    var box = Box()
    var rows: Int { (domain.cores.count + coresPerRow - 1) / coresPerRow }

    /// The top-left corner of core slot `index`.
    func slot(_ index: Int) -> (x: Int, y: Int) {
      (
        box.x + llcPad + (index % coresPerRow) * PartitionMapLayout.slot,
        box.y + llcHeader + llcPad + (index / coresPerRow) * (coreHeight + rowGap)
      )
    }
  }

  struct Node {
    var node: NUMANode
    var box = Box()
    var llcs: [LLC] = []
    var devices: [(device: Device, box: Box)] = []
  }

  struct Socket {
    var package: CPUPackage
    var box = Box()
    var nodes: [Node] = []
  }

  var sockets: [Socket] = []
  var width = 0
  var height = 0

  /// Places children of sizes `sizes` in rows no wider than `limit`:
  /// their offsets and the bounding size.
  static func flow(_ sizes: [(width: Int, height: Int)], limit: Int) -> (
    offsets: [(x: Int, y: Int)], width: Int, height: Int
  ) {
    var offsets: [(x: Int, y: Int)] = []
    var x = 0
    var y = 0
    var rowHeight = 0
    var width = 0
    for size in sizes {
      if x > 0, x + size.width > limit {
        y += rowHeight + gap
        x = 0
        rowHeight = 0
      }
      offsets.append((x, y))
      x += size.width + gap
      rowHeight = max(rowHeight, size.height)
      width = max(width, x - gap)
    }
    return (offsets, width, sizes.isEmpty ? 0 : y + rowHeight)
  }

  /// Lays out `topology` with its top-left corner at (`x`, `y`).
  init(topology: Topology, x: Int, y: Int) {
    var socketSizes: [(width: Int, height: Int)] = []
    for package in topology.packages {
      var socket = Socket(package: package)
      var nodeSizes: [(width: Int, height: Int)] = []
      for numa in package.dies.flatMap(\.nodes).sorted(by: { $0.id < $1.id }) {
        var node = Node(node: numa)
        node.llcs = numa.cacheDomains.map { LLC(domain: $0) }
        let llcSizes = node.llcs.map { llc in
          (
            width: 2 * Self.llcPad + min(llc.domain.cores.count, Self.coresPerRow) * Self.slot - 1,
            height: Self.llcHeader + 2 * Self.llcPad + llc.rows * (Self.coreHeight + Self.rowGap)
              - Self.rowGap
          )
        }
        let llcFlow = Self.flow(llcSizes, limit: Self.nodeRowWidth)
        for index in node.llcs.indices {
          node.llcs[index].box = Box(
            x: Self.nodePad + llcFlow.offsets[index].x,
            y: Self.nodeHeader + llcFlow.offsets[index].y, width: llcSizes[index].width,
            height: llcSizes[index].height)
        }
        let devices = topology.devices.filter { $0.numaNode == numa.id }
        let inner = max(llcFlow.width, Self.deviceWidth, 150)
        let deviceFlow = Self.flow(
          devices.map { _ in (Self.deviceWidth, Self.deviceHeight) }, limit: inner)
        let deviceTop = Self.nodeHeader + llcFlow.height + (devices.isEmpty ? 0 : 2 * Self.gap)
        node.devices = devices.enumerated().map { index, device in
          (
            device,
            Box(
              x: Self.nodePad + deviceFlow.offsets[index].x,
              y: deviceTop + deviceFlow.offsets[index].y, width: Self.deviceWidth,
              height: Self.deviceHeight)
          )
        }
        node.box.width = 2 * Self.nodePad + max(inner, deviceFlow.width)
        node.box.height = deviceTop + deviceFlow.height + Self.nodePad
        nodeSizes.append((node.box.width, node.box.height))
        socket.nodes.append(node)
      }
      let nodeFlow = Self.flow(nodeSizes, limit: Self.socketRowWidth - 2 * Self.socketPad)
      for index in socket.nodes.indices {
        socket.nodes[index].box.x = Self.socketPad + nodeFlow.offsets[index].x
        socket.nodes[index].box.y = Self.socketHeader + nodeFlow.offsets[index].y
      }
      socket.box.width = 2 * Self.socketPad + nodeFlow.width
      socket.box.height = Self.socketHeader + nodeFlow.height + Self.socketPad
      socketSizes.append((socket.box.width, socket.box.height))
      sockets.append(socket)
    }
    let socketFlow = Self.flow(socketSizes, limit: Self.pageRowWidth)
    width = socketFlow.width
    height = socketFlow.height
    // Make every box absolute.
    for s in sockets.indices {
      sockets[s].box.x = x + socketFlow.offsets[s].x
      sockets[s].box.y = y + socketFlow.offsets[s].y
      for n in sockets[s].nodes.indices {
        sockets[s].nodes[n].box.x += sockets[s].box.x
        sockets[s].nodes[n].box.y += sockets[s].box.y
        let origin = sockets[s].nodes[n].box
        for l in sockets[s].nodes[n].llcs.indices {
          sockets[s].nodes[n].llcs[l].box.x += origin.x
          sockets[s].nodes[n].llcs[l].box.y += origin.y
        }
        for d in sockets[s].nodes[n].devices.indices {
          sockets[s].nodes[n].devices[d].box.x += origin.x
          sockets[s].nodes[n].devices[d].box.y += origin.y
        }
      }
    }
  }
}
