#if canImport(Glibc)
  import Glibc
#endif

/// A C library opened with `dlopen(3)` the first time discovery needs it.
///
/// libnuma and libudev are used only by live discovery. Linked the usual way,
/// every command would load them at start-up, and libnuma's ELF constructor
/// reads /proc/self/status and the NUMA node folders in sysfs before `main`:
/// about 0.7 ms of a `mkpolicy check` that never looks at the host
/// (Benchmarks/discovery/README.md). Opened here, only `discover` and a plan
/// against the live host pay for them.
///
/// The sonames are listed in `dist/dlopen-libraries`, which the Debian
/// package's Depends and the QEMU harness read (a dlopen'ed library is not in
/// the binary's `NEEDED`); PackagingTests keeps that list and this code together.
struct SharedLibrary: @unchecked Sendable {
  // @unchecked: the handle is never closed and only read (dlsym is thread-safe).
  let soname: String
  private let handle: UnsafeMutableRawPointer

  /// Why a library or one of its symbols is not available: `dlerror()`'s text.
  struct LoadError: Error, Sendable, CustomStringConvertible {
    var soname: String
    var reason: String
    var description: String { reason }
  }

  /// Opens `soname` (`libnuma.so.1`) from the loader's usual search path.
  static func open(_ soname: String) -> Result<SharedLibrary, LoadError> {
    guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
      return .failure(LoadError(soname: soname, reason: lastError() ?? "\(soname): not found"))
    }
    return .success(SharedLibrary(soname: soname, handle: handle))
  }

  /// The function `name` as the C function type `T` (a `@convention(c)`
  /// type that must match the library's header).
  func function<T>(_ name: String, as type: T.Type = T.self) throws(LoadError) -> T {
    _ = dlerror()
    guard let address = dlsym(handle, name) else {
      throw LoadError(
        soname: soname, reason: Self.lastError() ?? "\(soname): no symbol \(name)")
    }
    return unsafeBitCast(address, to: T.self)
  }

  private static func lastError() -> String? {
    dlerror().map { String(cString: $0) }
  }
}
