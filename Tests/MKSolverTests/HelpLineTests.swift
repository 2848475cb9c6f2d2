import MKCore
import MKPolicy
import MKTopology
import Testing

@testable import MKSolver

/// Help lines propose only values the language accepts and with which the
/// policy fits (checked by solving), the largest such.
@Suite struct HelpLineTests {
  static func helps(_ policy: Policy, _ topology: Topology) -> [String] {
    guard case .failure(let error) = Solver().solve(policy, on: topology) else { return ["placed"] }
    return error.diagnostics.flatMap(\.help)
  }

  /// Every "lower X to N" line, applied, makes the policy plan.
  static func applyEach(_ policy: Policy, _ topology: Topology, _ help: [String]) {
    for line in help where line.hasPrefix("lower host.housekeeping.cpus to ") {
      let n = Int(line.split(separator: " ").last!)!
      var fixed = policy
      fixed.host.housekeeping.cpus = .count(n)
      #expect(n >= 1, "\(line): not accepted by the language")
      if case .failure(let e) = Solver().solve(fixed, on: topology) {
        Issue.record("\(line) does not fit: \(e.diagnostics.map(\.message))")
      }
      if n > 0 {
        var more = policy
        more.host.housekeeping.cpus = .count(n + 1)
        if case .success = Solver().solve(more, on: topology) {
          Issue.record("\(line) is not the largest that fits")
        }
      }
    }
  }

  /// 10 housekeeping CPUs on 8: the help proposes the largest count with which
  /// the workloads still fit (4: two cores), not every online CPU (then E201).
  @Test func housekeepingCountBeyondTheHostProposesACountThatFits() {
    let topology = Fixtures.host(coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 10, [Fixtures.workload("a", line: 10, cpus: .init(exactly: 4))])
    let help = Self.helps(policy, topology)
    #expect(help == ["lower host.housekeeping.cpus to 4"])
    Self.applyEach(policy, topology, help)
  }

  /// No count fits (one core is the least): no "lower to 0".
  @Test func housekeepingIsNeverProposedAsZero() {
    let topology = Fixtures.host(coresPerLLC: 4)
    let policy = Fixtures.policy(
      housekeeping: 2, [Fixtures.workload("a", line: 10, cpus: .init(exactly: 8))])
    let help = Self.helps(policy, topology)
    #expect(!help.isEmpty)
    #expect(!help.contains { $0.contains("housekeeping.cpus to 0") }, "\(help)")
    Self.applyEach(policy, topology, help)
  }

  /// `smt: exclusive` min 7 on SMT2 is 8 CPUs; node 0 has 6 left after
  /// housekeeping and node 1 is taken by 'b' (near its NIC, 12 of 16 GiB):
  /// the help says 6 (the range rounds the min up, as the solver does; 4
  /// when it rounded down).
  @Test func cpusHelpIsTheLargestThatFits() {
    let nic = TopologyShape.DeviceShape(
      .net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", perNode: 1, nodes: [1])
    let topology = Fixtures.host(sockets: 2, coresPerLLC: 4, devices: [nic])
    var single = Placement()
    single.numa = .single
    var near = single
    near.nearDevices = true
    let policy = Fixtures.policy(
      housekeeping: 2,
      [
        Fixtures.workload(
          "a", line: 10, cpus: .init(exactly: 7), smt: .exclusive,
          memory: .init(exactly: 12 << 30), placement: single),
        Fixtures.workload(
          "b", line: 30, cpus: .init(exactly: 1), memory: .init(exactly: 12 << 30),
          devices: [
            DeviceRequest(type: .net, driver: "mlx5_core", count: 1, location: Fixtures.loc(36))
          ], placement: near),
      ])
    let help = Self.helps(policy, topology)
    #expect(help.contains("lower cpus (min) of 'a' to 6"), "\(help)")
  }
}
