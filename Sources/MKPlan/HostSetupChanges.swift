import MKCore

/// The host setup as review lines: tuning writes grouped by what they set
/// (one line per setting and workload, each file's value old -> new), files,
/// units, commands and the reboot marker, each with the policy line behind
/// it. Against a previous plan only what differs is listed, with the
/// previous value; against the host the old value of these files is unknown
/// (a topology snapshot does not record them).
public enum HostSetupChanges {
  public static func add(
    _ setup: HostSetup, units: [FileWrite], previous: Plan?, host: Provenance,
    to changes: inout PlanChanges
  ) {
    let before = previous?.hostSetup
    let oldWrites = Dictionary(
      (before?.kernelWrites ?? []).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
    func value(_ name: String, old: String?, new: String?) -> ValueChange {
      previous == nil
        ? ValueChange(name, old: nil, new: new, oldUnknown: true)
        : ValueChange(name, old: old, new: new)
    }
    var groups: [(key: String, cpus: [Int], values: [ValueChange], provenance: Provenance)] = []
    for write in setup.kernelWrites where previous == nil || oldWrites[write.path] != write.value {
      let (key, cpu) = describe(write)
      let change = value(write.path, old: oldWrites[write.path], new: write.value)
      if let index = groups.firstIndex(where: { $0.key == key && $0.provenance == write.provenance }
      ) {
        groups[index].values.append(change)
        if let cpu { groups[index].cpus.append(cpu) }
      } else {
        groups.append((key, cpu.map { [$0] } ?? [], [change], write.provenance))
      }
    }
    let commands = setup.commands.filter { command in
      previous == nil || !(before?.commands ?? []).contains(command)
    }
    func command(_ command: HostCommand) -> PlanChange {
      PlanChange(
        ShellQuote.join(command.argv),
        values: [ValueChange("run", old: nil, new: ShellQuote.join(command.argv))],
        provenance: command.provenance)
    }
    for item in commands where item.kind == .nicChannels {
      changes.live.append(command(item))
    }
    for group in groups {
      let summary = group.cpus.isEmpty ? group.key : group.key + " " + CPUSet(group.cpus).cpulist
      changes.live.append(PlanChange(summary, values: group.values, provenance: group.provenance))
    }
    let oldFiles = Dictionary(
      ((before?.files ?? []) + (previous?.systemdUnits ?? [])).map { ($0.path, $0.content) },
      uniquingKeysWith: { a, _ in a })
    for (file, verb) in setup.files.map({ ($0, "write") }) + units.map({ ($0, "install") })
    where oldFiles[file.path] != file.content {
      let needsReboot = KernelInterfaces.describing(file.path)?.needsReboot == true
      let change = PlanChange(
        "\(verb) \(file.path)",
        values: [
          value("settings", old: oldFiles[file.path].map(settings), new: settings(file.content))
        ],
        disruption: needsReboot ? Disruption(.reboot, "read at the next boot") : nil,
        provenance: file.provenance)
      if needsReboot {
        changes.needsReboot.append(change)
      } else {
        changes.live.append(change)
      }
    }
    for item in commands where item.kind != .nicChannels {
      changes.live.append(command(item))
    }
    if let marker = setup.rebootRequired, before?.rebootRequired != marker {
      changes.needsReboot.append(
        PlanChange(
          "mark a reboot as required (\(RebootRequired.markerPath), \(RebootRequired.packagesPath))",
          values: [value(RebootRequired.packagesPath, old: nil, new: marker.package)],
          disruption: Disruption(.reboot, marker.reasons.joined(separator: "; ")),
          provenance: host))
    }
  }

  /// A configuration file's settings on one line: its lines that are not
  /// comments or blank, joined by `; `.
  static func settings(_ content: String) -> String {
    content.split(separator: "\n").map { String($0).trimmingASCIIWhitespace() }
      .filter { !$0.isEmpty && !$0.hasPrefix("#") }.joined(separator: "; ")
  }

  /// The setting a write belongs to, and its CPU for per-CPU files.
  static func describe(_ write: KernelWrite) -> (key: String, cpu: Int?) {
    let parts = write.path.split(separator: "/").map(String.init)
    let cpu = parts.first {
      $0.hasPrefix("cpu") && $0.count > 3 && $0.dropFirst(3).allSatisfy(\.isNumber)
    }.flatMap { Int($0.dropFirst(3)) }
    switch write.interface {
    case KernelInterfaces.scalingGovernor.id:
      return ("cpufreq governor \(write.value) on CPUs", cpu)
    case KernelInterfaces.resumeLatency.id:
      let limit = write.value == "n/a" ? "polling only" : "exit latency <= \(write.value)µs"
      return ("idle states limited to \(limit) on CPUs", cpu)
    case KernelInterfaces.rpsCPUs.id:
      return ("RPS \(write.value == "0" ? "off" : write.value) on \(parts[3]) queues", nil)
    case KernelInterfaces.xpsCPUs.id:
      return ("XPS on \(parts[3]): TX queue per IRQ CPU", nil)
    case KernelInterfaces.workqueueCPUMask.id:
      let cpus = KernelInterface.parseHexMask(write.value)?.cpulist ?? write.value
      return ("unbound workqueues on CPUs \(cpus)", nil)
    default:
      if let name = KernelInterfaces.describing(write.path)?.sysctlName {
        return ("sysctl \(name) = \(write.value)", nil)
      }
      return ("write \(write.path)", nil)
    }
  }
}
