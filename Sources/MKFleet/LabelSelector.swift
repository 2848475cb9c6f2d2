import MKCore

/// Chooses hosts by their labels: every key of the selector must be a label
/// of the host with one of the values listed for it (Kubernetes'
/// `matchLabels`, with a list meaning "any of"). An empty selector matches
/// every host.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
  public struct Requirement: Sendable, Hashable {
    public var key: String
    public var values: [String]
    public var location: SourceLocation?
    public init(key: String, values: [String], location: SourceLocation? = nil) {
      self.key = key
      self.values = values
      self.location = location
    }
  }

  /// Sorted by key, so that the selector prints the same every time.
  public var requirements: [Requirement]
  public var location: SourceLocation?

  public init(_ requirements: [Requirement] = [], location: SourceLocation? = nil) {
    self.requirements = requirements.sorted { $0.key < $1.key }
    self.location = location
  }

  public func matches(_ labels: [String: String]) -> Bool {
    requirements.allSatisfy { requirement in
      labels[requirement.key].map { requirement.values.contains($0) } ?? false
    }
  }

  /// `role=trading,site=fra1|ams1` (the form `--selector` takes).
  public var description: String {
    requirements.map { "\($0.key)=\($0.values.joined(separator: "|"))" }.joined(separator: ",")
  }

  /// Parses `--selector`: comma-separated `key=value` terms, `|` between
  /// values a key may take. Nil and a reason when the text is not that.
  public static func parse(_ text: String) -> Result<LabelSelector, DiagnosticError> {
    var requirements: [Requirement] = []
    for term in text.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = term.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = parts.first.map(String.init) ?? ""
      let values = parts.count == 2 ? parts[1].split(separator: "|").map(String.init) : []
      guard parts.count == 2, LabelRules.keyProblem(key) == nil, !values.isEmpty,
        values.allSatisfy({ LabelRules.valueProblem($0) == nil })
      else {
        return .failure(
          DiagnosticError(
            .error(
              "E609",
              "--selector \(YAMLScalar.quoted(text)): \(YAMLScalar.quoted(String(term))) is not key=value",
              help: [
                "write labels as key=value, separated by commas: --selector role=trading,site=fra1"
              ]
            )))
      }
      if requirements.contains(where: { $0.key == key }) {
        return .failure(
          DiagnosticError(
            .error(
              "E609", "--selector \(YAMLScalar.quoted(text)) names '\(key)' twice",
              help: ["list the values a key may take once: \(key)=a|b"])))
      }
      requirements.append(Requirement(key: key, values: values))
    }
    return .success(LabelSelector(requirements))
  }
}

/// The label syntax of Kubernetes (so that fleet labels can become node
/// labels): keys are an optional DNS prefix and `/`, then a name of at most
/// 63 characters of letters, digits, `-`, `_`, `.` beginning and ending with a
/// letter or digit; values are empty or the same as a name.
public enum LabelRules {
  public static func keyProblem(_ key: String) -> String? {
    var name = Substring(key)
    if let slash = key.firstIndex(of: "/") {
      let prefix = key[..<slash]
      name = key[key.index(after: slash)...]
      if prefix.isEmpty || prefix.count > 253
        || !prefix.allSatisfy({
          $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".")
        })
      {
        return "its prefix must be a DNS name (lower-case letters, digits, '-' and '.')"
      }
    }
    if name.isEmpty { return "it is empty" }
    return nameProblem(name)
  }

  public static func valueProblem(_ value: String) -> String? {
    value.isEmpty ? nil : nameProblem(Substring(value))
  }

  static func nameProblem(_ name: Substring) -> String? {
    let alphanumeric: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber) }
    if name.count > 63 { return "it is longer than 63 characters" }
    guard let first = name.first, let last = name.last, alphanumeric(first), alphanumeric(last),
      name.allSatisfy({ alphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." })
    else {
      return "use letters, digits, '-', '_' and '.', beginning and ending with a letter or digit"
    }
    return nil
  }
}
