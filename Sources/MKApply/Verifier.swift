import MKCore
import MKPlan

/// Compares the live host with the last applied plan (`applied.json`): every
/// cgroup value, IRQ affinity and file in its final planned state, after
/// normalising cpulists and page rounding; and, once the host has rebooted
/// since apply, that `/proc/cmdline` carries the staged boot parameters.
public struct Verifier {
  public let host: any HostIO
  public let store: StateStore

  public init(host: any HostIO, stateDirectory: String = "/var/lib/mkpolicy") {
    self.host = host
    store = StateStore(host: host, directory: stateDirectory)
  }

  public struct Report: Sendable, Equatable {
    public var policy: String
    public var checked = 0
    public var differences: [String] = []
    public var notes: [String] = []
    public var matches: Bool { differences.isEmpty }

    public func render() -> String {
      var out = ""
      for note in notes { out += "note: \(note)\n" }
      if differences.isEmpty {
        out +=
          "ok: the host matches the applied plan of policy \(policy) (\(checked) values checked)\n"
      } else {
        out +=
          "drift: \(differences.count) difference(s) from the applied plan of policy \(policy):\n"
        for difference in differences { out += "  \(difference)\n" }
      }
      return out
    }
  }

  public enum Failure: Error, Sendable, CustomStringConvertible {
    case noRecord(path: String)
    case unreadable(StateStore.LoadError)
    public var description: String {
      switch self {
      case .noRecord(let path):
        "no applied plan is recorded (\(path) does not exist); run `mkpolicy apply` first"
      case .unreadable(let error): "\(error)"
      }
    }
  }

  /// The steps whose effect must still hold: the last operation on each path,
  /// leaving out files inside directories the plan removes.
  public static func finalState(_ steps: [ApplyStep]) -> [ApplyStep] {
    var last: [String: Int] = [:]
    var removed = Set<String>()
    for (index, step) in steps.enumerated() where step.kind != .command {
      last[step.path] = index
      if step.kind == .rmdir { removed.insert(step.path) }
      if step.kind == .mkdir { removed.remove(step.path) }
    }
    return last.sorted { $0.value < $1.value }.compactMap { path, index in
      let step = steps[index]
      if step.kind != .rmdir && removed.contains(where: { path.hasPrefix($0 + "/") }) { return nil }
      return step
    }
  }

  public func verify() throws(Failure) -> Report {
    let record: AppliedRecord?
    do { record = try store.loadApplied() } catch { throw .unreadable(error) }
    guard let record else { throw .noRecord(path: store.appliedPath) }
    var report = Report(policy: record.plan.policy)
    if host.kind(store.journalPath) != .missing {
      report.differences.append(
        "an apply was interrupted: \(store.journalPath) is present (run `mkpolicy recover`)")
    }
    // A plan made against a previous one holds only the difference in
    // cgroupWrites; its cgroupTree is the whole tree that must now hold.
    var whole = record.plan
    whole.cgroupWrites = record.plan.cgroupWrites + record.plan.cgroupTree
    for step in Self.finalState(whole.applySteps) {
      report.checked += 1
      if let difference = ReadBack.difference(step, on: host) {
        report.differences.append(difference)
      }
    }
    let parameters = record.plan.bootParameters
    if !parameters.isEmpty && record.plan.bootStaging != nil {
      let bootNow = Applier.readBootID(host)
      if let bootThen = record.bootID, bootThen == bootNow {
        report.notes.append(
          "\(parameters.count) boot parameter(s) are staged and take effect after a reboot")
      } else {
        let cmdline = ((try? host.read("/proc/cmdline")) ?? "").trimmingASCIIWhitespace()
        let present = Set(cmdline.split(separator: " ").map(String.init))
        for parameter in parameters {
          report.checked += 1
          if !present.contains(parameter) {
            report.differences.append(
              "/proc/cmdline lacks the staged boot parameter \(parameter) (rebooted since apply; check the bootloader)"
            )
          }
        }
      }
    }
    return report
  }
}
