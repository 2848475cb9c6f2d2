import MKCore

/// A fleet inventory (`fleet.yaml`): which hosts exist, what they look like
/// (a topology snapshot each), and which policy, adjusted by which overlays,
/// each host gets.
///
/// Hosts are matched to classes by labels, so that adding a host to the fleet
/// is one entry with a snapshot and labels, not another copy of a policy.
/// Every value keeps where it was written: a problem with a host, a class or
/// a merged policy value is reported at its line.
public struct FleetInventory: Sendable, Hashable {
  public var name: String
  public var description: String?
  /// Where `fleet plan` writes `<plans>/<host>/` (relative to the fleet file's folder).
  public var plansDirectory: String
  public var classes: [HostClass]
  public var hosts: [FleetHost]
  /// The fleet file itself (as given), and the folder its paths are relative to.
  public var file: String
  public var baseDirectory: String

  public init(
    name: String, description: String? = nil, plansDirectory: String = "plans",
    classes: [HostClass] = [], hosts: [FleetHost] = [], file: String, baseDirectory: String
  ) {
    self.name = name
    self.description = description
    self.plansDirectory = plansDirectory
    self.classes = classes
    self.hosts = hosts
    self.file = file
    self.baseDirectory = baseDirectory
  }

  /// `path` (relative to the fleet file, as written) as a path to open.
  public func resolve(_ path: String) -> String {
    FleetPaths.join(baseDirectory, path)
  }

  public func host(named name: String) -> FleetHost? { hosts.first { $0.name == name } }
  public func hostClass(named name: String) -> HostClass? { classes.first { $0.name == name } }
}

/// One machine of the fleet.
public struct FleetHost: Sendable, Hashable {
  public var name: String
  /// Topology snapshot path, relative to the fleet file.
  public var snapshot: String
  public var labels: [String: String]
  /// Applied after the class's overlays.
  public var overlays: [OverlayReference]
  /// The `- name:` entry, where "matches no class" and similar are reported.
  public var location: SourceLocation
  public var snapshotLocation: SourceLocation

  public init(
    name: String, snapshot: String, labels: [String: String] = [:],
    overlays: [OverlayReference] = [], location: SourceLocation, snapshotLocation: SourceLocation
  ) {
    self.name = name
    self.snapshot = snapshot
    self.labels = labels
    self.overlays = overlays
    self.location = location
    self.snapshotLocation = snapshotLocation
  }
}

/// A kind of host: every host whose labels the selector matches gets this
/// policy with these overlays.
public struct HostClass: Sendable, Hashable {
  public var name: String
  public var selector: LabelSelector
  /// A policy file or folder, relative to the fleet file.
  public var policy: String
  public var overlays: [OverlayReference]
  public var location: SourceLocation
  public var policyLocation: SourceLocation

  public init(
    name: String, selector: LabelSelector, policy: String, overlays: [OverlayReference] = [],
    location: SourceLocation, policyLocation: SourceLocation
  ) {
    self.name = name
    self.selector = selector
    self.policy = policy
    self.overlays = overlays
    self.location = location
    self.policyLocation = policyLocation
  }
}

/// An overlay named in the inventory: a file of its own, or written inline.
public enum OverlayReference: Sendable, Hashable {
  /// A `PolicyOverlay` file, relative to the fleet file; the location of the path.
  case file(String, at: SourceLocation)
  /// An overlay body written in the inventory itself.
  case inline(YAMLNode)

  public var location: SourceLocation {
    switch self {
    case .file(_, let location): return location
    case .inline(let node): return node.location
    }
  }
}

/// Paths as the fleet spells them: relative to the fleet file's folder, with
/// no `./` noise, so that diagnostics and plans read the same wherever the
/// fleet is planned from.
public enum FleetPaths {
  public static func join(_ base: String, _ path: String) -> String {
    if path.hasPrefix("/") || base.isEmpty || base == "." { return normalized(path) }
    return normalized(base + "/" + path)
  }

  /// Drops `./` segments, repeated and trailing slashes (a root `/` stays).
  public static func normalized(_ path: String) -> String {
    let absolute = path.hasPrefix("/")
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    let joined = parts.joined(separator: "/")
    if absolute { return "/" + joined }
    return joined.isEmpty ? "." : joined
  }

  /// The folder part of a file path ("" for a bare name).
  public static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    let head = String(path[..<slash])
    return head.isEmpty ? "/" : head
  }
}
