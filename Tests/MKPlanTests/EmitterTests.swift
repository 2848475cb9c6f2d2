import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology
import Testing

@Suite struct EmitterTests {
  @Test func realtimeListsMatchAndHousekeepingDefaults() {
    let plan = PlanFixture.plan()
    let feed = plan.assignments.first { $0.workload == "md-feed" }!.cpus.cpulist
    #expect(plan.bootParameters.contains("isolcpus=managed_irq,domain,\(feed)"))
    #expect(plan.bootParameters.contains("nohz_full=\(feed)"))
    #expect(plan.bootParameters.contains("rcu_nocbs=\(feed)"))
    #expect(plan.bootParameters.contains("irqaffinity=\(plan.housekeeping.cpulist)"))
    #expect(plan.bootParameters.contains("kthread_cpus=\(plan.housekeeping.cpulist)"))
    // Runtime pool kernel: no mkkernel_pool; no extras unless asked.
    #expect(!plan.bootParameters.contains { $0.hasPrefix("mkkernel_pool=") })
    #expect(!plan.bootParameters.contains("skew_tick=1"))
    // Every boot parameter says who asked for it.
    #expect(
      plan.bootParameterItems.allSatisfy {
        !$0.provenance.isEmpty && $0.provenance.allSatisfy { $0.source != nil }
      })
  }

  @Test func perNodeHugePagesAtBootFrom516() {
    let plan = PlanFixture.plan(topology: PlanFixture.topology(release: "5.16.0"))
    #expect(plan.bootParameters.suffix(2) == ["hugepagesz=2M", "hugepages=0:128"])
    #expect(plan.kernelWrites.allSatisfy { !$0.path.contains("nr_hugepages") })
    let old = PlanFixture.plan(topology: PlanFixture.topology(release: "5.15.0"))
    #expect(!old.bootParameters.contains { $0.hasPrefix("hugepages") })
    #expect(
      old.kernelWrites.first { $0.path.hasSuffix("nr_hugepages") }?.path
        == "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages")
    #expect(old.diagnostics.map(\.code) == ["E407"])
  }

  @Test func poolParameterOnlyForBootTimePoolKernels() {
    let boot = PlanFixture.plan(topology: PlanFixture.topology(multikernel: .bootParameter))
    #expect(boot.bootParameters.contains("mkkernel_pool=4G"))
    let none = PlanFixture.plan(topology: PlanFixture.topology(multikernel: nil))
    #expect(!none.bootParameters.contains { $0.hasPrefix("mkkernel_pool") })
  }

  @Test func kernelInstallKeepsTheRestOfTheCommandLine() {
    let plan = PlanFixture.plan(policy: PlanFixture.policy(bootloader: .kernelInstall))
    #expect(plan.bootStaging?.path == "/etc/kernel/cmdline")
    #expect(
      plan.bootStaging?.content == "root=/dev/sda1 ro quiet "
        + plan.bootParameters.joined(separator: " ") + "\n")
  }

  @Test func irqAffinity() {
    let topology = PlanFixture.topology()
    let plan = PlanFixture.plan(topology: topology)
    let feed = plan.assignments.first { $0.workload == "md-feed" }!
    let router = plan.assignments.first { $0.workload == "order-router" }!
    let routerIRQs = Set(
      topology.devices.filter { router.devices.contains($0.pciAddress) }.flatMap {
        $0.irqs.map(\.irq)
      })
    let feedMovable = topology.devices.filter { feed.devices.contains($0.pciAddress) }.flatMap(
      \.irqs
    ).filter(\.movable)
    // The instance's NIC leaves the host with its IRQs.
    #expect(plan.irqAffinity.allSatisfy { !routerIRQs.contains($0.irq) })
    for irq in feedMovable {
      #expect(plan.irqAffinity.first { $0.irq == irq.irq }?.cpus == feed.irqCPUs)
    }
    for setting in plan.irqAffinity where setting.movable && setting.provenance.workload == nil {
      #expect(setting.cpus == plan.housekeeping)
    }
    for setting in plan.irqAffinity where !setting.movable {
      #expect(setting.handledBy == "isolcpus=managed_irq,domain,\(feed.cpus.cpulist)")
    }
    #expect(
      plan.kernelWrites.contains {
        $0.path == "/proc/irq/default_smp_affinity" && $0.content == "101\n"
      })
    let ban = plan.fileWrites.first { $0.path == "/etc/default/irqbalance" }
    #expect(ban?.content.contains("\nIRQBALANCE_BANNED_CPULIST=1-7,9-15\n") == true)
    #expect(ban?.content.hasSuffix("\nIRQBALANCE_ARGS=\"--banirq=100\"\n") == true)
    #expect(plan.cgroupParentPath == "/sys/fs/cgroup/mkpolicy.slice")
    #expect(plan.cgroupPrerequisites.map(\.path) == ["/sys/fs/cgroup/cgroup.subtree_control"])
  }

  /// A legacy INTx line shared by two functions is listed once with both;
  /// vectors of a device that is down are planned (`present: false`) on
  /// the housekeeping CPUs, which the default affinity also names, so they
  /// start there when the device comes up. A line shared between a
  /// partition's device and a host device goes to housekeeping (E415).
  @Test func sharedAndAbsentIRQsAreListedOnce() throws {
    var topology = PlanFixture.topology()
    let shared = DeviceIRQ(irq: 10, name: "uhci_hcd:usb1", affinity: [0, 1], movable: true)
    for address in ["0000:00:03.0", "0000:00:04.0"] {
      topology.devices.append(
        Device(
          pciAddress: address, deviceClass: .other, classCode: 0x0c0300, vendorId: "8086",
          deviceId: "7020", irqs: [shared]))
    }
    topology.devices.append(
      Device(
        pciAddress: "0000:00:05.0", deviceClass: .other, classCode: 0x0c0330, vendorId: "1af4",
        deviceId: "1041", driver: "virtio-pci",
        irqs: [60, 61].map { DeviceIRQ(irq: $0, affinity: nil, movable: true, present: false) }))
    topology = topology.canonicalized()
    let plan = PlanFixture.plan(topology: topology)
    let numbers = plan.irqAffinity.map(\.irq)
    #expect(numbers == Array(Set(numbers)).sorted())
    let ten = try #require(plan.irqAffinity.first { $0.irq == 10 })
    #expect(ten.devices == ["0000:00:03.0", "0000:00:04.0"] && ten.cpus == plan.housekeeping)
    for irq in [60, 61] {
      let setting = try #require(plan.irqAffinity.first { $0.irq == irq })
      #expect(setting.present == false && setting.cpus == plan.housekeeping)
    }
    #expect(plan.defaultIRQAffinity == plan.housekeeping)
    #expect(!plan.diagnostics.contains { $0.code == "E415" })

    // The feed partition's NIC on the same line: one IRQ, one affinity.
    let feed = try #require(plan.assignments.first { $0.workload == "md-feed" })
    let nic = try #require(topology.devices.firstIndex { feed.devices.contains($0.pciAddress) })
    topology.devices[nic].irqs.append(shared)
    let mixed = PlanFixture.plan(topology: topology.canonicalized())
    let line = try #require(mixed.irqAffinity.first { $0.irq == 10 })
    #expect(line.cpus == mixed.housekeeping && line.devices?.count == 3)
    #expect(mixed.irqAffinity.filter { $0.irq == 10 }.count == 1)
    #expect(mixed.diagnostics.contains { $0.code == "E415" && $0.severity == .warning })
  }

  @Test func missingIODeviceIsAnError() {
    var feed = PlanFixture.feed
    feed.io = [IOLimit(device: "sdz", readBytesPerSecond: 1, location: PlanFixture.at(60, 9))]
    let policy = PlanFixture.policy(workloads: [PlanFixture.router, feed, PlanFixture.analytics])
    let topology = PlanFixture.topology()
    let result = PlanBuilder().build(
      policy: policy, topology: topology, assignment: PlanFixture.assignment(topology))
    guard case .failure(let error) = result else {
      Issue.record("planned an io limit on a device the host lacks")
      return
    }
    #expect(error.diagnostics.map(\.code) == ["E401"])
    #expect(error.diagnostics[0].location == PlanFixture.at(60, 9))
  }

  @Test func kernelWithoutImageIsAnError() {
    var policy = PlanFixture.policy()
    policy.coordinator.kernel.image = nil
    let topology = PlanFixture.topology()
    let result = PlanBuilder().build(
      policy: policy, topology: topology, assignment: PlanFixture.assignment(topology))
    guard case .failure(let error) = result else {
      Issue.record("planned a kernel instance without a kernel")
      return
    }
    #expect(error.diagnostics.map(\.code) == ["E402"])
  }

  @Test func removedInstanceIsTornDownAndNewOneCreated() {
    let topology = PlanFixture.topology()
    let previous = PlanFixture.plan(topology: topology)
    var renamed = PlanFixture.router
    renamed.name = "router-b"
    var assignment = PlanFixture.assignment(topology)
    assignment.workloads[0].workload = "router-b"
    let plan = PlanFixture.plan(
      topology: topology,
      policy: PlanFixture.policy(workloads: [renamed, PlanFixture.feed, PlanFixture.analytics]),
      assignment: assignment, previous: previous)
    #expect(
      plan.coordinatorCommands.map(\.id) == [
        "kill:order-router", "unload:order-router", "delete:order-router", "create:router-b",
        "load:router-b",
        "start:router-b",
      ])
    #expect(plan.kernelInstances.map(\.id) == [1])
    #expect(plan.changes.live.isEmpty && plan.changes.needsReboot.isEmpty)
  }

  @Test func growingInstanceUsesUpdateAfterThePoolGrows() {
    let topology = PlanFixture.topology()
    var router = PlanFixture.router
    router.kernel = KernelSpec(profile: .default)
    let policy = PlanFixture.policy(workloads: [router, PlanFixture.feed, PlanFixture.analytics])
    let previous = PlanFixture.plan(
      topology: topology, policy: policy,
      assignment: PlanFixture.assignment(topology, routerCPUs: 2))
    let plan = PlanFixture.plan(topology: topology, policy: policy, previous: previous)
    #expect(plan.coordinatorCommands.map(\.id) == ["init", "update:order-router"])
    #expect(
      plan.coordinatorCommands[1].argv == [
        "kerf", "update", "order-router", "--cpus=8-11", "--memory=4294967296",
        "--devices=0000:28:00.0",
      ])
  }

  @Test func samePlanTwiceHasNoChanges() {
    let topology = PlanFixture.topology()
    let previous = PlanFixture.plan(topology: topology)
    let plan = PlanFixture.plan(topology: topology, previous: previous)
    #expect(plan.changes.isEmpty)
    #expect(plan.cgroupWrites.isEmpty && plan.coordinatorCommands.isEmpty)
    #expect(plan.cgroupTree == previous.cgroupTree)
  }

  @Test func profileParameters() {
    #expect(
      KerfCommandEmitter.profileParameters(.realtime, cpus: 1) == [
        "skew_tick=1", "nosoftlockup", "nowatchdog",
      ])
    #expect(
      KerfCommandEmitter.profileParameters(.realtime, cpus: 4) == [
        "nohz_full=1-3", "rcu_nocbs=1-3", "irqaffinity=0", "skew_tick=1", "nosoftlockup",
        "nowatchdog",
      ])
    #expect(KerfCommandEmitter.profileParameters(.io, cpus: 4) == ["nvme.poll_queues=4"])
    #expect(KerfCommandEmitter.profileParameters(.default, cpus: 4) == [])
  }
}

extension EmitterTests {
  /// A policy that writes no memory max gets no limit (`max`), never UInt64.max.
  @Test func unboundedMemoryIsMax() {
    var analytics = PlanFixture.analytics
    analytics.memory = .init(min: 1 << 30, max: Elastic<UInt64>.unbounded)
    analytics.launch = Launch(manager: .systemd)
    let policy = PlanFixture.policy(workloads: [PlanFixture.router, PlanFixture.feed, analytics])
    let plan = PlanFixture.plan(policy: policy)
    let writes = plan.cgroupWrites.filter {
      $0.path.hasPrefix("/sys/fs/cgroup/mkpolicy.slice/mkpolicy-analytics.slice/memory.")
    }
    #expect(
      writes.map { "\($0.path.split(separator: "/").last!)=\($0.value!)" } == [
        "memory.min=1073741824", "memory.high=4294967296", "memory.max=max",
      ])
    #expect(plan.systemdUnits.last?.content.contains("\nMemoryMax=infinity\n") == true)
  }
}

extension EmitterTests {
  /// The last instance goes: it is torn down and the pool handed back.
  @Test func lastInstanceRemovedReturnsThePool() {
    let topology = PlanFixture.topology()
    let previous = PlanFixture.plan(topology: topology)
    var assignment = PlanFixture.assignment(topology)
    assignment.workloads.removeFirst()
    let plan = PlanFixture.plan(
      topology: topology,
      policy: PlanFixture.policy(workloads: [PlanFixture.feed, PlanFixture.analytics]),
      assignment: assignment, previous: previous)
    #expect(
      plan.coordinatorCommands.map(\.argv) == [
        ["kerf", "kill", "order-router"], ["kerf", "unload", "order-router"],
        ["kerf", "delete", "order-router"],
        ["kerf", "init", "--cpus=none", "--memory=none", "--devices=none"],
      ])
    #expect(plan.coordinatorCommands.allSatisfy { $0.provenance.workload == "order-router" })
    #expect(plan.coordinatorPool == nil && plan.kernelInstances.isEmpty)
  }
}
