import MKCore
import MKPlan

/// Compares what a step asked for with what the host reports, after
/// normalising the forms the kernel rewrites: cpulists (`0,1,2` is `0-2`),
/// page-rounded memory values, controller lists in any order. The kernel may
/// accept a write and do something else (narrow `cpuset.cpus.effective`, mark
/// a partition `invalid`, leave an IRQ where it was), so apply trusts only this.
public enum ReadBack {
  public static let pageSize: UInt64 = 4096

  /// Nil when the step's effect is in place on `host`, else what differs.
  public static func difference(_ step: ApplyStep, on host: any HostIO) -> String? {
    switch step.kind {
    case .mkdir:
      return host.kind(step.path) == .directory ? nil : "\(step.path) does not exist"
    case .rmdir:
      return host.kind(step.path) == .missing ? nil : "\(step.path) still exists"
    case .file:
      guard let have = try? host.read(step.path) else { return "\(step.path) does not exist" }
      return have == (step.value ?? "") ? nil : "\(step.path) does not hold the planned content"
    case .irq:
      return irqDifference(step, host)
    case .kernel:
      return kernelDifference(step.path, step.value ?? "", host)
    case .write, .revalidate:
      return writeDifference(step.path, step.value ?? "", host)
    case .command:
      return nil
    }
  }

  static func read(_ path: String, _ host: any HostIO) -> String? {
    (try? host.read(path))?.trimmingASCIIWhitespace()
  }

  static func directory(_ path: String) -> String {
    String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
  }

  static func name(_ path: String) -> String {
    String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
  }

  static func irqDifference(_ step: ApplyStep, _ host: any HostIO) -> String? {
    guard let wanted = try? CPUSet(cpulist: step.value ?? "") else { return "not a cpulist" }
    guard let text = read(step.path, host) else { return "\(step.path) cannot be read" }
    guard let have = try? CPUSet(cpulist: text, allowEmpty: true), have == wanted else {
      return "\(step.path) reads \(Quoted.text(text)), wanted \(Quoted.text(wanted.cpulist))"
    }
    let effectivePath = directory(step.path) + "/effective_affinity_list"
    // Without interrupt remapping x86 moves it at its next interrupt.
    if IRQMove.deferred(step.path, wanted: wanted, host) != nil { return nil }
    if let effectiveText = read(effectivePath, host) {
      guard let effective = try? CPUSet(cpulist: effectiveText, allowEmpty: true),
        !effective.isEmpty,
        effective.isSubset(of: wanted)
      else {
        return
          "\(effectivePath) reads \(Quoted.text(effectiveText)), outside \(Quoted.text(wanted.cpulist)): the IRQ did not move"
      }
    }
    return nil
  }

  /// `memory.max` and friends: `max`, or bytes rounded down to a page. cgroup
  /// v1 writes `-1` for no limit and reads back a huge page-aligned number.
  static func memoryForm(_ text: String) -> String {
    if text == "-1" { return "max" }
    if let bytes = UInt64(text) {
      return bytes >= 1 << 62 ? "max" : String(bytes / pageSize * pageSize)
    }
    return text
  }

  /// A hex CPU mask with commas and leading zeros removed (`00000000,000000ff` is `ff`).
  static func hexForm(_ text: String) -> String {
    let digits = text.lowercased().filter { $0 != "," }.drop { $0 == "0" }
    return digits.isEmpty ? "0" : String(digits)
  }

  static func kernelDifference(_ path: String, _ value: String, _ host: any HostIO) -> String? {
    let wanted = value.trimmingASCIIWhitespace()
    guard let have = read(path, host) else { return "\(path) cannot be read" }
    // The registry's rule for the file (hex masks without leading zeros,
    // cpulists as sets); exact text for a file it does not describe.
    let same =
      KernelInterfaces.describing(path).map { $0.holds(have, wanted: wanted) }
      ?? (name(path) == "default_smp_affinity"
        ? hexForm(have) == hexForm(wanted) : have == wanted)
    return same ? nil : "\(path) reads \(Quoted.text(have)), wanted \(Quoted.text(wanted))"
  }

  static func writeDifference(_ path: String, _ value: String, _ host: any HostIO) -> String? {
    let file = name(path)
    let dir = directory(path)
    let wanted = value.trimmingASCIIWhitespace()
    guard let have = read(path, host) else { return "\(path) cannot be read" }
    let mismatch = "\(path) reads \(Quoted.text(have)), wanted \(Quoted.text(wanted))"
    switch file {
    case "cpuset.cpus", "cpuset.mems", "cpuset.cpus.exclusive":
      guard let wantedSet = try? CPUSet(cpulist: wanted, allowEmpty: true),
        let haveSet = try? CPUSet(cpulist: have, allowEmpty: true), wantedSet == haveSet
      else { return mismatch }
      let effectiveNames =
        file == "cpuset.mems"
        ? ["cpuset.mems.effective", "cpuset.effective_mems"]
        : file == "cpuset.cpus" ? ["cpuset.cpus.effective", "cpuset.effective_cpus"] : []
      // A partition root hands the CPUs of its valid child partitions over
      // to them: its own effective CPUs are what is left.
      let expected =
        file == "cpuset.cpus" ? wantedSet.subtracting(childPartitionCPUs(dir, host)) : wantedSet
      if !wantedSet.isEmpty {
        for effectiveName in effectiveNames {
          guard let text = read(dir + "/" + effectiveName, host) else { continue }
          let effective = try? CPUSet(cpulist: text, allowEmpty: true)
          if effective != expected {
            return
              "\(dir)/\(effectiveName) reads \(Quoted.text(text)), wanted \(Quoted.text(expected.cpulist))"
          }
          break
        }
      }
      return partitionProblem(dir, host)
    case "cpuset.cpus.partition":
      let mode = have.split(separator: " ").first.map(String.init) ?? ""
      if have.contains("invalid") {
        return "\(path) reads \(Quoted.text(have)): the kernel refused the partition"
      }
      return mode == wanted ? nil : mismatch
    case "cgroup.subtree_control":
      // The kernel lists enabled controllers; a plain file under --root holds
      // what was written (`+cpuset +cpu`): both read as the same set.
      let enabled = Set(
        have.split(separator: " ").filter { !$0.hasPrefix("-") }.map {
          String($0.hasPrefix("+") ? $0.dropFirst() : $0)
        })
      let tokens = wanted.split(separator: " ").map(String.init)
      if !tokens.contains(where: { $0.hasPrefix("+") || $0.hasPrefix("-") }) {
        // A plain list (a recorded prior value): the enabled set must equal it.
        return enabled == Set(tokens) ? nil : mismatch
      }
      for token in wanted.split(separator: " ") {
        let controller = String(token.dropFirst())
        if token.hasPrefix("+") && !enabled.contains(controller) { return mismatch }
        if token.hasPrefix("-") && enabled.contains(controller) { return mismatch }
      }
      return nil
    case let memory where memory.hasPrefix("memory."):
      return memoryForm(have) == memoryForm(wanted) ? nil : mismatch
    case let device where device.hasSuffix("_device"):
      // blkio.throttle.*_device: one `MAJ:MIN value` line per device.
      let lines = have.split(separator: "\n").map { String($0).trimmingASCIIWhitespace() }
      if lines.contains(wanted) { return nil }
      // Writing 0 removes the device's limit: its line is gone.
      let device = String(wanted.split(separator: " ").first ?? "")
      if wanted.hasSuffix(" 0") && !lines.contains(where: { $0.hasPrefix(device + " ") }) {
        return nil
      }
      return mismatch
    case "io.max":
      let line = have.split(separator: "\n").first {
        $0.hasPrefix(wanted.split(separator: " ").first ?? "")
      }
      let tokens = Set((line ?? "").split(separator: " "))
      return wanted.split(separator: " ").allSatisfy { tokens.contains($0) || $0.hasSuffix("=max") }
        ? nil : mismatch
    default:
      return have == wanted ? nil : mismatch
    }
  }

  /// The CPUs of the valid partitions (`root`, `isolated`) directly below
  /// `dir`, which the kernel takes out of `dir`'s effective CPUs.
  static func childPartitionCPUs(_ dir: String, _ host: any HostIO) -> CPUSet {
    var cpus = CPUSet()
    for child in (try? host.list(dir)) ?? [] where host.kind(dir + "/" + child) == .directory {
      guard let mode = read(dir + "/" + child + "/cpuset.cpus.partition", host),
        mode == "root" || mode == "isolated",
        let text = read(dir + "/" + child + "/cpuset.cpus.effective", host),
        let childCPUs = try? CPUSet(cpulist: text, allowEmpty: true)
      else { continue }
      cpus = cpus.union(childCPUs)
    }
    return cpus
  }

  /// A cgroup v2 partition turned invalid by a cpus change.
  static func partitionProblem(_ dir: String, _ host: any HostIO) -> String? {
    guard let text = read(dir + "/cpuset.cpus.partition", host), text.contains("invalid") else {
      return nil
    }
    return
      "\(dir)/cpuset.cpus.partition reads \(Quoted.text(text)): the kernel invalidated the partition"
  }
}
