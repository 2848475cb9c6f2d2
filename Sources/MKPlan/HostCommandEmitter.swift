import MKCore
import MKPolicy

/// The commands that make what a plan stages take effect, and the
/// reboot-required marker, from the assembled plan:
///
/// - boot staging: `update-grub` after the GRUB drop-in (Debian's
///   `grub-mkconfig -o /boot/grub/grub.cfg`, which reads
///   `/etc/default/grub.d/`), `kernel-install add` after `/etc/kernel/cmdline`
///   (it writes the command line into the running kernel's boot entry);
///   grubby edits the entries itself. Rollback runs them again once the
///   staged file is restored.
/// - irqbalance: `stop` also disables the unit, or it returns at boot
///   (rollback enables it again); `ban` restarts a running irqbalance after
///   its ban list changed, since it reads the list only when it starts.
/// - `systemctl daemon-reload` after unit files and drop-ins.
/// - the marker (`/run/reboot-required`, `.pkgs`) when anything planned takes
///   effect only at the next boot.
public struct HostCommandEmitter: Sendable {
  public init() {}

  public func emit(_ plan: Plan, policy: Policy, kernelRelease: String, rebootReasons: [String])
    -> (commands: [HostCommand], rebootRequired: RebootRequired?, diagnostics: [Diagnostic])
  {
    var commands: [HostCommand] = []
    var diagnostics: [Diagnostic] = []
    let host = Provenance(workload: nil, source: policy.host.location?.description)
    if plan.irqbalanceMode == IRQBalanceMode.stop.rawValue,
      plan.irqAffinity.contains(where: \.movable)
    {
      commands.append(
        HostCommand(
          id: "irqbalance:disable", kind: .irqbalanceDisable,
          argv: ["systemctl", "disable", "irqbalance"], rollback: .inverse,
          undo: ["systemctl", "enable", "irqbalance"], provenance: host))
    }
    for file in plan.fileWrites where file.path == IRQAffinityEmitter.irqbalanceConfig {
      commands.append(
        HostCommand(
          id: "irqbalance:restart", kind: .irqbalanceRestart,
          argv: ["systemctl", "try-restart", "irqbalance"], rollback: .rerun,
          triggers: [file.path], provenance: file.provenance))
    }
    if let staging = plan.bootStaging, let path = staging.path {
      switch Bootloader(rawValue: staging.bootloader) {
      case .grub?:
        commands.append(
          HostCommand(
            id: "boot:update-grub", kind: .bootloaderRegeneration, argv: ["update-grub"],
            rollback: .rerun, triggers: [path], provenance: host))
      case .kernelInstall?:
        if kernelRelease.isEmpty || !KernelPathPattern.accepts(.name, kernelRelease) {
          diagnostics.append(
            .warning(
              "E453",
              "the kernel release is unknown, so kernel-install cannot be told which entry to rewrite",
              at: policy.host.location,
              help: [
                "run `kernel-install add $(uname -r) /usr/lib/modules/$(uname -r)/vmlinuz` after apply, or plan against a discovered topology"
              ]))
        } else {
          commands.append(
            HostCommand(
              id: "boot:kernel-install", kind: .bootloaderRegeneration,
              argv: [
                "kernel-install", "add", kernelRelease, "/usr/lib/modules/\(kernelRelease)/vmlinuz",
              ], rollback: .rerun, triggers: [path], provenance: host))
        }
      case .grubby?, Bootloader.none?, nil:
        break
      }
    }
    if !plan.systemdUnits.isEmpty {
      commands.append(
        HostCommand(
          id: "systemd:daemon-reload", kind: .systemdReload, argv: ["systemctl", "daemon-reload"],
          rollback: .rerun, triggers: plan.systemdUnits.map(\.path), provenance: host))
    }
    var reasons = plan.changes.needsReboot.map(\.summary)
    reasons += rebootReasons
    return (commands, reasons.isEmpty ? nil : RebootRequired(reasons: reasons), diagnostics)
  }
}
