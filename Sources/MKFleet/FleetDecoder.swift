import MKCore

/// The strict decoder of `fleet.yaml`: a `YAMLNode` tree to a
/// `FleetInventory`, every key checked, every problem at its line, and the
/// fleet-wide rules checked once the whole file is read (unique names, each
/// host in exactly one class).
public struct FleetDecoder {
  public static let apiVersion = "mkpolicy.io/v1"
  public static let kind = "Fleet"

  public private(set) var diagnostics: [Diagnostic] = []

  public init() {}

  public mutating func decode(_ root: YAMLNode, file: String) -> FleetInventory? {
    var reader = NodeReader()
    defer { diagnostics += reader.diagnostics }
    guard
      let fields = reader.mapping(
        root, "the fleet", keys: ["apiVersion", "kind", "metadata", "plans", "classes", "hosts"],
        required: ["apiVersion", "kind", "metadata", "hosts"])
    else { return nil }
    reader.header(fields, kind: Self.kind)
    var inventory = FleetInventory(
      name: "", file: file, baseDirectory: FleetPaths.directory(of: file))
    if let entry = fields["metadata"],
      let metadata = reader.mapping(
        entry.value, "metadata", keys: ["name", "description"], required: ["name"])
    {
      if let name = metadata["name"], let text = reader.string(name.value, "metadata.name") {
        inventory.name = text
      }
      inventory.description = metadata["description"].flatMap {
        reader.string($0.value, "metadata.description")
      }
    }
    if let entry = fields["plans"], let path = reader.path(entry.value, "plans") {
      inventory.plansDirectory = path
    }
    if let entry = fields["classes"], let items = reader.list(entry.value, "classes") {
      var seen: [String: SourceLocation] = [:]
      for (index, item) in items.enumerated() {
        guard let hostClass = hostClass(item, "classes[\(index)]", &reader) else { continue }
        if let first = seen[hostClass.name] {
          reader.emit(
            "E602", "class '\(hostClass.name)' is defined twice", at: hostClass.location,
            notes: [.init("first defined here", at: first)],
            help: ["give each class its own name"])
          continue
        }
        seen[hostClass.name] = hostClass.location
        inventory.classes.append(hostClass)
      }
    }
    if let entry = fields["hosts"], let items = reader.list(entry.value, "hosts") {
      var seen: [String: SourceLocation] = [:]
      for (index, item) in items.enumerated() {
        guard let host = host(item, "hosts[\(index)]", &reader) else { continue }
        if let first = seen[host.name] {
          reader.emit(
            "E601", "host '\(host.name)' is listed twice", at: host.location,
            notes: [.init("first listed here", at: first)],
            help: ["each host is listed once; plans are written to plans/<host>/"])
          continue
        }
        seen[host.name] = host.location
        inventory.hosts.append(host)
      }
    }
    return inventory
  }

  func hostClass(_ node: YAMLNode, _ path: String, _ reader: inout NodeReader) -> HostClass? {
    guard
      let fields = reader.mapping(
        node, path, keys: ["name", "selector", "policy", "overlays"],
        required: ["name", "selector", "policy"])
    else { return nil }
    guard let nameEntry = fields["name"],
      let name = Self.name(nameEntry.value, "\(path).name", &reader),
      let selectorEntry = fields["selector"], let policyEntry = fields["policy"],
      let policy = reader.path(policyEntry.value, "\(path).policy")
    else { return nil }
    var requirements: [LabelSelector.Requirement] = []
    if let entries = selectorEntry.value.mapping {
      for entry in entries {
        if let problem = LabelRules.keyProblem(entry.key) {
          reader.emit(
            "E606",
            "label key \(YAMLScalar.quoted(entry.key)) in \(path).selector is not valid: \(problem)",
            at: entry.keyLocation)
          continue
        }
        let values: [YAMLNode] = entry.value.sequence ?? [entry.value]
        var texts: [String] = []
        for value in values {
          guard let text = reader.string(value, "\(path).selector.\(entry.key)") else { continue }
          if let problem = LabelRules.valueProblem(text) {
            reader.emit(
              "E606",
              "label value \(YAMLScalar.quoted(text)) in \(path).selector is not valid: \(problem)",
              at: value.location)
            continue
          }
          texts.append(text)
        }
        if values.isEmpty {
          reader.emit(
            "E021", "\(path).selector.\(entry.key) lists no value", at: entry.value.location,
            help: ["give the value (or values) the label must have"])
        }
        requirements.append(.init(key: entry.key, values: texts, location: entry.keyLocation))
      }
    } else {
      reader.emit(
        "E021",
        "\(path).selector must be a mapping of labels, not \(selectorEntry.value.kindDescription)",
        at: selectorEntry.value.location, help: ["write selector: {role: trading}"])
    }
    return HostClass(
      name: name, selector: LabelSelector(requirements, location: selectorEntry.keyLocation),
      policy: policy, overlays: overlays(fields["overlays"], path, &reader),
      location: node.location, policyLocation: policyEntry.value.location)
  }

  func host(_ node: YAMLNode, _ path: String, _ reader: inout NodeReader) -> FleetHost? {
    guard
      let fields = reader.mapping(
        node, path, keys: ["name", "snapshot", "labels", "overlays"],
        required: ["name", "snapshot"])
    else { return nil }
    guard let nameEntry = fields["name"],
      let name = Self.hostName(nameEntry.value, "\(path).name", &reader),
      let snapshotEntry = fields["snapshot"],
      let snapshot = reader.path(snapshotEntry.value, "\(path).snapshot")
    else { return nil }
    var labels: [String: String] = [:]
    if let entry = fields["labels"] {
      for (label, value) in reader.labels(entry.value, "\(path).labels") {
        labels[label.key] = value
      }
    }
    return FleetHost(
      name: name, snapshot: snapshot, labels: labels,
      overlays: overlays(fields["overlays"], path, &reader), location: node.location,
      snapshotLocation: snapshotEntry.value.location)
  }

  func overlays(_ entry: YAMLMappingEntry?, _ path: String, _ reader: inout NodeReader)
    -> [OverlayReference]
  {
    guard let entry, let items = reader.list(entry.value, "\(path).overlays") else { return [] }
    var out: [OverlayReference] = []
    for (index, item) in items.enumerated() {
      if item.mapping != nil {
        out.append(.inline(item))
      } else if let file = reader.path(item, "\(path).overlays[\(index)]") {
        out.append(.file(file, at: item.location))
      }
    }
    return out
  }

  /// A class name: the policy language's name rule.
  static func name(_ node: YAMLNode, _ path: String, _ reader: inout NodeReader) -> String? {
    guard let text = reader.string(node, path) else { return nil }
    guard LabelRules.valueProblem(text) == nil, !text.isEmpty,
      text.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
    else {
      reader.emit(
        "E606", "\(path) \(YAMLScalar.quoted(text)) is not a valid name", at: node.location,
        help: ["names are lower-case letters, digits and '-', at most 63 characters"])
      return nil
    }
    return text
  }

  /// A host name: a DNS name (lower-case letters, digits, '-' and '.'), at
  /// most 253 characters, because it names the host's plan folder.
  static func hostName(_ node: YAMLNode, _ path: String, _ reader: inout NodeReader) -> String? {
    guard let text = reader.string(node, path) else { return nil }
    if let problem = hostNameProblem(text) {
      reader.emit(
        "E606", "\(path) \(YAMLScalar.quoted(text)) is not a valid host name: \(problem)",
        at: node.location,
        help: ["host names are DNS names: lower-case letters, digits, '-' and '.' (db-fra1-01)"])
      return nil
    }
    return text
  }

  public static func hostNameProblem(_ text: String) -> String? {
    if text.isEmpty { return "it is empty" }
    if text.count > 253 { return "it is longer than 253 characters" }
    let labels = text.split(separator: ".", omittingEmptySubsequences: false)
    for label in labels {
      let alphanumeric: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
      guard let first = label.first, let last = label.last, label.count <= 63, alphanumeric(first),
        alphanumeric(last), label.allSatisfy({ alphanumeric($0) || $0 == "-" })
      else {
        return
          "each dot-separated part is 1 to 63 lower-case letters, digits or '-', not beginning or ending with '-'"
      }
    }
    return nil
  }
}
