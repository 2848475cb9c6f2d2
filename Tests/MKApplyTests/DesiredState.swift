import MKApply
import MKCore
import MKPlan
import MKSolver
import MKTestSupport

/// Desired-state plans for a 12-CPU cgroup v2 host (CPUs 0-1 housekeeping),
/// built the way the emitters build them: a parent root partition holding
/// every workload's CPUs, one child per workload, and the whole tree in
/// `cgroupTree`. What the reconcile tests switch between.
struct DesiredState: Hashable, CustomStringConvertible {
  struct Workload: Hashable {
    var name: String
    var cpus: CPUSet
    /// `root`, `isolated`, or nil for a plain member cgroup.
    var partition: String?
    var weight = 100
  }
  var name: String
  var workloads: [Workload]
  var shared: CPUSet = []
  var irqs: [Int: CPUSet] = [:]

  static let parent = "/sys/fs/cgroup/mkpolicy.slice"
  static let online = CPUSet(range: 0...11)
  static let fingerprint = HostFingerprint(
    bootId: "aaaaaaaa-0000-0000-0000-000000000001", kernelRelease: "6.1.0-test",
    onlineCPUs: online, devices: [], digest: "sha256:" + String(repeating: "0", count: 64),
    cpus: online, hardwareDigest: "sha256:" + String(repeating: "1", count: 64))

  var description: String {
    name + ": "
      + workloads.map { "\($0.name)=\($0.cpus.cpulist)\($0.partition.map { "/" + $0 } ?? "")" }
      .joined(separator: " ")
  }

  var directories: [CgroupDirectory] {
    let all = workloads.reduce(shared) { $0.union($1.cpus) }
    let provenance = Provenance()
    var parentFiles: [CgroupDirectory.File] = [
      .init("cpuset.cpus", all.cpulist, role: .cpus, provenance: provenance),
      .init("cpuset.mems", "0", provenance: provenance),
    ]
    if workloads.contains(where: { $0.partition != nil }) {
      parentFiles.append(
        .init(
          "cpuset.cpus.partition", "root", role: .partition(reset: "member"),
          provenance: provenance))
    }
    parentFiles.append(.init("cgroup.subtree_control", "+cpuset +cpu", provenance: provenance))
    var out = [CgroupDirectory(path: Self.parent, files: parentFiles, provenance: provenance)]
    for workload in workloads {
      var files: [CgroupDirectory.File] = [
        .init("cpuset.mems", "0", provenance: provenance),
        .init("cpuset.cpus", workload.cpus.cpulist, role: .cpus, provenance: provenance),
      ]
      if let partition = workload.partition {
        files.append(
          .init(
            "cpuset.cpus.partition", partition, role: .partition(reset: "member"),
            provenance: provenance))
      }
      files.append(.init("cpu.weight", "\(workload.weight)", provenance: provenance))
      out.append(
        CgroupDirectory(
          path: Self.parent + "/" + workload.name, files: files, provenance: provenance))
    }
    return workloads.isEmpty ? [] : out
  }

  var plan: Plan {
    let tree = CgroupSequencer().sequence(directories, previous: [])
    var plan = Plan(
      policy: name, topologyFingerprint: Self.fingerprint, housekeeping: [0, 1],
      sharedPool: shared, assignments: [], objective: Objective(), cgroupWrites: tree,
      irqAffinity: irqs.sorted { $0.key < $1.key }.map {
        IRQAffinitySetting(irq: $0.key, cpus: $0.value)
      },
      cgroupParentPath: Self.parent)
    plan.cgroupTree = tree
    plan.cgroupPrerequisites = [
      CgroupOperation(
        op: .write, path: "/sys/fs/cgroup/cgroup.subtree_control", value: "+cpuset +cpu")
    ]
    return plan
  }

  /// A host before any plan: 12 CPUs, IRQs 30-33 on every CPU.
  static func host() -> MemoryHost {
    let host = MemoryHost(onlineCPUs: online)
    for irq in 30...33 { host.seedIRQ(irq, online) }
    host.seed("/proc/sys/kernel/random/boot_id", fingerprint.bootId! + "\n")
    host.seed("/proc/sys/kernel/osrelease", "6.1.0-test\n")
    host.seed("/sys/devices/system/cpu/online", "0-11\n")
    host.seedDirectory("/var/lib")
    host.clearMutations()
    return host
  }

  /// The issue's switch: ingest 8-11 and ledger 6-7, then ingest 8-9 and
  /// ledger 6-7,10-11: CPUs move between the two partitions both ways.
  static let first = DesiredState(
    name: "first",
    workloads: [
      .init(name: "web", cpus: [2, 3]),
      .init(name: "ledger", cpus: [6, 7], partition: "isolated"),
      .init(name: "ingest", cpus: CPUSet(range: 8...11), partition: "root"),
    ], shared: [4, 5], irqs: [30: [0, 1], 31: [0]])
  static let second = DesiredState(
    name: "second",
    workloads: [
      .init(name: "web", cpus: [2, 3, 4], weight: 300),
      .init(name: "ledger", cpus: [6, 7, 10, 11], partition: "isolated"),
      .init(name: "ingest", cpus: [8, 9], partition: "root"),
    ], shared: [4, 5], irqs: [30: [1], 31: [0, 1]])
}

/// A host that reports after every mutating operation, so that a test can
/// check every intermediate state an apply goes through.
final class ObservedHost: ForwardingHost {
  let observe: (String) -> Void
  init(_ inner: MemoryHost, observe: @escaping (String) -> Void) {
    self.observe = observe
    super.init(inner)
  }
  override func write(_ path: String, _ value: String) throws(HostIOError) {
    defer { observe("write \(path) = \(value)") }
    try inner.write(path, value)
  }
  override func makeDirectory(_ path: String) throws(HostIOError) {
    defer { observe("mkdir \(path)") }
    try inner.makeDirectory(path)
  }
  override func removeDirectory(_ path: String) throws(HostIOError) {
    defer { observe("rmdir \(path)") }
    try inner.removeDirectory(path)
  }
}
