#if canImport(Glibc)
  import Glibc
#endif

/// The real host, with every path taken relative to `root` (`/` on a live
/// machine, a directory for tests and for preparing an image).
///
/// On a plain directory tree (not cgroupfs) a cgroup is just a directory of
/// regular files, so `removeDirectory` removes the regular files it holds
/// before `rmdir`, the way the kernel drops interface files; on cgroupfs and
/// every other filesystem it is a plain `rmdir`.
///
/// Test hook: `killBeforeOperation = N` makes the process SIGKILL itself just
/// before its N-th mutating operation (1-based). The CLI sets it from the
/// environment variable `MKPOLICY_TEST_KILL_BEFORE_OP`; the crash tests use it
/// to stop a real `mkpolicy apply` at every write point.
/// `MKPOLICY_TEST_STOP_BEFORE_OP = N` sends SIGSTOP instead (concurrency test).
public final class RootedHost: HostIO {
  public let root: String
  public let killBeforeOperation: Int?
  /// Like `killBeforeOperation`, but SIGSTOP: the process halts (holding
  /// its lock) until SIGCONT, so a test can run a second apply meanwhile.
  public let stopBeforeOperation: Int?
  /// Mutating operations started so far (writes, mkdir, rmdir, replace, run...).
  public private(set) var mutatingOperations = 0

  public init(root: String = "/", killBeforeOperation: Int? = nil, stopBeforeOperation: Int? = nil)
  {
    var trimmed = root
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.root = trimmed.isEmpty ? "/" : trimmed
    self.killBeforeOperation = killBeforeOperation
    self.stopBeforeOperation = stopBeforeOperation
  }

  public var processID: Int32 { getpid() }

  /// Where a host path really lives.
  public func real(_ path: String) -> String { root == "/" ? path : root + path }

  private func checked(_ operation: String, _ path: String, _ value: String? = nil)
    throws(HostIOError)
    -> String
  {
    guard path.hasPrefix("/"), !path.contains("\0"),
      !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
    else {
      throw HostIOError(
        operation: operation, path: path, value: value, errno: EINVAL,
        reason: "not an absolute, normalised path")
    }
    return real(path)
  }

  private func beginMutation() {
    mutatingOperations += 1
    if let killBeforeOperation, mutatingOperations == killBeforeOperation {
      kill(getpid(), SIGKILL)
    }
    if let stopBeforeOperation, mutatingOperations == stopBeforeOperation {
      kill(getpid(), SIGSTOP)
    }
  }

  public func read(_ path: String) throws(HostIOError) -> String {
    let target = try checked("read", path)
    let fd = open(target, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw HostIOError(operation: "read", path: path, errno: errno) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw HostIOError(operation: "read", path: path, errno: errno)
      }
      if n == 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
      if bytes.count > 16 << 20 {
        throw HostIOError(operation: "read", path: path, errno: EFBIG, reason: "larger than 16 MiB")
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  public func kind(_ path: String) -> HostFileKind {
    guard let target = try? checked("stat", path) else { return .missing }
    var info = stat()
    guard lstat(target, &info) == 0 else { return .missing }
    switch info.st_mode & S_IFMT {
    case S_IFDIR: return .directory
    case S_IFREG: return .file
    default: return .other
    }
  }

  public func list(_ path: String) throws(HostIOError) -> [String] {
    let target = try checked("list", path)
    guard let dir = opendir(target) else {
      throw HostIOError(operation: "list", path: path, errno: errno)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  public func write(_ path: String, _ value: String) throws(HostIOError) {
    let target = try checked("write", path, value)
    beginMutation()
    // Kernel files exist or not; only a plain directory tree gets new files,
    // so a missing interface file reports the kernel's ENOENT.
    var fd = open(target, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
    if fd < 0 && errno == ENOENT {
      let directory = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
      if !isKernelFilesystem(directory.isEmpty ? "/" : directory) {
        fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
      } else {
        errno = ENOENT
      }
    }
    guard fd >= 0 else {
      throw HostIOError(operation: "write", path: path, value: value, errno: errno)
    }
    // A zero-length write never reaches a kernel handler: clear with a newline.
    let bytes = Array((value.isEmpty ? "\n" : value).utf8)
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    let writeErrno = errno
    let closeResult = close(fd)
    let closeErrno = errno
    if n < 0 { throw HostIOError(operation: "write", path: path, value: value, errno: writeErrno) }
    if n != bytes.count {
      throw HostIOError(
        operation: "write", path: path, value: value, errno: EIO,
        reason: "short write: \(n) of \(bytes.count) bytes")
    }
    if closeResult != 0 {
      throw HostIOError(operation: "write", path: path, value: value, errno: closeErrno)
    }
  }

  public func makeDirectory(_ path: String) throws(HostIOError) {
    let target = try checked("mkdir", path)
    beginMutation()
    guard mkdir(target, 0o755) == 0 else {
      throw HostIOError(operation: "mkdir", path: path, errno: errno)
    }
  }

  public func removeDirectory(_ path: String) throws(HostIOError) {
    let target = try checked("rmdir", path)
    beginMutation()
    if rmdir(target) == 0 { return }
    let firstErrno = errno
    guard firstErrno == ENOTEMPTY || firstErrno == EEXIST, !isKernelFilesystem(target) else {
      throw HostIOError(operation: "rmdir", path: path, errno: firstErrno)
    }
    // A plain directory tree standing in for cgroupfs: drop the interface
    // files, never a subdirectory (a child cgroup keeps the parent busy).
    let names = (try? list(path)) ?? []
    for name in names where kind(path + "/" + name) != .file {
      throw HostIOError(
        operation: "rmdir", path: path, errno: EBUSY, reason: "it still has a child \(name)")
    }
    for name in names { unlink(target + "/" + name) }
    guard rmdir(target) == 0 else {
      throw HostIOError(operation: "rmdir", path: path, errno: errno)
    }
  }

  /// Whether the real directory sits on cgroupfs, sysfs or procfs, from the
  /// longest matching mount point in /proc/self/mounts.
  private func isKernelFilesystem(_ target: String) -> Bool {
    guard let mounts = try? RootedHost(root: "/").read("/proc/self/mounts") else { return false }
    var best = ""
    var bestType = ""
    for line in mounts.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count >= 3 else { continue }
      let point = String(fields[1])
      let inside = point == "/" || target == point || target.hasPrefix(point + "/")
      if inside && point.count >= best.count {
        best = point
        bestType = String(fields[2])
      }
    }
    return ["cgroup", "cgroup2", "sysfs", "proc"].contains(bestType)
  }

  private func makeParents(_ path: String, operation: String) throws(HostIOError) {
    var current = ""
    let parts = path.split(separator: "/").dropLast()
    for part in parts {
      current += "/" + part
      let target = real(current)
      if mkdir(target, 0o755) != 0 && errno != EEXIST {
        throw HostIOError(operation: operation, path: current, errno: errno)
      }
    }
  }

  public func replaceAtomically(_ path: String, _ content: String) throws(HostIOError) {
    let target = try checked("replace", path)
    beginMutation()
    try makeParents(path, operation: "replace")
    let directory = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
    let temporary = target + ".mkpolicy-tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw HostIOError(operation: "replace", path: path, errno: errno)
    }
    let bytes = Array(content.utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes {
        Glibc.write(fd, $0.baseAddress! + written, $0.count - written)
      }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 {
        let code = n < 0 ? errno : EIO
        close(fd)
        unlink(temporary)
        throw HostIOError(operation: "replace", path: path, errno: code)
      }
      written += n
    }
    if fsync(fd) != 0 {
      let code = errno
      close(fd)
      unlink(temporary)
      throw HostIOError(operation: "fsync", path: path, errno: code)
    }
    close(fd)
    guard rename(temporary, target) == 0 else {
      let code = errno
      unlink(temporary)
      throw HostIOError(operation: "rename", path: path, errno: code)
    }
    let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dirFD >= 0 else { throw HostIOError(operation: "fsync", path: path, errno: errno) }
    defer { close(dirFD) }
    guard fsync(dirFD) == 0 else {
      throw HostIOError(operation: "fsync directory of", path: path, errno: errno)
    }
  }

  public func createExclusive(_ path: String, _ content: String) throws(HostIOError) {
    let target = try checked("create", path, content)
    beginMutation()
    try makeParents(path, operation: "create")
    let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw HostIOError(operation: "create", path: path, errno: errno) }
    let bytes = Array(content.utf8)
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    let code = errno
    fsync(fd)
    close(fd)
    if n != bytes.count {
      unlink(target)
      throw HostIOError(operation: "create", path: path, errno: n < 0 ? code : EIO)
    }
  }

  public func removeFile(_ path: String) throws(HostIOError) {
    let target = try checked("remove", path)
    beginMutation()
    guard unlink(target) == 0 else {
      throw HostIOError(operation: "remove", path: path, errno: errno)
    }
  }

  public func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
    let evidenceTarget = try checked("run", evidence)
    let shown = argv.joined(separator: " ")
    beginMutation()
    try makeParents(evidence, operation: "run")
    guard let program = argv.first, !program.isEmpty else {
      throw HostIOError(operation: "run", path: shown, errno: EINVAL, reason: "empty command")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    // The child opens its evidence file itself, just before exec.
    posix_spawn_file_actions_addopen(
      &actions, 1, evidenceTarget, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
    cArgs.append(nil)
    defer { for pointer in cArgs { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, program, &actions, nil, cArgs, environ)
    guard spawned == 0 else {
      throw HostIOError(operation: "run", path: shown, errno: spawned)
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { throw HostIOError(operation: "run", path: shown, errno: errno) }
    }
    let output = (try? read(evidence)) ?? ""
    // WIFEXITED / WEXITSTATUS, written out: the macros are not imported.
    let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return CommandResult(status: exitCode, output: output)
  }

  public func processAlive(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    return kill(pid, 0) == 0 || errno == EPERM
  }
}
