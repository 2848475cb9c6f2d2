import MKCore
import MKPolicy
import MKTopology

/// The partition map as a character grid for terminals and review comments:
/// one row per NUMA node (grouped by socket), one cell per core, `|` between
/// last-level-cache domains, so that a workload sharing an L3 with
/// housekeeping, or spread over two nodes, shows at a glance. A row longer
/// than the report's width continues on the next line, broken at an LLC.
public struct PartitionGrid: Sendable {
  public static let housekeeping: Character = "#"
  public static let sharedPool: Character = "."
  public static let unused: Character = "-"
  /// Update headroom (`Plan.headroom`): free, but kept for successors.
  public static let headroom: Character = "+"
  /// A core whose threads have different owners (SMT siblings shared).
  public static let mixed: Character = "&"
  /// A workload past the last key (62 keys).
  public static let overflow: Character = "*"
  static let keys = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

  /// The key of assignment `index` in the grid and the assignment table.
  public static func key(_ index: Int) -> Character {
    index < keys.count ? keys[index] : overflow
  }

  /// The cell of one core: its non-idle owner's symbol, `&` when threads
  /// have different owners, `-` when nothing uses it.
  public static func cell(_ core: Core, ownership: CPUOwnership) -> Character {
    var symbol: Character?
    for thread in core.threads {
      let owner: Character
      switch ownership.owner(thread.cpu) {
      case .housekeeping: owner = housekeeping
      case .exclusive(let index): owner = key(index)
      case .shared: owner = sharedPool
      case .headroom: owner = headroom
      case .idleForHousekeeping, .idleForWorkload, .unused: continue
      }
      if let symbol, symbol != owner { return mixed }
      symbol = owner
    }
    return symbol ?? unused
  }

  /// The grid lines (without the legend), each at most `width` columns.
  public static func render(topology: Topology, ownership: CPUOwnership, width: Int = 100)
    -> [String]
  {
    var out: [String] = []
    let nodeLabelWidth = "node \(topology.nodes.map(\.id).max() ?? 0)".count
    for package in topology.packages {
      let nodes = package.dies.flatMap(\.nodes).sorted { $0.id < $1.id }
      let threads = nodes.reduce(0) { $0 + $1.cpus.count }
      out.append("socket \(package.id) (\(threads) threads)")
      for node in nodes {
        let label = "  " + PlanReport.pad("node \(node.id)", nodeLabelWidth) + "  "
        let domains = node.cacheDomains.map { domain in
          String(domain.cores.map { cell($0, ownership: ownership) })
        }
        var line = label
        let indent = String(repeating: " ", count: label.count)
        for (index, domain) in domains.enumerated() {
          let piece = (index == 0 ? "" : "|") + domain
          if line.count + piece.count > width, line.count > label.count {
            out.append(line)
            line = indent + piece
          } else {
            line += piece
          }
          // A single LLC wider than the line breaks inside it.
          while line.count > width {
            out.append(String(line.prefix(width)))
            line = indent + line.dropFirst(width)
          }
        }
        out.append(line)
      }
    }
    return out
  }
}
