import MKAgent
import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKTopology
import Testing

/// An elastic kernel instance measured through its own report: the agent's
/// resize reaches the instance as `kerf update` (no restart), and the
/// partition next to it shrinks first.
@Suite struct AgentInstanceTests {
  static let text = """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: mk}
    host: {housekeeping: {cpus: 2}, bootloader: none, irqbalance: keep}
    coordinator: {kernel: {image: /boot/vmlinuz-mk}}
    workloads:
      - {name: vm, isolation: kernel, cpus: {min: 2, max: 10}, memory: 1GiB}
      - {name: batch, isolation: partition, cpus: {min: 2, max: 10}}
    agent:
      interval: 2s
      window: 2s
      step: 2
      coolDown: 10s
      pressure: {cpu: 10}
      workloads:
        - {name: vm, report: /run/mk/vm/cpu.pressure}
    """

  @Test func instanceGrowsWithKerfUpdate() throws {
    let policy = AgentFixtures.policy(Self.text)
    var shape = TopologyShape(
      sockets: 1, nodesPerSocket: 1, llcsPerNode: 2, coresPerLLC: 4, threadsPerCore: 2,
      kernel: KernelInfo(
        release: "6.1.0-mk", cgroupMode: .v2, cpusetExclusive: false, multikernel: .runtime))
    shape.memoryPerNodeBytes = 16 << 30
    let topology = try TopologySynthesizer.build(shape)
    let host = MemoryHost(onlineCPUs: CPUSet(range: 0...15))
    host.seed("/proc/sys/kernel/random/boot_id", "cccccccc-0000-0000-0000-000000000003\n")
    host.seed("/proc/irq/default_smp_affinity", "ffff\n")
    host.seedDirectory("/sys/fs/multikernel/instances")
    // kerf as the host sees it: every command succeeds; a started instance is active.
    host.commandResult = { argv in
      if argv.count >= 3, argv[0] == "kerf", argv[1] == "start" {
        host.seed("/sys/fs/multikernel/instances/\(argv[2])/status", "active\n")
      }
      return CommandResult(status: 0, output: "")
    }
    let plan = try Replanner(policy: policy, topology: topology).staticPlan(previous: nil).get()
    let first = try Applier(host: host, stateDirectory: "/var/lib/mkpolicy").apply(plan)
    #expect(first.succeeded, "\(first.render())")
    let planned = try #require(plan.kernelInstances.first { $0.name == "vm" })
    let agent = Agent(policy: policy, topology: topology, host: host)
    var stalled: UInt64 = 0
    var usage: UInt64 = 0
    for tick in 0..<4 {
      stalled += 1_600_000
      usage += 100
      host.seed(
        "/run/mk/vm/cpu.pressure", "some avg10=80.00 avg60=0.00 avg300=0.00 total=\(stalled)\n")
      host.seed(
        "/sys/fs/cgroup/mkpolicy.slice/batch/cpu.pressure",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
      host.seed("/sys/fs/cgroup/mkpolicy.slice/batch/cpu.stat", "usage_usec \(usage)\n")
      _ = agent.round(time: tick * 2_000, wallSeconds: tick)
    }
    let record = try #require(try StateStore(host: host).loadApplied())
    let grown = try #require(record.plan.kernelInstances.first { $0.name == "vm" })
    #expect(grown.physicalIds.count == planned.physicalIds.count + 2)
    let kerf = host.commands.map { $0.joined(separator: " ") }
    #expect(kerf.contains { $0.hasPrefix("kerf update vm") }, "\(kerf)")
    #expect(
      !kerf.contains { $0.hasPrefix("kerf kill vm") || $0.hasPrefix("kerf unload vm") }, "\(kerf)")
    #expect(try Verifier(host: host).verify().matches)
  }
}
