import MKApply

/// The systemd unit that runs the agent (`mkpolicy agent run`): a long-lived
/// service ordered after the boot-time reconcile (`mkpolicy-apply.service`),
/// so it starts from the plan in force, restarted if it fails (a restart
/// rolls back a resize it was killed in). Its stdout, one JSON line per
/// resize, goes to the journal.
///
/// `dist/systemd/mkpolicy-agent.service` is this text for `/usr/bin/mkpolicy`,
/// the policy at `/etc/mkpolicy/policy.yaml`, the default state directory and
/// node_exporter's textfile directory on Debian (a test holds them equal).
public enum AgentServiceUnit {
  public static let name = "mkpolicy-agent.service"
  public static let defaultPolicy = "/etc/mkpolicy/policy.yaml"
  public static let defaultMetrics = "/var/lib/prometheus/node-exporter/mkpolicy-agent.prom"

  public static func render(
    binary: String, policy: String = defaultPolicy, stateDirectory: String = "/var/lib/mkpolicy",
    metrics: String? = defaultMetrics
  ) -> String {
    let q = ServiceUnit.systemdQuoted
    let state = stateDirectory == "/var/lib/mkpolicy" ? "" : " --state-dir \(q(stateDirectory))"
    let metricsOption = metrics.map { " --metrics \(q($0))" } ?? ""
    return """
      [Unit]
      Description=mkpolicy agent: resize elastic workloads from measured pressure
      Documentation=man:mkpolicy(1)
      After=\(ServiceUnit.name)
      Wants=\(ServiceUnit.name)
      ConditionPathExists=\(stateDirectory)/applied.json
      ConditionPathExists=\(policy)

      [Service]
      Type=simple
      ExecStart=\(q(binary)) agent run \(q(policy))\(state)\(metricsOption)
      Restart=on-failure
      RestartSec=5s

      [Install]
      WantedBy=multi-user.target

      """
  }
}
