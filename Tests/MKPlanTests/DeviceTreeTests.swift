import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

/// The state trees pass kerf 0.4.0's own validator (run from the repo's
/// .venv), and a broken one does not.
@Suite struct DeviceTreeTests {
  struct Verdict: Decodable {
    var errors: [String]
    var cpuErrors: [String: String]
    var poolCPUs: [Int]?
    var poolBytes: UInt64?
  }

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mkplan-dt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func validate(_ blob: [UInt8]) throws -> Verdict {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("state.dtb").path
    try Data(blob).write(to: URL(fileURLWithPath: path))
    let result = Subprocess.run([
      PackagePaths.python, PackagePaths.path("Tests/Python/kerf_validate.py"), path,
    ])
    #expect(result.status == 0, "kerf validator failed to run: \(result.stderr)")
    return try JSONDecoder().decode(Verdict.self, from: Data(result.stdout.utf8))
  }

  static func tree(_ plan: Plan) throws -> DeviceTreeNode {
    try #require(
      DeviceTreeEmitter().emit(pool: plan.coordinatorPool, instances: plan.kernelInstances))
  }

  @Test func fixturePlanPassesKerfValidator() throws {
    let plan = PlanFixture.plan()
    let verdict = try Self.validate(try DeviceTreeBlobWriter.blob(try Self.tree(plan)))
    #expect(verdict.errors == [])
    #expect(verdict.cpuErrors == [:])
    #expect(verdict.poolCPUs == plan.coordinatorPool?.physicalIds)
    #expect(verdict.poolBytes == 4 << 30)
  }

  @Test func twoInstancesOnTwoNodesPassKerfValidator() throws {
    let topology = PlanFixture.topology()
    var second = PlanFixture.router
    second.name = "risk"
    let policy = PlanFixture.policy(workloads: [PlanFixture.router, second, PlanFixture.analytics])
    var assignment = PlanFixture.assignment(topology)
    let node0 = topology.nodes[0].cacheDomains.flatMap(\.cores)
    let riskCPUs = CPUSet(node0[1].cpus.union(node0[2].cpus))
    assignment.workloads[1] = WorkloadAssignment(
      workload: "risk", cpus: riskCPUs, physicalIds: PlanFixture.physicalIds(topology, riskCPUs),
      numaNodes: [0], memoryBytesByNode: ["0": 6 << 30],
      devices: [topology.devices.first { $0.deviceClass == .nvme }!.pciAddress])
    assignment.workloads[2].cpus.subtract(riskCPUs)
    let plan = PlanFixture.plan(topology: topology, policy: policy, assignment: assignment)
    #expect(plan.kernelInstances.map(\.id) == [1, 2])
    #expect(plan.kernelInstances[1].devices == ["nvme0"])
    let verdict = try Self.validate(try DeviceTreeBlobWriter.blob(try Self.tree(plan)))
    #expect(verdict.errors == [])
    #expect(verdict.cpuErrors == [:])
    #expect(verdict.poolBytes == 10 << 30)
  }

  @Test func brokenTreeIsRejected() throws {
    let plan = PlanFixture.plan()
    var tree = try Self.tree(plan)
    // A second instance on the first one's CPUs, one CPU outside the pool,
    // and a device the pool does not have.
    var instances = try #require(tree.children.last)
    var clone = try #require(instances.children.first)
    clone.name = "intruder"
    clone.properties = [("id", .u32([2]))]
    clone.children = [
      DeviceTreeNode(
        "resources",
        properties: [
          ("cpus", .u64([UInt64(plan.coordinatorPool!.physicalIds[0]), 1])),
          ("memory-base", .u64([0])),
          ("memory-bytes", .u64([1 << 30])), ("device-names", .strings(["nosuchdev"])),
        ])
    ]
    instances.children.append(clone)
    tree.children[tree.children.count - 1] = instances
    let verdict = try Self.validate(try DeviceTreeBlobWriter.blob(tree))
    #expect(verdict.errors.contains { $0.contains("CPU overlap with instance 'order-router'") })
    #expect(verdict.errors.contains { $0.contains("non-existent device 'nosuchdev'") })
    #expect(verdict.errors.contains { $0.contains("exceeds memory pool") })
    #expect(verdict.cpuErrors["intruder"]?.contains("Invalid APIC IDs requested: [1]") == true)
  }

  /// dtc compiles the DTS text to the same tree libfdt wrote: both decompile
  /// to identical DTS.
  @Test func dtsAndDtbAgreeThroughDtc() throws {
    let tree = try Self.tree(PlanFixture.plan())
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let dts = directory.appendingPathComponent("state.dts").path
    let ours = directory.appendingPathComponent("ours.dtb").path
    let theirs = directory.appendingPathComponent("theirs.dtb").path
    try tree.dts.write(toFile: dts, atomically: true, encoding: .utf8)
    try Data(try DeviceTreeBlobWriter.blob(tree)).write(to: URL(fileURLWithPath: ours))
    let compile = Subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", theirs, dts])
    #expect(compile.status == 0, "\(compile.stderr)")
    let a = Subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", ours])
    let b = Subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", theirs])
    #expect(a.status == 0 && b.status == 0)
    #expect(a.stdout == b.stdout)
    #expect(a.stdout.contains("cpus = <0x00 0x08 0x00 0x09 0x00 0x0a 0x00 0x0b>"))
  }

  @Test func noKernelWorkloadsNoTree() {
    let policy = PlanFixture.policy(workloads: [PlanFixture.feed, PlanFixture.analytics])
    let topology = PlanFixture.topology()
    var assignment = PlanFixture.assignment(topology)
    assignment.workloads.removeFirst()
    let plan = PlanFixture.plan(topology: topology, policy: policy, assignment: assignment)
    #expect(plan.coordinatorPool == nil)
    #expect(plan.coordinatorCommands.isEmpty)
    #expect(
      DeviceTreeEmitter().emit(pool: plan.coordinatorPool, instances: plan.kernelInstances) == nil)
  }
}

extension DeviceTreeTests {
  /// A broken plan (an instance larger than the pool, on a CPU the pool
  /// lacks) renders to a tree kerf rejects.
  @Test func brokenPlanIsRejected() throws {
    var plan = PlanFixture.plan()
    plan.kernelInstances[0].physicalIds.append(4095)
    plan.kernelInstances[0].memoryBytes *= 2
    let verdict = try Self.validate(try DeviceTreeBlobWriter.blob(try Self.tree(plan)))
    #expect(
      verdict.errors.contains { $0.contains("CPU 4095 does not exist in hardware inventory") })
    #expect(verdict.errors.contains { $0.contains("exceeds memory pool") })
    #expect(
      verdict.cpuErrors["order-router"]?.contains("Invalid APIC IDs requested: [4095]") == true)
  }
}
