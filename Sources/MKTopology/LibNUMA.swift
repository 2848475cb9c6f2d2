/// The libnuma functions live discovery calls, resolved from `libnuma.so.1`
/// at first use (see `SharedLibrary` for why it is not linked).
///
/// The types follow `<numa.h>`; `struct bitmask *` stays opaque because
/// discovery only hands it back to libnuma. `numa_node_to_cpus` resolves to
/// its default version (libnuma_1.2, the bitmask form).
struct LibNUMA: @unchecked Sendable {
  // @unchecked: immutable C function pointers into a library never unloaded.
  typealias Bitmask = OpaquePointer

  let available: @convention(c) () -> Int32
  let maxNode: @convention(c) () -> Int32
  let nodeSize64: @convention(c) (Int32, UnsafeMutablePointer<Int64>?) -> Int64
  let allocateCPUMask: @convention(c) () -> Bitmask?
  let bitmaskFree: @convention(c) (Bitmask?) -> Void
  let numPossibleCPUs: @convention(c) () -> Int32
  let nodeToCPUs: @convention(c) (Int32, Bitmask?) -> Int32
  let bitmaskIsBitSet: @convention(c) (Bitmask?, UInt32) -> Int32
  let distance: @convention(c) (Int32, Int32) -> Int32

  static let soname = "libnuma.so.1"

  /// Loaded once per process; the error says why it could not be.
  static let loaded: Result<LibNUMA, SharedLibrary.LoadError> = {
    switch SharedLibrary.open(soname) {
    case .failure(let error): return .failure(error)
    case .success(let library):
      do throws(SharedLibrary.LoadError) {
        return .success(
          LibNUMA(
            available: try library.function("numa_available"),
            maxNode: try library.function("numa_max_node"),
            nodeSize64: try library.function("numa_node_size64"),
            allocateCPUMask: try library.function("numa_allocate_cpumask"),
            bitmaskFree: try library.function("numa_bitmask_free"),
            numPossibleCPUs: try library.function("numa_num_possible_cpus"),
            nodeToCPUs: try library.function("numa_node_to_cpus"),
            bitmaskIsBitSet: try library.function("numa_bitmask_isbitset"),
            distance: try library.function("numa_distance")))
      } catch {
        return .failure(error)
      }
    }
  }()
}
