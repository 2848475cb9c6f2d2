import MKCore
import MKTopology

/// Binds a plan to the host state it was computed for: boot id, kernel
/// release, online CPUs, devices, and a SHA-256 over the topology's
/// deterministic JSON snapshot, so any change to the host the plan depends
/// on changes the digest.
///
/// The digest leaves out what changes from one moment to the next on an
/// unchanged host (free memory, free huge pages, current IRQ affinities,
/// whether irqbalance runs, the boot id, which has its own field): planning
/// the same policy twice on the same host must give byte-identical plans.
public enum HostFingerprinter {
  public static func fingerprint(_ topology: Topology) -> HostFingerprint {
    HostFingerprint(
      bootId: topology.kernel.bootId, kernelRelease: topology.kernel.release,
      onlineCPUs: topology.onlineCPUs, devices: topology.devices.map(\.pciAddress).sorted(),
      digest: "sha256:" + SHA256.hex(TopologySnapshot.json(topology.withoutVolatileState()).utf8))
  }
}
