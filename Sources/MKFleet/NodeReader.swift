import MKCore

/// Typed, located access to a YAML tree for the fleet's own documents
/// (`fleet.yaml`, overlay files): the readers it shares with the policy
/// decoder (`YAMLFieldReader`: E020 unknown key, E021 wrong kind, E022
/// missing key), plus paths, document headers and labels.
struct NodeReader: YAMLFieldReader {
  var diagnostics: [Diagnostic] = []

  // emit, mapping, mappingEntries, list and string: YAMLFieldReader (MKCore),
  // shared with the policy decoder.

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
    guard let entries = mappingEntries(node, path) else { return [] }
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
