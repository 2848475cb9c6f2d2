/// The systemd unit that reconciles the host with the last applied plan at
/// every boot (`mkpolicy apply --last-applied`): cgroups, partitions, IRQ
/// affinity and kernel instances are runtime state that a reboot drops,
/// while the desired state stays in the state directory.
///
/// Ordered after the local file systems (the state directory) and before
/// `basic.target`, which every ordinary service starts after: the workloads
/// it partitions start on a host that is partitioned already. A oneshot with
/// `RemainAfterExit`, so `systemctl status` shows how the reconcile went.
///
/// `dist/systemd/mkpolicy-apply.service` is this text for `/usr/bin/mkpolicy`
/// and the default state directory (a test holds the two equal).
public enum ServiceUnit {
  public static let name = "mkpolicy-apply.service"
  public static let directory = "/etc/systemd/system"
  public static let wantedBy = "basic.target"

  public static func render(binary: String, stateDirectory: String) -> String {
    let state =
      stateDirectory == "/var/lib/mkpolicy" ? "" : " --state-dir \(systemdQuoted(stateDirectory))"
    return """
      [Unit]
      Description=mkpolicy: reconcile the host with the last applied partition plan
      Documentation=man:mkpolicy(1)
      DefaultDependencies=no
      Requires=local-fs.target
      After=local-fs.target systemd-modules-load.service
      Before=basic.target shutdown.target
      Conflicts=shutdown.target
      ConditionPathExists=\(stateDirectory)/applied.json

      [Service]
      Type=oneshot
      RemainAfterExit=yes
      ExecStart=\(systemdQuoted(binary)) apply --last-applied --yes\(state)

      [Install]
      WantedBy=\(wantedBy)

      """
  }

  /// A word as systemd's command-line parser reads it: plain when it has no
  /// space, quote or backslash, else in double quotes with those escaped.
  public static func systemdQuoted(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy {
      $0.value > 0x20 && $0 != "\"" && $0 != "'" && $0 != "\\" && $0 != "%" && $0 != "$"
    }
    if plain { return word }
    var out = "\""
    for scalar in word.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "%": out += "%%"
      case "$": out += "$$"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
