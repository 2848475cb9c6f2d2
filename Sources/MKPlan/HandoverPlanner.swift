import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// Turns a kernel change of an `update: {strategy: handover}` workload
/// (image, initrd, command line or profile, against `--previous`) into a
/// `Handover`: successor on the headroom, load, start, health check, each
/// device released by the old instance and then taken by the successor,
/// drain, retire the old instance, and (with `release: successor`) the
/// successor onto the old place.
///
/// The ordinary emitters then plan against the plan in force *as it is
/// once the hand-overs ran* (`previousAfter`): for them the workload already
/// runs the new kernel, so they emit nothing that would restart it.
public struct HandoverPlanner: Sendable {
  public struct Output: Sendable {
    public var handovers: [Handover] = []
    /// The assignment after the hand-overs: with `release: headroom` the
    /// workload and the part of the headroom its successor took swap places.
    public var assignment: Assignment
    /// The plan in force with the hand-overs done; nil without one.
    public var previousAfter: Plan?
    public var diagnostics: [Diagnostic] = []
  }

  public init() {}

  public func plan(_ input: PlanInput) -> Output {
    var out = Output(assignment: input.assignment, previousAfter: input.previous)
    guard let previous = input.previous else { return out }
    var usedIds = Set(previous.kernelInstances.map(\.id))
    var usedNames = Set(previous.kernelInstances.map(\.name)).union(
      input.policy.workloads.map(\.name))
    for (workload, assignment) in input.placed where workload.isolation == .kernel {
      guard let update = workload.update, update.strategy == .handover,
        let old = previous.kernelInstances.first(where: { $0.workloadName == workload.name }),
        let image = workload.kernel?.image ?? input.policy.coordinator.kernel.image
      else { continue }
      let initrd = workload.kernel?.initrd ?? input.policy.coordinator.kernel.initrd
      let cmdline = KerfCommandEmitter.cmdline(input, workload, assignment)
      guard old.kernel != image || old.initrd != initrd || old.cmdline != cmdline else { continue }
      let at = update.location(of: "strategy") ?? workload.location(of: "update")
      let before = previous.assignments.first { $0.workload == workload.name }
      guard assignment.physicalIds.sorted() == old.physicalIds,
        assignment.memoryBytes == old.memoryBytes, assignment.devices == before?.devices
      else {
        out.diagnostics.append(
          .error(
            "E462",
            "workload '\(workload.name)' changes its kernel and its resources in one plan: a hand-over moves a running instance as it is",
            at: at,
            help: [
              "plan and apply the resource change first (with the old kernel), then the kernel change; or set update.strategy: restart"
            ]))
        continue
      }
      guard
        let reserve = (out.assignment.headroom ?? []).first(where: {
          $0.serves.contains(workload.name)
        }),
        let reserveBefore = previous.headroom?.first(where: { $0.name == reserve.name }),
        reserveBefore.cpus == reserve.cpus,
        reserveBefore.memoryBytesByNode == reserve.memoryBytesByNode
      else {
        out.diagnostics.append(
          .error(
            "E463",
            "workload '\(workload.name)' is updated by hand-over, but the plan in force keeps no update headroom for it where this plan does",
            at: at,
            help: [
              "apply the policy with update set and the old kernel first (that places the headroom), then change the kernel"
            ]))
        continue
      }
      let release = update.release
      let needCPUs = old.physicalIds.count
      if release == .headroom,
        reserve.cpus.count < needCPUs || reserve.memoryBytes < old.memoryBytes
      {
        var missing: [String] = []
        if reserve.cpus.count < needCPUs {
          missing.append("\(needCPUs - reserve.cpus.count) CPUs")
        }
        if reserve.memoryBytes < old.memoryBytes {
          missing.append(ByteSize.format(old.memoryBytes - reserve.memoryBytes) + " of memory")
        }
        out.diagnostics.append(
          .error(
            "E461",
            "update headroom '\(reserve.name)' (\(reserve.cpus.count) CPUs, \(ByteSize.format(reserve.memoryBytes))) cannot hold the successor of '\(workload.name)' (\(needCPUs) CPUs, \(ByteSize.format(old.memoryBytes))): \(missing.joined(separator: " and ")) missing",
            at: update.headroom?.location ?? input.policy.coordinator.updateHeadroom?.location
              ?? at,
            help: [
              "raise the headroom to at least \(needCPUs) CPUs and \(ByteSize.format(old.memoryBytes)), or set update.release: successor (it starts on the headroom and takes the old place)"
            ]))
        continue
      }
      let places = Self.places(input.topology)
      let startCount = min(needCPUs, reserve.cpus.count)
      let chosen = Self.chooseCPUs(
        from: reserve.cpus, count: startCount, near: before?.cpus ?? CPUSet(),
        topology: input.topology, places: places)
      let physical = Dictionary(
        zip(Array(reserve.cpus), reserve.physicalIds), uniquingKeysWith: { a, _ in a })
      let chosenPhysical = chosen.map { physical[$0] ?? $0 }.sorted()
      let startMemory = min(old.memoryBytes, reserve.memoryBytes)
      let memory = Self.takeMemory(
        startMemory, from: reserve.memoryBytesByNode, preferring: old.numaNodes)
      let nodes = Set(chosen.compactMap { places[$0]?.node }).union(
        memory.keys.compactMap(Int.init)
      ).sorted()

      var name = old.name == workload.name ? workload.name + "-next" : workload.name
      var suffix = 2
      while old.name != name && usedNames.contains(name) && name != workload.name {
        name = workload.name + "-next\(suffix)"
        suffix += 1
      }
      usedNames.insert(name)
      var id = 1
      while usedIds.contains(id) { id += 1 }
      usedIds.insert(id)
      let provenance = Provenance(
        workload: workload.name, source: (update.location ?? workload.location).description)
      // The instance's provenance is the one KerfCommandEmitter gives it (the workload).
      let successor = KernelInstance(
        name: name, id: id, physicalIds: chosenPhysical, memoryBytes: startMemory,
        numaNodes: nodes, devices: [], kernel: image, initrd: initrd, cmdline: cmdline,
        provenance: Provenance(workload: workload.name, source: workload.location.description),
        workload: name == workload.name ? nil : workload.name)
      var final = successor
      final.devices = old.devices
      if release == .successor {
        final.physicalIds = old.physicalIds
        final.memoryBytes = old.memoryBytes
        final.numaNodes = old.numaNodes
      }
      let handover = Self.handover(
        workload: workload.name, update: update, reserve: reserve.name, old: old,
        successor: successor, final: final,
        devices: previous.coordinatorPool?.devices ?? [], provenance: provenance)
      var recorded = handover
      recorded.previousAssignment = before
      recorded.previousHeadroom = reserveBefore
      out.handovers.append(recorded)

      // The state once it ran: what the other emitters diff against.
      var after = out.previousAfter ?? previous
      after.kernelInstances = after.kernelInstances.map { $0.name == old.name ? final : $0 }
      if release == .headroom {
        var placed = assignment
        placed.cpus = chosen
        placed.physicalIds = chosen.map { physical[$0] ?? $0 }
        placed.numaNodes = nodes
        placed.memoryBytesByNode = memory
        placed.irqCPUs = CPUSet(Array(chosen).prefix(assignment.irqCPUs.count))
        var freed = reserve
        freed.cpus = reserve.cpus.subtracting(chosen).union(assignment.cpus)
        var ids = physical
        for (cpu, id) in zip(Array(assignment.cpus), assignment.physicalIds) { ids[cpu] = id }
        freed.physicalIds = freed.cpus.map { ids[$0] ?? $0 }
        var bytes = reserve.memoryBytesByNode
        for (node, taken) in memory { bytes[node] = (bytes[node] ?? 0) - taken }
        for (node, given) in assignment.memoryBytesByNode { bytes[node, default: 0] += given }
        freed.memoryBytesByNode = bytes.filter { $0.value > 0 }
        freed.numaNodes = Set(freed.cpus.compactMap { places[$0]?.node }).union(
          freed.memoryBytesByNode.keys.compactMap(Int.init)
        ).sorted()
        out.assignment.workloads = out.assignment.workloads.map {
          $0.workload == workload.name ? placed : $0
        }
        out.assignment.headroom = out.assignment.headroom?.map {
          $0.name == reserve.name ? freed : $0
        }
        after.assignments = after.assignments.map { $0.workload == workload.name ? placed : $0 }
        after.headroom = after.headroom?.map { $0.name == reserve.name ? freed : $0 }
      }
      out.previousAfter = after
    }
    return out
  }

  /// For review: one change per hand-over (what the workload runs before
  /// and after; no disruption, which is the point), then its steps in order.
  public static func changes(_ handovers: [Handover]) -> [PlanChange] {
    var out: [PlanChange] = []
    for handover in handovers {
      let old = handover.old
      let new = handover.final
      var values: [ValueChange] = [ValueChange("instance", old: old.name, new: new.name)]
      for (name, before, after) in [
        ("id", String(old.id), String(new.id)),
        (
          "cpus", "physical " + KerfCommandEmitter.ranges(old.physicalIds),
          "physical " + KerfCommandEmitter.ranges(new.physicalIds)
        ),
        ("memory", ByteSize.format(old.memoryBytes), ByteSize.format(new.memoryBytes)),
        ("kernel", old.kernel, new.kernel), ("initrd", old.initrd ?? "none", new.initrd ?? "none"),
        ("cmdline", old.cmdline, new.cmdline),
      ] where before != after {
        values.append(ValueChange(name, old: before, new: after))
      }
      out.append(
        PlanChange(
          "hand over '\(handover.workload)' to successor instance '\(new.name)' (no downtime; headroom '\(handover.headroom)', release: \(handover.release))",
          values: values, provenance: handover.provenance))
      for step in handover.steps {
        out.append(
          PlanChange(
            step.id + ": " + step.summary
              + (step.argv.map { " [" + ShellQuote.join($0) + "]" } ?? ""),
            provenance: handover.provenance))
      }
    }
    return out
  }

  // MARK: steps

  static func handover(
    workload: String, update: UpdatePolicy, reserve: String, old: KernelInstance,
    successor: KernelInstance, final: KernelInstance, devices: [PoolDevice],
    provenance: Provenance
  ) -> Handover {
    let kerf = KerfCommandEmitter.kerf
    var steps: [HandoverStep] = []
    var current = (old: Optional(old), next: KernelInstance?.none)
    func add(
      _ kind: HandoverStep.Kind, _ argv: [String]?, device: String? = nil, _ summary: String
    ) {
      let number = String(steps.count + 1).leftPadded(to: 2)
      steps.append(
        HandoverStep(
          id: "handover:\(workload):\(number)-\(kind.rawValue)" + (device.map { ":" + $0 } ?? ""),
          kind: kind, argv: argv, device: device, summary: summary,
          instances: [current.old, current.next].compactMap { $0 }))
    }
    func address(_ reference: String) -> String {
      devices.first { $0.reference == reference }?.pciAddress ?? reference
    }
    func devicesArgument(_ references: [String]) -> String {
      "--devices=" + (references.isEmpty ? "none" : references.map(address).joined(separator: ","))
    }
    func updateArgv(_ instance: KernelInstance) -> [String] {
      [
        kerf, "update", instance.name, "--cpus=" + KerfCommandEmitter.ranges(instance.physicalIds),
        "--memory=\(instance.memoryBytes)", devicesArgument(instance.devices),
      ]
    }
    let name = successor.name
    current.next = successor
    var create = [
      kerf, "create", name, "--id=\(successor.id)",
      "--cpus=" + KerfCommandEmitter.ranges(successor.physicalIds),
      "--memory=\(successor.memoryBytes)",
    ]
    if !successor.numaNodes.isEmpty {
      create.append("--numa-nodes=" + successor.numaNodes.map(String.init).joined(separator: ","))
    }
    add(
      .create, create,
      "create successor '\(name)' on headroom '\(reserve)' (physical CPUs \(KerfCommandEmitter.ranges(successor.physicalIds)), \(ByteSize.format(successor.memoryBytes)))"
    )
    var load = [kerf, "load", name, "--kernel=" + successor.kernel]
    if let initrd = successor.initrd { load.append("--initrd=" + initrd) }
    if !successor.cmdline.isEmpty { load.append("--cmdline=" + successor.cmdline) }
    add(.load, load, "load \(successor.kernel) into '\(name)'")
    add(.start, [kerf, "start", name], "start '\(name)'; '\(old.name)' keeps running")
    let probe = HealthProbe(update.healthCheck ?? .command([]))
    add(
      .healthCheck, nil,
      "wait up to \(Self.duration(update.timeoutMilliseconds)) for '\(name)' to pass its health check (\(probe.summary)); on failure roll back: '\(old.name)' is untouched"
    )
    for device in old.devices.sorted() {
      current.old?.devices.removeAll { $0 == device }
      let pool = devices.first { $0.reference == device }
      let exclusive = pool?.compatible == "pci-storage"
      add(
        .releaseDevice, updateArgv(current.old ?? old), device: device,
        "'\(old.name)' releases \(device)"
          + (exclusive
            ? " (storage cannot be shared: from here on only '\(name)' may use it)" : ""))
      current.next?.devices.append(device)
      current.next?.devices.sort()
      add(
        .acquireDevice, updateArgv(current.next ?? successor), device: device,
        "'\(name)' takes \(device)")
    }
    if update.drainMilliseconds > 0 {
      add(
        .drain, nil,
        "let '\(old.name)' finish work in flight for \(Self.duration(update.drainMilliseconds))")
    }
    add(.kill, [kerf, "kill", old.name], "stop '\(old.name)' (its successor is healthy)")
    add(.unload, [kerf, "unload", old.name], "unload '\(old.name)'")
    current.old = nil
    add(
      .delete, [kerf, "delete", old.name],
      update.release == .headroom
        ? "delete '\(old.name)': its CPUs and memory become headroom '\(reserve)'"
        : "delete '\(old.name)'")
    if update.release == .successor {
      current.next = final
      add(
        .takePlace, updateArgv(final),
        "'\(name)' takes the old place (physical CPUs \(KerfCommandEmitter.ranges(final.physicalIds)), \(ByteSize.format(final.memoryBytes))) and gives headroom '\(reserve)' back"
      )
    }
    // Rollback: the successor goes; the old instance was never touched.
    var rollback: [HandoverStep] = []
    for (kind, summary) in [
      (HandoverStep.Kind.kill, "stop the failed successor '\(name)'"),
      (.unload, "unload '\(name)'"),
      (.delete, "delete '\(name)': headroom '\(reserve)' is free again"),
    ] {
      rollback.append(
        HandoverStep(
          id: "handover:\(workload):rollback-\(kind.rawValue)", kind: kind,
          argv: [kerf, kind.rawValue, name], summary: summary,
          instances: kind == .delete ? [old] : [old, successor]))
    }
    return Handover(
      workload: workload, release: update.release.rawValue, headroom: reserve, old: old,
      successor: successor, final: final, healthCheck: probe,
      timeoutMilliseconds: update.timeoutMilliseconds,
      drainMilliseconds: update.drainMilliseconds, steps: steps, rollback: rollback,
      provenance: provenance)
  }

  static func duration(_ milliseconds: Int) -> String {
    milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
  }

  // MARK: resources

  /// Node and LLC (index into the topology's cache domains) of each CPU.
  static func places(_ topology: Topology) -> [Int: (node: Int, llc: Int, core: Int)] {
    var out: [Int: (node: Int, llc: Int, core: Int)] = [:]
    var llc = 0
    var coreIndex = 0
    for node in topology.nodes {
      for domain in node.cacheDomains {
        for core in domain.cores {
          for thread in core.threads { out[thread.cpu] = (node.id, llc, coreIndex) }
          coreIndex += 1
        }
        llc += 1
      }
    }
    return out
  }

  /// `count` CPUs of `reserve`, whole cores first, those sharing an LLC (then
  /// a node) with `near` first, lowest ids on ties: deterministic, and the
  /// successor runs where its predecessor ran.
  static func chooseCPUs(
    from reserve: CPUSet, count: Int, near: CPUSet, topology: Topology,
    places: [Int: (node: Int, llc: Int, core: Int)]
  ) -> CPUSet {
    let nearLLCs = Set(near.compactMap { places[$0]?.llc })
    let nearNodes = Set(near.compactMap { places[$0]?.node })
    var cores: [Int: [Int]] = [:]
    for cpu in reserve { cores[places[cpu]?.core ?? -1 - cpu, default: []].append(cpu) }
    let ranked = cores.values.map { $0.sorted() }.sorted { a, b in
      func rank(_ cpus: [Int]) -> (Int, Int, Int) {
        let place = places[cpus[0]]
        return (
          nearLLCs.contains(place?.llc ?? -1) ? 0 : 1,
          nearNodes.contains(place?.node ?? -1) ? 0 : 1,
          cpus[0]
        )
      }
      return rank(a) < rank(b)
    }
    var chosen: [Int] = []
    for core in ranked where chosen.count < count {
      chosen += core.prefix(count - chosen.count)
    }
    return CPUSet(chosen)
  }

  /// `bytes` out of `byNode`, the nodes in `preferring` first, then by id.
  static func takeMemory(_ bytes: UInt64, from byNode: [String: UInt64], preferring: [Int])
    -> [String: UInt64]
  {
    let order = byNode.keys.compactMap(Int.init).sorted {
      (preferring.contains($0) ? 0 : 1, $0) < (preferring.contains($1) ? 0 : 1, $1)
    }
    var left = bytes
    var out: [String: UInt64] = [:]
    for node in order where left > 0 {
      let taken = min(left, byNode[String(node)] ?? 0)
      if taken > 0 { out[String(node)] = taken }
      left -= taken
    }
    return out
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
