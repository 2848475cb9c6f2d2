import CMKSys
import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// The real host, with every path opened beneath `root` (`/` on a live
/// machine, a directory for tests and for preparing an image).
///
/// Confinement is by construction (`RootDirectory`): each operation opens
/// the directory that holds its target relative to the root's descriptor,
/// refusing a symbolic link anywhere on the way (`ELOOP`), then acts on the
/// last component with the `*at` calls and `O_NOFOLLOW`. Reads and writes
/// accept regular files only (a FIFO planted at a kernel file's path would
/// hang apply), and a plain file with other hard links is never written.
///
/// On a plain directory tree (not cgroupfs) a cgroup is just a directory of
/// regular files, so `removeDirectory` removes the files it holds before
/// `rmdir`, the way the kernel drops interface files, but only files named
/// like cgroup interface files: anything else there is refused and nothing
/// is deleted. On cgroupfs it is a plain `rmdir`.
///
/// Commands run from the root's own program directories (never from PATH,
/// never the machine's program when the root is not `/`), by descriptor,
/// with their output in an evidence file the child creates itself with
/// `O_EXCL | O_NOFOLLOW` inside the state directory.
///
/// Test hook: `killBeforeOperation = N` makes the process SIGKILL itself just
/// before its N-th mutating operation (1-based). The CLI sets it from the
/// environment variable `MKPOLICY_TEST_KILL_BEFORE_OP`; the crash tests use it
/// to stop a real `mkpolicy apply` at every write point.
/// `MKPOLICY_TEST_STOP_BEFORE_OP = N` sends SIGSTOP instead (concurrency
/// test), and `stopBeforeLock` SIGSTOPs after opening the lock file and
/// before `flock` (the lock race test).
public final class RootedHost: HostIO {
  public let root: String
  public let killBeforeOperation: Int?
  /// Like `killBeforeOperation`, but SIGSTOP: the process halts (holding
  /// its lock) until SIGCONT, so a test can run a second apply meanwhile.
  public let stopBeforeOperation: Int?
  public let stopBeforeLock: Bool
  /// Mutating operations started so far (writes, mkdir, rmdir, replace, run...).
  public private(set) var mutatingOperations = 0
  let directory: RootDirectory

  public init(
    root: String = "/", killBeforeOperation: Int? = nil, stopBeforeOperation: Int? = nil,
    stopBeforeLock: Bool = false, walkOnly: Bool = false
  ) {
    var trimmed = root
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.root = trimmed.isEmpty ? "/" : trimmed
    self.killBeforeOperation = killBeforeOperation
    self.stopBeforeOperation = stopBeforeOperation
    self.stopBeforeLock = stopBeforeLock
    directory = RootDirectory(path: self.root, walkOnly: walkOnly)
  }

  /// sysfs names a network interface's directory only through a link the
  /// kernel makes (`/sys/class/net/eth0 -> ../../devices/.../net/eth0`),
  /// and the registry's RPS/XPS paths go through it. Apply never follows a
  /// link on the way except this one: it is read here and the path goes on
  /// from its target, which must stay under `/sys/devices/` and end in
  /// `net/NAME` (so a link planted in a `--root` tree leads nowhere else);
  /// the rest is walked without following links as usual. Any other path,
  /// or one whose link does not fit, is returned as it is.
  func netClass(_ path: String) -> String {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard parts.count >= 5, parts[0].isEmpty, parts[1] == "sys", parts[2] == "class",
      parts[3] == "net", !parts[4].isEmpty, parts[4] != ".", parts[4] != ".."
    else { return path }
    guard
      case .success(let (fd, name)) = directory.parent(
        of: "/sys/class/net/" + parts[4], create: false)
    else { return path }
    defer { close(fd) }
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlinkat(fd, name, &buffer, buffer.count - 1)
    guard count > 0 else { return path }
    let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var resolved = target.hasPrefix("/") ? [] : ["sys", "class", "net"]
    for component in target.split(separator: "/") {
      if component == ".." {
        guard !resolved.isEmpty else { return path }
        resolved.removeLast()
      } else if component != "." {
        resolved.append(String(component))
      }
    }
    guard resolved.count >= 4, resolved[0] == "sys", resolved[1] == "devices",
      Array(resolved.suffix(2)) == ["net", parts[4]]
    else { return path }
    return "/" + (resolved + parts.dropFirst(5)).joined(separator: "/")
  }

  /// Where a host path really lives (for messages and tests).
  public func real(_ path: String) -> String { root == "/" ? path : root + path }

  private func checked(_ operation: String, _ path: String, _ value: String? = nil)
    throws(HostIOError)
  {
    guard path.hasPrefix("/"), !path.contains("\0"),
      !path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().contains(where: {
        $0 == ".." || $0 == "." || $0.isEmpty
      }) || path == "/"
    else {
      throw HostIOError(
        operation: operation, path: path, value: value, errno: EINVAL,
        reason: "not an absolute, normalised path")
    }
  }

  /// The error for a failed call, with the reason an operator needs for the
  /// refusals that confinement adds.
  func failure(_ operation: String, _ path: String, _ value: String? = nil, _ code: Int32)
    -> HostIOError
  {
    switch code {
    case ELOOP:
      return HostIOError(
        operation: operation, path: path, value: value, errno: code,
        reason:
          "a symbolic link on the way under \(root); apply never follows links beneath its root")
    case EXDEV:
      return HostIOError(
        operation: operation, path: path, value: value, errno: code,
        reason: "the path would resolve outside \(root)")
    default:
      return HostIOError(operation: operation, path: path, value: value, errno: code)
    }
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

  private func open(_ operation: String, _ path: String, flags: Int32, value: String? = nil)
    throws(HostIOError) -> Int32
  {
    switch directory.open(RootDirectory.components(path), flags: flags) {
    case .success(let fd): return fd
    case .failure(let code): throw failure(operation, path, value, code.value)
    }
  }

  private func parent(_ operation: String, _ path: String, create: Bool, value: String? = nil)
    throws(HostIOError) -> (fd: Int32, name: String)
  {
    switch directory.parent(of: path, create: create) {
    case .success(let pair): return pair
    case .failure(let code): throw failure(operation, path, value, code.value)
    }
  }

  /// Refuses anything but a regular file (FIFOs, devices, sockets, and
  /// directories): reading or writing them could block or reach a device.
  private func requireRegular(
    _ fd: Int32, _ operation: String, _ path: String, value: String? = nil, plainTree: Bool = false
  ) throws(HostIOError) {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure(operation, path, value, errno) }
    let type = info.st_mode & S_IFMT
    if type == S_IFDIR { throw failure(operation, path, value, EISDIR) }
    guard type == S_IFREG else {
      throw HostIOError(
        operation: operation, path: path, value: value, errno: EINVAL,
        reason: "not a regular file (a FIFO, device or socket is never read or written)")
    }
    if plainTree && info.st_nlink > 1 {
      throw HostIOError(
        operation: operation, path: path, value: value, errno: EMLINK,
        reason: "a plain file with \(info.st_nlink) hard links: apply never writes through one")
    }
  }

  public func read(_ path: String) throws(HostIOError) -> String {
    let path = netClass(path)
    try checked("read", path)
    let fd = try open("read", path, flags: O_RDONLY | O_NONBLOCK)
    return try readAll(fd, path)
  }

  public func readResolvingLinks(_ path: String) throws(HostIOError) -> String {
    try checked("read", path)
    switch directory.openResolvingLinks(RootDirectory.components(path)) {
    case .success(let fd): return try readAll(fd, path)
    case .failure(let code): throw failure("read", path, nil, code.value)
    }
  }

  /// Reads a regular file's descriptor to the end (at most 16 MiB) and closes it.
  private func readAll(_ fd: Int32, _ path: String) throws(HostIOError) -> String {
    defer { close(fd) }
    try requireRegular(fd, "read", path)
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw failure("read", path, nil, errno)
      }
      if n == 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
      if bytes.count > 16 << 20 {
        throw HostIOError(operation: "read", path: path, errno: EFBIG, reason: "larger than 16 MiB")
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `.missing` when the path or a directory on the way does not exist;
  /// `.other` for anything that is not a plain file or directory, a
  /// symbolic link included, or when a link on the way stops the lookup.
  public func kind(_ path: String) -> HostFileKind {
    let path = netClass(path)
    guard (try? checked("stat", path)) != nil else { return .missing }
    if path == "/" { return directory.descriptor >= 0 ? .directory : .missing }
    let fd: Int32
    let name: String
    switch directory.parent(of: path, create: false) {
    case .success(let pair): (fd, name) = pair
    case .failure(let code):
      return code.value == ENOENT || code.value == ENOTDIR ? .missing : .other
    }
    defer { close(fd) }
    var info = stat()
    guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
      return errno == ENOENT || errno == ENOTDIR ? .missing : .other
    }
    switch info.st_mode & S_IFMT {
    case S_IFDIR: return .directory
    case S_IFREG: return .file
    default: return .other
    }
  }

  public func list(_ path: String) throws(HostIOError) -> [String] {
    let path = netClass(path)
    try checked("list", path)
    let fd = try open("list", path, flags: O_RDONLY | O_DIRECTORY)
    guard let dir = fdopendir(fd) else {
      let code = errno
      close(fd)
      throw failure("list", path, nil, code)
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
    let path = netClass(path)
    try checked("write", path, value)
    beginMutation()
    let (directoryFD, name) = try parent("write", path, create: false, value: value)
    defer { close(directoryFD) }
    // Kernel files exist or not; only a plain directory tree gets new files,
    // so a missing interface file reports the kernel's ENOENT.
    let kernel = RootDirectory.isKernelFilesystem(directoryFD)
    let directoryReal = openat(directoryFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryReal >= 0 else { throw failure("write", path, value, errno) }
    defer { close(directoryReal) }
    var fd = mk_openat(
      directoryReal, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0)
    if fd < 0 && errno == ENOENT && !kernel {
      fd = mk_openat(
        directoryReal, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    } else if fd < 0 && errno == ENOENT {
      errno = ENOENT
    }
    guard fd >= 0 else { throw failure("write", path, value, errno) }
    defer { close(fd) }
    try requireRegular(fd, "write", path, value: value, plainTree: !kernel)
    if !kernel && ftruncate(fd, 0) != 0 { throw failure("write", path, value, errno) }
    // A zero-length write never reaches a kernel handler: clear with a newline.
    let bytes = Array((value.isEmpty ? "\n" : value).utf8)
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    if n < 0 { throw failure("write", path, value, errno) }
    if n != bytes.count {
      throw HostIOError(
        operation: "write", path: path, value: value, errno: EIO,
        reason: "short write: \(n) of \(bytes.count) bytes")
    }
  }

  public func makeDirectory(_ path: String) throws(HostIOError) {
    try checked("mkdir", path)
    beginMutation()
    let (directoryFD, name) = try parent("mkdir", path, create: false)
    defer { close(directoryFD) }
    guard mkdirat(directoryFD, name, 0o755) == 0 else { throw failure("mkdir", path, nil, errno) }
  }

  public func removeDirectory(_ path: String) throws(HostIOError) {
    try checked("rmdir", path)
    beginMutation()
    let (directoryFD, name) = try parent("rmdir", path, create: false)
    defer { close(directoryFD) }
    if unlinkat(directoryFD, name, AT_REMOVEDIR) == 0 { return }
    let firstErrno = errno
    guard firstErrno == ENOTEMPTY || firstErrno == EEXIST else {
      throw failure("rmdir", path, nil, firstErrno)
    }
    let target = try open("rmdir", path, flags: O_RDONLY | O_DIRECTORY)
    defer { close(target) }
    guard !RootDirectory.isKernelFilesystem(target) else {
      throw failure("rmdir", path, nil, firstErrno)
    }
    // A plain directory tree standing in for cgroupfs: drop the interface
    // files, and nothing else. Every name is checked before any is removed.
    let names = try list(path)
    for name in names {
      var info = stat()
      guard fstatat(target, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw failure("rmdir", path, nil, errno)
      }
      let type = info.st_mode & S_IFMT
      if type == S_IFDIR {
        throw HostIOError(
          operation: "rmdir", path: path, errno: EBUSY, reason: "it still has a child \(name)")
      }
      guard type == S_IFREG, CgroupOwnership.isInterfaceFile(name) else {
        throw HostIOError(
          operation: "rmdir", path: path, errno: ENOTEMPTY,
          reason:
            "it holds \(Quoted.text(name)), which is not a cgroup interface file; nothing was removed"
        )
      }
    }
    for name in names where unlinkat(target, name, 0) != 0 && errno != ENOENT {
      throw failure("rmdir", path + "/" + name, nil, errno)
    }
    guard unlinkat(directoryFD, name, AT_REMOVEDIR) == 0 else {
      throw failure("rmdir", path, nil, errno)
    }
  }

  /// A name no other writer can guess, for temporary files.
  static func randomHex(_ bytes: Int = 16) -> String {
    var buffer = [UInt8](repeating: 0, count: bytes)
    var filled = 0
    while filled < bytes {
      let n = buffer.withUnsafeMutableBytes {
        getrandom($0.baseAddress! + filled, bytes - filled, 0)
      }
      if n > 0 { filled += n } else if errno != EINTR { break }
    }
    if filled < bytes {
      // getrandom cannot fail on Linux >= 3.17 once seeded; never reuse a name anyway.
      var seed = SystemRandomNumberGenerator()
      for index in filled..<bytes { buffer[index] = UInt8.random(in: 0...255, using: &seed) }
    }
    return buffer.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
  }

  private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes {
        Glibc.write(fd, $0.baseAddress! + written, $0.count - written)
      }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return n < 0 ? errno : EIO }
      written += n
    }
    return nil
  }

  public func replaceAtomically(_ path: String, _ content: String) throws(HostIOError) {
    try checked("replace", path)
    beginMutation()
    let (pathFD, name) = try parent("replace", path, create: true)
    defer { close(pathFD) }
    let directoryFD = openat(pathFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryFD >= 0 else { throw failure("replace", path, nil, errno) }
    defer { close(directoryFD) }
    let temporary = ".\(name).mkpolicy-\(Self.randomHex(8))"
    let fd = mk_openat(
      directoryFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("replace", path, nil, errno) }
    if let code = writeAll(fd, Array(content.utf8)) {
      close(fd)
      unlinkat(directoryFD, temporary, 0)
      throw failure("replace", path, nil, code)
    }
    if fsync(fd) != 0 {
      let code = errno
      close(fd)
      unlinkat(directoryFD, temporary, 0)
      throw failure("fsync", path, nil, code)
    }
    close(fd)
    // rename(2) replaces a link at `name` itself and never follows it.
    guard renameat(directoryFD, temporary, directoryFD, name) == 0 else {
      let code = errno
      unlinkat(directoryFD, temporary, 0)
      throw failure("rename", path, nil, code)
    }
    guard fsync(directoryFD) == 0 else { throw failure("fsync directory of", path, nil, errno) }
  }

  public func createExclusive(_ path: String, _ content: String) throws(HostIOError) {
    try checked("create", path, content)
    beginMutation()
    let (pathFD, name) = try parent("create", path, create: true, value: content)
    defer { close(pathFD) }
    let directoryFD = openat(pathFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryFD >= 0 else { throw failure("create", path, content, errno) }
    defer { close(directoryFD) }
    let fd = mk_openat(
      directoryFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("create", path, content, errno) }
    let code = writeAll(fd, Array(content.utf8))
    fsync(fd)
    close(fd)
    if let code {
      unlinkat(directoryFD, name, 0)
      throw failure("create", path, content, code)
    }
  }

  public func removeFile(_ path: String) throws(HostIOError) {
    let path = netClass(path)
    try checked("remove", path)
    beginMutation()
    let (directoryFD, name) = try parent("remove", path, create: false)
    defer { close(directoryFD) }
    guard unlinkat(directoryFD, name, 0) == 0 else { throw failure("remove", path, nil, errno) }
  }

  // MARK: Lock

  public func lock(_ path: String, holder: String) throws(HostIOError) -> (any HostIOLock)? {
    try checked("lock", path)
    let (pathFD, name) = try parent("lock", path, create: true)
    defer { close(pathFD) }
    let directoryFD = openat(pathFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryFD >= 0 else { throw failure("lock", path, nil, errno) }
    defer { close(directoryFD) }
    // Whoever can write the state directory can plant a journal: it must be
    // this user's and not writable by everyone.
    var info = stat()
    guard fstat(directoryFD, &info) == 0 else { throw failure("lock", path, nil, errno) }
    let directoryPath = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
    if info.st_uid != geteuid() {
      throw HostIOError(
        operation: "open", path: directoryPath, errno: EPERM,
        reason: "owned by uid \(info.st_uid), not by this user (uid \(geteuid()))")
    }
    if (info.st_mode & 0o002) != 0 {
      throw HostIOError(
        operation: "open", path: directoryPath, errno: EPERM,
        reason: "writable by every user (mode \(String(info.st_mode & 0o7777, radix: 8)))")
    }
    let fd = mk_openat(
      directoryFD, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("lock", path, nil, errno) }
    do throws(HostIOError) {
      try requireRegular(fd, "lock", path)
    } catch {
      close(fd)
      throw error
    }
    if stopBeforeLock { kill(getpid(), SIGSTOP) }
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      if errno == EINTR { continue }
      let code = errno
      close(fd)
      if code == EWOULDBLOCK { return nil }
      throw failure("lock", path, nil, code)
    }
    // For people only: who holds it. The lock is the flock, not this text.
    let bytes = Array(holder.utf8)
    if ftruncate(fd, 0) == 0 {
      _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }
    return DescriptorLock(fd)
  }

  // MARK: Commands

  /// A program name apply may look up: a plain file name.
  static func isProgramName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 64
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || "-_.+".unicodeScalars.contains($0)
      } && name != "." && name != ".."
  }

  public func commandProblem(_ program: String) -> HostIOError? {
    guard Self.isProgramName(program) else {
      return HostIOError(
        operation: "run", path: program, errno: EINVAL, reason: "not a plain program name")
    }
    switch directory.openProgram(program) {
    case .success(let (fd, _)):
      close(fd)
      return nil
    case .failure(let code):
      return notFound(program, code.value)
    }
  }

  func notFound(_ program: String, _ code: Int32) -> HostIOError {
    let places = RootDirectory.programDirectories.map { "/" + $0 }.joined(separator: ", ")
    let inRoot = root == "/" ? "" : " inside \(root) (commands never run from the machine itself)"
    return HostIOError(
      operation: "run", path: program, errno: code,
      reason: "no executable \(program) in \(places)\(inRoot)")
  }

  public func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
    try checked("run", evidence)
    let shown = argv.joined(separator: " ")
    guard let program = argv.first, Self.isProgramName(program) else {
      throw HostIOError(
        operation: "run", path: shown, errno: EINVAL, reason: "not a plain program name")
    }
    beginMutation()
    let (evidencePathFD, evidenceName) = try parent("run", evidence, create: true)
    defer { close(evidencePathFD) }
    let evidenceDirectory = openat(evidencePathFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard evidenceDirectory >= 0 else { throw failure("run", evidence, nil, errno) }
    defer { close(evidenceDirectory) }
    let programFD: Int32
    switch directory.openProgram(program) {
    case .success(let (fd, _)): programFD = fd
    case .failure(let code): throw notFound(program, code.value)
    }
    defer { close(programFD) }
    let workingDirectory = Glibc.open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    defer { if workingDirectory >= 0 { close(workingDirectory) } }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    // The child creates its evidence file itself, just before exec, in the
    // state directory's descriptor: a leftover or planted file (same name)
    // makes the spawn fail with EEXIST instead of being taken as proof.
    mk_spawn_addfchdir(&actions, evidenceDirectory)
    posix_spawn_file_actions_addopen(
      &actions, 1, evidenceName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    if workingDirectory >= 0 { mk_spawn_addfchdir(&actions, workingDirectory) }
    // dup2 onto itself clears FD_CLOEXEC in the child: the program is run by
    // its descriptor (no path lookup between the check and the exec).
    posix_spawn_file_actions_adddup2(&actions, programFD, programFD)
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
    cArgs.append(nil)
    defer { for pointer in cArgs { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/proc/self/fd/\(programFD)", &actions, nil, cArgs, environ)
    guard spawned == 0 else {
      if spawned == EEXIST {
        throw HostIOError(
          operation: "run", path: shown, errno: EEXIST,
          reason: "its evidence file \(evidence) already exists; it was not run")
      }
      throw failure("run", shown, nil, spawned)
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { throw failure("run", shown, nil, errno) }
    }
    let output = (try? read(evidence)) ?? ""
    // WIFEXITED / WEXITSTATUS, written out: the macros are not imported.
    let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return CommandResult(status: exitCode, output: output)
  }
}

/// An flock held on an open descriptor: released by `release()` or when
/// the process ends, however it ends (no stale lock to guess about).
final class DescriptorLock: HostIOLock {
  private var fd: Int32
  init(_ fd: Int32) { self.fd = fd }
  func release() {
    guard fd >= 0 else { return }
    flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }
  deinit { release() }
}
