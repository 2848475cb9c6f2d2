import MKCore

/// What finishes a host besides cgroups, IRQ affinity and boot staging: the
/// tuning of realtime and low latency partitions (sysctls, workqueue mask,
/// cpufreq and idle limits, NIC queues, system services' CPU affinity,
/// stalld), the commands that make staged files take effect (bootloader
/// regeneration, irqbalance, `systemctl daemon-reload`) and the
/// reboot-required marker.
///
/// Every write names the `KernelInterface` that describes its file, so the
/// applier checks, journals, reads back and rolls it back like every other
/// write. Apply performs it in this order: `commands` of kind `nicChannels`
/// (the queues must exist before their masks are written), `kernelWrites`,
/// `files`, the remaining `commands` (each once one of its `triggers` changed),
/// then the reboot-required marker.
public struct HostSetup: Sendable, Hashable, Codable {
  public var kernelWrites: [KernelWrite] = []
  /// Configuration files written whole (`/etc/sysctl.d`, `system.conf.d`).
  public var files: [FileWrite] = []
  public var commands: [HostCommand] = []
  /// Set when the plan changes something that takes effect only at the next
  /// boot: apply writes Debian's `/run/reboot-required` marker and adds
  /// `mkpolicy` to `/run/reboot-required.pkgs` (keeping the lines there).
  public var rebootRequired: RebootRequired?

  public init() {}

  public var isEmpty: Bool {
    kernelWrites.isEmpty && files.isEmpty && commands.isEmpty && rebootRequired == nil
  }
}

/// One write under `/proc` or `/sys` of the host setup.
public struct KernelWrite: Sendable, Hashable, Codable {
  public var path: String
  public var value: String
  /// `KernelInterface.id` of the file (`workqueue.cpumask`).
  public var interface: String
  public var provenance: Provenance

  public init(path: String, value: String, interface: String, provenance: Provenance) {
    self.path = path
    self.value = value
    self.interface = interface
    self.provenance = provenance
  }
}

extension KernelWrite {
  /// The write of `value` to the file `interface` describes, its placeholders
  /// filled with `values`; nil when a value does not fit the file (the
  /// emitters then report E452 rather than plan a write the kernel refuses).
  public static func make(
    _ interface: KernelInterface, _ values: [String], _ value: String, _ provenance: Provenance
  ) -> KernelWrite? {
    guard interface.problem(with: value) == nil, let path = interface.pattern.path(values) else {
      return nil
    }
    return KernelWrite(path: path, value: value, interface: interface.id, provenance: provenance)
  }
}

extension [KernelWrite] {
  /// Appends the write, or an E452 error naming the file and value when the
  /// value or a path component does not fit the file.
  mutating func add(
    _ interface: KernelInterface, _ values: [String], _ value: String, _ provenance: Provenance,
    diagnostics: inout [Diagnostic]
  ) {
    if let write = KernelWrite.make(interface, values, value, provenance) {
      append(write)
    } else {
      diagnostics.append(
        .error(
          "E452",
          "cannot plan \(interface.pattern) with \(values) = \(quoted(value)): \(interface.problem(with: value) ?? "a path component does not fit")",
          help: ["this is a bug in mkpolicy or a topology with impossible names: report it"]))
    }
  }
}

/// A command of the host setup, typed by what it is for, with how rollback
/// undoes it.
public struct HostCommand: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `ethtool -L DEV combined N`: the NIC's queue count.
    case nicChannels
    /// `update-grub` / `kernel-install add`: the boot entries from the staged file.
    case bootloaderRegeneration
    /// `systemctl disable irqbalance`, after `host.irqbalance: stop` stopped it.
    case irqbalanceDisable
    /// `systemctl try-restart irqbalance`: it reads its ban list only when it starts.
    case irqbalanceRestart
    /// `systemctl daemon-reload`: systemd reads new units and drop-ins.
    case systemdReload
    /// `systemctl enable --now UNIT` for a unit the plan ships (stalld).
    case unitEnable
  }

  /// How rollback undoes the command.
  public enum Rollback: String, Sendable, Hashable, Codable {
    /// Run `undo`.
    case inverse
    /// Run `argv` again once the files before it are restored (regeneration
    /// and restarts read the restored files).
    case rerun
    /// Apply records the state the command changes before running it and
    /// restores that (`nicChannels`: the queue count under
    /// `/sys/class/net/DEV/queues`, restored with the same command).
    case restorePrior
  }

  /// Stable id (`nic:ens2f0`, `boot:update-grub`).
  public var id: String
  public var kind: Kind
  public var argv: [String]
  public var rollback: Rollback
  public var undo: [String]?
  /// The files whose change makes the command necessary (empty: run when
  /// `argv` differs from the last applied plan's).
  public var triggers: [String]
  public var provenance: Provenance

  public init(
    id: String, kind: Kind, argv: [String], rollback: Rollback, undo: [String]? = nil,
    triggers: [String] = [], provenance: Provenance
  ) {
    self.id = id
    self.kind = kind
    self.argv = argv
    self.rollback = rollback
    self.undo = undo
    self.triggers = triggers
    self.provenance = provenance
  }
}

/// Why the plan needs a reboot, for the marker and the report.
public struct RebootRequired: Sendable, Hashable, Codable {
  /// The package name apply adds to `/run/reboot-required.pkgs`.
  public var package: String = "mkpolicy"
  public var reasons: [String]
  public init(reasons: [String]) { self.reasons = reasons }

  public static let markerPath = "/run/reboot-required"
  public static let packagesPath = "/run/reboot-required.pkgs"
  /// What Debian's update-notifier writes, and what motd shows.
  public static let markerContent = "*** System restart required ***\n"
}
