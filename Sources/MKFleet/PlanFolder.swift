import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// A committed plan folder (`plans/<host>/`) compared with a fresh compile,
/// byte for byte. A difference is reported at the first line that differs,
/// so a pull request that changed a policy without regenerating its plans
/// fails at the exact place, and the help says how to regenerate.
public enum PlanFolder {
  /// Every regular file under `directory`, as paths relative to it, sorted.
  /// Nil (and the errno text) when the folder cannot be listed.
  public static func files(in directory: String) -> Result<[String], DiagnosticError> {
    var out: [String] = []
    var pending = [""]
    while let relative = pending.popLast() {
      let path = relative.isEmpty ? directory : directory + "/" + relative
      guard let handle = opendir(path) else {
        let code = errno
        return .failure(
          DiagnosticError(
            .error(
              "E614", "cannot list '\(path)': \(Errno.name(code)): \(Errno.message(code))",
              help: ["check that the folder exists and that you may read it"])))
      }
      defer { closedir(handle) }
      while let entry = readdir(handle) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
          $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        let child = relative.isEmpty ? name : relative + "/" + name
        var info = stat()
        guard lstat(directory + "/" + child, &info) == 0 else { continue }
        if (info.st_mode & S_IFMT) == S_IFDIR {
          pending.append(child)
        } else {
          out.append(child)
        }
      }
    }
    return .success(out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
  }

  /// The bytes of a file, or nil when it cannot be read.
  public static func contents(of path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      bytes.append(contentsOf: chunk[0..<count])
      if count < chunk.count { return ferror(file) != 0 ? nil : bytes }
    }
  }

  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// What differs between `artifacts` and the folder `directory`; empty when
  /// the folder holds exactly these files with exactly these bytes.
  public static func compare(
    _ artifacts: [PlanArtifacts.Artifact], with directory: String, host: String, regenerate: String
  ) -> [Diagnostic] {
    let help = "regenerate the plans and commit them: \(regenerate)"
    guard isDirectory(directory) else {
      return [
        .error(
          "E611", "host '\(host)' has no committed plan: '\(directory)' does not exist",
          help: [help])
      ]
    }
    var problems: [Diagnostic] = []
    let committed: [String]
    switch files(in: directory) {
    case .success(let list): committed = list
    case .failure(let error): return error.diagnostics
    }
    let produced = Set(artifacts.map(\.path))
    for artifact in artifacts {
      let path = directory + "/" + artifact.path
      guard let bytes = contents(of: path) else {
        problems.append(
          .error(
            "E611", "\(path) is missing: a fresh plan of host '\(host)' has this file",
            at: SourceLocation(file: path, line: 1, column: 1), help: [help]))
        continue
      }
      if bytes != artifact.bytes {
        problems.append(
          difference(path: path, committed: bytes, fresh: artifact.bytes, host: host, help: help))
      }
    }
    for stale in committed where !produced.contains(stale) {
      let path = directory + "/" + stale
      problems.append(
        .error(
          "E612", "\(path) is stale: a fresh plan of host '\(host)' has no such file",
          at: SourceLocation(file: path, line: 1, column: 1),
          help: [
            "delete it, or regenerate the plans (fleet plan removes stale files): \(regenerate)"
          ]))
    }
    return problems
  }

  /// E610 at the first line (and column) where the committed file and the
  /// fresh compile differ, with both lines in a note.
  static func difference(
    path: String, committed: [UInt8], fresh: [UInt8], host: String, help: String
  )
    -> Diagnostic
  {
    var line = 1
    var column = 1
    var lineStart = 0
    var index = 0
    while index < committed.count, index < fresh.count, committed[index] == fresh[index] {
      if committed[index] == UInt8(ascii: "\n") {
        line += 1
        column = 1
        lineStart = index + 1
      } else {
        column += 1
      }
      index += 1
    }
    func lineText(_ bytes: [UInt8]) -> String {
      guard lineStart <= bytes.count else { return "" }
      let end = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      let text = String(decoding: bytes[lineStart..<end], as: UTF8.self)
      return text.count > 160 ? String(text.prefix(160)) + "..." : text
    }
    let binary = path.hasSuffix(".dtb")
    var notes: [Diagnostic.Note] = []
    if binary {
      notes.append(
        .init(
          "first different byte at offset \(index) (committed \(committed.count) bytes, fresh \(fresh.count))"
        ))
    } else {
      notes.append(
        .init(
          "committed: \(index >= committed.count ? "(end of file)" : YAMLScalar.quoted(lineText(committed)))"
        ))
      notes.append(
        .init(
          "fresh:     \(index >= fresh.count ? "(end of file)" : YAMLScalar.quoted(lineText(fresh)))"
        ))
    }
    return .error(
      "E610", "\(path) differs from a fresh plan of host '\(host)'",
      at: binary
        ? SourceLocation(file: path, line: 1, column: 1)
        : SourceLocation(file: path, line: line, column: column),
      notes: notes, help: [help])
  }
}
