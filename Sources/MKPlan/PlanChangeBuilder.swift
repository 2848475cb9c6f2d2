import MKCore
import MKTopology

/// What a plan changes, old -> new, against the plan in force (`--previous`)
/// or, without one, against the host as the topology snapshot records it:
/// boot parameters against its command line, IRQ affinity against the
/// affinity it read, cgroup directories under the parent as absent. Values
/// the snapshot does not record are marked unknown rather than guessed.
/// Each change that interrupts something running, or that takes full effect
/// only after a reboot, carries a typed `Disruption`.
enum PlanChangeBuilder {
  /// Boot parameters that keep the kernel off isolated CPUs (ticks, RCU
  /// callbacks, managed IRQs): the cgroup partition isolates at apply, these
  /// only after the next boot.
  static let isolationKeys: Set<String> = ["isolcpus", "nohz_full", "rcu_nocbs"]

  static func changes(_ plan: Plan, previous: Plan?, topology: Topology, host: Provenance)
    -> PlanChanges
  {
    var changes = PlanChanges()
    changes.against = previous == nil ? "host" : "previous plan"
    changes.needsReboot = bootParameters(plan, previous: previous, topology: topology, host: host)
    changes.live = cgroups(plan, previous: previous)
    changes.live += irqs(plan, previous: previous, topology: topology, host: host)
    changes.live += files(plan, previous: previous)
    changes.coordinator = coordinator(plan, previous: previous)
    return changes
  }

  // MARK: boot parameters

  /// `key=value` -> (key, value); a flag's value is `set`.
  static func split(_ parameter: String) -> (key: String, value: String) {
    guard let equals = parameter.firstIndex(of: "=") else { return (parameter, "set") }
    return (String(parameter[..<equals]), String(parameter[parameter.index(after: equals)...]))
  }

  static func bootParameters(_ plan: Plan, previous: Plan?, topology: Topology, host: Provenance)
    -> [PlanChange]
  {
    let before =
      previous?.bootParameters
      ?? topology.kernel.commandLine.split(separator: " ").map(String.init)
    let beforeSet = Set(before)
    var beforeByKey: [String: String] = [:]
    for parameter in before {
      let (key, value) = split(parameter)
      beforeByKey[key] = value
    }
    // CPUs an isolated cgroup partition holds (workloads, not `_idle` siblings).
    var cpusOf: [String: String] = [:]
    var isolatedDirectories: [String] = []
    for op in plan.cgroupTree where op.op == .write {
      let directory = CgroupSequencer.parent(of: op.path)
      if op.path.hasSuffix("/cpuset.cpus") { cpusOf[directory] = op.value }
      if op.path.hasSuffix("/cpuset.cpus.partition"), op.value == "isolated",
        !directory.hasSuffix("/_idle")
      {
        isolatedDirectories.append(directory)
      }
    }
    let isolatedCPUs = isolatedDirectories.reduce(into: CPUSet()) { cpus, directory in
      if let list = cpusOf[directory], let set = try? CPUSet(cpulist: list, allowEmpty: true) {
        cpus.formUnion(set)
      }
    }
    var out: [PlanChange] = []
    var keys = Set<String>()
    for item in plan.bootParameterItems {
      let (key, value) = split(item.parameter)
      keys.insert(key)
      guard !beforeSet.contains(item.parameter) else { continue }
      let old = beforeByKey[key]
      let disruption: Disruption
      if isolationKeys.contains(key), !isolatedCPUs.isEmpty {
        disruption = Disruption(
          .rebootForFullIsolation,
          "the cgroup partition isolates CPUs \(isolatedCPUs.cpulist) at apply; \(key) keeps "
            + "the kernel off them only after the next reboot")
      } else {
        disruption = Disruption(.reboot, "takes effect at the next reboot")
      }
      out.append(
        PlanChange(
          "\(old == nil ? "add" : "change") boot parameter \(key)",
          values: [ValueChange(key, old: old, new: value)], disruption: disruption,
          provenance: item.provenance.first ?? Provenance()))
    }
    if let previous {
      for parameter in previous.bootParameters where !plan.bootParameters.contains(parameter) {
        let (key, value) = split(parameter)
        guard !keys.contains(key) else { continue }
        out.append(
          PlanChange(
            "remove boot parameter \(key)", values: [ValueChange(key, old: value, new: nil)],
            disruption: Disruption(.reboot, "takes effect at the next reboot"), provenance: host))
      }
    }
    return out
  }

  // MARK: cgroups

  static func cgroups(_ plan: Plan, previous: Plan?) -> [PlanChange] {
    // The value of every file before the plan: the previous tree, replayed.
    var current: [String: String] = [:]
    var existing = Set<String>()
    let previousTree =
      previous.flatMap { $0.cgroupMode == plan.cgroupMode ? $0.cgroupTree : nil } ?? []
    for op in previousTree {
      switch op.op {
      case .mkdir: existing.insert(op.path)
      case .rmdir: existing.remove(op.path)
      case .write: current[op.path] = op.value ?? ""
      }
    }
    let parent = plan.cgroupParentPath ?? ""
    let running = Set(previous?.assignments.map(\.workload) ?? [])
    var groups: [(directory: String, change: PlanChange)] = []
    for op in plan.cgroupPrerequisites + plan.cgroupWrites {
      let directory = op.op == .write ? CgroupSequencer.parent(of: op.path) : op.path
      if groups.last?.directory != directory {
        groups.append((directory, PlanChange("cgroup \(directory)", provenance: op.provenance)))
      }
      var change = groups[groups.count - 1].change
      switch op.op {
      case .mkdir:
        change.summary += " (new)"
        change.values.append(ValueChange("directory", old: nil, new: "created"))
        existing.insert(op.path)
      case .rmdir:
        change.summary += " (removed)"
        change.values.append(ValueChange("directory", old: "present", new: nil))
        existing.remove(op.path)
      case .write:
        let name = String(op.path.dropFirst(directory.count + 1))
        let new = op.value ?? ""
        // Inside our parent a directory the previous tree lacks is new, so
        // its files had no value; outside it (the root's subtree_control)
        // the snapshot does not say what the host has.
        let known = current[op.path] != nil || existing.contains(directory)
        let unknown = !known && !(directory.hasPrefix(parent) && !parent.isEmpty)
        let old = current[op.path]
        change.values.append(ValueChange(name, old: old, new: new, oldUnknown: unknown))
        if change.disruption == nil, let workload = op.provenance.workload,
          running.contains(workload), let old, !directory.hasSuffix("/_idle")
        {
          change.disruption = taken(name, old: old, new: new, workload: workload)
        }
        current[op.path] = new
      }
      groups[groups.count - 1].change = change
    }
    return groups.map(\.change)
  }

  /// CPUs or memory a write takes from a workload that runs under the plan in force.
  static func taken(_ file: String, old: String, new: String, workload: String) -> Disruption? {
    if file == "cpuset.cpus" || file == "cpus" {
      guard let before = try? CPUSet(cpulist: old, allowEmpty: true),
        let after = try? CPUSet(cpulist: new, allowEmpty: true)
      else { return nil }
      let lost = before.subtracting(after)
      return lost.isEmpty
        ? nil
        : Disruption(
          .cpusTakenFromRunningWorkload, "CPUs \(lost.cpulist) leave running workload '\(workload)'"
        )
    }
    if file == "memory.max" || file == "memory.limit_in_bytes" {
      guard let after = UInt64(new), old == "max" || (UInt64(old).map { after < $0 } ?? false)
      else { return nil }
      return Disruption(
        .memoryTakenFromRunningWorkload,
        "running workload '\(workload)' is limited to \(ByteSize.format(after)) (was \(old == "max" ? "unlimited" : ByteSize.format(UInt64(old) ?? 0)))"
      )
    }
    return nil
  }

  // MARK: IRQs and files

  static func irqs(_ plan: Plan, previous: Plan?, topology: Topology, host: Provenance)
    -> [PlanChange]
  {
    var out: [PlanChange] = []
    if plan.irqbalanceMode == "stop", plan.irqAffinity.contains(where: \.movable),
      previous?.irqbalanceMode != "stop"
    {
      let before =
        previous.map { _ in "running" }
        ?? topology.kernel.irqbalanceRunning.map { $0 ? "running" : "not running" } ?? "unknown"
      out.append(
        PlanChange(
          "stop irqbalance before writing IRQ affinity (host.irqbalance: stop)",
          values: [ValueChange("irqbalance", old: before, new: "stopped")], provenance: host))
    }
    var deviceOf: [Int: (device: Device, irq: DeviceIRQ)] = [:]
    for device in topology.devices {
      for irq in device.irqs where deviceOf[irq.irq] == nil { deviceOf[irq.irq] = (device, irq) }
    }
    let previousIRQ = Dictionary(
      (previous?.irqAffinity ?? []).map { ($0.irq, $0.cpus) }, uniquingKeysWith: { a, _ in a })
    // One change per device (and policy line); runs of its IRQs that go
    // from the same old CPUs to the same new ones share a line.
    typealias Run = (irqs: [Int], names: [String], old: CPUSet?, new: CPUSet)
    var slots: [String: Int] = [:]
    var devices: [(change: PlanChange, runs: [Run])] = []
    for setting in plan.irqAffinity where setting.movable {
      let known = deviceOf[setting.irq]
      let old = previous == nil ? known?.irq.affinity : previousIRQ[setting.irq]
      if old == setting.cpus { continue }
      let key = (known?.device.pciAddress ?? "") + "\u{0}" + (setting.provenance.source ?? "")
      let slot: Int
      if let existing = slots[key] {
        slot = existing
      } else {
        slot = devices.count
        slots[key] = slot
        let name = known.map { " of \($0.device.pciAddress)" + names($0.device) } ?? ""
        devices.append((PlanChange("IRQ affinity\(name)", provenance: setting.provenance), []))
      }
      let label = known?.irq.name ?? ""
      if let last = devices[slot].runs.last, last.old == old, last.new == setting.cpus,
        last.irqs.last == setting.irq - 1
      {
        devices[slot].runs[devices[slot].runs.count - 1].irqs.append(setting.irq)
        devices[slot].runs[devices[slot].runs.count - 1].names.append(label)
      } else {
        devices[slot].runs.append(([setting.irq], [label], old, setting.cpus))
      }
    }
    for var device in devices {
      device.change.values = device.runs.map { run in
        let names = run.names.filter { !$0.isEmpty }
        let label: String
        switch names.count {
        case 0: label = ""
        case 1: label = " " + names[0]
        case 2: label = " " + names.joined(separator: ", ")
        default: label = " \(names[0]) .. \(names[names.count - 1])"
        }
        let irqs =
          run.irqs.count == 1 ? "IRQ \(run.irqs[0])" : "IRQs \(NumberRanges.format(run.irqs))"
        return ValueChange(
          irqs + label, old: run.old?.cpulist, new: run.new.cpulist, oldUnknown: run.old == nil)
      }
      out.append(device.change)
    }
    return out
  }

  /// ` (ens2f0)`: the device's interface or block names, for people.
  static func names(_ device: Device) -> String {
    device.children.isEmpty ? "" : " (" + device.children.map(\.name).joined(separator: ", ") + ")"
  }

  static func files(_ plan: Plan, previous: Plan?) -> [PlanChange] {
    let previousFiles = Dictionary(
      ((previous?.fileWrites ?? []) + (previous?.kernelWrites ?? [])).map { ($0.path, $0.content) },
      uniquingKeysWith: { first, _ in first })
    var out: [PlanChange] = []
    for file in plan.kernelWrites + plan.fileWrites where previousFiles[file.path] != file.content {
      let old = previousFiles[file.path]
      out.append(
        PlanChange(
          "write \(file.path)",
          values: [
            ValueChange(
              "content", old: old.map(oneLine), new: oneLine(file.content),
              oldUnknown: previous == nil)
          ], provenance: file.provenance))
    }
    if let previous {
      let paths = Set(plan.fileWrites.map(\.path))
      for file in previous.fileWrites where !paths.contains(file.path) {
        out.append(
          PlanChange(
            "remove \(file.path)",
            values: [ValueChange("content", old: oneLine(file.content), new: nil)],
            provenance: file.provenance))
      }
    }
    return out
  }

  /// File content on one line: its lines joined with `; `.
  static func oneLine(_ content: String) -> String {
    content.split(separator: "\n").map { String($0).trimmingASCIIWhitespace() }.filter {
      !$0.isEmpty
    }
    .joined(separator: "; ")
  }

  // MARK: coordinator

  static func coordinator(_ plan: Plan, previous: Plan?) -> [PlanChange] {
    var out: [PlanChange] = []
    let before = previous?.kernelInstances ?? []
    let killed = Set(
      plan.coordinatorCommands.filter { $0.argv.dropFirst().first == "kill" }.compactMap {
        $0.argv.last
      })
    func spec(_ instance: KernelInstance?) -> [(String, String?)] {
      guard let instance else {
        return ["id", "cpus", "memory", "nodes", "devices", "kernel", "initrd", "cmdline"].map {
          ($0, nil)
        }
      }
      return [
        ("id", String(instance.id)),
        ("cpus", "physical " + KerfCommandEmitter.ranges(instance.physicalIds)),
        ("memory", ByteSize.format(instance.memoryBytes)),
        ("nodes", instance.numaNodes.map(String.init).joined(separator: ",")),
        ("devices", instance.devices.isEmpty ? "none" : instance.devices.joined(separator: ",")),
        ("kernel", instance.kernel), ("initrd", instance.initrd ?? "none"),
        ("cmdline", instance.cmdline),
      ]
    }
    func instanceChange(_ old: KernelInstance?, _ new: KernelInstance?) {
      guard let name = (new ?? old)?.name, let provenance = (new ?? old)?.provenance else { return }
      let values = zip(spec(old), spec(new)).compactMap { before, after -> ValueChange? in
        before.1 == after.1 ? nil : ValueChange(before.0, old: before.1, new: after.1)
      }
      guard !values.isEmpty else { return }
      var disruption: Disruption?
      if new == nil {
        disruption = Disruption(.instanceRestart, "instance '\(name)' is stopped and deleted")
      } else if old != nil, killed.contains(name) {
        let changed = values.map(\.name).joined(separator: ", ")
        disruption = Disruption(
          .instanceRestart, "instance '\(name)' is stopped and started again (\(changed) change)")
      } else if let old, let new, !Set(old.physicalIds).isSubset(of: Set(new.physicalIds)) {
        disruption = Disruption(
          .cpusTakenFromRunningWorkload,
          "running instance '\(name)' gives up physical CPUs "
            + KerfCommandEmitter.ranges(Set(old.physicalIds).subtracting(new.physicalIds).sorted()))
      }
      let verb = old == nil ? "new" : new == nil ? "removed" : "changed"
      out.append(
        PlanChange(
          "instance \(name) (\(verb))", values: values, disruption: disruption,
          provenance: provenance))
    }
    for old in before where !plan.kernelInstances.contains(where: { $0.name == old.name }) {
      instanceChange(old, nil)
    }
    for instance in plan.kernelInstances {
      instanceChange(before.first { $0.name == instance.name }, instance)
    }
    for command in plan.coordinatorCommands {
      out.append(PlanChange(ShellQuote.join(command.argv), provenance: command.provenance))
    }
    return out
  }
}
