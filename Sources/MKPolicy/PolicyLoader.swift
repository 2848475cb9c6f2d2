import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// What loading a policy produced: the checked policy when there was no
/// error, every diagnostic (sorted by place), and the text of every file read
/// so that `DiagnosticRenderer(sources:)` can show source lines.
public struct PolicyLoadResult: Sendable {
  /// Nil when any diagnostic is an error; warnings leave a policy.
  public var policy: Policy?
  public var diagnostics: [Diagnostic]
  public var sources: [String: String]
  /// The files read, in merge order.
  public var files: [String]
  /// What the user named: the file or folder path (for messages such as `ok: PATH`).
  public var origin: String

  public init(
    policy: Policy?, diagnostics: [Diagnostic], sources: [String: String], files: [String],
    origin: String = ""
  ) {
    self.policy = policy
    self.diagnostics = diagnostics
    self.sources = sources
    self.files = files
    self.origin = origin.isEmpty ? files.joined(separator: ", ") : origin
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Reads policies from files, folders or text: strict YAML, the decoder, folder
/// merging and the semantic checks, with every problem reported at once.
///
/// A policy may be one file or a folder of `.yaml`/`.yml` files (GitOps repos
/// split a host's policy by team). Files of a folder are merged in name order:
/// `metadata`, `host` and `coordinator` may each appear in one file only, the
/// workloads of all files are concatenated, and a duplicate across files is
/// reported at both places.
public enum PolicyLoader {
  /// The name the embedded default policy is reported under.
  public static let defaultPolicyFile = "<builtin>/default.yaml"

  /// `Policies/default.yaml`, embedded so that `mkpolicy plan` works from any
  /// directory: one housekeeping core per NUMA node, the rest a shared pool.
  public static var defaultPolicyText: String {
    String(decoding: PackageResources.default_yaml, as: UTF8.self)
  }

  public static func loadDefault() -> PolicyLoadResult {
    load(text: defaultPolicyText, file: defaultPolicyFile)
  }

  /// One policy from text (tests, stdin, the embedded default).
  public static func load(text: String, file: String) -> PolicyLoadResult {
    let read = YAMLReader().read(text: text, file: file)
    return merge([read])
  }

  /// One policy from files and folders together: every file of every path is
  /// merged into one policy.
  public static func load(paths: [String]) -> PolicyLoadResult {
    var reads: [YAMLReadResult] = []
    var problems: [Diagnostic] = []
    for path in paths {
      switch expand(path) {
      case .success(let files): reads += files.map { YAMLReader().read(path: $0) }
      case .failure(let error): problems += error.diagnostics
      }
    }
    var result = merge(reads)
    if !problems.isEmpty {
      result.diagnostics = sortedDiagnostics(problems + result.diagnostics)
      result.policy = nil
    }
    return result
  }

  /// One policy from files already read, perhaps changed as trees since
  /// (fleet overlays merge into them before decoding, so that merged values
  /// keep their own file and line). `origin` names it in messages.
  public static func load(reads: [YAMLReadResult], origin: String = "") -> PolicyLoadResult {
    var result = merge(reads)
    if !origin.isEmpty { result.origin = origin }
    return result
  }

  /// The files a policy path stands for: the file itself, or a folder's
  /// `.yaml`/`.yml` files in byte order of their names (as `load(paths:)` reads them).
  public static func files(of path: String) -> Result<[String], DiagnosticError> {
    expand(path)
  }

  /// The policies named by `paths`, as `mkpolicy check` sees them: a file is
  /// one policy; a folder is one merged policy, unless every file in it has
  /// its own `metadata` (a folder of complete policies, like `Policies/`),
  /// in which case each file is checked as a policy of its own. Subfolders
  /// (not hidden) are checked the same way, recursively, so that
  /// `check policies/` covers a repository's whole tree. Several paths whose
  /// files are fragments of one policy (one file with metadata at most, the
  /// others policy documents without) are one policy merged from all of
  /// them, as `mkpolicy plan A B` reads them.
  public static func loadEach(paths: [String]) -> [PolicyLoadResult] {
    if paths.count > 1 {
      var reads: [YAMLReadResult] = []
      var expanded = true
      for path in paths {
        guard case .success(let files) = expand(path) else {
          expanded = false
          break
        }
        reads += files.map { YAMLReader().read(path: $0) }
      }
      // Fragments: files that read cleanly and are policy documents without
      // metadata. At most one file may carry metadata (the host's), and no
      // file may be broken, or each path is checked on its own as before.
      let complete = reads.filter { $0.root?["metadata"] != nil }.count
      let fragments = reads.filter {
        !$0.hasErrors && $0.root?.mapping != nil && $0.root?["metadata"] == nil
      }.count
      if expanded, complete <= 1, fragments > 0, complete + fragments == reads.count {
        var result = merge(reads)
        result.origin = paths.joined(separator: " ")
        return [result]
      }
    }
    var results: [PolicyLoadResult] = []
    for path in paths {
      results += loadTree(path, depth: 0)
    }
    return results
  }

  /// One path of `loadEach`: its own files, then its subfolders.
  static func loadTree(_ path: String, depth: Int) -> [PolicyLoadResult] {
    let folders = isDirectory(path) && depth < 32 ? subfolders(path) : []
    var results: [PolicyLoadResult] = []
    switch expand(path) {
    case .failure(let error):
      // A folder that only groups other policy folders holds no file itself.
      let groupsFolders = !folders.isEmpty && error.diagnostics.allSatisfy { $0.code == "E015" }
      if !groupsFolders {
        results.append(
          PolicyLoadResult(
            policy: nil, diagnostics: error.diagnostics, sources: [:], files: [], origin: path))
      }
    case .success(let files):
      let reads = files.map { YAMLReader().read(path: $0) }
      let complete = reads.allSatisfy { $0.root?["metadata"] != nil }
      if isDirectory(path), reads.count > 1, complete {
        results += reads.map { merge([$0]) }
      } else {
        var result = merge(reads)
        result.origin = path
        results.append(result)
      }
    }
    for folder in folders {
      results += loadTree(folder, depth: depth + 1)
    }
    return results
  }

  /// The folders directly in `path` (not hidden), in byte order of their names.
  static func subfolders(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      if !name.hasPrefix(".") { names.append(name) }
    }
    let separator = path.hasSuffix("/") ? "" : "/"
    return names.map { path + separator + $0 }.filter { isDirectory($0) }
      .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }

  /// A file as itself; a folder as its `.yaml`/`.yml` files (not hidden, not
  /// recursive) in byte order of their names.
  static func expand(_ path: String) -> Result<[String], DiagnosticError> {
    guard isDirectory(path) else { return .success([path]) }
    // opendir, not FileManager, so that the error is the kernel's errno.
    guard let directory = opendir(path) else {
      let code = errno
      return .failure(
        DiagnosticError(
          .error(
            "E001", "cannot list folder '\(path)': \(Errno.message(code))",
            help: ["check that the folder exists and that you may read it"])))
    }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    closedir(directory)
    let separator = path.hasSuffix("/") ? "" : "/"
    let files = names.filter { name in
      !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
        && !isDirectory(path + separator + name)
    }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    guard !files.isEmpty else {
      return .failure(
        DiagnosticError(
          .error(
            "E015", "folder '\(path)' holds no .yaml or .yml files",
            help: ["a policy folder holds one or more policy files ending in .yaml"])))
    }
    return .success(files.map { path + separator + $0 })
  }

  static func isDirectory(_ path: String) -> Bool { LocalFile.isDirectory(path) }

  /// Decodes each read file, merges them into one policy and checks it.
  static func merge(_ reads: [YAMLReadResult]) -> PolicyLoadResult {
    var diagnostics: [Diagnostic] = []
    var sources: [String: String] = [:]
    var documents: [PolicyDocument] = []
    var decoder = PolicyDecoder()
    for read in reads {
      // A file that was never read (missing, too large) has no source lines to show.
      if !read.diagnostics.contains(where: { $0.code == "E001" || $0.code == "E002" }) {
        sources[read.file] = read.source
      }
      diagnostics += read.diagnostics
      if read.hasErrors { continue }
      guard let root = read.root, !root.isNull else {
        diagnostics.append(
          .error(
            "E014", "'\(read.file)' holds no policy",
            at: SourceLocation(file: read.file, line: 1, column: 1),
            help: [
              "a policy starts with apiVersion: \(PolicyDecoder.apiVersion) and kind: \(PolicyDecoder.kind)"
            ]))
        continue
      }
      documents.append(decoder.decode(root, file: read.file))
    }
    diagnostics += decoder.diagnostics
    let files = reads.map(\.file)
    // A file that could not be read or parsed leaves the policy incomplete:
    // report no merge-level findings that would only be its echo.
    let complete = documents.count == reads.count

    var metadata: Metadata?
    var host = HostSpec()
    var coordinator = CoordinatorSpec()
    var agent: AgentPolicy?
    var firstKey: [String: SourceLocation] = [:]
    for document in documents {
      for (section, key) in [
        ("metadata", document.metadataKey), ("host", document.hostKey),
        ("coordinator", document.coordinatorKey), ("agent", document.agentKey),
      ] {
        guard let key else { continue }
        if let first = firstKey[section] {
          diagnostics.append(
            .error(
              "E110", "'\(section)' is defined in more than one file", at: key,
              notes: [.init("first defined here", at: first)],
              help: ["keep '\(section)' in one file of the policy folder"]))
        } else {
          firstKey[section] = key
        }
      }
      if metadata == nil, let value = document.metadata { metadata = value }
      if firstKey["host"] == document.hostKey, let value = document.host { host = value }
      if firstKey["coordinator"] == document.coordinatorKey, let value = document.coordinator {
        coordinator = value
      }
      if firstKey["agent"] == document.agentKey, let value = document.agent { agent = value }
    }
    if complete, !documents.isEmpty, documents.allSatisfy(\.rootIsMapping),
      firstKey["metadata"] == nil
    {
      diagnostics.append(
        .error(
          "E111",
          documents.count == 1
            ? "the policy has no metadata" : "no file of the policy folder has metadata",
          at: documents[0].root,
          help: [
            "add metadata: {name: my-host} to \(documents.count == 1 ? "the policy" : "one file")"
          ]))
    }
    let workloads = documents.flatMap(\.workloads)
    let policy = Policy(
      metadata: metadata ?? Metadata(name: ""), host: host, coordinator: coordinator,
      workloads: workloads, sourceFiles: files, agent: agent)
    if complete {
      diagnostics += PolicyChecker.check(
        policy, partial: documents.flatMap(\.brokenWorkloads),
        coordinatorKnown: !documents.contains(where: \.coordinatorBroken))
      diagnostics += AgentPolicyChecker.check(
        policy,
        knownNames: (workloads + documents.flatMap(\.brokenWorkloads).map(\.workload)).map(\.name),
        fieldsBroken: documents.contains(where: \.agentBroken))
    }
    let sorted = sortedDiagnostics(diagnostics)
    let failed = sorted.contains { $0.severity == .error } || reads.isEmpty
    return PolicyLoadResult(
      policy: failed ? nil : policy, diagnostics: sorted, sources: sources, files: files)
  }

  static func sortedDiagnostics(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
    var collector = DiagnosticCollector()
    collector.emit(contentsOf: diagnostics)
    return collector.sorted
  }
}
