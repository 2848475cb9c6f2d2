import MKCore

/// How a workload's processes get into the cgroup mkpolicy makes for it
/// (`launch:`). mkpolicy shapes the cgroup; something else starts the
/// processes, and this says what, so that the plan emits the matching glue.
public struct Launch: Sendable, Hashable {
  public enum Manager: String, Sendable, Hashable, CaseIterable, Codable {
    /// Nothing is set up: an operator or a script writes PIDs to
    /// `cgroup.procs` (the plan's report says where).
    case none
    /// A systemd service runs the workload: the workload's cgroup is the
    /// slice unit systemd manages (`PARENT-NAME.slice`, dashes of the name as
    /// underscores), and the service gets a drop-in putting it there.
    case systemd
    /// Another manager (a container runtime, a supervisor) puts processes
    /// into the cgroup at `path` below `host.cgroupParent`.
    case cgroup
  }

  public var manager: Manager
  /// `systemd`: the service that runs the workload (`feed-handler.service`);
  /// nil when processes are started in the slice by other means (`systemd-run --slice`).
  public var unit: String?
  /// `cgroup`: the directory name below `host.cgroupParent` the other
  /// manager uses; nil means the workload's name.
  public var path: String?
  /// The process manager builds its own cgroups below the workload's:
  /// systemd gets `Delegate=yes`; for `cgroup` mkpolicy enables the
  /// controllers in the workload cgroup's `cgroup.subtree_control` (so its
  /// processes live in child cgroups, the kernel's no-internal-process rule).
  public var delegate: Bool
  public var location: SourceLocation?

  public init(
    manager: Manager = .none, unit: String? = nil, path: String? = nil, delegate: Bool = false,
    location: SourceLocation? = nil
  ) {
    self.manager = manager
    self.unit = unit
    self.path = path
    self.delegate = delegate
    self.location = location
  }
}
