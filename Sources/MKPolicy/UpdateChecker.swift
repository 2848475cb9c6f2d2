import MKCore

/// Checks of `update:` that need more than the one field: only kernel
/// instances are handed over, a hand-over needs a health check (it is what
/// keeps the old instance running when the successor is bad), and headroom
/// must hold the successor it is meant for.
enum UpdateChecker {
  static func check(
    _ policy: Policy, everyone: [(workload: Workload, broken: Set<String>)],
    coordinatorKnown: Bool
  ) -> [Diagnostic] {
    var out: [Diagnostic] = []
    var usesShared = false
    for (workload, broken) in everyone {
      guard let update = workload.update, !broken.contains("update") else { continue }
      let name = workload.name
      if !broken.contains("isolation"), workload.isolation != .kernel {
        out.append(
          .error(
            "E163", "workload '\(name)' sets update, which needs isolation: kernel",
            at: workload.location(of: "update"),
            notes: [
              .init(
                "isolation is \(workload.isolation.rawValue)",
                at: workload.location(of: "isolation"))
            ],
            help: [
              "only kernel instances are updated by hand-over: set isolation: kernel, or remove update"
            ]))
        continue
      }
      guard update.strategy == .handover else { continue }
      if update.healthCheck == nil {
        out.append(
          .error(
            "E164",
            "workload '\(name)' is updated by hand-over but has no healthCheck",
            at: update.location(of: "strategy") ?? workload.location(of: "update"),
            help: [
              "add healthCheck: {command: [...]}, {file: /path} or {port: N}: the old instance is retired only after the successor passes it"
            ]))
      }
      let headroom = update.headroom ?? (coordinatorKnown ? policy.coordinator.updateHeadroom : nil)
      if update.headroom == nil, policy.coordinator.updateHeadroom != nil { usesShared = true }
      guard let headroom, update.release == .headroom, !broken.contains("cpus"),
        !broken.contains("memory")
      else { continue }
      let needCPUs = max(0, workload.cpus.min)
      let needMemory = workload.memory.min
      guard headroom.cpus < needCPUs || headroom.memoryBytes < needMemory else { continue }
      var missing: [String] = []
      if headroom.cpus < needCPUs { missing.append("\(needCPUs - headroom.cpus) CPUs") }
      if headroom.memoryBytes < needMemory {
        missing.append(ByteSize.format(needMemory - headroom.memoryBytes) + " of memory")
      }
      let own = update.headroom != nil
      out.append(
        .error(
          "E165",
          "the headroom for '\(name)' (\(headroom.cpus) CPUs, \(ByteSize.format(headroom.memoryBytes))) cannot hold its successor (at least \(needCPUs) CPUs, \(ByteSize.format(needMemory))): \(missing.joined(separator: " and ")) missing",
          at: own ? headroom.location : workload.location(of: "update"),
          notes: [
            .init("the workload's size is set here", at: workload.location(of: "cpus"))
          ]
            + (own
              ? [] : [.init("the shared headroom is set here", at: headroom.location)]),
          help: [
            "raise \(own ? "update.headroom" : "coordinator.updateHeadroom") to at least \(needCPUs) CPUs and \(ByteSize.format(needMemory)), or set update.release: successor (the successor starts small and takes the old place)"
          ]))
    }
    if let shared = policy.coordinator.updateHeadroom, coordinatorKnown, !usesShared {
      out.append(
        .warning(
          "E166",
          "coordinator.updateHeadroom keeps \(shared.cpus) CPUs and \(ByteSize.format(shared.memoryBytes)) free, but no workload uses it",
          at: shared.location,
          help: [
            "it serves workloads with update: {strategy: handover} and no headroom of their own: remove it, or add such a workload"
          ]))
    }
    return out
  }
}
