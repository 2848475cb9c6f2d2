import MKCore
import MKPolicy

/// The cgroup settings as systemd slice units, for hosts where systemd owns
/// the cgroup tree: `mkpolicy.slice` and one `mkpolicy-NAME.slice` per host
/// workload (systemd derives the nesting from the dash).
///
/// systemd has no directive for `cpuset.cpus.partition`; partitions keep
/// their CPUs through `AllowedCPUs=` and get exclusivity from the cgroup
/// writes, which the units' comments say.
public struct SystemdSliceEmitter: Sendable {
  public static let directory = "/etc/systemd/system"

  public init() {}

  public func emit(_ input: PlanInput, _ settings: [CgroupSettings]) -> (
    units: [FileWrite], diagnostics: [Diagnostic]
  ) {
    guard !settings.isEmpty else { return ([], []) }
    let parent = input.policy.host.cgroupParent
    guard !parent.contains("/"), parent.hasSuffix(".slice"), parent.count > ".slice".count else {
      return (
        [],
        [
          .warning(
            "E412",
            "cgroup parent '\(parent)' is not a top-level systemd slice; no systemd units are emitted",
            at: input.policy.host.location,
            help: ["use a parent such as mkpolicy.slice to get slice units as well"])
        ]
      )
    }
    let prefix = String(parent.dropLast(".slice".count))
    let allCPUs = settings.reduce(input.assignment.sharedPool) { $0.union($1.cpus) }
    let allMems = settings.reduce(CPUSet()) { $0.union($1.mems) }
    var units: [FileWrite] = []
    units.append(
      FileWrite(
        path: Self.directory + "/" + parent,
        content: """
          # Written by mkpolicy: parent of every workload slice of policy \(input.policy.metadata.name).
          [Unit]
          Description=mkpolicy workloads of policy \(input.policy.metadata.name)

          [Slice]
          AllowedCPUs=\(allCPUs.cpulist)
          AllowedMemoryNodes=\(allMems.cpulist)

          """, provenance: input.hostProvenance))
    for setting in settings {
      var lines = [
        "# Written by mkpolicy: workload \(setting.name) (\(setting.provenance.source ?? "policy"))."
      ]
      if let partition = setting.partition {
        lines.append(
          "# Partition (\(partition)): systemd cannot set cpuset.cpus.partition; the cgroup writes do."
        )
      }
      lines += ["[Unit]", "Description=mkpolicy workload \(setting.name)", "", "[Slice]"]
      lines.append("AllowedCPUs=\(setting.cpus.cpulist)")
      lines.append("AllowedMemoryNodes=\(setting.mems.cpulist)")
      lines.append("CPUWeight=\(setting.weight)")
      if let quota = setting.quotaCPUs { lines.append("CPUQuota=\(quota * 100)%") }
      if setting.hasMemoryLimits {
        lines.append("MemoryMin=\(setting.memoryMin ?? 0)")
        lines.append("MemoryHigh=\(setting.memoryHigh.map { "\($0)" } ?? "infinity")")
        lines.append("MemoryMax=\(setting.memoryMax.map { "\($0)" } ?? "infinity")")
      }
      for line in setting.io {
        let device = "/dev/" + line.device
        if let v = line.readBps { lines.append("IOReadBandwidthMax=\(device) \(v)") }
        if let v = line.writeBps { lines.append("IOWriteBandwidthMax=\(device) \(v)") }
        if let v = line.readIOPS { lines.append("IOReadIOPSMax=\(device) \(v)") }
        if let v = line.writeIOPS { lines.append("IOWriteIOPSMax=\(device) \(v)") }
      }
      units.append(
        FileWrite(
          path: Self.directory + "/" + prefix + "-" + Self.escape(setting.name) + ".slice",
          content: lines.joined(separator: "\n") + "\n", provenance: setting.provenance))
    }
    return (units, [])
  }

  /// `systemd-escape`: a dash inside a name is `\x2d`, since a plain dash
  /// means nesting in a slice name.
  public static func escape(_ name: String) -> String {
    name.replacingAll("-", with: "\\x2d")
  }
}
