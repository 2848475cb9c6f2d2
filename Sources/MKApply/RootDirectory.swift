import CMKSys
import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// The root apply works in, held as a directory descriptor, and the one way
/// to open anything beneath it: confinement by construction.
///
/// Every host path is opened relative to the root's descriptor with
/// `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)`:
/// a symbolic link anywhere on the way (`ROOT/sys/fs/cgroup` pointing
/// elsewhere, a planted link at a cgroup leaf) fails with `ELOOP`, and no
/// path can resolve outside the root. Where the kernel lacks `openat2`
/// (`ENOSYS`, before 5.6) the same rule is kept by walking the path one
/// component at a time with `openat(O_NOFOLLOW)` from the root's descriptor.
/// Paths reaching here are already absolute and normalised (no `.`, `..`
/// or empty component), so the walk cannot climb out either.
///
/// This holds for the live host too (`/`): apply's own paths contain no
/// link on a normal system, and one that appears there is an attack.
final class RootDirectory {
  let path: String
  /// mk_o_path() descriptor of the root, or -1 when it could not be opened.
  let descriptor: Int32
  let openErrno: Int32
  /// Forces the component walk (tests of the pre-5.6 path).
  let walkOnly: Bool

  init(path: String, walkOnly: Bool = false) {
    self.path = path
    self.walkOnly = walkOnly
    // The root itself is the operator's choice and may be reached through a link.
    let fd = Glibc.open(path, mk_o_path() | O_DIRECTORY | O_CLOEXEC)
    descriptor = fd
    openErrno = fd < 0 ? errno : 0
  }

  deinit { if descriptor >= 0 { close(descriptor) } }

  /// `/a/b/c` -> `["a", "b", "c"]`.
  static func components(_ path: String) -> [String] {
    path.split(separator: "/").map(String.init)
  }

  static let resolveConfined =
    mk_resolve_beneath() | mk_resolve_no_symlinks() | mk_resolve_no_magiclinks()

  /// Opens `components` beneath the root; `flags` get O_CLOEXEC and
  /// O_NOFOLLOW. Returns the descriptor or the errno (ELOOP for a link).
  func open(_ components: [String], flags: Int32, mode: mode_t = 0) -> Result<Int32, Errno32> {
    guard descriptor >= 0 else { return .failure(Errno32(openErrno)) }
    let all = flags | O_CLOEXEC | O_NOFOLLOW
    if !walkOnly {
      let relative = components.isEmpty ? "." : components.joined(separator: "/")
      let creating = (flags & O_CREAT) != 0
      // RESOLVE_NO_SYMLINKS covers the last component too (ELOOP); with
      // O_NOFOLLOW an O_PATH open would return the link itself instead.
      let fd = mk_openat2(
        descriptor, relative, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)),
        creating ? UInt64(mode) : 0, Self.resolveConfined)
      if fd >= 0 { return .success(fd) }
      if errno != ENOSYS { return .failure(Errno32(errno)) }
    }
    return walk(components, flags: all, mode: mode)
  }

  /// The pre-openat2 path: one `openat(O_NOFOLLOW)` per component.
  func walk(_ components: [String], flags: Int32, mode: mode_t) -> Result<Int32, Errno32> {
    var current = openat(descriptor, ".", mk_o_path() | O_DIRECTORY | O_CLOEXEC)
    guard current >= 0 else { return .failure(Errno32(errno)) }
    guard let last = components.last else {
      defer { close(current) }
      let fd = mk_openat(current, ".", flags & ~O_NOFOLLOW, UInt32(mode))
      return fd >= 0 ? .success(fd) : .failure(Errno32(errno))
    }
    for component in components.dropLast() {
      switch Self.descend(from: current, into: component) {
      case .success(let next): current = next
      case .failure(let code): return .failure(code)
      }
    }
    defer { close(current) }
    let fd = mk_openat(current, last, flags, UInt32(mode))
    guard fd >= 0 else {
      let code = errno
      return .failure(Errno32(code == ENOTDIR && Self.isLink(current, last) ? ELOOP : code))
    }
    // mk_o_path() | O_NOFOLLOW opens a link itself instead of failing.
    if (flags & mk_o_path()) != 0 {
      var info = stat()
      if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
        close(fd)
        return .failure(Errno32(ELOOP))
      }
    }
    return .success(fd)
  }

  /// One step of a walk: the directory `component` beneath `directory`
  /// (mk_o_path()), never through a link (ELOOP when `component` is one).
  /// `directory` is closed either way, so a walk holds one descriptor.
  static func descend(from directory: Int32, into component: String) -> Result<Int32, Errno32> {
    let next = openat(directory, component, mk_o_path() | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if next < 0 {
      let code = errno
      let link = isLink(directory, component)
      close(directory)
      return .failure(Errno32(link ? ELOOP : code))
    }
    close(directory)
    return .success(next)
  }

  static func isLink(_ directory: Int32, _ name: String) -> Bool {
    var info = stat()
    return fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0
      && (info.st_mode & S_IFMT) == S_IFLNK
  }

  /// The directory holding `path`'s last component (mk_o_path()), and that
  /// component's name. With `create`, missing directories on the way are
  /// made (0755), each one beneath the one before: never through a link.
  func parent(of path: String, create: Bool) -> Result<(fd: Int32, name: String), Errno32> {
    var components = Self.components(path)
    guard let name = components.popLast() else { return .failure(Errno32(EINVAL)) }
    if !create {
      switch open(components, flags: mk_o_path() | O_DIRECTORY) {
      case .success(let fd): return .success((fd, name))
      case .failure(let code): return .failure(code)
      }
    }
    guard descriptor >= 0 else { return .failure(Errno32(openErrno)) }
    var current = openat(descriptor, ".", mk_o_path() | O_DIRECTORY | O_CLOEXEC)
    guard current >= 0 else { return .failure(Errno32(errno)) }
    for component in components {
      if mkdirat(current, component, 0o755) != 0 && errno != EEXIST {
        let code = errno
        close(current)
        return .failure(Errno32(code))
      }
      switch Self.descend(from: current, into: component) {
      case .success(let next): current = next
      case .failure(let code): return .failure(code)
      }
    }
    return .success((current, name))
  }

  /// Opens `components` for reading, links resolved as if the root were `/`
  /// (`RESOLVE_IN_ROOT`): never outside the root. Without openat2, no link
  /// at all (the confined `open`).
  func openResolvingLinks(_ components: [String]) -> Result<Int32, Errno32> {
    guard descriptor >= 0 else { return .failure(Errno32(openErrno)) }
    if !walkOnly {
      let fd = mk_openat2(
        descriptor, components.isEmpty ? "." : components.joined(separator: "/"),
        UInt64(O_RDONLY | O_NONBLOCK | O_CLOEXEC), 0,
        mk_resolve_in_root() | mk_resolve_no_magiclinks())
      if fd >= 0 { return .success(fd) }
      if errno != ENOSYS { return .failure(Errno32(errno)) }
    }
    return open(components, flags: O_RDONLY | O_NONBLOCK)
  }

  /// Opens a program for `run` from the usual directories inside the root.
  /// Links are resolved as if the root were `/` (`RESOLVE_IN_ROOT`: an
  /// image's `/bin -> usr/bin` or `kerf -> /opt/kerf/bin/kerf` stay in the
  /// image); without openat2, no link at all. Never the machine's own
  /// program when the root is not `/`.
  func openProgram(_ name: String) -> Result<(fd: Int32, path: String), Errno32> {
    guard descriptor >= 0 else { return .failure(Errno32(openErrno)) }
    var firstError: Int32 = ENOENT
    for directory in Self.programDirectories {
      let relative = directory + "/" + name
      var fd: Int32 = -1
      if !walkOnly {
        fd = mk_openat2(
          descriptor, relative, UInt64(mk_o_path() | O_CLOEXEC), 0,
          mk_resolve_in_root() | mk_resolve_no_magiclinks())
      }
      if walkOnly || (fd < 0 && errno == ENOSYS) {
        switch walk(Self.components(relative), flags: mk_o_path() | O_CLOEXEC | O_NOFOLLOW, mode: 0)
        {
        case .success(let opened): fd = opened
        case .failure(let code):
          fd = -1
          errno = code.value
        }
      }
      if fd < 0 {
        if errno != ENOENT && firstError == ENOENT { firstError = errno }
        continue
      }
      var info = stat()
      if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && (info.st_mode & 0o111) != 0
      {
        return .success((fd, "/" + relative))
      }
      close(fd)
      if firstError == ENOENT { firstError = EACCES }
    }
    return .failure(Errno32(firstError))
  }

  /// Where programs are looked for, in this order (no PATH from the
  /// environment: apply runs as root).
  static let programDirectories = [
    "usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin",
  ]

  /// Whether a descriptor lies on cgroupfs, sysfs or procfs (statfs f_type).
  static func isKernelFilesystem(_ fd: Int32) -> Bool {
    switch mk_fs_type(fd) {
    case 0x6367_7270, 0x0027_e0eb, 0x6265_6572, 0x9fa0: true
    default: false
    }
  }
}

/// An errno as a value, so that it can be a `Result`'s failure.
struct Errno32: Error, Sendable, Equatable {
  var value: Int32
  init(_ value: Int32) { self.value = value }
}
