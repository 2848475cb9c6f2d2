import MKCore
import MKPlan

/// The commands of a plan's host setup (`HostSetup.commands`), as typed
/// data like every other program apply runs: a stored argv is parsed into
/// one of these and the argv that runs is rebuilt from it, so only these
/// exact forms ever run.
///
/// - `ethtool -L DEV combined N`: a NIC's channel count (`tuning.nicChannels`).
/// - `systemctl`: `disable|enable irqbalance` (`host.irqbalance: stop` keeps
///   it from returning at boot), `try-restart irqbalance` (it reads its ban
///   list only when it starts), `daemon-reload` (systemd reads the units and
///   drop-ins apply installed), `enable|disable --now mkpolicy-NAME.service`
///   (a unit the plan ships, such as stalld).
/// - the bootloader's regeneration from the staged file: `update-grub`,
///   `grub-mkconfig -o /boot/grub/grub.cfg` (or `/boot/grub2/grub.cfg`),
///   `kernel-install add RELEASE /usr/lib/modules/RELEASE/vmlinuz`.
public enum SetupCommand: Sendable, Hashable {
  case nicChannels(interface: String, combined: Int)
  case irqbalanceEnabled(Bool)
  case irqbalanceTryRestart
  case daemonReload
  /// `systemctl enable --now UNIT` (true) or `disable --now UNIT` (false).
  case unitNow(enable: Bool, unit: String)
  case updateGrub
  case grubMkconfig(output: String)
  case kernelInstall(release: String)

  /// The GRUB configuration files `grub-mkconfig -o` may write.
  public static let grubConfigs = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"]
  /// The most NIC channels apply asks for (the largest NICs have 256).
  public static let maximumChannels = 4096

  public var argv: [String] {
    switch self {
    case .nicChannels(let interface, let combined):
      return ["ethtool", "-L", interface, "combined", String(combined)]
    case .irqbalanceEnabled(let enabled):
      return ["systemctl", enabled ? "enable" : "disable", "irqbalance"]
    case .irqbalanceTryRestart: return ["systemctl", "try-restart", "irqbalance"]
    case .daemonReload: return ["systemctl", "daemon-reload"]
    case .unitNow(let enable, let unit):
      return ["systemctl", enable ? "enable" : "disable", "--now", unit]
    case .updateGrub: return ["update-grub"]
    case .grubMkconfig(let output): return ["grub-mkconfig", "-o", output]
    case .kernelInstall(let release):
      return ["kernel-install", "add", release, "/usr/lib/modules/\(release)/vmlinuz"]
    }
  }

  /// Commands whose undo is to run them again once the files before them
  /// are restored (they read those files): rollback runs them last.
  public var undoneByRerun: Bool {
    switch self {
    case .irqbalanceTryRestart, .daemonReload, .updateGrub, .grubMkconfig, .kernelInstall: true
    case .nicChannels, .irqbalanceEnabled, .unitNow: false
    }
  }

  public static func parse(_ argv: [String]) -> Result<SetupCommand, HostCommand.Refusal> {
    let command: SetupCommand?
    switch argv.first {
    case "ethtool":
      if argv.count == 5, argv[1] == "-L", argv[3] == "combined", isInterface(argv[2]),
        let count = Int(argv[4]), (1...maximumChannels).contains(count)
      {
        command = .nicChannels(interface: argv[2], combined: count)
      } else {
        return .failure(
          HostCommand.Refusal(
            "ethtool runs only as `ethtool -L DEV combined N` (N in 1...\(maximumChannels))"))
      }
    case "systemctl":
      switch Array(argv.dropFirst()) {
      case ["enable", "irqbalance"]: command = .irqbalanceEnabled(true)
      case ["disable", "irqbalance"]: command = .irqbalanceEnabled(false)
      case ["try-restart", "irqbalance"]: command = .irqbalanceTryRestart
      case ["daemon-reload"]: command = .daemonReload
      case let rest where rest.count == 3 && rest[1] == "--now" && isOwnUnit(rest[2]):
        switch rest[0] {
        case "enable": command = .unitNow(enable: true, unit: rest[2])
        case "disable": command = .unitNow(enable: false, unit: rest[2])
        default: command = nil
        }
      default: command = nil
      }
      guard command != nil else {
        return .failure(
          HostCommand.Refusal(
            "systemctl runs only as `systemctl stop|start|enable|disable|try-restart irqbalance`, `systemctl daemon-reload` or `systemctl enable|disable --now mkpolicy-NAME.service`"
          ))
      }
    case "update-grub":
      command = argv.count == 1 ? .updateGrub : nil
    case "grub-mkconfig":
      command =
        argv.count == 3 && argv[1] == "-o" && grubConfigs.contains(argv[2])
        ? .grubMkconfig(output: argv[2]) : nil
    case "kernel-install":
      if argv.count == 4, argv[1] == "add", isRelease(argv[2]) {
        command = .kernelInstall(release: argv[2])
      } else {
        command = nil
      }
    default:
      command = nil
    }
    guard let command, command.argv == argv else {
      let shown = argv.prefix(6).map { Quoted.text(String($0.prefix(80))) }.joined(separator: " ")
      return .failure(HostCommand.Refusal("\(shown) is not a command form apply runs"))
    }
    return .success(command)
  }

  /// A network interface name the way the kernel allows it (1-15 printable
  /// bytes, no `/`, `:` or white space), which is also what fits the
  /// registry's `/sys/class/net/{interface}/...` paths.
  static func isInterface(_ name: String) -> Bool {
    !name.hasPrefix("-") && KernelInterfaces.rpsCPUs.pattern.path([name, "0"]) != nil
  }

  /// `mkpolicy-NAME.service`: the only units apply enables or disables
  /// besides irqbalance are its own.
  static func isOwnUnit(_ name: String) -> Bool {
    name.hasPrefix("mkpolicy-") && name.hasSuffix(".service") && name.utf8.count <= 128
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || "-_.@".unicodeScalars.contains($0)
      }
  }

  /// A kernel release (`6.1.0-28-amd64`): it lands in a path.
  static func isRelease(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, text.utf8.count <= 128 else { return false }
    return first != "." && first != "-"
      && text.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || "-_.+~".unicodeScalars.contains($0)
      }
  }
}
