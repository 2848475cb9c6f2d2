import MKCore
import MKTopology

/// Binds a plan to the host it was computed for: its hardware identity
/// (machine id, CPUs, PCI devices, a digest over the hardware alone), the
/// kernel release, and the facts of the boot (boot id, online CPUs), plus a
/// SHA-256 over the topology's deterministic JSON snapshot, so any change to
/// the host the plan depends on changes the digest.
///
/// The digest leaves out what changes from one moment to the next on an
/// unchanged host (free memory, huge page pool sizes, current IRQ
/// affinities, whether irqbalance runs, the boot id, which has its own
/// field): planning the same policy twice on the same host must give
/// byte-identical plans. The hardware digest leaves out, in addition, what
/// a reboot of the same machine may change, so that a plan can be bound to
/// the machine rather than to one boot.
public enum HostFingerprinter {
  public static func fingerprint(_ topology: Topology) -> HostFingerprint {
    HostFingerprint(
      bootId: topology.kernel.bootId, kernelRelease: topology.kernel.release,
      onlineCPUs: topology.onlineCPUs, devices: topology.devices.map(\.pciAddress).sorted(),
      digest: "sha256:" + SHA256.hex(TopologySnapshot.jsonBytes(topology.withoutVolatileState())),
      hostName: topology.hostName, machineId: topology.machineId,
      cpus: CPUSet(topology.threads.map(\.cpu)), hardwareDigest: hardwareDigest(topology))
  }

  /// `sha256:` + the digest of `hardwareIdentity(topology)`.
  public static func hardwareDigest(_ topology: Topology) -> String {
    "sha256:" + SHA256.hex(hardwareIdentity(topology).utf8)
  }

  /// The text the hardware digest is taken over: one line per fact, in
  /// canonical order, so that anyone can recompute it from a snapshot.
  public static func hardwareIdentity(_ topology: Topology) -> String {
    let t = topology.canonicalized()
    var lines = ["architecture \(t.architecture)", "machine-id \(t.machineId ?? "-")"]
    for package in t.packages {
      for die in package.dies {
        for node in die.nodes {
          lines.append("node \(node.id) package \(package.id) die \(die.id)")
          for cache in node.cacheDomains {
            lines.append("  cache \(cache.id) level \(cache.level) size \(cache.sizeBytes)")
            for core in cache.cores {
              let threads = core.threads.map { thread in
                "\(thread.cpu)/\(thread.physicalId.map(String.init) ?? "-")"
              }
              lines.append(
                "    core \(core.id) \(core.type?.rawValue ?? "-") "
                  + threads.joined(separator: " "))
            }
          }
        }
      }
    }
    for device in t.devices {
      lines.append(
        "device \(device.pciAddress) \(device.classCode) \(device.vendorId):\(device.deviceId)")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
