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
      Reads CPUs, caches, NUMA nodes, memory, huge pages, PCI devices and their IRQs, the \
      kernel's cgroup and multikernel facts, the host name and machine id. Needs no root. \
      Warnings say what could not be read; nothing is made up.

      The snapshot describes the host and is stable: re-discovering an unchanged host gives \
      the same bytes, so it can be kept in a repository. Volatile state (free memory, huge \
      page pool sizes, current IRQ affinities and which IRQs exist yet, irqbalance, the boot \
      id) is left out unless --volatile is given.
      """)

  @OptionGroup var output: SnapshotOutputOptions

  @Option(help: "Read /sys and /proc under this directory instead of the running host.")
  var root: String = "/"

  @Flag(help: "Read sysfs only, without libnuma and libudev.")
  var sysfsOnly = false

  @Option(help: "The snapshot's source comment (default: 'discovered on HOSTNAME').")
  var source: String?

  @Flag(
    help: """
      Also record volatile state: free memory, huge page pool sizes, IRQ affinities and \
      presence, irqbalance, the boot id (the snapshot then differs between two runs).
      """)
  var volatile = false

  func run() throws {
    try Invocation(
      root: root, sysfsOnly: sysfsOnly, source: source, volatile: volatile,
      output: output.settings
    ).run()
  }

  /// What `discover` does with its arguments' values, however they were
  /// parsed (here, or by `QuickDispatch` without the parser's structs).
  struct Invocation: QuickInvocation {
    var root = "/"
    var sysfsOnly = false
    var source: String?
    var volatile = false
    var output = SnapshotOutput.Settings()

    func run() throws {
      let discovery = LiveDiscovery(
        options: .init(
          root: root, useLibraries: !sysfsOnly, source: source, volatileState: volatile))
      do {
        let result = try discovery.discover()
        SnapshotOutput.report(result.diagnostics)
        try output.emit(volatile ? result.topology : result.topology.withoutVolatileState())
      } catch let error as DiagnosticError {
        SnapshotOutput.report(error.diagnostics)
        throw ExitCode.failure
      }
    }
  }
}
