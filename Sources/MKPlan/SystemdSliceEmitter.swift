import MKCore
import MKPolicy
import MKTopology

/// systemd units for workloads that systemd launches (`launch: systemd`):
/// the parent slice (`mkpolicy.slice`), one slice per such workload whose
/// cgroup is exactly the directory the cgroup tree manages
/// (`mkpolicy.slice/mkpolicy-market_data.slice`, see
/// `Workload.cgroupDirectoryName`), and a drop-in for the workload's service
/// (`feed-handler.service.d/50-mkpolicy.conf`) that puts it in that slice,
/// on the workload's CPUs, with `Delegate=yes` when it builds its own cgroups.
///
/// The slices carry the same values as the cgroup v2 files of their
/// directories (taken from them, not recomputed), so that systemd writing
/// them when it starts a slice changes nothing apply wrote. systemd has no
/// directive for `cpuset.cpus.partition` or `cpuset.cpus.exclusive`: those
/// stay with the cgroup writes, which the units' comments say. systemd
/// manages cpusets only on the unified hierarchy, so on cgroup v1 and hybrid
/// hosts `launch: systemd` is refused (E450).
public struct SystemdSliceEmitter: Sendable {
  public static let directory = "/etc/systemd/system"
  public static let dropInName = "50-mkpolicy.conf"

  public init() {}

  public func emit(
    _ input: PlanInput, _ settings: [CgroupSettings], directories: [CgroupDirectory],
    mode: CgroupMode
  ) -> (units: [FileWrite], diagnostics: [Diagnostic]) {
    let launched = settings.filter { $0.launch.manager == .systemd }
    guard !launched.isEmpty else { return ([], []) }
    guard mode == .v2 else {
      return (
        [],
        launched.map {
          .error(
            "E450",
            "workload '\($0.name)' is launched by systemd, but this host's cgroups are \(mode.rawValue): systemd manages cpusets only on the unified (v2) hierarchy",
            at: input.policy.workload(named: $0.name)?.launch.location,
            help: [
              "boot with systemd.unified_cgroup_hierarchy=1, or use launch: cgroup and start the processes with cgexec or a supervisor"
            ])
        }
      )
    }
    let parent = input.policy.host.cgroupParent
    let policyName = ShellScriptEmitter.comment(input.policy.metadata.name)
    let byPath = Dictionary(directories.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    let parentPath = PlanBuilder.parentPath(parent, mode: mode)
    var units: [FileWrite] = []
    if let directory = byPath[parentPath] {
      var lines = [
        "# Written by mkpolicy: parent of every workload slice of policy \(policyName).",
        "[Unit]", "Description=mkpolicy workloads of policy \(policyName)", "", "[Slice]",
      ]
      lines += directives(directory, io: [])
      units.append(
        FileWrite(
          path: Self.directory + "/" + parent, content: lines.joined(separator: "\n") + "\n",
          provenance: input.hostProvenance))
    }
    for setting in launched {
      let path = parentPath + "/" + setting.directory
      guard let directory = byPath[path] else { continue }
      var lines = [
        "# Written by mkpolicy: workload \(setting.name) (\(ShellScriptEmitter.comment(setting.provenance.source ?? "policy"))), cgroup \(path)."
      ]
      if let partition = setting.partition {
        lines.append(
          "# Partition (\(partition)): systemd cannot set cpuset.cpus.partition; the cgroup writes do."
        )
      }
      lines += ["[Unit]", "Description=mkpolicy workload \(setting.name)", "", "[Slice]"]
      lines += directives(directory, io: setting.io)
      units.append(
        FileWrite(
          path: Self.directory + "/" + setting.directory,
          content: lines.joined(separator: "\n") + "\n", provenance: setting.provenance))
      if let unit = setting.launch.unit {
        var dropIn = [
          "# Written by mkpolicy: \(unit) runs workload \(setting.name) (\(ShellScriptEmitter.comment(setting.launchProvenance.source ?? "policy"))).",
          "[Service]",
          "Slice=\(setting.directory)",
          // The manager's CPUAffinity= (system.conf.d) would keep the service off its own CPUs.
          "CPUAffinity=\(setting.cpus.cpulist)",
        ]
        if setting.launch.delegate { dropIn.append("Delegate=yes") }
        units.append(
          FileWrite(
            path: Self.directory + "/" + unit + ".d/" + Self.dropInName,
            content: dropIn.joined(separator: "\n") + "\n", provenance: setting.launchProvenance))
      }
    }
    return (units, [])
  }

  /// The unit directives of a cgroup v2 directory's files.
  func directives(_ directory: CgroupDirectory, io: [CgroupSettings.IOLine]) -> [String] {
    var lines: [String] = []
    let devices = Dictionary(io.map { ($0.majorMinor, "/dev/" + $0.device) }) { a, _ in a }
    for file in directory.files {
      switch file.name {
      case KernelInterfaces.cpusetCPUs.cgroupFileName: lines.append("AllowedCPUs=\(file.value)")
      case KernelInterfaces.cpusetMems.cgroupFileName:
        lines.append("AllowedMemoryNodes=\(file.value)")
      case KernelInterfaces.cpuWeight.cgroupFileName: lines.append("CPUWeight=\(file.value)")
      case KernelInterfaces.cpuMax.cgroupFileName:
        let parts = file.value.split(separator: " ")
        if parts.count == 2, let quota = UInt64(parts[0]), let period = UInt64(parts[1]),
          period > 0
        {
          lines.append("CPUQuota=\(quota * 100 / period)%")
        }
      case KernelInterfaces.memoryMin.cgroupFileName:
        lines.append("MemoryMin=\(Self.bytes(file.value))")
      case KernelInterfaces.memoryHigh.cgroupFileName:
        lines.append("MemoryHigh=\(Self.bytes(file.value))")
      case KernelInterfaces.memoryMax.cgroupFileName:
        lines.append("MemoryMax=\(Self.bytes(file.value))")
      case KernelInterfaces.ioMax.cgroupFileName:
        let parts = file.value.split(separator: " ").map(String.init)
        guard let key = parts.first, let device = devices[key] else { continue }
        let names = [
          "rbps": "IOReadBandwidthMax", "wbps": "IOWriteBandwidthMax", "riops": "IOReadIOPSMax",
          "wiops": "IOWriteIOPSMax",
        ]
        for part in parts.dropFirst() {
          let pair = part.split(separator: "=").map(String.init)
          if pair.count == 2, let name = names[pair[0]] {
            lines.append("\(name)=\(device) \(pair[1])")
          }
        }
      default:
        continue
      }
    }
    return lines
  }

  /// `max` is `infinity` in unit files.
  static func bytes(_ value: String) -> String { value == "max" ? "infinity" : value }
}
