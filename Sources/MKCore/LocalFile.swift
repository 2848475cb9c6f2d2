#if canImport(Glibc)
  import Glibc
#endif

/// Whole-file reads of local files with `open(2)`/`read(2)`.
///
/// The command-line paths (plans, previous plans, journals) need the bytes of
/// a small file and, when that fails, the kernel's errno for the message.
/// Foundation's file APIs give neither more cheaply nor that errno, and
/// keeping them out of the binary keeps start-up short.
public enum LocalFile {
  /// Why a read failed: the errno of the call that failed (`EISDIR` when the
  /// path is a directory).
  public struct ReadError: Error, Sendable, Equatable {
    public let code: Int32
    public init(code: Int32) { self.code = code }
  }

  /// The file's bytes, read to its end.
  public static func read(_ path: String) -> Result<[UInt8], ReadError> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(ReadError(code: errno)) }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(ReadError(code: errno))
      }
      if count == 0 { return .success(bytes) }
      bytes.append(contentsOf: chunk[0..<count])
    }
  }

  /// Whether the path names a directory (following symbolic links).
  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }
}
