import MKCore

/// A kernel change asked for on the command line (`mkpolicy update
/// WORKLOAD --kernel PATH [--initrd PATH] [--cmdline TEXT]`), made to the
/// policy in memory: nothing is written back, so the repository stays
/// what it is and the change is planned exactly as if the policy said it.
public struct KernelChange: Sendable, Hashable {
  public var workload: String
  public var image: String
  public var initrd: String?
  /// Replaces the workload's own `kernel.cmdline` (the coordinator's
  /// defaults and the profile's parameters still come first and last).
  public var cmdline: String?

  public init(workload: String, image: String, initrd: String? = nil, cmdline: String? = nil) {
    self.workload = workload
    self.image = image
    self.initrd = initrd
    self.cmdline = cmdline
  }

  /// `policy` with the change made, or why it cannot be (E167 no such
  /// workload, E168 not a kernel workload, E169 a path that is not absolute
  /// or a command line with a line break).
  public func applied(to policy: Policy) -> Result<Policy, DiagnosticError> {
    guard let index = policy.workloads.firstIndex(where: { $0.name == workload }) else {
      let names = policy.workloads.map(\.name)
      return .failure(
        DiagnosticError(
          .error(
            "E167", "the policy has no workload '\(workload)'",
            help: [Suggestion.help(for: workload, in: names)])))
    }
    let target = policy.workloads[index]
    guard target.isolation == .kernel else {
      return .failure(
        DiagnosticError(
          .error(
            "E168",
            "workload '\(workload)' is isolation: \(target.isolation.rawValue); only kernel instances get a kernel",
            at: target.location(of: "isolation"),
            help: ["name a workload with isolation: kernel"])))
    }
    for (flag, path) in [("--kernel", image), ("--initrd", initrd)] {
      guard let path else { continue }
      guard path.hasPrefix("/"), !path.contains("\n"), !path.contains("\0") else {
        return .failure(
          DiagnosticError(
            .error(
              "E169", "\(flag) must be an absolute path, not \(YAMLScalar.quoted(path))",
              help: ["give the file's full path on the host, such as /boot/vmlinuz-mk-6.16.1"])))
      }
    }
    if let cmdline, cmdline.contains("\n") || cmdline.contains("\0") {
      return .failure(
        DiagnosticError(
          .error("E169", "--cmdline contains a line break", help: ["give one line of parameters"])))
    }
    var out = policy
    var kernel = target.kernel ?? KernelSpec(location: target.location)
    kernel.image = image
    if let initrd { kernel.initrd = initrd }
    if let cmdline { kernel.cmdline = cmdline }
    out.workloads[index].kernel = kernel
    return .success(out)
  }
}
