import MKCore
import MKPolicy

/// stalld for tuned partitions that ask for it (`tuning.stalld: true`): a
/// unit of mkpolicy's own, `mkpolicy-stalld.service`, that runs stalld on the
/// host CPUs and has it watch the CPUs of those partitions, where a busy
/// realtime task could otherwise starve the kernel threads bound there
/// (`ksoftirqd`, `kworker`) for good once `rtThrottling: off`.
///
/// stalld is not part of Debian 12; the unit names `/usr/bin/stalld`, where
/// the upstream and Fedora/RHEL packages install it.
public struct StalldUnitEmitter: Sendable {
  public static let unitName = "mkpolicy-stalld.service"
  public static let binary = "/usr/bin/stalld"

  public init() {}

  public func emit(_ input: PlanInput) -> (unit: FileWrite, enable: HostCommand)? {
    let watched = TuningEmitter.tuned(input).filter { $0.tuning.stalld == true }
    guard let first = watched.first else { return nil }
    let cpus = watched.reduce(CPUSet()) { $0.union($1.assignment.cpus) }
    let confined = TuningEmitter.tuned(input).filter { $0.tuning.systemServices == .housekeeping }
      .reduce(CPUSet()) { $0.union($1.assignment.cpus) }
    let hostCPUs = TuningEmitter.hostCPUs(input, confined: confined.union(cpus))
    let provenance = TuningEmitter.provenance(input, first.workload, "stalld")
    let names = watched.map(\.workload.name).joined(separator: ", ")
    let content = """
      # Written by mkpolicy for policy \(ShellScriptEmitter.comment(input.policy.metadata.name)): \(ShellScriptEmitter.describe(provenance)).
      [Unit]
      Description=stalld watching the CPUs of \(names) (mkpolicy)
      Documentation=https://gitlab.com/rt-linux-tools/stalld

      [Service]
      Type=simple
      ExecStart=\(Self.binary) --foreground --cpu \(cpus.cpulist)
      CPUAffinity=\(hostCPUs.cpulist)
      Restart=on-failure

      [Install]
      WantedBy=multi-user.target

      """
    return (
      FileWrite(
        path: SystemdSliceEmitter.directory + "/" + Self.unitName, content: content,
        provenance: provenance),
      HostCommand(
        id: "unit:" + Self.unitName, kind: .unitEnable,
        argv: ["systemctl", "enable", "--now", Self.unitName], rollback: .inverse,
        undo: ["systemctl", "disable", "--now", Self.unitName], provenance: provenance)
    )
  }
}
