import MKCore
import MKPlan

/// The kerf commands that take the running multikernel instances to the
/// plan's: the plan's instances and pool are the desired state, and what
/// runs now is read live (`InstanceProbe`), with the spec of each running
/// instance taken from this boot's applied record. An instance that is not
/// running is created, loaded and started; one that runs with another spec
/// is updated or restarted, as `KerfCommandEmitter` sequences it; one left
/// half-way (`ready`, `loaded`, `failed`) is taken down first. Every command
/// carries the command that undoes it, built from the observed spec.
struct InstanceReconciler {
  let host: any HostIO

  /// Whether the plan describes its instances (plans from mkpolicy do; a
  /// hand-made plan may hold only commands, which are then run as given).
  static func describesInstances(_ plan: Plan) -> Bool {
    !plan.kernelInstances.isEmpty || plan.coordinatorPool != nil
  }

  struct Result {
    var teardown: [ApplyStep] = []
    var bringUp: [ApplyStep] = []
    var notes: [String] = []
  }

  /// `record` is the applied record of this boot, nil when there is none or
  /// it is from an earlier boot (a reboot stops every instance).
  func reconcile(_ plan: Plan, record: AppliedRecord?) throws(HostIOError) -> Result {
    var result = Result()
    // The instances of a hand-over (the old one and its successor) are the
    // hand-over executor's: left out here on both sides, whatever their state.
    let handedOver = Set(plan.handovers?.flatMap { [$0.old.name, $0.successor.name] } ?? [])
    var plan = plan
    plan.kernelInstances.removeAll { handedOver.contains($0.name) }
    let live = try InstanceProbe(host: host).live()?.filter { !handedOver.contains($0.key) }
    let recorded = (record?.plan.kernelInstances ?? []).filter { !handedOver.contains($0.name) }
    var observed: [KernelInstance] = []
    var halfway: [(KernelInstance?, String, String)] = []
    if let live {
      for instance in recorded {
        guard let status = live[instance.name] else { continue }
        if status == "active" {
          observed.append(instance)
        } else {
          halfway.append((instance, instance.name, status))
        }
      }
      let known = Set(recorded.map(\.name))
      let wanted = Set(plan.kernelInstances.map(\.name))
      for (name, status) in live.sorted(by: { $0.key < $1.key }) where !known.contains(name) {
        if wanted.contains(name) {
          // Running under the plan's name with a spec apply does not know:
          // taken down and brought up as planned.
          halfway.append((nil, name, status))
        } else {
          result.notes.append(
            "kernel instance \(name) (\(status)) is not mkpolicy's; left alone")
        }
      }
    } else {
      // No live view (no /sys/fs/multikernel): this boot's record is all
      // there is.
      observed = recorded
    }
    let observedPool = record?.plan.coordinatorPool
    for (instance, name, status) in halfway {
      let verbs: [String]
      switch status {
      case "loaded": verbs = ["unload", "delete"]
      case "ready", "empty": verbs = ["delete"]
      default: verbs = ["kill", "unload", "delete"]
      }
      for verb in verbs {
        result.teardown.append(
          step(
            id: "\(verb):\(name)", argv: [KerfCommandEmitter.kerf, verb, name],
            undo: instance.flatMap { undo(verb, $0, pool: observedPool) }))
      }
    }
    let commands = KerfCommandEmitter().commands(
      pool: plan.coordinatorPool, instances: plan.kernelInstances, previousPool: observedPool,
      previousInstances: observed,
      poolDevices: (plan.coordinatorPool?.devices ?? []) + (observedPool?.devices ?? []))
    for command in commands {
      let verb = command.argv.count > 1 ? command.argv[1] : ""
      let name = command.argv.count > 2 ? command.argv[2] : ""
      let old = observed.first { $0.name == name }
      let undo: [String]?
      switch verb {
      case "init":
        undo =
          observedPool.map(KerfCommandEmitter.initArgv)
          ?? [KerfCommandEmitter.kerf, "init", "--cpus=none", "--memory=none", "--devices=none"]
      case "update":
        undo = old.map { updateArgv($0, pool: observedPool) }
      case "kill", "unload", "delete":
        undo = old.flatMap { self.undo(verb, $0, pool: observedPool) }
      default:
        undo = Plan.undo(command.argv)
      }
      let item = step(id: command.id, argv: command.argv, undo: undo)
      if ["kill", "unload", "delete"].contains(verb) {
        result.teardown.append(item)
      } else {
        result.bringUp.append(item)
      }
    }
    return result
  }

  func step(id: String, argv: [String], undo: [String]?) -> ApplyStep {
    ApplyStep(kind: .command, path: id, argv: argv, undo: undo)
  }

  /// What undoes a teardown verb: the bring-up command of the observed spec.
  func undo(_ verb: String, _ instance: KernelInstance, pool: CoordinatorPool?) -> [String]? {
    let bringUp = KerfCommandEmitter().commands(
      pool: pool, instances: [instance], previousPool: pool, previousInstances: [],
      poolDevices: pool?.devices ?? [])
    let inverse = ["kill": "start", "unload": "load", "delete": "create"]
    return bringUp.first { $0.argv.count > 2 && $0.argv[1] == inverse[verb] }?.argv
  }

  /// `kerf update` back to the observed spec.
  func updateArgv(_ instance: KernelInstance, pool: CoordinatorPool?) -> [String] {
    let devices = instance.devices.map { reference in
      pool?.devices.first { $0.reference == reference }?.pciAddress ?? reference
    }
    return [
      KerfCommandEmitter.kerf, "update", instance.name,
      "--cpus=" + KerfCommandEmitter.ranges(instance.physicalIds),
      "--memory=\(instance.memoryBytes)",
      "--devices=" + (devices.isEmpty ? "none" : devices.joined(separator: ",")),
    ]
  }
}
