import MKApply

/// A stand-in for kerf's instance state machine (empty -> ready -> loaded ->
/// active), strict about order like the real tool, so that the tests can
/// tell whether coordinator commands were undone or run twice.
final class KerfModel {
  private(set) var instances: [String: String] = [:]
  private(set) var log: [String] = []

  func handle(_ argv: [String]) -> CommandResult {
    log.append(argv.joined(separator: " "))
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
    default: next = nil
    }
    guard let next else {
      return CommandResult(
        status: 1, output: "kerf: cannot \(argv[1]) \(name) in state \(state ?? "absent")")
    }
    instances[name] = next
    return CommandResult(status: 0, output: "")
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
