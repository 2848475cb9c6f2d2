#if canImport(Glibc)
  import Glibc
#endif

/// The process's standard streams, written with `write(2)` (unbuffered, as
/// Foundation's `FileHandle` did) without linking Foundation.
enum Console {
  enum Stream: Int32 {
    case standardOutput = 1
    case standardError = 2
  }

  /// Writes all of the text; a closed or full stream (EPIPE, ENOSPC) ends
  /// the write, as there is nowhere left to report it.
  static func write(_ text: String, to stream: Stream) {
    var text = text
    text.withUTF8 { buffer in
      guard let base = buffer.baseAddress else { return }
      var written = 0
      while written < buffer.count {
        let count = Glibc.write(stream.rawValue, base + written, buffer.count - written)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { return }
        written += count
      }
    }
  }
}
