import MKCore

/// Semantic checks that need the whole policy but no hardware: unique
/// workload names, `avoid` naming existing workloads, kernel-only fields used
/// only with `isolation: kernel`, and demands that can never be met whatever
/// the host. Every finding points at the field that caused it.
public enum PolicyChecker {
  /// Checks `policy`. `otherNames` are workloads that exist in the source but
  /// failed to decode; they count as existing, so one typo is reported once.
  /// `coordinatorKnown` is false when the coordinator section had errors, so
  /// that its defaults are not judged.
  public static func check(
    _ policy: Policy, otherNames: [(name: String, location: SourceLocation)] = [],
    coordinatorKnown: Bool = true
  ) -> [Diagnostic] {
    var out: [Diagnostic] = []
    var all = policy.workloads.map { ($0.name, $0.location(of: "name")) } + otherNames
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

    for workload in policy.workloads {
      let name = workload.name
      if workload.kernel != nil, workload.isolation != .kernel {
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
      for (index, avoided) in workload.placement.avoid.enumerated() {
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
      if workload.ownsCPUs, workload.cpus.min == 0 {
        out.append(
          .error(
            "E112",
            "workload '\(name)' has isolation: \(workload.isolation.rawValue) but may get no CPU (cpus min is 0)",
            at: workload.location(of: "cpus"),
            help: ["give it at least one CPU, or make it isolation: shared"]))
      }
      if workload.isolation == .kernel {
        if coordinatorKnown, (workload.kernel?.image ?? policy.coordinator.kernel.image) == nil {
          out.append(
            .error(
              "E113", "workload '\(name)' has isolation: kernel but no kernel image",
              at: workload.location(of: "isolation"),
              help: ["set coordinator.kernel.image, or kernel.image in the workload"]))
        }
        if workload.memory.min == 0 {
          out.append(
            .error(
              "E114", "workload '\(name)' has isolation: kernel but no memory",
              at: workload.fieldLocations["memory"] ?? workload.location(of: "isolation"),
              help: ["a kernel instance needs its own memory: set memory, such as 4GiB"]))
        }
      }
      if let irq = workload.irqCPUs {
        if irq > workload.cpus.min {
          out.append(
            .error(
              "E117",
              "workload '\(name)' asks for \(irq) interrupt CPUs but is guaranteed only \(workload.cpus.min)",
              at: workload.location(of: "irqCpus"),
              help: ["lower irqCpus to at most \(workload.cpus.min), or raise cpus"]))
        }
        if workload.devices.isEmpty {
          out.append(
            .warning(
              "E118", "workload '\(name)' sets irqCpus but requests no devices",
              at: workload.location(of: "irqCpus"),
              help: [
                "irqCpus steers the interrupts of the workload's devices: add devices or remove it"
              ]))
        }
      }
      if workload.isolation == .shared,
        workload.latency == .realtime || workload.latency == .low
      {
        out.append(
          .warning(
            "E119",
            "workload '\(name)' wants \(workload.latency.rawValue) latency but shares CPUs (isolation: shared)",
            at: workload.location(of: "latency"),
            help: ["use isolation: partition or kernel to get CPUs of its own"]))
      }
      if workload.placement.nearDevices, workload.devices.isEmpty {
        out.append(
          .warning(
            "E120", "workload '\(name)' asks to be near its devices but requests none",
            at: workload.location(of: "placement.nearDevices"),
            help: ["add devices, or remove nearDevices"]))
      }
    }
    return out
  }
}
