import MKCore
import MKPlan

/// Every program apply runs, as typed data: kerf invocations, grubby's
/// boot parameter edits, `systemctl stop|start irqbalance`, and the host
/// setup's commands (`SetupCommand`).
///
/// An argv from a plan, a journal or the applied record is parsed into one of
/// these and the argv that runs is rebuilt from the typed value
/// (`HostCommand.parse(argv).argv`), so a stored argv is never executed as
/// written: `sh -c ...`, another program, an option kerf or grubby was not
/// meant to get, or a boot parameter outside mkpolicy's vocabulary is refused.
public enum HostCommand: Sendable, Hashable {
  case kerf(KerfInvocation)
  /// `grubby --update-kernel=ALL [--args=P] [--remove-args=Q]`, each list
  /// made of parameters mkpolicy generates.
  case grubby(add: [String], remove: [String])
  /// `systemctl stop irqbalance` (or `start`, its undo).
  case irqbalance(stop: Bool)
  /// The host setup's commands (`HostSetup.commands`): `ethtool -L`,
  /// the other `systemctl` calls, the bootloader's regeneration.
  case setup(SetupCommand)

  public var argv: [String] {
    switch self {
    case .kerf(let invocation): return invocation.argv
    case .grubby(let add, let remove):
      var out = ["grubby", "--update-kernel=ALL"]
      if !add.isEmpty { out.append("--args=" + add.joined(separator: " ")) }
      if !remove.isEmpty { out.append("--remove-args=" + remove.joined(separator: " ")) }
      return out
    case .irqbalance(let stop): return ["systemctl", stop ? "stop" : "start", "irqbalance"]
    case .setup(let command): return command.argv
    }
  }

  /// The typed command, or why `argv` is not one apply runs.
  public static func parse(_ argv: [String]) -> Result<HostCommand, Refusal> {
    guard let program = argv.first else { return .failure(Refusal("an empty command")) }
    switch program {
    case KerfCommandEmitter.kerf:
      switch KerfInvocation.parse(argv) {
      case .success(let invocation):
        guard invocation.argv == argv else {
          return .failure(Refusal("the kerf argv is not in the form mkpolicy writes"))
        }
        return .success(.kerf(invocation))
      case .failure(let refusal): return .failure(Refusal(refusal.description))
      }
    case "systemctl":
      if argv == ["systemctl", "stop", "irqbalance"] { return .success(.irqbalance(stop: true)) }
      if argv == ["systemctl", "start", "irqbalance"] { return .success(.irqbalance(stop: false)) }
      return SetupCommand.parse(argv).map(HostCommand.setup)
    case "ethtool", "update-grub", "grub-mkconfig", "kernel-install":
      return SetupCommand.parse(argv).map(HostCommand.setup)
    case "grubby":
      return parseGrubby(argv)
    default:
      let shown = program.utf8.count > 64 ? String(program.prefix(64)) + "..." : program
      return .failure(
        Refusal(
          "\(Quoted.text(shown)) is not a program apply runs (kerf, grubby, systemctl, ethtool, update-grub, grub-mkconfig, kernel-install)"
        ))
    }
  }

  static func parseGrubby(_ argv: [String]) -> Result<HostCommand, Refusal> {
    guard argv.count >= 3, argv.count <= 4, argv[1] == "--update-kernel=ALL" else {
      return .failure(
        Refusal("grubby runs only as grubby --update-kernel=ALL [--args=...] [--remove-args=...]"))
    }
    var add: [String] = []
    var remove: [String] = []
    for (index, argument) in argv.dropFirst(2).enumerated() {
      let tokens: [String]
      if argument.hasPrefix("--args="), index == 0 {
        tokens = argument.dropFirst("--args=".count).split(
          separator: " ", omittingEmptySubsequences: false
        ).map(String.init)
        add = tokens
      } else if argument.hasPrefix("--remove-args="), remove.isEmpty {
        tokens = argument.dropFirst("--remove-args=".count).split(
          separator: " ", omittingEmptySubsequences: false
        ).map(String.init)
        remove = tokens
      } else {
        return .failure(Refusal("grubby argument \(Quoted.text(argument)) is not one apply passes"))
      }
      if let problem = tokens.lazy.compactMap(BootParameterGrammar.generatedProblem).first {
        return .failure(Refusal("grubby \(Quoted.text(argument)): \(problem)"))
      }
    }
    guard !add.isEmpty || !remove.isEmpty else {
      return .failure(Refusal("grubby without parameters"))
    }
    let command = HostCommand.grubby(add: add, remove: remove)
    guard command.argv == argv else {
      return .failure(Refusal("the grubby argv is not in the form mkpolicy writes"))
    }
    return .success(command)
  }

  public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
  }
}
