import MKApply

/// A stand-in for kerf's instance state machine (empty -> ready -> loaded ->
/// active), strict about order like the real tool, so that the tests can
/// tell whether coordinator commands were undone or run twice.
final class KerfModel {
  private(set) var instances: [String: String] = [:]
  private(set) var log: [String] = []

  func clearLog() { log = [] }

  func handle(_ argv: [String]) -> CommandResult {
    log.append(argv.joined(separator: " "))
    if argv.count >= 2, argv[0] == "kerf", argv[1] == "init" {
      return CommandResult(status: 0, output: "")
    }
    guard argv.count >= 3, argv[0] == "kerf" else {
      return CommandResult(status: 2, output: "usage")
    }
    let name = argv[2]
    let state = instances[name]
    let next: String??
    switch (argv[1], state) {
    case ("create", nil): next = "ready"
    case ("load", "ready"): next = "loaded"
    case ("start", "loaded"): next = "active"
    case ("kill", "active"): next = "loaded"
    case ("unload", "loaded"): next = "ready"
    case ("delete", "ready"): next = .some(nil)
    case ("update", .some(let current)): next = current
    default: next = nil
    }
    guard let next else {
      return CommandResult(
        status: 1, output: "kerf: cannot \(argv[1]) \(name) in state \(state ?? "absent")")
    }
    instances[name] = next
    if let host {
      let directory = "/sys/fs/multikernel/instances/" + name
      if let next {
        host.seedDirectory(directory)
        host.seed(directory + "/status", next + "\n")
      } else {
        host.forget(directory)
      }
    }
    return CommandResult(status: 0, output: "")
  }

  /// The host whose /sys/fs/multikernel/instances mirrors the model, as the
  /// kernel's does; nil when the model only answers commands.
  weak var host: MemoryHost?

  /// Attached with the kernel interface: every state change shows in sysfs.
  static func attachLive(to host: MemoryHost) -> KerfModel {
    let model = attach(to: host)
    model.host = host
    host.seedDirectory("/sys/fs/multikernel/instances")
    return model
  }

  func clone(into host: MemoryHost) -> KerfModel {
    let copy = KerfModel()
    copy.instances = instances
    copy.log = log
    host.commandResult = { copy.handle($0) }
    return copy
  }

  static func attach(to host: MemoryHost) -> KerfModel {
    let model = KerfModel()
    host.commandResult = { model.handle($0) }
    return model
  }
}
