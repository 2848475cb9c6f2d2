import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology
import Testing

/// `smt: off` leaves the sibling of each thread idle, and a housekeeping
/// `cpuList` leaves the rest of the cores it touches idle: those CPUs are in
/// no cgroup cpuset and no IRQ target, not in the shared pool, named as idle
/// in the report, and isolated at boot with a realtime partition.
@Suite struct IdleSiblingTests {
  static func policy() -> Policy {
    var policy = PlanFixture.policy(workloads: [
      Workload(
        name: "rt", isolation: .partition, latency: .realtime, cpus: .init(exactly: 2),
        smt: .off, location: PlanFixture.at(21),
        fieldLocations: ["latency": PlanFixture.at(23), "smt": PlanFixture.at(25)]),
      Workload(
        name: "svc", isolation: .shared, latency: .normal, cpus: .init(exactly: 2), smt: .off,
        location: PlanFixture.at(30)),
      Workload(
        name: "batch", isolation: .shared, latency: .batch, cpus: .init(min: 1, max: 2),
        location: PlanFixture.at(40)),
    ])
    policy.host.housekeeping = Housekeeping(cpus: .list([0]), location: PlanFixture.at(8))
    return policy
  }

  /// Every other thread of the cores `cpus` are on.
  static func siblings(_ cpus: CPUSet, in topology: Topology) -> CPUSet {
    var out = CPUSet()
    for core in topology.cores where !core.cpus.isDisjoint(with: cpus) {
      out.formUnion(core.cpus.subtracting(cpus))
    }
    return out
  }

  static func solved(_ topology: Topology) throws -> (Policy, Assignment, Plan) {
    let policy = policy()
    let assignment = try Solver().solve(policy, on: topology).get().assignment
    let plan = try PlanBuilder().build(policy: policy, topology: topology, assignment: assignment)
      .get()
    return (policy, assignment, plan)
  }

  @Test func siblingsAreIdleNotPooledAndNamedInTheReport() throws {
    let topology = PlanFixture.topology()
    let (policy, assignment, plan) = try Self.solved(topology)
    let rt = try #require(assignment.workload(named: "rt")).cpus
    let svc = try #require(assignment.workload(named: "svc")).cpus
    let rtSiblings = Self.siblings(rt, in: topology)
    let svcSiblings = Self.siblings(svc, in: topology)
    let hkSiblings = Self.siblings([0], in: topology)
    #expect(rt.count == 2 && rtSiblings.count == 2)
    #expect(svc.count == 2 && svcSiblings.count == 2)
    #expect(!hkSiblings.isEmpty)
    let expectedIdle = rtSiblings.union(svcSiblings).union(hkSiblings)
    #expect(assignment.idle == expectedIdle)
    #expect(plan.idle == expectedIdle)
    #expect(assignment.sharedPool.isDisjoint(with: expectedIdle))
    #expect(svc.isSubset(of: assignment.sharedPool))
    #expect(
      assignment.sharedPool
        == topology.onlineCPUs.subtracting([0]).subtracting(rt).subtracting(expectedIdle))

    let report = PlanReport.render(plan, policy: policy, topology: topology)
    let lines = report.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(lines.contains("\(rtSiblings.cpulist)  idle (smt: off sibling of 'rt')"), "\(report)")
    #expect(lines.contains { $0.hasSuffix("idle (smt: off sibling of 'svc')") }, "\(report)")
    #expect(lines.contains { $0.hasSuffix("idle (sibling of housekeeping)") }, "\(report)")
    #expect(report.contains("; idle: \(expectedIdle.cpulist)\n"))
    #expect(!lines.contains { $0.contains("shared pool") && $0.contains(rtSiblings.cpulist) })

    // The plan JSON carries them, and reads back.
    let json = try PlanCodec.encode(plan)
    #expect(json.contains("\"idle\" : ["))
    #expect(try PlanCodec.decode(json, file: "plan.json").get().idle == expectedIdle)
  }

  /// No workload's cgroup, IRQ or unit holds an idle CPU. On cgroup v2 an
  /// isolated partition that holds no task, `_idle`, holds them (inside the
  /// parent slice), so the root cgroup's tasks are not scheduled there; on
  /// v1, where the root cpuset spans every CPU anyway, no cgroup does.
  @Test func noCgroupCpusetOrIRQHoldsAnIdleCPU() throws {
    for topology in [
      PlanFixture.topology(), PlanFixture.topology(cpusetExclusive: false),
      PlanFixture.topology(cgroupMode: .v1),
    ] {
      let (_, assignment, plan) = try Self.solved(topology)
      let idle = assignment.idle
      #expect(!idle.isEmpty)
      let v2 = topology.kernel.cgroupMode == .v2
      let parent = plan.cgroupParentPath ?? "/sys/fs/cgroup/mkpolicy.slice"
      let idleCgroup = parent + "/" + CgroupV2Emitter.idleCgroup
      let cpusetFiles = ["cpuset.cpus", "cpuset.cpus.exclusive"]
      let cpusetWrites = plan.cgroupTree.filter { op in
        cpusetFiles.contains { op.path.hasSuffix("/" + $0) }
      }
      // The parent slice and every workload write a cpuset.
      #expect(cpusetWrites.count >= 3)
      for op in cpusetWrites {
        let cpus = try CPUSet(cpulist: op.value ?? "", allowEmpty: true)
        let directory = String(op.path[..<op.path.lastIndex(of: "/")!])
        if v2 && directory == idleCgroup {
          #expect(cpus == idle, "\(op.path)=\(op.value ?? "")")
        } else if v2 && directory == parent {
          #expect(idle.isSubset(of: cpus), "\(op.path)=\(op.value ?? "")")
        } else {
          #expect(cpus.isDisjoint(with: idle), "\(op.path)=\(op.value ?? "")")
        }
      }
      let partition = plan.cgroupTree.first { $0.path == idleCgroup + "/cpuset.cpus.partition" }
      #expect(partition?.value == (v2 ? "isolated" : nil))
      for unit in plan.systemdUnits {
        for line in unit.content.split(separator: "\n") where line.hasPrefix("AllowedCPUs=") {
          let cpus = try CPUSet(
            cpulist: String(line.dropFirst("AllowedCPUs=".count)), allowEmpty: true)
          #expect(cpus.isDisjoint(with: idle), "\(unit.path): \(line)")
        }
      }
      for setting in plan.irqAffinity where setting.movable {
        #expect(setting.cpus.isDisjoint(with: idle), "IRQ \(setting.irq) -> \(setting.cpus)")
      }
      let defaultAffinity = plan.kernelWrites.first {
        $0.path == IRQAffinityEmitter.defaultAffinityPath
      }
      #expect(defaultAffinity?.content == plan.housekeeping.hexMask + "\n")
      #expect(plan.housekeeping.isDisjoint(with: idle))
    }
  }

  @Test func realtimePartitionIsolatesItsIdleSiblingsAtBoot() throws {
    let topology = PlanFixture.topology()
    let (_, assignment, plan) = try Self.solved(topology)
    let rt = try #require(assignment.workload(named: "rt")).cpus
    let isolated = rt.union(Self.siblings(rt, in: topology))
    #expect(plan.bootParameters.contains("isolcpus=managed_irq,domain,\(isolated.cpulist)"))
    #expect(plan.bootParameters.contains("nohz_full=\(isolated.cpulist)"))
    #expect(plan.bootParameters.contains("rcu_nocbs=\(isolated.cpulist)"))
    // The `smt` line is named as a reason; the shared workload's and
    // housekeeping's idle siblings are not isolated at boot.
    let item = try #require(plan.bootParameterItems.first { $0.parameter.hasPrefix("nohz_full=") })
    #expect(
      item.provenance.map(\.source) == ["fixture/policy.yaml:23:5", "fixture/policy.yaml:25:5"])
  }
}
