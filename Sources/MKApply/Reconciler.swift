import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// Turns a plan's desired state into the steps this host needs *now*, the
/// way a controller reconciles: it reads the live value of every object the
/// plan manages, diffs it against the desired value, and orders the writes
/// from the live state, so that every intermediate state is one the kernel
/// accepts (CPUs leave their live holder before another partition takes
/// them, shrink before grow, removed cgroups go bottom-up) whatever plan, hand
/// edit or reboot left the host where it is.
///
/// The plan's own transition (`cgroupWrites`, made against `--previous`) is
/// for review only; apply never trusts it, except for plans that carry no
/// desired cgroup tree (written before mkpolicy carried one).
///
/// Only `ENOENT` means absent: any other read error stops the reconcile
/// before anything is written.
public struct Reconciler {
  public let host: any HostIO

  public init(host: any HostIO) { self.host = host }

  public struct Result: Sendable, Equatable {
    /// What apply performs, in order (steps already in effect included: the
    /// applier counts them as unchanged).
    public var steps: [ApplyStep] = []
    /// Objects that do not exist right now and need no write (an IRQ whose
    /// device is down): reported, not an error.
    public var pending: [String] = []
    /// What apply leaves alone on purpose (a kernel instance not mkpolicy's).
    public var notes: [String] = []
  }

  /// `record` is the applied record of *this boot* (nil when there is none,
  /// or when it is from an earlier boot: what its commands did is gone).
  public func reconcile(_ plan: Plan, record: AppliedRecord?) throws(HostIOError) -> Result {
    var result = Result()
    var bringUp: [ApplyStep] = []
    if InstanceReconciler.describesInstances(plan)
      || record.map({ InstanceReconciler.describesInstances($0.plan) }) == true
    {
      let instances = try InstanceReconciler(host: host).reconcile(plan, record: record)
      result.steps += instances.teardown
      bringUp = instances.bringUp
      result.notes += instances.notes
    } else {
      // A plan that lists commands only: run as given, except the teardown
      // of an instance that does not run (a reboot dropped it, or the
      // plan's --previous never reached this host).
      let live = try InstanceProbe(host: host).live()
      let recorded = record?.commands ?? [:]
      func step(_ command: CoordinatorCommand) -> ApplyStep {
        ApplyStep(
          kind: .command, path: command.id, argv: command.argv, undo: Plan.undo(command.argv))
      }
      let teardown = plan.coordinatorCommands.filter(Self.isTeardown).filter { command in
        let name = command.argv[2]
        if let live { return live[name] != nil }
        return recorded.values.contains {
          $0.count >= 3 && $0[0] == "kerf" && $0[1] == "create" && $0[2] == name
        }
      }
      result.steps += teardown.map(step)
      bringUp = plan.coordinatorCommands.filter { !Self.isTeardown($0) }.map(step)
    }
    result.steps += try cgroupSteps(plan)
    for write in plan.kernelWrites {
      result.steps.append(ApplyStep(kind: .kernel, path: write.path, value: write.content))
    }
    // irqbalance is asked live (its process in /proc): stopped already
    // means nothing to do, whatever the record says; running, or no /proc
    // to tell, means `systemctl stop`.
    if plan.irqbalanceMode == "stop",
      try ProcessProbe(host: host).running(ProcessProbe.irqbalance)?.isEmpty != true
    {
      result.steps.append(
        ApplyStep(
          kind: .command, path: "irqbalance:stop", argv: ["systemctl", "stop", "irqbalance"],
          undo: ["systemctl", "start", "irqbalance"]))
    }
    // Tuning, configuration files, units, their commands, the reboot
    // marker; read from the host before any step runs, like the rest.
    var setup = try HostSetupReconciler(host: host).reconcile(plan)
    // NIC channel counts go before the IRQ moves: a driver spreads its queue
    // vectors again when `ethtool -L` changes the count (virtio_net sets
    // each queue's affinity for the new count, seen on 6.1), which would
    // undo moves made before it, after they were read back.
    let channels = setup.steps.filter { HostSetupReconciler.isNICChannels($0) }
    setup.steps.removeAll { HostSetupReconciler.isNICChannels($0) }
    result.steps += channels
    for setting in plan.irqAffinity where setting.movable {
      let path = "/proc/irq/\(setting.irq)/smp_affinity_list"
      guard try exists(path) else {
        result.pending.append(
          "IRQ \(setting.irq): /proc/irq/\(setting.irq) does not exist (its device is down or unbound); new vectors follow /proc/irq/default_smp_affinity"
        )
        continue
      }
      result.steps.append(ApplyStep(kind: .irq, path: path, value: setting.cpus.cpulist))
    }
    for file in plan.fileWrites {
      result.steps.append(ApplyStep(kind: .file, path: file.path, value: file.content))
    }
    if let staging = plan.bootStaging {
      if let path = staging.path, let content = staging.content {
        result.steps.append(ApplyStep(kind: .file, path: path, value: content))
      }
      if let argv = staging.argv {
        result.steps.append(
          ApplyStep(
            kind: .command, path: "boot:\(staging.bootloader)", argv: argv, undo: Plan.undo(argv)))
      }
    }
    result.steps += setup.steps
    result.pending += setup.pending
    result.steps += bringUp
    return result
  }

  static func isTeardown(_ command: CoordinatorCommand) -> Bool {
    command.argv.count > 2 && command.argv[0] == "kerf"
      && ["kill", "unload", "delete"].contains(command.argv[1])
  }

  /// True when `path` can be read, false on ENOENT; any other error throws.
  func exists(_ path: String) throws(HostIOError) -> Bool {
    do {
      _ = try host.read(path)
      return true
    } catch  where error.errno == ENOENT {
      return false
    }
  }

  /// The live content of a file, nil on ENOENT; any other error throws.
  func live(_ path: String) throws(HostIOError) -> String? {
    do {
      return try host.read(path).trimmingASCIIWhitespace()
    } catch  where error.errno == ENOENT {
      return nil
    }
  }

  // MARK: cgroups

  /// Whether the plan carries its whole desired cgroup tree. A plan whose
  /// tree is empty and whose writes only take things down (a teardown plan)
  /// desires no cgroup; one with other writes and no tree predates the tree
  /// and is applied as the delta it holds.
  static func hasDesiredTree(_ plan: Plan) -> Bool {
    if !plan.cgroupTree.isEmpty { return true }
    return plan.cgroupWrites.allSatisfy { op in
      switch op.op {
      case .rmdir: return true
      case .mkdir: return false
      case .write:
        let name = ReadBack.name(op.path)
        return (name == "cpuset.cpus.partition" && op.value == "member")
          || (name == "cpuset.cpu_exclusive" && op.value == "0")
          || (name == "cpuset.cpus.exclusive" && (op.value ?? "").isEmpty)
      }
    }
  }

  static func steps(_ operations: [CgroupOperation]) -> [ApplyStep] {
    operations.map { operation in
      switch operation.op {
      case .mkdir: ApplyStep(kind: .mkdir, path: operation.path)
      case .rmdir: ApplyStep(kind: .rmdir, path: operation.path)
      case .write: ApplyStep(kind: .write, path: operation.path, value: operation.value ?? "")
      }
    }
  }

  func cgroupSteps(_ plan: Plan) throws(HostIOError) -> [ApplyStep] {
    guard Self.hasDesiredTree(plan) else {
      return Self.steps(plan.cgroupPrerequisites + plan.cgroupWrites)
    }
    let parent = plan.effectiveCgroupParent
    var desired = Self.directories(plan.cgroupTree, owned: true)
    // The root enabling the controllers is part of the desired state even
    // when the plan left it out because its --previous had it done: a
    // reboot undoes it. On v2 the tree's top cgroup says which controllers.
    var prerequisiteOperations = plan.cgroupPrerequisites
    if plan.cgroupMode == "v2", let top = desired.first,
      let subtree = top.files.first(where: { $0.name == "cgroup.subtree_control" })
    {
      let path = ReadBack.directory(top.path) + "/cgroup.subtree_control"
      if !prerequisiteOperations.contains(where: { $0.path == path }) {
        prerequisiteOperations.append(
          CgroupOperation(
            op: .write, path: path, value: subtree.value, provenance: subtree.provenance))
      }
    }
    let prerequisites = Self.directories(prerequisiteOperations, owned: false)
    let desiredPaths = Set(desired.map(\.path))

    // What mkpolicy manages: the desired directories, the parent and its
    // live children (unless the parent is shared with another manager), and
    // whatever the plan's own transition removes.
    var managed = desiredPaths
    if !(plan.allowForeignCgroups ?? false), host.kind(parent) == .directory {
      managed.insert(parent)
      for name in try host.list(parent) where host.kind(parent + "/" + name) == .directory {
        managed.insert(parent + "/" + name)
      }
    }
    for op in plan.cgroupWrites where op.op == .rmdir { managed.insert(op.path) }
    // The desired directories wherever they are (cgroup v1 has twins in the
    // cpu and memory hierarchies), anything else only under the parent.
    let present = managed.filter {
      (desiredPaths.contains($0) || $0 == parent || $0.hasPrefix(parent + "/"))
        && host.kind($0) == .directory
    }

    // A cgroup the plan gives no partition type is a member: one that reads
    // otherwise (a hand edit) is part of the drift.
    for index in desired.indices
    where present.contains(desired[index].path)
      && !desired[index].files.contains(where: { $0.name == "cpuset.cpus.partition" })
    {
      let path = desired[index].path + "/cpuset.cpus.partition"
      if let text = try live(path), text != "member" {
        desired[index].files.insert(
          .init(
            "cpuset.cpus.partition", "member", role: .partition(reset: "member"),
            provenance: desired[index].provenance), at: 0)
      }
    }

    var invalid = Set<String>()
    var observed: [CgroupOperation] = []
    for path in present.sorted(by: Self.shallowFirst) {
      observed.append(CgroupOperation(op: .mkdir, path: path))
      if let directory = desired.first(where: { $0.path == path }) {
        observed += try observe(directory, invalid: &invalid)
      } else {
        // Going away: the sequencer resets what makes it a partition first.
        for name in ["cpuset.cpus.partition", "cpuset.cpu_exclusive", "cpuset.cpus.exclusive"] {
          guard let text = try live(path + "/" + name) else { continue }
          observed.append(
            CgroupOperation(op: .write, path: path + "/" + name, value: Self.state(name, text)))
        }
      }
    }
    var observedRoot: [CgroupOperation] = []
    for directory in prerequisites {
      observedRoot += try observe(directory, invalid: &invalid)
    }
    // Partitions that become members go first, children before parents:
    // a parent demoted while a child is still a partition would invalidate
    // the child, and a member gives its CPUs back, which only helps the rest.
    var demotions: [CgroupOperation] = []
    for directory in desired.reversed() where present.contains(directory.path) {
      guard
        let file = directory.files.first(where: { $0.name == "cpuset.cpus.partition" }),
        file.value == "member",
        let index = observed.firstIndex(where: {
          $0.op == .write && $0.path == directory.path + "/cpuset.cpus.partition"
        }), observed[index].value != "member"
      else { continue }
      demotions.append(
        CgroupOperation(
          op: .write, path: observed[index].path, value: "member", provenance: file.provenance))
      observed[index].value = "member"
    }
    let sequencer = CgroupSequencer()
    let tree = sequencer.sequence(desired, previous: observed)
    // The sequencer's first phase takes down what is not desired; demotions
    // follow it, before any CPU moves.
    let teardown = tree.prefix {
      let directory = $0.op == .write ? ReadBack.directory($0.path) : $0.path
      return !desiredPaths.contains(directory)
    }
    let operations =
      sequencer.sequence(prerequisites, previous: observedRoot) + teardown + demotions
      + tree.dropFirst(teardown.count)
    return operations.map { operation in
      if operation.op == .write, invalid.contains(operation.path),
        operation.value == "root" || operation.value == "isolated"
      {
        return ApplyStep(kind: .revalidate, path: operation.path, value: operation.value)
      }
      return Self.steps([operation])[0]
    }
  }

  static func shallowFirst(_ a: String, _ b: String) -> Bool {
    (a.split(separator: "/").count, a) < (b.split(separator: "/").count, b)
  }

  /// The live value of each file a desired directory sets, as the sequencer
  /// compares it: the desired text when the live value is the same (in the
  /// kernel's forms: cpulists, page-rounded memory, controller sets), the
  /// live text otherwise, nothing when the file does not exist.
  func observe(_ directory: CgroupDirectory, invalid: inout Set<String>) throws(HostIOError)
    -> [CgroupOperation]
  {
    var out: [CgroupOperation] = []
    for file in directory.files {
      let path = directory.path + "/" + file.name
      guard let text = try live(path) else { continue }
      if file.name == "cpuset.cpus.partition", text.contains("invalid") {
        invalid.insert(path)
        out.append(CgroupOperation(op: .write, path: path, value: Self.state(file.name, text)))
        continue
      }
      if Self.same(path, file.value, text, host) {
        out.append(CgroupOperation(op: .write, path: path, value: file.value))
      } else if file.key == nil {
        out.append(CgroupOperation(op: .write, path: path, value: Self.state(file.name, text)))
      }
    }
    return out
  }

  /// A live value in the form the sequencer keeps (`root invalid` stays
  /// distinct from `root`, so that an invalid partition is written again).
  static func state(_ name: String, _ text: String) -> String {
    switch name {
    case "cpuset.cpus.partition":
      let mode = String(text.split(separator: " ").first ?? "member")
      return text.contains("invalid") ? mode + " invalid" : mode
    case "cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive":
      return (try? CPUSet(cpulist: text, allowEmpty: true))?.cpulist ?? text
    default:
      return text
    }
  }

  static func same(_ path: String, _ wanted: String, _ text: String, _ host: any HostIO) -> Bool {
    switch ReadBack.name(path) {
    case "cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive":
      return (try? CPUSet(cpulist: wanted, allowEmpty: true))
        == (try? CPUSet(cpulist: text, allowEmpty: true))
    case "cpuset.cpus.partition":
      return String(text.split(separator: " ").first ?? "") == wanted && !text.contains("invalid")
    default:
      return ReadBack.writeDifference(path, wanted, host) == nil
    }
  }

  /// The desired tree as directories with their files in write order, the
  /// form `CgroupSequencer` orders against a live state.
  static func directories(_ operations: [CgroupOperation], owned: Bool) -> [CgroupDirectory] {
    var out: [CgroupDirectory] = []
    var index: [String: Int] = [:]
    func slot(_ path: String, _ provenance: Provenance) -> Int {
      if let existing = index[path] { return existing }
      out.append(CgroupDirectory(path: path, owned: owned, files: [], provenance: provenance))
      index[path] = out.count - 1
      return out.count - 1
    }
    for operation in operations {
      switch operation.op {
      case .mkdir: _ = slot(operation.path, operation.provenance)
      case .rmdir: continue
      case .write:
        let directory = ReadBack.directory(operation.path)
        let name = ReadBack.name(operation.path)
        let at = slot(directory, operation.provenance)
        let value = operation.value ?? ""
        let role: CgroupDirectory.Role
        switch name {
        case "cpuset.cpus": role = .cpus
        case "cpuset.cpus.exclusive": role = .exclusiveCPUs
        case "cpuset.cpus.partition": role = .partition(reset: "member")
        case "cpuset.cpu_exclusive": role = .partition(reset: "0")
        default: role = .other
        }
        let keyed = name == "io.max" || name.hasPrefix("blkio.throttle.")
        let key = keyed ? value.split(separator: " ").first.map(String.init) : nil
        out[at].files.removeAll { $0.name == name && $0.key == key }
        out[at].files.append(
          .init(name, value, role: role, key: key, provenance: operation.provenance))
      }
    }
    return out
  }
}
