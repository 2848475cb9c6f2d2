import MKCore

/// The host setup as review lines: tuning writes grouped by what they set
/// (one line per setting and workload, not per CPU or queue), files,
/// commands and the reboot marker, each with the policy line behind it.
/// Against a previous plan only what differs is listed.
public enum HostSetupChanges {
  public static func add(
    _ setup: HostSetup, units: [FileWrite], previous: Plan?, host: Provenance,
    to changes: inout PlanChanges
  ) {
    let before = previous?.hostSetup
    let oldWrites = Dictionary(
      (before?.kernelWrites ?? []).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
    var groups: [(key: String, items: [String], provenance: Provenance)] = []
    for write in setup.kernelWrites where previous == nil || oldWrites[write.path] != write.value {
      let (key, item) = describe(write)
      if let index = groups.firstIndex(where: { $0.key == key && $0.provenance == write.provenance }
      ) {
        groups[index].items.append(item)
      } else {
        groups.append((key, [item], write.provenance))
      }
    }
    let commands = setup.commands.filter { command in
      previous == nil || !(before?.commands ?? []).contains(command)
    }
    for command in commands where command.kind == .nicChannels {
      changes.live.append(
        PlanChange(ShellQuote.join(command.argv), provenance: command.provenance))
    }
    for group in groups {
      changes.live.append(
        PlanChange(summary(group.key, group.items), provenance: group.provenance))
    }
    let oldFiles = Dictionary(
      (before?.files ?? []).map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a })
    for file in setup.files where oldFiles[file.path] != file.content {
      let change = PlanChange("write \(file.path)", provenance: file.provenance)
      if KernelInterfaces.describing(file.path)?.needsReboot == true {
        changes.needsReboot.append(change)
      } else {
        changes.live.append(change)
      }
    }
    let oldUnits = Dictionary(
      (previous?.systemdUnits ?? []).map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a })
    for unit in units where oldUnits[unit.path] != unit.content {
      changes.live.append(PlanChange("install \(unit.path)", provenance: unit.provenance))
    }
    for command in commands where command.kind != .nicChannels {
      changes.live.append(
        PlanChange(ShellQuote.join(command.argv), provenance: command.provenance))
    }
    if let marker = setup.rebootRequired, before?.rebootRequired != marker {
      changes.needsReboot.append(
        PlanChange(
          "mark a reboot as required (\(RebootRequired.markerPath), \(RebootRequired.packagesPath))",
          provenance: host))
    }
  }

  /// The setting a write belongs to and what it sets there.
  static func describe(_ write: KernelWrite) -> (key: String, item: String) {
    let parts = write.path.split(separator: "/").map(String.init)
    switch write.interface {
    case KernelInterfaces.scalingGovernor.id:
      return ("cpufreq governor \(write.value) on CPUs", cpu(parts))
    case KernelInterfaces.resumeLatency.id:
      let limit = write.value == "n/a" ? "polling only" : "exit latency <= \(write.value)µs"
      return ("idle states limited to \(limit) on CPUs", cpu(parts))
    case KernelInterfaces.rpsCPUs.id:
      return ("RPS \(write.value == "0" ? "off" : "-> " + write.value) on \(parts[3])", parts[5])
    case KernelInterfaces.xpsCPUs.id:
      let cpus = KernelInterface.parseHexMask(write.value)?.cpulist ?? write.value
      return ("XPS on \(parts[3])", "\(parts[5])->CPU \(cpus)")
    case KernelInterfaces.workqueueCPUMask.id:
      let cpus = KernelInterface.parseHexMask(write.value)?.cpulist ?? write.value
      return ("unbound workqueues on CPUs \(cpus)", "")
    default:
      if let name = KernelInterfaces.describing(write.path)?.sysctlName {
        return ("sysctl \(name) = \(write.value)", "")
      }
      return ("write \(write.path) = \(write.value)", "")
    }
  }

  static func cpu(_ parts: [String]) -> String {
    parts.first { $0.hasPrefix("cpu") && $0.dropFirst(3).allSatisfy(\.isNumber) && $0.count > 3 }
      .map { String($0.dropFirst(3)) } ?? "?"
  }

  static func summary(_ key: String, _ items: [String]) -> String {
    let present = items.filter { !$0.isEmpty }
    guard !present.isEmpty else { return key }
    if key.hasSuffix("on CPUs") {
      return key + " " + CPUSet(present.compactMap { Int($0) }).cpulist
    }
    return key + ": " + present.joined(separator: " ")
  }
}
