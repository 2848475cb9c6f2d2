import ArgumentParser
import MKApply

#if canImport(Glibc)
  import Glibc
#endif

/// `mkpolicy service`: the boot-time reconcile as a systemd unit.
struct ServiceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "service",
    abstract: "Install the systemd unit that reconciles the last applied plan at every boot.",
    subcommands: [ServiceInstallCommand.self])
}

struct ServiceInstallCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "install",
    abstract: "Write /etc/systemd/system/mkpolicy-apply.service and enable it.",
    discussion: """
      The unit runs `mkpolicy apply --last-applied --yes` after the local file systems and before \
      basic.target, so the workloads it partitions start on a partitioned host. With --root the \
      unit is enabled offline (`systemctl --root`). Exit status: 0 installed, 1 failed.
      """)

  @OptionGroup var host: HostOptions

  @Option(name: .long, help: "The mkpolicy binary the unit runs (default: this one).")
  var binary: String?

  @Flag(name: .long, help: "Write the unit without enabling it.")
  var noEnable = false

  func run() throws {
    let binary = self.binary ?? Self.thisBinary()
    var systemctl: [[String]] = []
    if !noEnable {
      if host.root == "/" {
        // systemd is running (sd_booted(3)): it must re-read its units.
        if access("/run/systemd/system", F_OK) == 0 {
          systemctl.append(["systemctl", "daemon-reload"])
        }
        systemctl.append(["systemctl", "enable", ServiceUnit.name])
      } else {
        systemctl.append(["systemctl", "--root=" + host.root, "enable", ServiceUnit.name])
      }
    }
    let installer = ServiceInstaller(host: host.makeHost(), stateDirectory: host.stateDir)
    do {
      let done = try installer.install(binary: binary, systemctl: systemctl)
      for line in done { print(line) }
      print(
        done.isEmpty
          ? "\(installer.unitPath) is installed already"
          : "installed \(ServiceUnit.name)\(noEnable ? " (not enabled)" : ", enabled for \(ServiceUnit.wantedBy)")"
      )
    } catch {
      CLIOutput.refusal(
        .error(
          "E521", "cannot install \(ServiceUnit.name): \(error)",
          help: [
            "fix the cause named (the errno, or systemctl's status and output) and install again; `systemd-analyze verify \(installer.unitPath)` checks the unit"
          ]), format: host.format)
      throw ExitCode(1)
    }
  }

  /// The absolute path of the running executable (`/proc/self/exe`).
  static func thisBinary() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
