import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// `mkpolicy plan --out DIR`: leaves DIR holding exactly the current plan's
/// files, never a mix of an older plan's and this one's, and never deletes a
/// file mkpolicy did not write.
///
/// The whole set is written to a new directory beside DIR
/// (`.NAME.mkpolicy-new-PID`), with a manifest (`.mkpolicy-files`) naming
/// every file in it, and then swapped with DIR in one `renameat2`
/// `RENAME_EXCHANGE` (or, where the file system cannot exchange, two renames
/// a moment apart). The old tree, now beside DIR, is removed file by file
/// from its own manifest. A failure before the swap leaves DIR as it was and
/// removes the new directory; after the swap DIR is already the new plan.
///
/// What mkpolicy owns in DIR is what DIR's manifest lists. A DIR written
/// before manifests existed owns nothing; its files are accepted only when
/// the new plan writes the same names (they are replaced, as they always
/// were). Any other file — a note, a second tool's output — makes the write
/// refuse (E422) before anything changes, naming the files.
struct ArtifactWriter {
  static let manifestName = ".mkpolicy-files"
  static let manifestHeader =
    "# Files `mkpolicy plan --out` wrote to this directory; the next --out replaces exactly these.\n"

  let directory: String
  /// Fault injection for tests: fail (EIO) before the N-th file write
  /// (1-based; the manifest is the last write), as a full disk would.
  var failBeforeWrite: Int?

  init(directory: String) {
    self.directory = directory
  }

  /// `MKPOLICY_TEST_FAIL_WRITE=N` (tests only; see docs/plan.md).
  static func testFault() -> Int? {
    getenv("MKPOLICY_TEST_FAIL_WRITE").flatMap { Int(String(cString: $0)) }
  }

  struct Outcome {
    var diagnostic: Diagnostic?
    var notes: [String] = []
  }

  func write(_ artifacts: [PlanArtifacts.Artifact]) -> Outcome {
    var target = Self.trimmed(directory)
    var info = stat()
    // A symlink to a directory: the plan goes to the directory it names, and
    // the link stays as the user made it.
    if lstat(target, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK,
      stat(target, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
      let real = Self.realPath(target)
    {
      target = real
    }
    let exists = lstat(target, &info) == 0
    if exists && (info.st_mode & S_IFMT) != S_IFDIR {
      return Outcome(
        diagnostic: .error(
          "E421", "--out \(target): exists and is not a directory",
          help: ["give a directory path (it is created when missing)"]))
    }
    let newNames = Set(artifacts.map(\.path))
    var oldOwned: [String] = []
    if exists {
      switch owned(in: target, keeping: newNames) {
      case .owned(let names): oldOwned = names
      case .refused(let diagnostic): return Outcome(diagnostic: diagnostic)
      }
    }
    let up = Self.parent(target)
    if let code = Self.makeDirectories(up) {
      return failure("cannot create \(up)", code)
    }
    let base = Self.baseName(target)
    let fresh = up + "/.\(base).mkpolicy-new-\(getpid())"
    Self.removeTree(fresh, files: artifacts.map(\.path) + [Self.manifestName])
    if mkdir(fresh, exists ? (info.st_mode & 0o7777) : 0o755) != 0 {
      return failure("cannot create \(fresh)", errno)
    }
    var count = 0
    let manifest =
      Self.manifestHeader + artifacts.map(\.path).sorted().map { $0 + "\n" }.joined()
    let files = artifacts.map { ($0.path, $0.bytes) } + [(Self.manifestName, Array(manifest.utf8))]
    for (path, bytes) in files {
      count += 1
      let full = fresh + "/" + path
      let code: Int32? =
        count == failBeforeWrite
        ? EIO : Self.makeDirectories(Self.parent(full)) ?? Self.writeFile(full, bytes)
      if let code {
        Self.removeTree(fresh, files: files.map(\.0))
        return failure("cannot write \(path) (nothing in \(target) was changed)", code)
      }
    }
    guard exists else {
      if rename(fresh, target) != 0 {
        let code = errno
        Self.removeTree(fresh, files: files.map(\.0))
        return failure("cannot move the new plan into place", code)
      }
      Self.syncDirectory(up)
      return Outcome()
    }
    // Swap: DIR becomes the new tree at once; the old one is left at `fresh`.
    let old: String
    if Self.exchange(fresh, target) {
      old = fresh
    } else {
      let aside = up + "/.\(base).mkpolicy-old-\(getpid())"
      Self.removeTree(aside, files: oldOwned + [Self.manifestName])
      if rename(target, aside) != 0 {
        let code = errno
        Self.removeTree(fresh, files: files.map(\.0))
        return failure("cannot move the old plan aside", code)
      }
      if rename(fresh, target) != 0 {
        let code = errno
        _ = rename(aside, target)
        Self.removeTree(fresh, files: files.map(\.0))
        return failure("cannot move the new plan into place", code)
      }
      old = aside
    }
    Self.syncDirectory(up)
    var outcome = Outcome()
    let stale = oldOwned.filter { !newNames.contains($0) }
    if !stale.isEmpty {
      outcome.notes.append(
        "removed \(stale.count) file(s) of the older plan: \(stale.joined(separator: ", "))")
    }
    if let left = Self.removeTree(old, files: oldOwned + [Self.manifestName]) {
      outcome.notes.append(
        "the older plan's files are left in \(old) (\(left)); \(target) holds the new plan")
    }
    return outcome
  }

  /// Files in `directory` that mkpolicy may replace or remove: those its
  /// manifest lists, and (in a directory without one) those the new plan
  /// writes anyway. Anything else refuses the write.
  enum Ownership {
    case owned([String])
    case refused(Diagnostic)
  }

  func owned(in directory: String, keeping newNames: Set<String>) -> Ownership {
    let present: [String]
    switch Self.files(in: directory) {
    case .listed(let names): present = names
    case .failed(let code):
      return .refused(
        .error(
          "E421",
          "--out \(directory): cannot list it (\(Errno.name(code)): \(Errno.message(code)))",
          help: ["check the path and its permissions"]))
    }
    let manifestPath = directory + "/" + Self.manifestName
    var listed = Set<String>()
    if present.contains(Self.manifestName) {
      guard case .success(let bytes) = LocalFile.read(manifestPath) else {
        return .refused(
          .error(
            "E421", "--out \(directory): cannot read \(manifestPath)",
            help: ["check its permissions"]))
      }
      let text = String(decoding: bytes, as: UTF8.self)
      for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
        listed.insert(String(line))
      }
    }
    let foreign = present.filter {
      $0 != Self.manifestName && !listed.contains($0) && !newNames.contains($0)
    }
    guard foreign.isEmpty else {
      let shown = foreign.prefix(10).map { directory + "/" + $0 }
      return .refused(
        .error(
          "E422",
          "--out \(directory): holds \(foreign.count) file(s) that mkpolicy did not write; nothing was changed",
          notes: shown.map { Diagnostic.Note("not mkpolicy's: \($0)") }
            + (foreign.count > 10 ? [Diagnostic.Note("and \(foreign.count - 10) more")] : []),
          help: [
            "give a new or empty directory, or move those files away: --out replaces the whole directory with the plan's files"
          ]))
    }
    return .owned(present.filter { $0 != Self.manifestName })
  }

  private func failure(_ what: String, _ code: Int32) -> Outcome {
    Outcome(
      diagnostic: .error(
        "E421",
        "--out \(Self.trimmed(directory)): \(what): \(Errno.name(code)) (\(Errno.message(code)))",
        help: [
          "check the path, its permissions and free space; \(Self.trimmed(directory)) is unchanged"
        ]))
  }

  // MARK: File system

  /// `renameat2(a, b, RENAME_EXCHANGE)` through the C library's own symbol
  /// (glibc 2.28+; the Swift Glibc module does not declare it). False when
  /// the C library or the file system cannot exchange.
  static func exchange(_ a: String, _ b: String) -> Bool {
    typealias RenameAt2 =
      @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else {
      return false
    }
    let call = unsafeBitCast(symbol, to: RenameAt2.self)
    let renameExchange: UInt32 = 1 << 1
    return call(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
  }

  static func trimmed(_ path: String) -> String {
    var path = path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    if path == "." || path.hasSuffix("/.") || path == ".." || path.hasSuffix("/..") {
      return realPath(path) ?? path
    }
    return path
  }

  static func realPath(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard realpath(path, &buffer) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  static func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// Every file below `directory` (not directories), relative, sorted; or the errno.
  enum Listing {
    case listed([String])
    case failed(Int32)
  }

  static func files(in directory: String) -> Listing {
    var out: [String] = []
    var pending = [""]
    while let relative = pending.popLast() {
      let path = relative.isEmpty ? directory : directory + "/" + relative
      guard let handle = opendir(path) else { return .failed(errno) }
      defer { closedir(handle) }
      while let entry = readdir(handle) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
          $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        let child = relative.isEmpty ? name : relative + "/" + name
        var info = stat()
        guard lstat(directory + "/" + child, &info) == 0 else { return .failed(errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
          pending.append(child)
        } else {
          out.append(child)
        }
      }
    }
    return .listed(out.sorted())
  }

  /// Removes the listed files of `root`, then its directories deepest first,
  /// then `root`. Only listed files are unlinked: a directory that still
  /// holds anything else stays. Nil when `root` is gone, else what is left.
  @discardableResult
  static func removeTree(_ root: String, files: [String]) -> String? {
    var info = stat()
    guard lstat(root, &info) == 0 else { return nil }
    var folders: Set<String> = [root]
    for file in files {
      let path = root + "/" + file
      unlink(path)
      var folder = parent(path)
      while folder.count > root.count {
        folders.insert(folder)
        folder = parent(folder)
      }
    }
    // Empty folders of the old tree that no file named (a folder the older
    // plan left empty) go too; a folder with anything else in it stays.
    var pending = [root]
    while let folder = pending.popLast() {
      guard let handle = opendir(folder) else { continue }
      while let entry = readdir(handle) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
          $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        var child = stat()
        let path = folder + "/" + name
        if lstat(path, &child) == 0 && (child.st_mode & S_IFMT) == S_IFDIR {
          folders.insert(path)
          pending.append(path)
        }
      }
      closedir(handle)
    }
    var failure: String?
    for folder in folders.sorted(by: { $0.count > $1.count }) where rmdir(folder) != 0 {
      if errno != ENOENT { failure = failure ?? "\(folder): \(Errno.name(errno))" }
    }
    return failure
  }

  /// `mkdir -p`: nil when the directory exists afterwards, else the errno.
  static func makeDirectories(_ path: String) -> Int32? {
    if LocalFile.isDirectory(path) { return nil }
    let up = parent(path)
    if up != path, up != ".", let code = makeDirectories(up) { return code }
    if mkdir(path, 0o755) == 0 || (errno == EEXIST && LocalFile.isDirectory(path)) { return nil }
    return errno
  }

  /// Creates the file and writes all of it: nil, or the errno. (Not fsynced:
  /// a plan is made again in a second, and a crash before the swap leaves DIR
  /// as it was.)
  static func writeFile(_ path: String, _ bytes: [UInt8]) -> Int32? {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return errno }
    var written = 0
    let failure: Int32? = bytes.withUnsafeBytes { buffer in
      while written < buffer.count {
        let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
        if count < 0 {
          if errno == EINTR { continue }
          return errno
        }
        written += count
      }
      return nil
    }
    if close(descriptor) != 0, failure == nil { return errno }
    return failure
  }

  static func syncDirectory(_ path: String) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    fsync(descriptor)
    close(descriptor)
  }
}
