import MKCore

/// Semantic checks that need the whole policy but no hardware: unique
/// workload names, `avoid` naming existing workloads, kernel-only fields used
/// only with `isolation: kernel`, and demands that can never be met whatever
/// the host. Every finding points at the field that caused it.
public enum PolicyChecker {
  /// The most kernel instances kerf can number (ids 1 to 511).
  public static let kernelInstanceLimit = 511

  /// Checks `policy`. `coordinatorKnown` is false when the coordinator
  /// section had errors, so that its defaults are not judged.
  public static func check(_ policy: Policy, coordinatorKnown: Bool = true) -> [Diagnostic] {
    check(policy, partial: [], coordinatorKnown: coordinatorKnown)
  }

  /// `partial` are workloads that failed to decode in part, with the keys
  /// at fault: they count as existing (so one typo is reported once), and the
  /// checks of their valid fields still run.
  static func check(
    _ policy: Policy, partial: [(workload: Workload, broken: Set<String>)],
    coordinatorKnown: Bool
  ) -> [Diagnostic] {
    var out: [Diagnostic] = []
    let everyone = policy.workloads.map { (workload: $0, broken: Set<String>()) } + partial
    var all = everyone.map { ($0.workload.name, $0.workload.location(of: "name")) }
    all.sort { $0.1 < $1.1 }
    var firstPlace: [String: SourceLocation] = [:]
    for (name, location) in all {
      if let first = firstPlace[name] {
        out.append(
          .error(
            "E101", "workload name '\(name)' is used twice", at: location,
            notes: [.init("first used here", at: first)],
            help: ["workload names are unique across every file of a policy: rename one"]))
      } else {
        firstPlace[name] = location
      }
    }
    let names = Array(firstPlace.keys).sorted()

    for (workload, broken) in everyone {
      let name = workload.name
      if !policy.host.allowForeignCgroups, let owner = CgroupOwnership.owner(of: name) {
        out.append(
          .error(
            "E123",
            "workload name '\(name)' is a cgroup name \(owner) owns: apply refuses to touch it without host.allowForeignCgroups",
            at: workload.location(of: "name"),
            help: ["rename the workload, or set host.allowForeignCgroups: true"]))
      }
      /// Whether every field a check reads decoded.
      func known(_ keys: String...) -> Bool { broken.isDisjoint(with: keys) }
      if known("kernel", "isolation"), workload.kernel != nil, workload.isolation != .kernel {
        out.append(
          .error(
            "E103", "workload '\(name)' sets kernel, which needs isolation: kernel",
            at: workload.location(of: "kernel"),
            notes: [
              .init(
                "isolation is \(workload.isolation.rawValue)",
                at: workload.location(of: "isolation"))
            ],
            help: ["set isolation: kernel, or remove the kernel section"]))
      }
      for (index, avoided) in workload.placement.avoid.enumerated() where known("placement") {
        let location =
          workload.fieldLocations["placement.avoid[\(index)]"]
          ?? workload.location(of: "placement.avoid")
        if avoided == name {
          out.append(
            .error(
              "E109", "workload '\(name)' avoids itself", at: location,
              help: ["remove '\(name)' from placement.avoid"]))
        } else if firstPlace[avoided] == nil {
          out.append(
            .error(
              "E104",
              "workload '\(name)' avoids '\(avoided)', which is not a workload of this policy",
              at: location,
              help: [
                Suggestion.closest(to: avoided, in: names.filter { $0 != name }).map {
                  "did you mean '\($0)'?"
                } ?? "avoid names other workloads of the policy"
              ]))
        }
      }
      if known("isolation", "cpus"), workload.ownsCPUs, workload.cpus.min == 0 {
        out.append(
          .error(
            "E112",
            "workload '\(name)' has isolation: \(workload.isolation.rawValue) but may get no CPU (cpus min is 0)",
            at: workload.location(of: "cpus"),
            help: ["give it at least one CPU, or make it isolation: shared"]))
      }
      if known("isolation"), workload.isolation == .kernel {
        if coordinatorKnown, known("kernel"),
          (workload.kernel?.image ?? policy.coordinator.kernel.image) == nil
        {
          out.append(
            .error(
              "E113", "workload '\(name)' has isolation: kernel but no kernel image",
              at: workload.location(of: "isolation"),
              help: ["set coordinator.kernel.image, or kernel.image in the workload"]))
        }
        if known("memory"), workload.memory.min == 0 {
          out.append(
            .error(
              "E114", "workload '\(name)' has isolation: kernel but no memory",
              at: workload.fieldLocations["memory"] ?? workload.location(of: "isolation"),
              help: ["a kernel instance needs its own memory: set memory, such as 4GiB"]))
        }
        // The instance reserves its huge pages at boot from its own memory;
        // all of it as huge pages, with no elastic room above, would leave its
        // kernel nothing to boot in.
        let memory = workload.memory
        if known("memory"), known("hugepages"), let pages = workload.hugepages,
          memory.min > 0, pages.count > 0,
          case let bytes = UInt64(pages.count).multipliedReportingOverflow(
            by: pages.pageSizeBytes),
          bytes.overflow || bytes.partialValue > memory.min
            || (bytes.partialValue == memory.min && memory.max <= memory.min)
        {
          let fits = memory.max > memory.min ? memory.min : memory.min - 1
          let most = fits / max(1, pages.pageSizeBytes)
          out.append(
            .error(
              "E121",
              "workload '\(name)' reserves \(bytes.overflow ? "more than 16EiB" : ByteSize.format(bytes.partialValue)) of huge pages inside a kernel instance of \(ByteSize.format(memory.min))\(bytes.overflow || bytes.partialValue > memory.min ? "" : ", which leaves its kernel no memory of its own")",
              at: workload.location(of: "hugepages"),
              help: [
                "a kernel instance's huge pages come out of its own memory: lower hugepages.count to at most \(most), or raise memory"
              ]))
        }
      }
      if let irq = workload.irqCPUs {
        if known("cpus"), irq > workload.cpus.min {
          out.append(
            .error(
              "E117",
              "workload '\(name)' asks for \(irq) interrupt CPUs but is guaranteed only \(workload.cpus.min)",
              at: workload.location(of: "irqCpus"),
              help: ["lower irqCpus to at most \(workload.cpus.min), or raise cpus"]))
        }
        if known("devices"), workload.devices.isEmpty {
          out.append(
            .warning(
              "E118", "workload '\(name)' sets irqCpus but requests no devices",
              at: workload.location(of: "irqCpus"),
              help: [
                "irqCpus steers the interrupts of the workload's devices: add devices or remove it"
              ]))
        }
      }
      if known("isolation", "latency"), workload.isolation == .shared,
        workload.latency == .realtime || workload.latency == .low
      {
        out.append(
          .warning(
            "E119",
            "workload '\(name)' wants \(workload.latency.rawValue) latency but shares CPUs (isolation: shared)",
            at: workload.location(of: "latency"),
            help: ["use isolation: partition or kernel to get CPUs of its own"]))
      }
      if known("placement", "devices"), workload.placement.nearDevices, workload.devices.isEmpty {
        out.append(
          .warning(
            "E120", "workload '\(name)' asks to be near its devices but requests none",
            at: workload.location(of: "placement.nearDevices"),
            help: ["add devices, or remove nearDevices"]))
      }
    }
    out += LaunchTuningChecker.check(policy, everyone: everyone)
    out += UpdateChecker.check(policy, everyone: everyone, coordinatorKnown: coordinatorKnown)
    // kerf numbers instances 1 to 511: more kernel workloads can never be
    // started, whatever the host. Said once, at the first one past the
    // limit, before any solving (the emitter would otherwise find it only
    // after a whole placement, once per instance).
    let kernels = everyone.filter {
      $0.workload.isolation == .kernel && !$0.broken.contains("isolation")
    }
    if kernels.count > Self.kernelInstanceLimit {
      let first = kernels[Self.kernelInstanceLimit].workload
      out.append(
        .error(
          "E124",
          "\(kernels.count) workloads have isolation: kernel, but kerf numbers instances 1 to \(Self.kernelInstanceLimit)",
          at: first.location(of: "isolation"),
          notes: [
            .init(
              "'\(first.name)' is the \(Self.kernelInstanceLimit + 1)th; \(kernels.count - Self.kernelInstanceLimit) cannot get an instance id"
            )
          ],
          help: [
            "make \(kernels.count - Self.kernelInstanceLimit) of them isolation: partition, or split the policy across hosts"
          ]))
    }
    return out
  }
}
