/// Typed, located reading of a YAML tree with the diagnostics that every
/// mkpolicy document shares: E020 unknown key (with a did-you-mean), E021
/// wrong kind, E022 missing key.
///
/// The policy decoder and the fleet's readers (`fleet.yaml`, overlays)
/// conform to it rather than each keeping a copy, so that one wording covers
/// every file of a repository. A conforming type only holds `diagnostics`;
/// the readers here append to it and return nil for what cannot be read.
public protocol YAMLFieldReader {
  var diagnostics: [Diagnostic] { get set }
}

extension YAMLFieldReader {
  public mutating func emit(
    _ code: String, _ message: String, at location: SourceLocation?, notes: [Diagnostic.Note] = [],
    help: [String] = []
  ) {
    diagnostics.append(.error(code, message, at: location, notes: notes, help: help))
  }

  /// A mapping's entries by key after checking every key against `keys`
  /// (E020 for each other key) and that each of `required` is there (E022).
  public mutating func mapping(
    _ node: YAMLNode, _ path: String, keys: [String], required: [String] = []
  ) -> [String: YAMLMappingEntry]? {
    guard let entries = mappingEntries(node, path) else { return nil }
    var fields: [String: YAMLMappingEntry] = [:]
    for entry in entries {
      guard keys.contains(entry.key) else {
        emit(
          "E020", "unknown key '\(entry.key)' in \(path)", at: entry.keyLocation,
          help: [
            Suggestion.closest(to: entry.key, in: keys).map { "did you mean '\($0)'?" }
              ?? "keys allowed here: \(keys.joined(separator: ", "))"
          ])
        continue
      }
      fields[entry.key] = entry
    }
    for key in required where fields[key] == nil && !entries.contains(where: { $0.key == key }) {
      emit(
        "E022", "\(path) has no '\(key)'", at: node.location,
        help: ["add '\(key):' (it is required)"])
    }
    return fields
  }

  /// A mapping's entries in document order, keys unchecked.
  public mutating func mappingEntries(_ node: YAMLNode, _ path: String) -> [YAMLMappingEntry]? {
    guard let entries = node.mapping else {
      emit("E021", "\(path) must be a mapping, not \(node.kindDescription)", at: node.location)
      return nil
    }
    return entries
  }

  public mutating func list(_ node: YAMLNode, _ path: String) -> [YAMLNode]? {
    guard let items = node.sequence else {
      emit("E021", "\(path) must be a list, not \(node.kindDescription)", at: node.location)
      return nil
    }
    return items
  }

  /// Text. Plain booleans, integers and nulls are refused so that the YAML
  /// and its JSON form agree; quoting keeps any text.
  public mutating func string(_ node: YAMLNode, _ path: String) -> String? {
    guard let scalar = node.scalar, !node.isNull, node.bool == nil, node.int == nil else {
      var help: [String] = []
      if let scalar = node.scalar, !node.isNull {
        help.append("quote it to keep it as text: \(YAMLScalar.quoted(scalar.value))")
      }
      emit(
        "E021", "\(path) must be a string, not \(node.kindDescription)", at: node.location,
        help: help)
      return nil
    }
    return scalar.value
  }
}
