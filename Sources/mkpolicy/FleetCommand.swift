import ArgumentParser
import Dispatch
import FoundationEssentials
import MKCore
import MKFleet
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// `mkpolicy fleet plan|check`: one GitOps repository, many hosts. The
/// inventory (`fleet.yaml`) says which hosts exist, what they look like and
/// which policy with which overlays each gets.
struct FleetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fleet",
    abstract: "Plan and check every host of a fleet inventory (fleet.yaml) at once.",
    subcommands: [FleetPlanCommand.self, FleetCheckCommand.self])
}

/// What both fleet subcommands take: where the inventory is, which hosts, how
/// many compiles at once.
struct FleetOptions: ParsableArguments {
  @Option(
    name: .shortAndLong,
    help: "The inventory. Paths in it, and in diagnostics and plans, are relative to its folder.")
  var fleet: String = "fleet.yaml"

  @Option(name: .long, help: "Only this host (repeatable).")
  var host: [String] = []

  @Option(name: .long, help: "Only hosts with these labels: key=value[,key=value] (a|b: either).")
  var selector: String?

  @Option(name: .long, help: "Hosts compiled at once (default: every core).")
  var jobs: Int?

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if let selector, case .failure(let error) = LabelSelector.parse(selector) {
      throw ValidationError(error.diagnostics.first?.message ?? "bad --selector")
    }
  }

  /// Moves into the inventory's folder, so that every path (in diagnostics,
  /// in plans' provenance) reads the same wherever the command was run from.
  /// Returns the inventory's file name.
  func enterFleetDirectory() throws -> String {
    let directory = FleetPaths.directory(of: fleet)
    if !directory.isEmpty && !FileManager.default.changeCurrentDirectoryPath(directory) {
      let code = errno
      CLIOutput.error(
        "error[E605]: cannot enter the fleet's folder '\(directory)': \(Errno.name(code)): \(Errno.message(code))\n"
          + "  help: give the path of fleet.yaml with --fleet\n")
      throw ExitCode.failure
    }
    return String(fleet.split(separator: "/").last ?? "fleet.yaml")
  }

  var selection: HostSelection {
    let parsed = selector.flatMap { try? LabelSelector.parse($0).get() }
    return HostSelection(names: host, selector: parsed)
  }

  var concurrency: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// Output of every fleet diagnostic, plan errors included, in one of the three formats.
enum FleetOutput {
  static func emit(
    _ diagnostics: [Diagnostic], sources: [String: String], format: DiagnosticRenderer.Format
  ) {
    let renderer = DiagnosticRenderer(sources: sources)
    switch format {
    case .text:
      if !diagnostics.isEmpty { CLIOutput.error(renderer.text(diagnostics)) }
    case .json, .github:
      print(renderer.render(diagnostics, format: format), terminator: "")
    }
  }

  static func collect(_ load: FleetLoadResult, _ plans: [HostPlan]) -> (
    [Diagnostic], [String: String]
  ) {
    var sources = load.sources
    var diagnostics = load.diagnostics
    // A problem of a shared policy shows once, naming every host it affects.
    var hosts: [Diagnostic: [String]] = [:]
    var order: [Diagnostic] = []
    for plan in plans {
      sources.merge(plan.sources) { first, _ in first }
      for diagnostic in plan.diagnostics {
        if hosts[diagnostic] == nil { order.append(diagnostic) }
        hosts[diagnostic, default: []].append(plan.host)
      }
    }
    for diagnostic in order {
      var annotated = diagnostic
      let names = hosts[diagnostic] ?? []
      annotated.notes.append(
        .init("host\(names.count == 1 ? "" : "s"): \(names.joined(separator: ", "))"))
      diagnostics.append(annotated)
    }
    return (diagnostics, sources)
  }

  static func plan(_ load: FleetLoadResult, concurrency: Int) -> [HostPlan] {
    let box = PlansBox()
    let jobs = load.jobs
    let done = DispatchSemaphore(value: 0)
    Task {
      box.plans = await FleetPlanner.plan(jobs, concurrency: concurrency)
      done.signal()
    }
    done.wait()
    return box.plans
  }
}

/// Hands the planner's result from its task to the synchronous command.
private final class PlansBox: @unchecked Sendable {
  var plans: [HostPlan] = []
}
