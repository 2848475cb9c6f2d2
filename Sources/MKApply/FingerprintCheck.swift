import MKCore
import MKPlan

/// Checks that a saved plan was made for this machine: its hardware identity
/// (`/etc/machine-id`, the CPUs, the PCI devices), the kernel release, and
/// the CPUs online. A plan made for other hardware could isolate the wrong
/// CPUs, so apply refuses it (exit 3). The boot id is *not* compared: a plan
/// stays valid across reboots of the same machine, which is what lets the
/// boot-time reconcile (`mkpolicy apply --last-applied`) restore it.
public struct FingerprintCheck {
  public let host: any HostIO

  public init(host: any HostIO) { self.host = host }

  /// The host's fingerprint fields as the seam reads them (sysfs, procfs).
  public func live() -> (
    machineID: String?, kernel: String?, online: CPUSet?, possible: CPUSet?, devices: [String]?
  ) {
    let machine = (try? host.readResolvingLinks("/etc/machine-id"))?.trimmingASCIIWhitespace()
    let kernel = (try? host.readResolvingLinks("/proc/sys/kernel/osrelease"))?
      .trimmingASCIIWhitespace()
    let online = (try? host.readResolvingLinks("/sys/devices/system/cpu/online")).flatMap {
      try? CPUSet(cpulist: $0, allowEmpty: true)
    }
    let possible = (try? host.readResolvingLinks("/sys/devices/system/cpu/possible")).flatMap {
      try? CPUSet(cpulist: $0, allowEmpty: true)
    }
    let devices = (try? host.list("/sys/bus/pci/devices"))?.filter { !isBridge($0) }
    return (machine, kernel, online, possible, devices)
  }

  /// Bridges (PCI class 0x06) are left out here as discovery leaves them out
  /// of the topology, and so of the plan's fingerprint; otherwise every plan
  /// of a machine with a bridge would look stale.
  private func isBridge(_ address: String) -> Bool {
    guard let classCode = try? host.readResolvingLinks("/sys/bus/pci/devices/\(address)/class")
    else {
      return false
    }
    return classCode.trimmingASCIIWhitespace().lowercased().hasPrefix("0x06")
  }

  /// What changed since the plan was made; empty when the plan still fits.
  public func changes(_ fingerprint: HostFingerprint) -> [String] {
    let now = live()
    var out: [String] = []
    // A root without /etc/machine-id (an image being prepared, a test
    // tree) is bound by the other facts; one that names another machine is not
    // this plan's.
    if let machine = now.machineID, !machine.isEmpty {
      if let planned = fingerprint.machineId {
        if machine != planned {
          out.append("machine id: the plan was made on machine \(planned), this is \(machine)")
        }
      } else {
        // A plan whose machine id was deleted (or made from a machine-less
        // snapshot) must not pass as this machine's.
        out.append("machine id: the plan names no machine, this is \(machine)")
      }
    }
    // Every CPU of the hardware must still exist (offline ones included).
    if let planned = fingerprint.cpus, let possible = now.possible,
      !planned.isSubset(of: possible)
    {
      out.append(
        "CPUs: the plan's hardware has CPUs \(planned.cpulist), this machine \(possible.cpulist)")
    }
    if let kernel = now.kernel {
      if kernel != fingerprint.kernelRelease {
        out.append("kernel release: planned for \(fingerprint.kernelRelease), running \(kernel)")
      }
    } else {
      out.append("kernel release: cannot read /proc/sys/kernel/osrelease")
    }
    if let online = now.online {
      if online != fingerprint.onlineCPUs {
        var detail: [String] = []
        let gone = fingerprint.onlineCPUs.subtracting(online)
        let added = online.subtracting(fingerprint.onlineCPUs)
        if !gone.isEmpty { detail.append("\(gone.cpulist) went offline") }
        if !added.isEmpty { detail.append("\(added.cpulist) came online") }
        out.append(
          "online CPUs: planned \(fingerprint.onlineCPUs.cpulist), now \(online.cpulist) (\(detail.joined(separator: ", ")))"
        )
      }
    } else {
      out.append("online CPUs: cannot read /sys/devices/system/cpu/online")
    }
    // Compared even when the plan lists none: emptying the list must not
    // switch the check off.
    do {
      let have = Set(now.devices ?? [])
      let planned = Set(fingerprint.devices)
      let gone = planned.subtracting(have).sorted()
      let added = have.subtracting(planned).sorted()
      if !gone.isEmpty { out.append("devices: \(gone.joined(separator: ", ")) no longer present") }
      if !added.isEmpty { out.append("devices: \(added.joined(separator: ", ")) appeared") }
    }
    return out
  }
}
