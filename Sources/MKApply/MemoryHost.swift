import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// An in-memory host that behaves like the kernel where apply cares: cgroup
/// directories get their interface files on `mkdir`, `cpuset.cpus.effective`
/// is derived from the parent, a partition that cannot be valid reads back
/// `root invalid (reason)`, `memory.*` values are page-rounded, a cgroup with
/// children refuses `rmdir` (EBUSY), managed IRQs refuse a new affinity (EIO)
/// and "stuck" IRQs accept a write and do not move.
///
/// It is what the fault-injection tests run against: fast, deterministic, and
/// able to compare every value before and after a rolled-back apply.
public final class MemoryHost: HostIO {
  public enum CgroupVersion: Sendable { case v1, v2 }

  public private(set) var files: [String: String] = [:]
  public private(set) var directories: Set<String> = ["/"]
  public let cgroupMount: String
  public let version: CgroupVersion
  public var onlineCPUs: CPUSet
  public var managedIRQs: Set<Int> = []
  public var stuckIRQs: Set<Int> = []
  /// IRQs whose affinity write reads back at once but whose move waits for
  /// the next interrupt (x86 without interrupt remapping): the effective
  /// affinity stays until `fire(_:)`.
  public var deferredIRQs: Set<Int> = []
  var pendingMoves: [Int: CPUSet] = [:]

  /// An interrupt of `irq`: a deferred move takes effect.
  public func fire(_ irq: Int) {
    guard let set = pendingMoves.removeValue(forKey: irq) else { return }
    files["/proc/irq/\(irq)/effective_affinity_list"] = set.first.map(String.init) ?? ""
  }
  /// Every mutating operation, in order (`write PATH = VALUE`, `mkdir PATH`...).
  public private(set) var mutations: [String] = []
  /// Commands run, and how each answers (default: exit 0, no output).
  public private(set) var commands: [[String]] = []
  public var commandResult: ([String]) -> CommandResult = { _ in
    CommandResult(status: 0, output: "")
  }
  public var processID: Int32 = 4242
  public var livePIDs: Set<Int32> = [4242]
  /// Partitions the kernel turned invalid, with its reason. As on 6.1 the
  /// state is sticky: the partition stays invalid after the conflict is gone,
  /// until `member` and then `root`/`isolated` are written to it again.
  public private(set) var invalidPartitions: [String: String] = [:]
  /// Paths whose read fails with this errno (other than ENOENT), for the
  /// tests that check apply stops before writing when it cannot read.
  public var unreadable: [String: Int32] = [:]

  public init(
    cgroupMount: String = "/sys/fs/cgroup", version: CgroupVersion = .v2, onlineCPUs: CPUSet
  ) {
    self.cgroupMount = cgroupMount
    self.version = version
    self.onlineCPUs = onlineCPUs
    makeParents(cgroupMount + "/x")
    directories.insert(cgroupMount)
    for (name, value) in defaults(forRoot: true) { files[cgroupMount + "/" + name] = value }
  }

  /// An independent copy of the whole host (commands answer the same way).
  public func clone() -> MemoryHost {
    let copy = MemoryHost(cgroupMount: cgroupMount, version: version, onlineCPUs: onlineCPUs)
    copy.files = files
    copy.directories = directories
    copy.managedIRQs = managedIRQs
    copy.stuckIRQs = stuckIRQs
    copy.deferredIRQs = deferredIRQs
    copy.pendingMoves = pendingMoves
    copy.mutations = mutations
    copy.commands = commands
    copy.commandResult = commandResult
    copy.processID = processID
    copy.livePIDs = livePIDs
    copy.heldLocks = heldLocks
    copy.invalidPartitions = invalidPartitions
    copy.unreadable = unreadable
    copy.stoppedDaemons = stoppedDaemons
    copy.nicMaxChannels = nicMaxChannels
    return copy
  }

  // MARK: Test set-up (not operations: not counted, never faulted)

  public func seed(_ path: String, _ value: String) {
    makeParents(path)
    files[path] = value
    settle()
  }

  /// What a reboot does to the state apply manages: every cgroup below the
  /// mount is gone and the root enables no controller, IRQs are back on every
  /// online CPU, kernel instances are gone, and the boot id is `bootID`.
  /// Configuration files and the state directory stay (they are on disk).
  public func reboot(bootID: String) {
    let below = cgroupMount + "/"
    let instances = "/sys/fs/multikernel/instances/"
    directories = directories.filter { !$0.hasPrefix(below) && !$0.hasPrefix(instances) }
    files = files.filter { key, _ in
      !(key.hasPrefix(below) && key.dropFirst(below.count).contains("/"))
        && !key.hasPrefix(instances)
    }
    for (name, value) in defaults(forRoot: true) { files[cgroupMount + "/" + name] = value }
    for key in files.keys where key.hasPrefix("/proc/irq/") && key.hasSuffix("/smp_affinity_list") {
      files[key] = onlineCPUs.cpulist
      files[parent(key) + "/effective_affinity_list"] = onlineCPUs.first.map(String.init) ?? ""
    }
    files["/proc/sys/kernel/random/boot_id"] = bootID
    invalidPartitions = [:]
  }

  /// Removes a directory and everything below it (test set-up, as when a
  /// kernel instance goes away).
  public func forget(_ path: String) {
    directories = directories.filter { $0 != path && !$0.hasPrefix(path + "/") }
    files = files.filter { key, _ in key != path && !key.hasPrefix(path + "/") }
  }

  public func seedDirectory(_ path: String) {
    makeParents(path + "/x")
    directories.insert(path)
    if isCgroup(path) && path != cgroupMount {
      for (name, value) in defaults(forRoot: false) where files[path + "/" + name] == nil {
        files[path + "/" + name] = value
      }
    }
    settle()
  }

  public func seedIRQ(_ irq: Int, _ cpus: CPUSet) {
    seed("/proc/irq/\(irq)/smp_affinity_list", cpus.cpulist)
    seed("/proc/irq/\(irq)/effective_affinity_list", cpus.first.map(String.init) ?? "")
  }

  /// Every stored value and directory outside `excluding`, for comparisons.
  public func snapshot(excluding prefix: String = "/var/lib/mkpolicy") -> [String: String] {
    var out: [String: String] = [:]
    for (path, value) in files where !path.hasPrefix(prefix) { out[path] = value }
    for directory in directories where !directory.hasPrefix(prefix) {
      out[directory + "/"] = "<dir>"
    }
    // Validity is kernel state, not a file: compared too.
    for (directory, reason) in invalidPartitions { out[directory + "/<invalid>"] = reason }
    return out
  }

  public func clearMutations() { mutations = [] }

  // MARK: Model

  private func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }

  private func name(_ path: String) -> String {
    String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
  }

  private func makeParents(_ path: String) {
    var current = parent(path)
    while current != "/" && !directories.contains(current) {
      directories.insert(current)
      current = parent(current)
    }
  }

  private func isCgroup(_ path: String) -> Bool {
    path == cgroupMount || path.hasPrefix(cgroupMount + "/")
  }

  private func defaults(forRoot: Bool) -> [(String, String)] {
    switch version {
    case .v2:
      var list = [
        ("cgroup.procs", ""), ("cgroup.subtree_control", ""), ("cpuset.cpus", ""),
        ("cpuset.mems", ""), ("cpu.weight", "100"), ("cpu.max", "max 100000"),
        ("memory.max", "max"), ("memory.high", "max"), ("memory.min", "0"),
      ]
      if !forRoot { list.append(("cpuset.cpus.partition", "member")) }
      if forRoot { list = list.filter { !$0.0.hasPrefix("cpu.") && !$0.0.hasPrefix("memory.") } }
      return list
    case .v1:
      return [
        ("tasks", ""), ("cgroup.procs", ""),
        ("cpuset.cpus", forRoot ? onlineCPUs.cpulist : ""), ("cpuset.mems", forRoot ? "0" : ""),
        ("cpuset.cpu_exclusive", "0"), ("cpuset.sched_load_balance", "1"),
      ]
    }
  }

  private func cpus(of directory: String) -> CPUSet {
    (try? CPUSet(cpulist: files[directory + "/cpuset.cpus"] ?? "", allowEmpty: true)) ?? CPUSet()
  }

  /// The CPUs a cgroup holds before it hands any to child partitions: a
  /// valid partition root takes its own `cpuset.cpus`; a member gets its
  /// cpus narrowed to what its parent has left.
  private func heldCPUs(_ directory: String) -> CPUSet {
    if directory == cgroupMount { return onlineCPUs }
    let own = cpus(of: directory)
    if version == .v1 { return own }
    if isPartitionRoot(directory) { return own }
    let fromParent = effectiveCPUs(parent(directory))
    return own.isEmpty ? fromParent : own.intersection(fromParent)
  }

  /// As the kernel reports `cpuset.cpus.effective`: on v2, without the CPUs
  /// of valid child partitions, which the parent hands over to them.
  private func effectiveCPUs(_ directory: String) -> CPUSet {
    let held = heldCPUs(directory)
    if version == .v1 { return held }
    var given = CPUSet()
    for child in children(of: directory) where isPartitionRoot(child) {
      given = given.union(cpus(of: child))
    }
    return held.subtracting(given)
  }

  private func effectiveMems(_ directory: String) -> String {
    let own = files[directory + "/cpuset.mems"] ?? ""
    if directory == cgroupMount || version == .v1 {
      return own.isEmpty && directory == cgroupMount ? "0" : own
    }
    return own.isEmpty ? effectiveMems(parent(directory)) : own
  }

  private func isPartitionRoot(_ directory: String) -> Bool {
    if directory == cgroupMount { return true }
    return isPartitionMode(directory) && invalidPartitions[directory] == nil
  }

  private func isPartitionMode(_ directory: String) -> Bool {
    let mode = files[directory + "/cpuset.cpus.partition"] ?? "member"
    return mode == "root" || mode == "isolated"
  }

  /// Marks every partition that cannot be valid any more as invalid, parents
  /// first, until nothing changes (an invalid parent invalidates its child
  /// partitions). Nothing becomes valid again on its own.
  private func settle() {
    guard version == .v2 else { return }
    var changed = true
    while changed {
      changed = false
      for directory in directories.sorted()
      where isCgroup(directory) && directory != cgroupMount && isPartitionMode(directory)
        && invalidPartitions[directory] == nil
      {
        if let problem = partitionProblem(directory) {
          invalidPartitions[directory] = problem
          changed = true
        }
      }
    }
  }

  /// Why a `root`/`isolated` partition is invalid, as the kernel words it.
  private func partitionProblem(_ directory: String) -> String? {
    let own = cpus(of: directory)
    if !isPartitionRoot(parent(directory)) { return "Parent is not a partition root" }
    if own.isEmpty { return "Cpu list in cpuset.cpus not exclusive" }
    if !own.isSubset(of: heldCPUs(parent(directory))) {
      return "Invalid cpu list in cpuset.cpus"
    }
    for sibling in children(of: parent(directory)) where sibling != directory {
      let mode = files[sibling + "/cpuset.cpus.partition"] ?? "member"
      if mode != "member" && !cpus(of: sibling).isDisjoint(with: own) {
        return "Cpu list in cpuset.cpus not exclusive"
      }
    }
    return nil
  }

  private func children(of directory: String) -> [String] {
    directories.filter { parent($0) == directory && $0 != directory }.sorted()
  }

  private func derived(_ path: String) -> String? {
    guard isCgroup(path) else { return nil }
    let directory = parent(path)
    guard directories.contains(directory) else { return nil }
    switch (version, name(path)) {
    case (.v2, "cpuset.cpus.effective"), (.v1, "cpuset.effective_cpus"):
      return effectiveCPUs(directory).cpulist
    case (.v2, "cpuset.mems.effective"), (.v1, "cpuset.effective_mems"):
      return effectiveMems(directory)
    case (.v2, "cpuset.cpus.partition") where directory != cgroupMount:
      let mode = files[path] ?? "member"
      if mode == "member" { return mode }
      if let problem = invalidPartitions[directory] { return "\(mode) invalid (\(problem))" }
      return mode
    default:
      return nil
    }
  }

  // MARK: HostIO

  public func read(_ path: String) throws(HostIOError) -> String {
    if let code = unreadable[path] {
      throw HostIOError(operation: "read", path: path, errno: code)
    }
    if let value = derived(path) { return value + "\n" }
    guard let value = files[path] else {
      throw HostIOError(
        operation: "read", path: path, errno: directories.contains(path) ? EISDIR : ENOENT)
    }
    // Kernel files print a trailing newline; regular files hold what was written.
    let kernelFile = path.hasPrefix("/sys/") || path.hasPrefix("/proc/")
    return !kernelFile || value.isEmpty || value.hasSuffix("\n") ? value : value + "\n"
  }

  public func kind(_ path: String) -> HostFileKind {
    if directories.contains(path) { return .directory }
    if files[path] != nil || derived(path) != nil { return .file }
    return .missing
  }

  public func list(_ path: String) throws(HostIOError) -> [String] {
    guard directories.contains(path) else {
      throw HostIOError(operation: "list", path: path, errno: ENOENT)
    }
    let prefix = path == "/" ? "/" : path + "/"
    var names = Set<String>()
    for key in files.keys where key.hasPrefix(prefix) && !key.dropFirst(prefix.count).contains("/")
    {
      names.insert(String(key.dropFirst(prefix.count)))
    }
    for key in directories
    where key.hasPrefix(prefix) && key != path && !key.dropFirst(prefix.count).contains("/") {
      names.insert(String(key.dropFirst(prefix.count)))
    }
    return names.sorted()
  }

  public func write(_ path: String, _ value: String) throws(HostIOError) {
    mutations.append("write \(path) = \(Quoted.text(value))")
    defer { settle() }
    let fail = { (code: Int32, reason: String?) in
      HostIOError(operation: "write", path: path, value: value, errno: code, reason: reason)
    }
    guard directories.contains(parent(path)) else { throw fail(ENOENT, nil) }
    let text = value.trimmingASCIIWhitespace()
    if path.hasPrefix("/proc/irq/") && name(path) == "smp_affinity_list" {
      guard files[path] != nil else { throw fail(ENOENT, nil) }
      let irq = Int(name(parent(path))) ?? -1
      guard let set = try? CPUSet(cpulist: text), !set.isEmpty else { throw fail(EINVAL, nil) }
      guard set.isSubset(of: onlineCPUs) else { throw fail(EINVAL, nil) }
      if managedIRQs.contains(irq) { throw fail(EIO, nil) }
      if stuckIRQs.contains(irq) { return }
      files[path] = set.cpulist
      if deferredIRQs.contains(irq) {
        pendingMoves[irq] = set
        return
      }
      files[parent(path) + "/effective_affinity_list"] = set.first.map(String.init) ?? ""
      return
    }
    if let interface = Self.tuningInterface(path) {
      // The kernel's own files: they exist or not (ENOENT), and refuse a
      // value outside their grammar (EINVAL); a governor the CPU's driver
      // does not offer is refused too (intel_pstate: performance, powersave).
      guard files[path] != nil else { throw fail(ENOENT, nil) }
      if interface.problem(with: value) != nil { throw fail(EINVAL, nil) }
      if interface.id == KernelInterfaces.scalingGovernor.id,
        let offered = files[parent(path) + "/scaling_available_governors"],
        !offered.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains(where: {
          String($0) == text
        })
      {
        throw fail(EINVAL, nil)
      }
      files[path] = text
      return
    }
    guard isCgroup(path) else {
      files[path] = value
      return
    }
    let file = name(path)
    guard files[path] != nil || derived(path) != nil else { throw fail(ENOENT, nil) }
    switch file {
    case "cpuset.cpus.effective", "cpuset.mems.effective", "cpuset.effective_cpus",
      "cpuset.effective_mems":
      throw fail(EACCES, nil)
    case "cpuset.cpus":
      guard let set = try? CPUSet(cpulist: text, allowEmpty: true) else { throw fail(EINVAL, nil) }
      guard set.isSubset(of: onlineCPUs) else { throw fail(EINVAL, nil) }
      if version == .v1 {
        let directory = parent(path)
        guard directory == cgroupMount || set.isSubset(of: effectiveCPUs(parent(directory))) else {
          throw fail(EINVAL, nil)
        }
        for child in children(of: directory) where !cpus(of: child).isSubset(of: set) {
          throw fail(EBUSY, nil)
        }
      }
      files[path] = set.cpulist
    case "cpuset.mems":
      guard let set = try? CPUSet(cpulist: text, allowEmpty: true), set.isSubset(of: [0, 1, 2, 3])
      else { throw fail(EINVAL, nil) }
      files[path] = set.cpulist
    case "cpuset.cpus.partition":
      guard ["member", "root", "isolated"].contains(text) else { throw fail(EINVAL, nil) }
      let directory = parent(path)
      // 6.1: an invalid partition stays invalid when root/isolated is written
      // again; only `member` clears it, and a later `root` is checked anew.
      if text == "member" { invalidPartitions[directory] = nil }
      files[path] = text
    case "cgroup.subtree_control":
      var enabled = Set((files[path] ?? "").split(separator: " ").map(String.init))
      for token in text.split(separator: " ") {
        let controller = String(token.dropFirst())
        guard ["cpuset", "cpu", "memory", "io", "pids"].contains(controller) else {
          throw fail(EINVAL, nil)
        }
        if token.hasPrefix("+") {
          enabled.insert(controller)
        } else if token.hasPrefix("-") {
          enabled.remove(controller)
        } else {
          throw fail(EINVAL, nil)
        }
      }
      files[path] = enabled.sorted().joined(separator: " ")
    case let memory where memory.hasPrefix("memory."):
      if text == "max" {
        files[path] = "max"
      } else {
        guard let bytes = UInt64(text) else { throw fail(EINVAL, nil) }
        files[path] = String(bytes / 4096 * 4096)
      }
    default:
      files[path] = text
    }
  }

  public func makeDirectory(_ path: String) throws(HostIOError) {
    mutations.append("mkdir \(path)")
    defer { settle() }
    guard directories.contains(parent(path)) else {
      throw HostIOError(operation: "mkdir", path: path, errno: ENOENT)
    }
    guard kind(path) == .missing else {
      throw HostIOError(operation: "mkdir", path: path, errno: EEXIST)
    }
    directories.insert(path)
    if isCgroup(path) {
      for (name, value) in defaults(forRoot: false) { files[path + "/" + name] = value }
    }
  }

  public func removeDirectory(_ path: String) throws(HostIOError) {
    mutations.append("rmdir \(path)")
    defer { settle() }
    guard directories.contains(path) else {
      throw HostIOError(operation: "rmdir", path: path, errno: ENOENT)
    }
    let prefix = path + "/"
    if isCgroup(path) {
      guard children(of: path).isEmpty else {
        throw HostIOError(operation: "rmdir", path: path, errno: EBUSY)
      }
      for key in files.keys where key.hasPrefix(prefix) { files[key] = nil }
      invalidPartitions[path] = nil
    } else if files.keys.contains(where: { $0.hasPrefix(prefix) }) || !children(of: path).isEmpty {
      throw HostIOError(operation: "rmdir", path: path, errno: ENOTEMPTY)
    }
    directories.remove(path)
  }

  public func replaceAtomically(_ path: String, _ content: String) throws(HostIOError) {
    mutations.append("replace \(path)")
    makeParents(path)
    files[path] = content
  }

  public func createExclusive(_ path: String, _ content: String) throws(HostIOError) {
    mutations.append("create \(path)")
    guard kind(path) == .missing else {
      throw HostIOError(operation: "create", path: path, errno: EEXIST)
    }
    makeParents(path)
    files[path] = content
  }

  public func removeFile(_ path: String) throws(HostIOError) {
    mutations.append("remove \(path)")
    if Self.tuningInterface(path) != nil, files[path] != nil {
      // sysfs and procfs files cannot be unlinked.
      throw HostIOError(operation: "remove", path: path, errno: EPERM)
    }
    guard files[path] != nil else {
      throw HostIOError(operation: "remove", path: path, errno: ENOENT)
    }
    files[path] = nil
  }

  public func run(_ argv: [String], evidence: String) throws(HostIOError) -> CommandResult {
    // As on a real host, the evidence file is created exclusively: a leftover
    // one means the command is not run (RootedHost's spawn fails the same way).
    if files[evidence] != nil {
      throw HostIOError(
        operation: "run", path: argv.joined(separator: " "), errno: EEXIST,
        reason: "its evidence file \(evidence) already exists; it was not run")
    }
    mutations.append("run \(argv.joined(separator: " "))")
    makeParents(evidence)
    let result = commandResult(argv)
    commands.append(argv)
    files[evidence] = result.output
    if result.status == 0 {
      if let failure = setupCommand(argv) {
        files[evidence] = failure.output
        return failure
      }
      if argv.count == 3 && argv[0] == "systemctl" { service(argv[2], argv[1]) }
    }
    return result
  }

  /// Locks held, by path: the holder's process id. A holder not in
  /// `livePIDs` has died, and the kernel has dropped its flock.
  public var heldLocks: [String: Int32] = [:]

  public func lock(_ path: String, holder: String) throws(HostIOError) -> (any HostIOLock)? {
    if let pid = heldLocks[path], livePIDs.contains(pid) { return nil }
    if kind(path) == .directory {
      throw HostIOError(operation: "lock", path: path, errno: EISDIR)
    }
    // The lock file is not part of the modelled host: only who holds it.
    heldLocks[path] = processID
    return MemoryLock(host: self, path: path)
  }

  final class MemoryLock: HostIOLock {
    weak var host: MemoryHost?
    let path: String
    init(host: MemoryHost, path: String) {
      self.host = host
      self.path = path
    }
    func release() { host?.heldLocks[path] = nil }
  }
  /// Daemons stopped by `systemctl stop NAME`, with the pids they ran as.
  var stoppedDaemons: [String: [Int32]] = [:]

  /// Starts a simulated daemon: `/proc/PID/comm` reads its name, as
  /// `ProcessProbe` looks for it. `systemctl stop NAME` takes it down,
  /// `systemctl start NAME` brings it back (under the same pid).
  public func startDaemon(_ name: String, pid: Int32) {
    seed("/proc/\(pid)/comm", name + "\n")
  }

  func service(_ name: String, _ verb: String) {
    switch verb {
    case "enable":
      seed(Self.wantsLink(name), "/lib/systemd/system/\(Self.unitFile(name))\n")
    case "disable":
      files[Self.wantsLink(name)] = nil
    case "try-restart":
      guard isRunning(name) else { return }
      service(name, "stop")
      service(name, "start")
    case "stop":
      let pids = files.keys.filter { path in
        path.hasPrefix("/proc/") && path.hasSuffix("/comm")
          && files[path]?.trimmingASCIIWhitespace() == name
      }.compactMap { Int32($0.dropFirst("/proc/".count).dropLast("/comm".count)) }
      for pid in pids {
        files["/proc/\(pid)/comm"] = nil
        directories.remove("/proc/\(pid)")
      }
      stoppedDaemons[name, default: []] += pids
    case "start", "restart":
      for pid in stoppedDaemons[name] ?? [] { startDaemon(name, pid: pid) }
      stoppedDaemons[name] = nil
    default: break
    }
  }

  // MARK: Host setup model

  /// The most combined channels each NIC offers (`ethtool -l`): asking for
  /// more fails as ethtool does.
  public var nicMaxChannels: [String: Int] = [:]

  /// A NIC with `channels` combined channels (RX/TX queue pairs whose
  /// `rps_cpus` / `xps_cpus` read 0) out of `maximum`.
  public func seedNIC(_ name: String, channels: Int, maximum: Int) {
    seedDirectory("/sys/class/net/\(name)/queues")
    nicMaxChannels[name] = maximum
    setChannels(name, channels)
  }

  func setChannels(_ name: String, _ count: Int) {
    let queues = "/sys/class/net/\(name)/queues"
    for kind in ["rx", "tx"] {
      for entry in (try? list(queues)) ?? [] where entry.hasPrefix(kind + "-") {
        if let index = Int(entry.dropFirst(3)), index >= count { forget(queues + "/" + entry) }
      }
      for index in 0..<count where !directories.contains(queues + "/\(kind)-\(index)") {
        seed(queues + "/\(kind)-\(index)/" + (kind == "rx" ? "rps_cpus" : "xps_cpus"), "0")
      }
    }
  }

  /// What `update-grub` writes from the GRUB drop-ins: one entry whose
  /// command line ends with the parameters each drop-in appends.
  public func grubConfig() -> String {
    var parameters: [String] = []
    for (path, content) in files.sorted(by: { $0.key < $1.key })
    where path.hasPrefix("/etc/default/grub.d/") && path.hasSuffix(".cfg") {
      for line in content.split(separator: "\n") where line.hasPrefix("GRUB_CMDLINE_LINUX_DEFAULT=")
      {
        let quoted = line.split(separator: "'", omittingEmptySubsequences: false)
        if quoted.count >= 3 { parameters.append(String(quoted[1])) }
      }
    }
    return "menuentry 'Debian GNU/Linux' {\n\tlinux /boot/vmlinuz root=/dev/vda1 ro quiet"
      + parameters.map { " " + $0 }.joined() + "\n}\n"
  }

  static func unitFile(_ name: String) -> String {
    name.contains(".") ? name : name + ".service"
  }

  static func wantsLink(_ name: String) -> String {
    "/etc/systemd/system/multi-user.target.wants/" + unitFile(name)
  }

  func isRunning(_ name: String) -> Bool {
    files.contains { path, value in
      path.hasPrefix("/proc/") && path.hasSuffix("/comm") && value.trimmingASCIIWhitespace() == name
    }
  }

  /// The host setup's commands, as the programs behave; a failure when the
  /// program would fail (an interface that does not exist, too many channels).
  func setupCommand(_ argv: [String]) -> CommandResult? {
    switch argv {
    case let call where call.count == 5 && call[0] == "ethtool" && call[1] == "-L":
      guard let count = Int(call[4]), directories.contains("/sys/class/net/\(call[2])") else {
        return CommandResult(status: 1, output: "Cannot get device channel parameters\n")
      }
      guard count >= 1, count <= nicMaxChannels[call[2], default: count] else {
        return CommandResult(
          status: 1, output: "Cannot set device channel parameters: Invalid argument\n")
      }
      setChannels(call[2], count)
    case let call where call.count == 4 && call[0] == "systemctl" && call[2] == "--now":
      service(call[3], call[1])
      if call[1] == "disable" { service(call[3], "stop") }
    case ["update-grub"]:
      seed(SetupCommand.grubConfigs[0], grubConfig())
    case let call where call.count == 3 && call[0] == "grub-mkconfig":
      seed(call[2], grubConfig())
    default:
      break
    }
    return nil
  }

  /// A `/proc` or `/sys` tuning file of the registry (the IRQ files and
  /// huge pages keep their own model above).
  static func tuningInterface(_ path: String) -> KernelInterface? {
    guard let interface = KernelInterfaces.describing(path),
      interface.area == .proc || interface.area == .sysfs,
      ![
        KernelInterfaces.irqAffinity.id, KernelInterfaces.defaultIRQAffinity.id,
        KernelInterfaces.nodeHugePages.id,
      ].contains(interface.id)
    else { return nil }
    return interface
  }
}
