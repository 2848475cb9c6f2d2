import MKCore
import MKPolicy
import MKSolver

/// A zero-downtime kernel update of one workload, as the plan spells it out:
/// a successor instance on the update headroom, loaded with the new kernel
/// and started, checked, given the devices one by one as the old instance
/// releases them, and only then the old instance retired; its resources go
/// back to the headroom or to the successor (`release`).
///
/// Every step is one coordinator command or one wait, with a stable id so
/// the journal can tell it ran; `instances` after each step is the pair as
/// the state device tree holds it then, so every intermediate tree can be
/// checked (and is, by kerf's own validator in the tests). `rollback` undoes
/// the steps up to the health check: a successor that fails it is removed
/// and the old instance, never touched before, runs on.
public struct Handover: Sendable, Hashable, Codable {
  public var workload: String
  /// `headroom` or `successor` (`UpdatePolicy.Release`).
  public var release: String
  /// The reserve the successor starts on (`HeadroomAssignment.name`).
  public var headroom: String
  /// The instance running now, as the plan in force has it.
  public var old: KernelInstance
  /// The successor when it is created (the headroom part it starts on).
  public var successor: KernelInstance
  /// The successor at the end (also in `Plan.kernelInstances`).
  public var final: KernelInstance
  public var healthCheck: HealthProbe
  public var timeoutMilliseconds: Int
  public var drainMilliseconds: Int
  public var steps: [HandoverStep]
  /// The workload's assignment and its reserve in the plan in force: what
  /// the plan says again when the hand-over is rolled back
  /// (`Plan.withoutHandover`).
  public var previousAssignment: WorkloadAssignment?
  public var previousHeadroom: HeadroomAssignment?
  /// Run, in order, when the successor fails its health check (or a step
  /// before it fails): the successor goes, the old instance is untouched.
  public var rollback: [HandoverStep]
  public var provenance: Provenance

  public init(
    workload: String, release: String, headroom: String, old: KernelInstance,
    successor: KernelInstance, final: KernelInstance, healthCheck: HealthProbe,
    timeoutMilliseconds: Int, drainMilliseconds: Int, steps: [HandoverStep],
    rollback: [HandoverStep], provenance: Provenance
  ) {
    self.workload = workload
    self.release = release
    self.headroom = headroom
    self.old = old
    self.successor = successor
    self.final = final
    self.healthCheck = healthCheck
    self.timeoutMilliseconds = timeoutMilliseconds
    self.drainMilliseconds = drainMilliseconds
    self.steps = steps
    self.rollback = rollback
    self.provenance = provenance
  }

  /// The index of the health check step: every step before it can be rolled
  /// back, none after it is run before it passed.
  public var healthCheckIndex: Int? { steps.firstIndex { $0.kind == .healthCheck } }
}

/// One step of a hand-over.
public struct HandoverStep: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    case create, load, start
    case healthCheck = "health-check"
    /// The old instance gives up one device (`kerf update OLD --devices=...`).
    case releaseDevice = "release-device"
    /// The successor takes the device just released.
    case acquireDevice = "acquire-device"
    /// The old instance keeps running, deviceless, so work in flight ends.
    case drain
    case kill, unload, delete
    /// The successor moves onto the old instance's CPUs and memory and
    /// gives the headroom back (`release: successor`).
    case takePlace = "take-place"
  }

  /// `handover:WORKLOAD:N:KIND[:DEVICE]`, unique in the plan.
  public var id: String
  public var kind: Kind
  /// The kerf command; nil for the health check and drain (waits).
  public var argv: [String]?
  /// The device reference a device step moves.
  public var device: String?
  /// One line for the reviewer.
  public var summary: String
  /// The old instance and the successor after the step (either absent once
  /// deleted / before created), as the state device tree holds them.
  public var instances: [KernelInstance]

  public init(
    id: String, kind: Kind, argv: [String]?, device: String? = nil, summary: String,
    instances: [KernelInstance]
  ) {
    self.id = id
    self.kind = kind
    self.argv = argv
    self.device = device
    self.summary = summary
    self.instances = instances
  }
}

/// The health check as the plan carries it: exactly one of the fields.
public struct HealthProbe: Sendable, Hashable, Codable {
  public var command: [String]?
  public var file: String?
  public var port: Int?

  public init(command: [String]? = nil, file: String? = nil, port: Int? = nil) {
    self.command = command
    self.file = file
    self.port = port
  }

  public init(_ check: HealthCheck) {
    switch check {
    case .command(let argv): self.init(command: argv)
    case .file(let path): self.init(file: path)
    case .port(let port): self.init(port: port)
    }
  }

  public var summary: String {
    if let command { return "command: " + command.joined(separator: " ") }
    if let file { return "file: " + file }
    if let port { return "port: \(port)" }
    return "none"
  }
}

extension KernelInstance {
  /// The workload the instance runs: `workload` when its kerf name differs
  /// (a successor), else its name.
  public var workloadName: String { workload ?? name }
}

extension Plan {
  /// The plan as it holds once `handover` was rolled back: the old
  /// instance instead of the successor, the workload and its reserve where
  /// the plan in force had them, no hand-over. What apply records then, so
  /// that `verify` and the next plan see what runs.
  public func withoutHandover(_ handover: Handover) -> Plan {
    var out = self
    out.handovers = handovers?.filter { $0.workload != handover.workload }
    if out.handovers?.isEmpty == true { out.handovers = nil }
    out.kernelInstances = kernelInstances.map { $0.name == handover.final.name ? handover.old : $0 }
    if let before = handover.previousAssignment {
      out.assignments = assignments.map { $0.workload == handover.workload ? before : $0 }
    }
    if let before = handover.previousHeadroom {
      out.headroom = headroom?.map { $0.name == before.name ? before : $0 }
    }
    return out
  }

  /// The state device tree after each step of each hand-over, then after
  /// each step of its rollback, as `handover/WORKLOAD/NN-KIND[-DEVICE].dts`:
  /// the pool of the plan (the hand-over runs after the ordinary
  /// coordinator commands), the other instances as planned, and the pair as
  /// the step leaves it. Each must pass kerf's validator like `state.dts`.
  public func handoverTrees() -> [(path: String, tree: DeviceTreeNode)] {
    var out: [(path: String, tree: DeviceTreeNode)] = []
    for handover in handovers ?? [] {
      let others = kernelInstances.filter { $0.name != handover.final.name }
      let steps =
        handover.steps.enumerated().map { index, step in
          (String(format2(index + 1)) + "-" + step.kind.rawValue, step)
        }
        + handover.rollback.map { ("rollback-" + $0.kind.rawValue, $0) }
      for (stem, step) in steps {
        let pair = step.instances.sorted { $0.id < $1.id }
        guard
          let tree = DeviceTreeEmitter().emit(
            pool: coordinatorPool, instances: (others + pair).sorted { $0.id < $1.id })
        else { continue }
        let suffix = step.device.map { "-" + $0 } ?? ""
        out.append(("handover/\(handover.workload)/\(stem)\(suffix).dts", tree))
      }
    }
    return out
  }
}

/// `7` -> `07`: step numbers sort as text.
private func format2(_ number: Int) -> String {
  number < 10 ? "0\(number)" : String(number)
}
