import MKCore
import MKPolicy

#if canImport(Glibc)
  import Glibc
#endif

/// What planning one host needs: its class, its policy's YAML trees with
/// every overlay merged in, and its snapshot path. Problems found before
/// planning (no class, an overlay naming a missing workload) are kept here
/// so that the host still gets its row in the summary.
public struct HostJob: Sendable {
  public var host: FleetHost
  public var hostClass: HostClass?
  /// The policy's files, as trees after the overlays.
  public var documents: [YAMLReadResult]
  public var snapshotPath: String
  public var diagnostics: [Diagnostic]
  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// The inventory read and resolved: every selected host with its job, the
/// fleet-level diagnostics, and the text of every file read (for rendering).
public struct FleetLoadResult: Sendable {
  public var inventory: FleetInventory?
  public var jobs: [HostJob]
  /// Problems of the inventory itself (not of one host).
  public var diagnostics: [Diagnostic]
  public var sources: [String: String]
  public var hasErrors: Bool {
    diagnostics.contains { $0.severity == .error } || jobs.contains(where: \.hasErrors)
  }
}

/// Which hosts a command acts on: all, or those named, or those a selector picks.
public struct HostSelection: Sendable {
  public var names: [String]
  public var selector: LabelSelector?
  public init(names: [String] = [], selector: LabelSelector? = nil) {
    self.names = names
    self.selector = selector
  }
  public static let all = HostSelection()
}

/// Reads `fleet.yaml`, its policies and overlays (each file once), matches
/// every host to exactly one class, and merges each host's overlays into a
/// copy of its class's policy trees.
public enum FleetLoader {
  public static func load(file: String, selection: HostSelection = .all) -> FleetLoadResult {
    var result = FleetLoadResult(inventory: nil, jobs: [], diagnostics: [], sources: [:])
    let read = YAMLReader().read(path: file)
    result.sources[read.file] = read.source
    result.diagnostics += read.diagnostics
    guard let root = read.root, !read.hasErrors else { return result }
    var decoder = FleetDecoder()
    let decoded = decoder.decode(root, file: file)
    result.diagnostics += decoder.diagnostics
    guard let inventory = decoded, !decoder.diagnostics.contains(where: { $0.severity == .error })
    else { return result }
    result.inventory = inventory

    // Which hosts: unknown names and empty selections are errors, not silence.
    var hosts = inventory.hosts
    if !selection.names.isEmpty {
      for name in selection.names where inventory.host(named: name) == nil {
        result.diagnostics.append(
          .error(
            "E609", "--host \(name): no host of that name in \(file)",
            help: [
              Suggestion.closest(to: name, in: inventory.hosts.map(\.name)).map {
                "did you mean '\($0)'?"
              }
                ?? "the fleet's hosts are listed under hosts: in \(file)"
            ]))
      }
      hosts = hosts.filter { selection.names.contains($0.name) }
    }
    if let selector = selection.selector {
      hosts = hosts.filter { selector.matches($0.labels) }
      if hosts.isEmpty {
        result.diagnostics.append(
          .error(
            "E609", "--selector \(selector): no host of \(file) has these labels",
            help: ["check the labels under hosts: in \(file)"]))
      }
    }

    // Each policy and overlay file is read once, whatever the number of hosts.
    var policies: [String: [YAMLReadResult]] = [:]
    var policyProblems: [String: [Diagnostic]] = [:]
    var overlayCache: [String: (PolicyOverlay?, [Diagnostic])] = [:]

    for host in hosts {
      var job = HostJob(
        host: host, hostClass: nil, documents: [],
        snapshotPath: inventory.resolve(host.snapshot), diagnostics: [])
      let matching = inventory.classes.filter { $0.selector.matches(host.labels) }
      if matching.isEmpty {
        job.diagnostics.append(
          .error(
            "E603", "host '\(host.name)' matches no class", at: host.location,
            help: [
              inventory.classes.isEmpty
                ? "add a class under classes: whose selector matches this host's labels"
                : "give the host labels that one class selects (\(inventory.classes.map { "\($0.name): \($0.selector)" }.joined(separator: "; ")))"
            ]))
        result.jobs.append(job)
        continue
      }
      if matching.count > 1 {
        job.diagnostics.append(
          .error(
            "E604",
            "host '\(host.name)' matches \(matching.count) classes (\(matching.map(\.name).joined(separator: ", ")))",
            at: host.location,
            notes: matching.map {
              .init("class '\($0.name)' selects \($0.selector)", at: $0.selector.location)
            },
            help: ["make the selectors exclusive, or the host's labels more specific"]))
        result.jobs.append(job)
        continue
      }
      let hostClass = matching[0]
      job.hostClass = hostClass

      if let problem = unreadable(inventory.resolve(host.snapshot)) {
        job.diagnostics.append(
          .error(
            "E605",
            "host '\(host.name)': cannot read snapshot '\(inventory.resolve(host.snapshot))': \(problem)",
            at: host.snapshotLocation,
            help: [
              "write it with `mkpolicy discover -o \(host.snapshot)` on the host, or fix the path (relative to \(file))"
            ]))
      }

      let policyPath = inventory.resolve(hostClass.policy)
      if policies[policyPath] == nil && policyProblems[policyPath] == nil {
        if let problem = unreadable(policyPath) {
          policyProblems[policyPath] = [
            .error(
              "E605", "class '\(hostClass.name)': cannot read policy '\(policyPath)': \(problem)",
              at: hostClass.policyLocation,
              help: ["give a policy file or folder, relative to \(file)"])
          ]
        } else {
          switch PolicyLoader.files(of: policyPath) {
          case .success(let files):
            let reads = files.map { YAMLReader().read(path: $0) }
            for read in reads { result.sources[read.file] = read.source }
            policies[policyPath] = reads
          case .failure(let error):
            policyProblems[policyPath] = error.diagnostics.map {
              var diagnostic = $0
              diagnostic.location = diagnostic.location ?? hostClass.policyLocation
              return diagnostic
            }
          }
        }
      }
      if let problems = policyProblems[policyPath] {
        job.diagnostics += problems
        result.jobs.append(job)
        continue
      }
      var reads = policies[policyPath] ?? []
      // A file that does not parse is the policy's own problem: the policy
      // loader reports it; overlays apply to the files that did parse.
      var trees = reads.map {
        $0.root ?? YAMLNode(.mapping([]), at: SourceLocation(file: $0.file, line: 1, column: 1))
      }
      for reference in hostClass.overlays + host.overlays {
        let (overlay, problems) = loadOverlay(
          reference, inventory: inventory, cache: &overlayCache, sources: &result.sources)
        job.diagnostics += problems
        guard let overlay else { continue }
        if reads.contains(where: { $0.hasErrors || $0.root == nil }) { continue }
        job.diagnostics += overlay.apply(to: &trees).map {
          var diagnostic = $0
          diagnostic.notes.append(
            .init(
              "in the overlays of host '\(host.name)' (class '\(hostClass.name)')",
              at: reference.location))
          return diagnostic
        }
      }
      for index in reads.indices where reads[index].root != nil { reads[index].root = trees[index] }
      job.documents = reads
      result.jobs.append(job)
    }
    return result
  }

  static func loadOverlay(
    _ reference: OverlayReference, inventory: FleetInventory,
    cache: inout [String: (PolicyOverlay?, [Diagnostic])], sources: inout [String: String]
  ) -> (PolicyOverlay?, [Diagnostic]) {
    switch reference {
    case .inline(let node):
      let key = "inline:\(node.location)"
      if let cached = cache[key] { return cached }
      var reader = NodeReader()
      let overlay = PolicyOverlay.decodeInline(node, path: "the overlay", &reader)
      cache[key] = (overlay, reader.diagnostics)
      return (overlay, reader.diagnostics)
    case .file(let path, let location):
      let resolved = inventory.resolve(path)
      if let cached = cache[resolved] { return cached }
      if let problem = unreadable(resolved) {
        let entry: (PolicyOverlay?, [Diagnostic]) = (
          nil,
          [
            .error(
              "E605", "cannot read overlay '\(resolved)': \(problem)", at: location,
              help: ["give an overlay file relative to \(inventory.file)"])
          ]
        )
        cache[resolved] = entry
        return entry
      }
      let read = YAMLReader().read(path: resolved)
      sources[read.file] = read.source
      var reader = NodeReader()
      var overlay: PolicyOverlay?
      if let root = read.root, !read.hasErrors {
        overlay = PolicyOverlay.decodeFile(root, file: resolved, &reader)
      }
      let entry = (overlay, read.diagnostics + reader.diagnostics)
      cache[resolved] = entry
      return entry
    }
  }

  /// Why `path` cannot be opened for reading, in the kernel's words; nil if it can.
  static func unreadable(_ path: String) -> String? {
    var info = stat()
    if stat(path, &info) != 0 {
      let code = errno
      return "\(Errno.name(code)): \(Errno.message(code))"
    }
    return access(path, R_OK) == 0 ? nil : "\(Errno.name(errno)): \(Errno.message(errno))"
  }
}
