import ArgumentParser
import MKCore
import MKTopology

/// `mkpolicy discover`: read this host's topology (libnuma, libudev, sysfs)
/// and print it as a snapshot, or as a short summary for a reviewer.
struct DiscoverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "discover",
    abstract: "Discover this host's topology and print it as a HostTopology snapshot.",
    discussion: """
      Reads CPUs, caches, NUMA nodes, memory, huge pages, PCI devices and their IRQs, and the \
      kernel's cgroup and multikernel facts. Needs no root. Warnings say what could not be read \
      and what was assumed instead.
      """)

  @OptionGroup var output: SnapshotOutputOptions

  @Option(help: "Read /sys and /proc under this directory instead of the running host.")
  var root: String = "/"

  @Flag(help: "Read sysfs only, without libnuma and libudev.")
  var sysfsOnly = false

  @Option(help: "The snapshot's source comment (default: 'discovered on HOSTNAME').")
  var source: String?

  func run() throws {
    let discovery = LiveDiscovery(
      options: .init(root: root, useLibraries: !sysfsOnly, source: source))
    do {
      let result = try discovery.discover()
      SnapshotOutput.report(result.diagnostics)
      try output.emit(result.topology)
    } catch let error as DiagnosticError {
      SnapshotOutput.report(error.diagnostics)
      throw ExitCode.failure
    }
  }
}
