import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// Read-only access to sysfs and procfs under a configurable root.
///
/// Live discovery reads `/sys` and `/proc` through this, so that tests can
/// point it at a small fixture tree (no NUMA directory, CPU 0 offline, a
/// container without udev) and check how discovery degrades. Reads go straight
/// to `open`/`read`: sysfs files are small and Foundation would only add cost.
public struct HostFiles: Sendable {
  /// Prefix for every absolute path (`/` for the running host).
  public var root: String

  public init(root: String = "/") {
    self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
  }

  public var isLiveHost: Bool { root.isEmpty }

  /// The path as the process opens it.
  public func resolve(_ path: String) -> String { root + path }

  /// A file's content, or nil when it is missing or unreadable.
  public func read(_ path: String) -> String? {
    bytes(path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// A file's raw bytes (device tree properties are binary).
  public func bytes(_ path: String) -> [UInt8]? {
    try? bytesOrErrno(path).get()
  }

  /// Why a read failed: the `errno` of `open` or `read`.
  public struct ReadError: Error, Sendable, Hashable {
    public var code: Int32
    /// `ENOENT (No such file or directory)`.
    public var description: String { "\(Errno.name(code)) (\(Errno.message(code)))" }
  }

  /// A file's raw bytes, or the errno that stopped the read, for messages
  /// that must say why a fact is missing rather than guess it.
  public func bytesOrErrno(_ path: String) -> Result<[UInt8], ReadError> {
    let fd = open(resolve(path), O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(ReadError(code: errno)) }
    defer { close(fd) }
    // Discovery reads hundreds of small files: read into an uninitialised
    // stack buffer rather than zeroing a heap one for each.
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
      var bytes: [UInt8] = []
      while true {
        let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if count < 0 {
          if errno == EINTR { continue }
          return .failure(ReadError(code: errno))
        }
        if count == 0 { break }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<count]))
      }
      return .success(bytes)
    }
  }

  /// A one-line file without its trailing newline and spaces.
  public func line(_ path: String) -> String? {
    read(path)?.trimmingASCIIWhitespace()
  }

  public func int(_ path: String) -> Int? {
    line(path).flatMap { Int($0) }
  }

  public func cpulist(_ path: String) -> CPUSet? {
    guard let text = line(path) else { return nil }
    return try? CPUSet(cpulist: text, allowEmpty: true)
  }

  public func exists(_ path: String) -> Bool {
    access(resolve(path), F_OK) == 0
  }

  /// Entry names of a directory, sorted; nil when it cannot be listed.
  public func list(_ path: String) -> [String]? {
    guard let dir = opendir(resolve(path)) else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// The last component of a symlink's target (`driver` -> `nvme`).
  public func linkName(_ path: String) -> String? {
    linkTarget(path)?.split(separator: "/").last.map(String.init)
  }

  /// A symlink's target as stored (`../../devices/pci0000:00/...`); nil when
  /// `path` is not a link.
  public func linkTarget(_ path: String) -> String? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
      let count = readlink(resolve(path), buffer.baseAddress!, buffer.count - 1)
      guard count > 0 else { return nil }
      return String(
        decoding: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count]),
        as: UTF8.self)
    }
  }

  /// Numbers named `prefixN` in a directory (`cpu0`, `node3`), ascending.
  public func numbered(_ path: String, prefix: String) -> [Int] {
    // As bytes: names are ASCII (`cpu12`), and Character-wise prefix and
    // digit tests cost more than the listing on a host with many CPUs.
    (list(path) ?? []).compactMap { name in
      let bytes = name.utf8
      guard bytes.starts(with: prefix.utf8) else { return nil }
      let rest = bytes.dropFirst(prefix.utf8.count)
      guard !rest.isEmpty, rest.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
      else { return nil }
      return Int(Substring(rest))
    }.sorted()
  }
}
