import Foundation
import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology

/// Plans with a hand-over for the 8-CPU host of `Fixtures` (the same
/// fingerprint, so `TestRoot` and `MemoryHost` hosts accept them), made by
/// the real planner: `before` runs instance `vm` with kernel A and a NIC,
/// `after` changes its kernel to B, which the planner turns into a hand-over
/// to `vm-next` on the headroom (`release`: headroom or successor).
enum HandoverFixtures {
  static let readyFile = "/run/mk/vm-ready"

  static func policy(image: String, release: String = "headroom", drain: String = "0s") -> String {
    """
    apiVersion: mkpolicy.io/v1
    kind: PartitionPolicy
    metadata: {name: vm-handover}
    host:
      housekeeping: {cpus: 2, memory: 1GiB}
      bootloader: none
      irqbalance: keep
    coordinator:
      kernel: {image: \(image)}
    workloads:
      - name: vm
        isolation: kernel
        cpus: 2
        smt: exclusive
        memory: 1GiB
        devices:
          - type: net
            match: {driver: mlx5_core}
        update:
          strategy: handover
          healthCheck: {file: \(readyFile)}
          timeout: 3s
          drain: \(drain)
          release: \(release)

    """
  }

  static let topology: Topology = {
    let shape = TopologyShape(
      sockets: 1, coresPerLLC: 4, threadsPerCore: 2, memoryPerNodeBytes: 8 << 30,
      devices: [
        .init(.net, vendorId: "15b3", deviceId: "1017", driver: "mlx5_core", irqs: 0)
      ],
      kernel: KernelInfo(
        release: "6.8.0-test", commandLine: "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro",
        bootId: Fixtures.fingerprint.bootId, cgroupMode: .v2,
        cgroupControllers: ["cpu", "cpuset", "memory"], cpusetPartitions: true,
        cpusetExclusive: true, multikernel: .runtime, irqbalanceRunning: false),
      source: "handover fixture: 1 socket x 4 cores x 2 threads")
    do { return try TopologySynthesizer.build(shape) } catch {
      fatalError("handover fixture shape is invalid: \(error)")
    }
  }()

  static func plan(_ text: String, previous: Plan?) -> Plan {
    let loaded = PolicyLoader.load(text: text, file: "vm.yaml")
    let output = PlanPipeline.run(
      loaded: loaded, topologyPath: nil, previousPath: nil, previousPlan: previous,
      discovered: topology)
    guard var plan = output.plan else { fatalError("handover fixture: \(output.diagnostics)") }
    plan.topologyFingerprint = Fixtures.fingerprint
    return plan
  }

  /// (before, after) for `release`.
  static func plans(release: String = "headroom", drain: String = "0s") -> (Plan, Plan) {
    let before = plan(
      policy(image: "/boot/vmlinuz-a", release: release, drain: drain), previous: nil)
    let after = plan(
      policy(image: "/boot/vmlinuz-b", release: release, drain: drain), previous: before)
    return (before, after)
  }

  /// A clock that moves only when slept on: no test waits.
  final class FakeClock: HandoverClock {
    var time: Int64 = 0
    var slept: [Int] = []
    func now() -> Int64 { time }
    func sleep(milliseconds: Int) {
      slept.append(milliseconds)
      time += Int64(milliseconds)
    }
  }

  final class NoPorts: PortProbe {
    func accepts(port: Int) -> Bool { false }
  }
}
