import MKCore

/// Typed, located access to a YAML tree for the fleet's own documents
/// (`fleet.yaml`, overlay files), with the same codes and wording as the
/// policy decoder (E020 unknown key, E021 wrong kind, E022 missing key), so
/// that one vocabulary covers every file of a repository.
struct NodeReader {
  var diagnostics: [Diagnostic] = []

  mutating func emit(
    _ code: String, _ message: String, at location: SourceLocation?, notes: [Diagnostic.Note] = [],
    help: [String] = []
  ) {
    diagnostics.append(.error(code, message, at: location, notes: notes, help: help))
  }

  /// A mapping's entries by key after checking every key against `keys`.
  mutating func mapping(
    _ node: YAMLNode, _ path: String, keys: [String], required: [String] = []
  ) -> [String: YAMLMappingEntry]? {
    guard let entries = node.mapping else {
      emit("E021", "\(path) must be a mapping, not \(node.kindDescription)", at: node.location)
      return nil
    }
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

  mutating func list(_ node: YAMLNode, _ path: String) -> [YAMLNode]? {
    guard let items = node.sequence else {
      emit("E021", "\(path) must be a list, not \(node.kindDescription)", at: node.location)
      return nil
    }
    return items
  }

  /// Text; plain booleans, integers and nulls are refused (quote them), as
  /// in policies.
  mutating func string(_ node: YAMLNode, _ path: String) -> String? {
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

  /// A relative or absolute file path: not empty, no NUL (the reader refuses control bytes).
  mutating func path(_ node: YAMLNode, _ path: String) -> String? {
    guard let text = string(node, path) else { return nil }
    if text.isEmpty {
      emit(
        "E021", "\(path) is empty", at: node.location,
        help: ["give a path relative to the fleet file"])
      return nil
    }
    return text
  }

  /// `apiVersion` and `kind` of a document of ours.
  mutating func header(_ fields: [String: YAMLMappingEntry], kind expected: String) {
    if let entry = fields["apiVersion"], let text = string(entry.value, "apiVersion"),
      text != FleetDecoder.apiVersion
    {
      emit(
        "E023", "unsupported apiVersion \(YAMLScalar.quoted(text))", at: entry.value.location,
        help: ["this mkpolicy reads apiVersion: \(FleetDecoder.apiVersion)"])
    }
    if let entry = fields["kind"], let text = string(entry.value, "kind"), text != expected {
      emit(
        "E023", "kind must be \(expected), not \(YAMLScalar.quoted(text))",
        at: entry.value.location, help: [Suggestion.help(for: text, in: [expected])])
    }
  }

  /// `key: value` labels, each key and value checked against Kubernetes' label syntax.
  mutating func labels(_ node: YAMLNode, _ path: String) -> [(YAMLMappingEntry, String)] {
    guard let entries = node.mapping else {
      emit("E021", "\(path) must be a mapping, not \(node.kindDescription)", at: node.location)
      return []
    }
    var out: [(YAMLMappingEntry, String)] = []
    for entry in entries {
      if let problem = LabelRules.keyProblem(entry.key) {
        emit(
          "E606", "label key \(YAMLScalar.quoted(entry.key)) in \(path) is not valid: \(problem)",
          at: entry.keyLocation, help: ["label keys look like role or example.com/role"])
        continue
      }
      guard let value = string(entry.value, "\(path).\(entry.key)") else { continue }
      if let problem = LabelRules.valueProblem(value) {
        emit(
          "E606",
          "label value \(YAMLScalar.quoted(value)) of \(path).\(entry.key) is not valid: \(problem)",
          at: entry.value.location, help: ["label values look like trading or fra1-rack12"])
        continue
      }
      out.append((entry, value))
    }
    return out
  }
}
