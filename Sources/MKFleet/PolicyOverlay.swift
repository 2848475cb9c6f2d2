import MKCore

/// A small, explicit change to a policy for some hosts: deep-merge fields
/// into the `host` section, override fields of named workloads, remove
/// workloads, add workloads. It works on the policy's YAML trees before they
/// are decoded, so every merged value keeps the file and line it was written
/// at, and the policy's decoder and checks judge the merged result exactly as
/// they judge a hand-written policy.
///
/// Merge rules: a mapping merges key by key into a mapping; any other value
/// (a scalar, a list, or a mapping over a scalar) replaces the old value; a
/// `null` value deletes the key. Within one overlay, removals happen first,
/// then overrides, then additions.
public struct PolicyOverlay: Sendable, Hashable {
  public struct Override: Sendable, Hashable {
    public var workload: String
    public var location: SourceLocation
    public var fields: YAMLNode
  }
  public struct Removal: Sendable, Hashable {
    public var workload: String
    public var location: SourceLocation
  }

  /// The overlay's name (`metadata.name` of an overlay file), for messages.
  public var name: String
  public var host: YAMLNode?
  public var overrides: [Override] = []
  public var removals: [Removal] = []
  public var additions: [YAMLNode] = []

  public static let kind = "PolicyOverlay"
  static let bodyKeys = ["host", "workloads"]

  /// An overlay file: `apiVersion`, `kind: PolicyOverlay`, `metadata.name`, then the body.
  static func decodeFile(_ root: YAMLNode, file: String, _ reader: inout NodeReader)
    -> PolicyOverlay?
  {
    guard
      let fields = reader.mapping(
        root, "the overlay", keys: ["apiVersion", "kind", "metadata"] + bodyKeys,
        required: ["apiVersion", "kind"])
    else { return nil }
    reader.header(fields, kind: kind)
    var name = file
    if let entry = fields["metadata"],
      let metadata = reader.mapping(entry.value, "metadata", keys: ["name", "description"]),
      let nameEntry = metadata["name"], let text = reader.string(nameEntry.value, "metadata.name")
    {
      name = text
      _ = metadata["description"].flatMap { reader.string($0.value, "metadata.description") }
    }
    return decodeBody(fields, name: name, path: "the overlay", &reader)
  }

  /// An overlay written inline in the inventory: only the body keys.
  static func decodeInline(_ node: YAMLNode, path: String, _ reader: inout NodeReader)
    -> PolicyOverlay?
  {
    guard let fields = reader.mapping(node, path, keys: bodyKeys) else { return nil }
    return decodeBody(fields, name: "inline overlay at \(node.location)", path: path, &reader)
  }

  static func decodeBody(
    _ fields: [String: YAMLMappingEntry], name: String, path: String, _ reader: inout NodeReader
  ) -> PolicyOverlay? {
    var overlay = PolicyOverlay(name: name)
    let before = reader.diagnostics.count
    if let entry = fields["host"] {
      if entry.value.mapping != nil {
        overlay.host = entry.value
      } else {
        reader.emit(
          "E021", "host in \(path) must be a mapping, not \(entry.value.kindDescription)",
          at: entry.value.location,
          help: ["write the host fields to change: host: {irqbalance: stop}"])
      }
    }
    if let entry = fields["workloads"],
      let workloads = reader.mapping(
        entry.value, "\(path).workloads", keys: ["override", "remove", "add"])
    {
      if let override = workloads["override"] {
        if let entries = override.value.mapping {
          for item in entries {
            guard item.value.mapping != nil else {
              reader.emit(
                "E021",
                "the override of workload '\(item.key)' must be a mapping of fields, not \(item.value.kindDescription)",
                at: item.value.location, help: ["write \(item.key): {cpus: 4}"])
              continue
            }
            if let nameKey = item.value.mapping?.first(where: { $0.key == "name" }) {
              reader.emit(
                "E608", "an override cannot rename workload '\(item.key)'", at: nameKey.keyLocation,
                help: ["remove the workload and add one under the new name"])
              continue
            }
            overlay.overrides.append(
              Override(workload: item.key, location: item.keyLocation, fields: item.value))
          }
        } else {
          reader.emit(
            "E021",
            "\(path).workloads.override must be a mapping of workload names to fields, not \(override.value.kindDescription)",
            at: override.value.location, help: ["write override: {order-router: {cpus: 6}}"])
        }
      }
      if let remove = workloads["remove"],
        let items = reader.list(remove.value, "\(path).workloads.remove")
      {
        for (index, item) in items.enumerated() {
          if let text = reader.string(item, "\(path).workloads.remove[\(index)]") {
            overlay.removals.append(Removal(workload: text, location: item.location))
          }
        }
      }
      if let add = workloads["add"], let items = reader.list(add.value, "\(path).workloads.add") {
        overlay.additions = items
      }
    }
    return reader.diagnostics.count == before ? overlay : nil
  }

  // MARK: merging

  /// Applies the overlay to the YAML trees of one policy (its files, in merge
  /// order). Errors are reported at the overlay's lines; the trees are left
  /// as far as the overlay could be applied.
  func apply(to documents: inout [YAMLNode]) -> [Diagnostic] {
    var problems: [Diagnostic] = []
    if let host {
      if let index = documents.firstIndex(where: { $0["host"] != nil }) {
        documents[index] = Self.setting(
          "host", in: documents[index], to: Self.merge(documents[index]["host"]!, host),
          keyLocation: nil)
      } else if let index = documents.firstIndex(where: { $0["metadata"] != nil })
        ?? documents.indices.first
      {
        documents[index] = Self.setting(
          "host", in: documents[index], to: host, keyLocation: host.location)
      }
    }
    for removal in removals {
      guard let (document, item) = Self.find(removal.workload, in: documents) else {
        problems.append(missing(removal.workload, at: removal.location, verb: "remove", documents))
        continue
      }
      var items = documents[document]["workloads"]?.sequence ?? []
      items.remove(at: item)
      documents[document] = Self.setting(
        "workloads", in: documents[document],
        to: YAMLNode(.sequence(items), at: documents[document]["workloads"]!.location),
        keyLocation: nil)
    }
    for override in overrides {
      guard let (document, item) = Self.find(override.workload, in: documents) else {
        problems.append(
          missing(override.workload, at: override.location, verb: "override", documents))
        continue
      }
      var items = documents[document]["workloads"]?.sequence ?? []
      items[item] = Self.merge(items[item], override.fields)
      documents[document] = Self.setting(
        "workloads", in: documents[document],
        to: YAMLNode(.sequence(items), at: documents[document]["workloads"]!.location),
        keyLocation: nil)
    }
    if !additions.isEmpty, !documents.isEmpty {
      // Added workloads go after the last file's workloads, so that they
      // come last in policy order (which decides nothing but reading order).
      let index =
        documents.lastIndex(where: { $0["workloads"]?.sequence != nil })
        ?? documents.firstIndex(where: { $0["metadata"] != nil }) ?? 0
      let existing = documents[index]["workloads"]
      let items = (existing?.sequence ?? []) + additions
      documents[index] = Self.setting(
        "workloads", in: documents[index],
        to: YAMLNode(.sequence(items), at: existing?.location ?? additions[0].location),
        keyLocation: existing == nil ? additions[0].location : nil)
    }
    return problems
  }

  func missing(
    _ workload: String, at location: SourceLocation, verb: String, _ documents: [YAMLNode]
  )
    -> Diagnostic
  {
    let names = documents.flatMap {
      ($0["workloads"]?.sequence ?? []).compactMap { $0["name"]?.string }
    }
    return .error(
      "E607", "cannot \(verb) workload '\(workload)': the policy has no workload of that name",
      at: location,
      help: [
        Suggestion.closest(to: workload, in: names).map { "did you mean '\($0)'?" }
          ?? "the policy's workloads: \(names.isEmpty ? "none" : names.joined(separator: ", "))"
      ])
  }

  /// The document and item index of the workload named `name`.
  static func find(_ name: String, in documents: [YAMLNode]) -> (Int, Int)? {
    for (index, document) in documents.enumerated() {
      if let item = document["workloads"]?.sequence?.firstIndex(where: {
        $0["name"]?.string == name
      }) {
        return (index, item)
      }
    }
    return nil
  }

  /// `base` with `overlay` merged in: mappings key by key, anything else
  /// replaced, `null` deletes. Replaced and added entries carry the
  /// overlay's key location, so a field's location is where its value came from.
  static func merge(_ base: YAMLNode, _ overlay: YAMLNode) -> YAMLNode {
    guard var entries = base.mapping, let changes = overlay.mapping else { return overlay }
    for change in changes {
      let index = entries.firstIndex { $0.key == change.key }
      if change.value.isNull {
        if let index { entries.remove(at: index) }
      } else if let index {
        entries[index] = YAMLMappingEntry(
          key: change.key,
          keyLocation: change.value.mapping != nil && entries[index].value.mapping != nil
            ? entries[index].keyLocation : change.keyLocation,
          value: merge(entries[index].value, change.value))
      } else {
        entries.append(change)
      }
    }
    return YAMLNode(.mapping(entries), at: base.location)
  }

  /// `document` with its `key` set to `value` (appended when absent).
  static func setting(
    _ key: String, in document: YAMLNode, to value: YAMLNode, keyLocation: SourceLocation?
  )
    -> YAMLNode
  {
    var entries = document.mapping ?? []
    if let index = entries.firstIndex(where: { $0.key == key }) {
      entries[index].value = value
    } else {
      entries.append(
        YAMLMappingEntry(key: key, keyLocation: keyLocation ?? value.location, value: value))
    }
    return YAMLNode(.mapping(entries), at: document.location)
  }
}
