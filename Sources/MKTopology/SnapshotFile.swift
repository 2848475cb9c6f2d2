import MKCore

#if canImport(Glibc)
  import Glibc
#endif

extension TopologySnapshot {
  /// Writes `text` to `path` atomically (a temporary file in the same
  /// directory, then `rename`), so a failed write never leaves half a
  /// snapshot where a good one was.
  public static func writeFile(_ text: String, to path: String) throws(DiagnosticError) {
    let temporary = path + ".tmp-\(getpid())"
    func failure(_ what: String) -> DiagnosticError {
      let reason = Errno.message(errno)
      unlink(temporary)
      return DiagnosticError(
        .error(
          "E309", "cannot write '\(path)': \(what): \(reason)",
          help: ["check that the directory exists and is writable"]))
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("create") }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        close(fd)
        throw failure("write")
      }
      written += count
    }
    guard fsync(fd) == 0 else {
      close(fd)
      throw failure("fsync")
    }
    close(fd)
    guard rename(temporary, path) == 0 else { throw failure("rename") }
  }
}
