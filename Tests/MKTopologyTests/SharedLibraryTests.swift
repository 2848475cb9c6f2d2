import MKTestSupport
import Testing

@testable import MKTopology

/// libnuma and libudev are opened with dlopen at first use; these check that
/// every function discovery calls resolves, and that a library or symbol that
/// is not there is an error that names it rather than a crash.
@Suite struct SharedLibraryTests {
  @Test func discoveryLibrariesResolveEveryFunction() throws {
    let numa = try LibNUMA.loaded.get()
    // The constructor has run: numa_available answers, and on any Linux
    // with or without NUMA numa_max_node is at least 0 when it is available.
    if numa.available() >= 0 { #expect(numa.maxNode() >= 0) }
    #expect(numa.numPossibleCPUs() >= 1)
    let udev = try LibUDev.loaded.get()
    let context = try #require(udev.new())
    #expect(udev.unref(context) == nil)
  }

  @Test func missingLibraryIsAnErrorNamingIt() {
    switch SharedLibrary.open("libmkpolicy-absent.so.9") {
    case .success: Issue.record("a library that does not exist was opened")
    case .failure(let error):
      #expect(error.soname == "libmkpolicy-absent.so.9")
      #expect(error.reason.contains("libmkpolicy-absent.so.9"), "\(error.reason)")
    }
  }

  @Test func missingSymbolIsAnErrorNamingIt() throws {
    let library = try SharedLibrary.open(LibNUMA.soname).get()
    #expect {
      let _: @convention(c) () -> Int32 = try library.function("numa_no_such_function")
    } throws: { error in
      "\(error)".contains("numa_no_such_function")
    }
  }

  /// The owner of a child device is its nearest PCI ancestor by sysfs path.
  @Test func childBelongsToNearestPCIAncestor() {
    let paths: [Substring: String] = [
      "/sys/devices/pci0000:00/0000:00:01.0": "0000:00:01.0",
      "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0": "0000:01:00.0",
    ]
    #expect(
      DeviceDiscovery.pciAddress(
        owning: "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/net/eth0", paths)
        == "0000:01:00.0")
    #expect(
      DeviceDiscovery.pciAddress(
        owning: "/sys/devices/pci0000:00/0000:00:01.0/virtio3/net/eth1", paths) == "0000:00:01.0")
    #expect(DeviceDiscovery.pciAddress(owning: "/sys/devices/virtual/block/loop0", paths) == nil)
    // A sibling whose name merely starts with the same characters is not a child.
    #expect(
      DeviceDiscovery.pciAddress(owning: "/sys/devices/pci0000:00/0000:00:01.00/net/x", paths)
        == nil)
  }
}
