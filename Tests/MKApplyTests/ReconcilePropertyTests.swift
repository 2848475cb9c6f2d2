import MKApply
import MKCore
import MKPlan
import Testing

/// Random sequences of desired states, hand edits and reboots: after every
/// apply the host matches the plan (verify agrees, a second apply writes
/// nothing), and no partition that was valid turns invalid on the way.
@Suite struct ReconcilePropertyTests {
  /// The same seed gives the same sequence on every machine.
  struct Generator {
    var source: SplitMix64
    init(state: UInt64) { source = SplitMix64(seed: state) }
    mutating func below(_ n: Int) -> Int { Int(source.next() % UInt64(max(n, 1))) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
  }

  /// A random desired state: some of five workloads, partitions with CPUs of
  /// their own out of 2-11, members on what is left (the shared pool).
  static func state(_ random: inout Generator, _ index: Int) -> DesiredState {
    var free = Array(2...11)
    for i in free.indices.reversed() { free.swapAt(i, random.below(i + 1)) }
    var workloads: [DesiredState.Workload] = []
    for name in ["a", "b", "c", "d", "e"] where random.chance(60) {
      if random.chance(55), free.count > 2 {
        let count = 1 + random.below(min(3, free.count - 2))
        let cpus = CPUSet(free.prefix(count))
        free.removeFirst(count)
        workloads.append(
          .init(name: name, cpus: cpus, partition: random.chance(50) ? "root" : "isolated"))
      } else {
        workloads.append(.init(name: name, cpus: [], weight: 50 + 50 * random.below(4)))
      }
    }
    let shared = CPUSet(free)
    for index in workloads.indices where workloads[index].partition == nil {
      let count = 1 + random.below(shared.count)
      workloads[index].cpus = CPUSet(free.prefix(count))
    }
    var irqs: [Int: CPUSet] = [:]
    for irq in 30...33 where random.chance(70) {
      irqs[irq] = random.chance(50) ? [0, 1] : [random.below(2)]
    }
    if random.chance(20) { irqs[90] = [0] }  // a device that is down
    return DesiredState(name: "s\(index)", workloads: workloads, shared: shared, irqs: irqs)
  }

  /// A hand edit or a reboot, ignoring what the kernel refuses.
  static func disturb(_ host: MemoryHost, _ random: inout Generator, _ step: Int) -> String {
    let parent = DesiredState.parent
    let children = ((try? host.list(parent)) ?? []).filter {
      host.kind(parent + "/" + $0) == .directory
    }
    let child = children.isEmpty ? nil : parent + "/" + children[random.below(children.count)]
    switch random.below(8) {
    case 7:
      // One cgroup takes another's CPUs as well: two partitions turn invalid.
      guard children.count >= 2 else { return "nothing" }
      let a = parent + "/" + children[random.below(children.count)]
      let b = parent + "/" + children[random.below(children.count)]
      let union = [a, b].compactMap {
        try? CPUSet(cpulist: (try? host.read($0 + "/cpuset.cpus")) ?? "", allowEmpty: true)
      }
      .reduce(CPUSet()) { $0.union($1) }
      try? host.write(a + "/cpuset.cpus", union.cpulist)
      return "\(a)/cpuset.cpus = \(union.cpulist) (with \(b)'s)"
    case 0:
      guard let child else { return "nothing" }
      let cpus = CPUSet((2...11).filter { _ in random.chance(30) } + [2 + random.below(10)])
      try? host.write(child + "/cpuset.cpus", cpus.cpulist)
      return "\(child)/cpuset.cpus = \(cpus.cpulist)"
    case 1:
      guard let child else { return "nothing" }
      let mode = ["member", "root", "isolated"][random.below(3)]
      try? host.write(child + "/cpuset.cpus.partition", mode)
      return "\(child)/cpuset.cpus.partition = \(mode)"
    case 2:
      try? host.makeDirectory(parent + "/stray\(step)")
      return "mkdir stray\(step)"
    case 3:
      guard let child else { return "nothing" }
      try? host.removeDirectory(child)
      return "rmdir \(child)"
    case 4:
      let irq = 30 + random.below(4)
      try? host.write("/proc/irq/\(irq)/smp_affinity_list", "0-11")
      return "irq \(irq)"
    case 5:
      try? host.write(parent + "/cpu.weight", "7")
      try? host.write(parent + "/cpuset.cpus", "2-11")
      return "parent edits"
    default:
      host.reboot(bootID: "boot-\(step)")
      return "reboot"
    }
  }

  @Test(arguments: Array(1...10))
  func randomSequencesConverge(_ seed: Int) throws {
    var random = Generator(state: UInt64(seed) &* 0x1234_5678_9ABC_DEF1)
    let host = DesiredState.host()
    var history: [String] = []
    var invalidStarts = 0
    var states = [DesiredState.first, DesiredState.second]
    for step in 0..<30 {
      if random.chance(50) {
        history.append(Self.disturb(host, &random, step))
      }
      let state = random.chance(30) ? states[random.below(states.count)] : Self.state(&random, step)
      states.append(state)
      history.append(state.description)
      if !host.invalidPartitions.isEmpty { invalidStarts += 1 }
      try ReconcileTests.converge(
        host, state.plan, "seed \(seed) step \(step): \(history.suffix(4))")
    }
    print(
      "reconcile seed \(seed): \(history.count) events, \(invalidStarts) applies over invalid partitions"
    )
  }
}
