/// The libudev functions device discovery calls (the enumeration of PCI
/// devices; their attributes are read from sysfs), resolved from
/// `libudev.so.1` at first use (see `SharedLibrary` for why it is not
/// linked). The types follow `<libudev.h>`; every libudev object is opaque.
struct LibUDev: @unchecked Sendable {
  // @unchecked: immutable C function pointers into a library never unloaded.
  typealias Object = OpaquePointer
  typealias CString = UnsafePointer<CChar>

  let new: @convention(c) () -> Object?
  let unref: @convention(c) (Object?) -> Object?
  let enumerateNew: @convention(c) (Object?) -> Object?
  let enumerateUnref: @convention(c) (Object?) -> Object?
  let enumerateAddMatchSubsystem: @convention(c) (Object?, CString?) -> Int32
  let enumerateScanDevices: @convention(c) (Object?) -> Int32
  let enumerateGetListEntry: @convention(c) (Object?) -> Object?
  let listEntryGetName: @convention(c) (Object?) -> CString?
  let listEntryGetNext: @convention(c) (Object?) -> Object?

  static let soname = "libudev.so.1"

  /// Loaded once per process; the error says why it could not be.
  static let loaded: Result<LibUDev, SharedLibrary.LoadError> = {
    switch SharedLibrary.open(soname) {
    case .failure(let error): return .failure(error)
    case .success(let library):
      do throws(SharedLibrary.LoadError) {
        return .success(
          LibUDev(
            new: try library.function("udev_new"),
            unref: try library.function("udev_unref"),
            enumerateNew: try library.function("udev_enumerate_new"),
            enumerateUnref: try library.function("udev_enumerate_unref"),
            enumerateAddMatchSubsystem: try library.function("udev_enumerate_add_match_subsystem"),
            enumerateScanDevices: try library.function("udev_enumerate_scan_devices"),
            enumerateGetListEntry: try library.function("udev_enumerate_get_list_entry"),
            listEntryGetName: try library.function("udev_list_entry_get_name"),
            listEntryGetNext: try library.function("udev_list_entry_get_next")))
      } catch {
        return .failure(error)
      }
    }
  }()
}
