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

/// `mkpolicy fleet plan`: plans every host into `plans/<host>/`.
struct FleetPlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Plan every host (or --host, --selector) in parallel into plans/<host>/.",
    discussion: """
      Each host's folder is made to hold exactly the files of its fresh plan: \
      changed files are replaced, stale ones removed. Prints one summary table. \
      Exit status: 0 ok (with --detailed-exitcode: no changes), 1 error, \
      2 changes (with --detailed-exitcode), 64 usage.
      """)

  @OptionGroup var options: FleetOptions

  @Option(help: "Diagnostics as text (stderr), json or github (stdout).")
  var format: DiagnosticRenderer.Format = .text

  @Flag(help: "Exit 2 when any host's plan has changes, 0 when none has.")
  var detailedExitcode = false

  func run() throws {
    let file = try options.enterFleetDirectory()
    let load = FleetLoader.load(file: file, selection: options.selection)
    let plans = FleetOutput.plan(load, concurrency: options.concurrency)
    var (diagnostics, sources) = FleetOutput.collect(load, plans)
    if let inventory = load.inventory {
      for plan in plans {
        guard let artifacts = plan.artifacts else { continue }
        let directory = FleetPaths.join(inventory.plansDirectory, plan.host)
        if let problem = PlanFolderWriter.replace(directory, with: artifacts) {
          diagnostics.append(problem)
        }
      }
    }
    FleetOutput.emit(diagnostics, sources: sources, format: format)
    if format == .text {
      print(FleetSummary.render(plans), terminator: "")
    } else {
      CLIOutput.error(FleetSummary.render(plans))
    }
    if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode.failure }
    if detailedExitcode && plans.contains(where: { $0.needsReboot + $0.live + $0.coordinator > 0 })
    {
      throw ExitCode(2)
    }
  }
}

/// `mkpolicy fleet check`: for CI. Everything valid and every committed plan
/// byte-identical to a fresh compile.
struct FleetCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract:
      "Check the inventory, policies, overlays and snapshots, and that committed plans are current.",
    discussion: """
      Compiles every host and compares plans/<host>/ with the fresh plan byte for byte; \
      a difference is reported at the first line that differs. Writes nothing. \
      Exit status: 0 everything valid and current, 1 errors, 64 usage.
      """)

  @OptionGroup var options: FleetOptions

  @Option(help: "Diagnostics as text (stderr), json or github (stdout).")
  var format: DiagnosticRenderer.Format = .text

  func run() throws {
    let file = try options.enterFleetDirectory()
    let load = FleetLoader.load(file: file, selection: options.selection)
    let plans = FleetOutput.plan(load, concurrency: options.concurrency)
    var (diagnostics, sources) = FleetOutput.collect(load, plans)
    if let inventory = load.inventory {
      let regenerate = "mkpolicy fleet plan --fleet \(options.fleet)"
      for plan in plans {
        guard let artifacts = plan.artifacts else { continue }
        let directory = FleetPaths.join(inventory.plansDirectory, plan.host)
        let problems = PlanFolder.compare(
          artifacts, with: directory, host: plan.host, regenerate: regenerate)
        for problem in problems {
          if let location = problem.location, sources[location.file] == nil,
            let bytes = PlanFolder.contents(of: location.file), !location.file.hasSuffix(".dtb")
          {
            sources[location.file] = String(decoding: bytes, as: UTF8.self)
          }
        }
        diagnostics += problems
      }
      // Folders of hosts that left the fleet (only when checking the whole fleet).
      if options.host.isEmpty && options.selector == nil,
        PlanFolder.isDirectory(inventory.plansDirectory),
        case .success(let files) = PlanFolder.files(in: inventory.plansDirectory)
      {
        let known = Set(inventory.hosts.map(\.name))
        let folders = Set(files.compactMap { $0.split(separator: "/").first.map(String.init) })
        for folder in folders.sorted() where !known.contains(folder) {
          diagnostics.append(
            .error(
              "E613",
              "\(FleetPaths.join(inventory.plansDirectory, folder)) holds a plan for '\(folder)', which is not a host of \(file)",
              help: ["delete the folder of a host that left the fleet"]))
        }
      }
    }
    FleetOutput.emit(diagnostics, sources: sources, format: format)
    let failed = diagnostics.contains { $0.severity == .error }
    if format == .text {
      print(FleetSummary.render(plans), terminator: "")
      print(failed ? "fleet check: failed" : "fleet check: ok, every plan is current")
    }
    if failed { throw ExitCode.failure }
  }
}

/// Makes a host's plan folder hold exactly the fresh plan's files: each file
/// written to a temporary name and renamed into place (a reader never sees
/// half a file), then files of an older plan that the fresh one lacks removed.
enum PlanFolderWriter {
  static func replace(_ directory: String, with artifacts: [PlanArtifacts.Artifact]) -> Diagnostic?
  {
    let manager = FileManager.default
    func failure(_ what: String, _ error: any Error) -> Diagnostic {
      .error(
        "E614",
        "cannot write the plan folder '\(directory)': \(what): \(error)",
        help: ["check that the plans folder is writable"])
    }
    do {
      try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
      for artifact in artifacts {
        let path = directory + "/" + artifact.path
        let folder = FleetPaths.directory(of: path)
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if PlanFolder.contents(of: path) == artifact.bytes { continue }
        let temporary =
          folder + "/.\(artifact.path.split(separator: "/").last ?? "file").tmp-\(getpid())"
        try Data(artifact.bytes).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
          let code = errno
          try? manager.removeItem(atPath: temporary)
          return .error(
            "E614", "cannot write '\(path)': \(Errno.name(code)): \(Errno.message(code))",
            help: ["check that the plans folder is writable"])
        }
      }
      let produced = Set(artifacts.map(\.path))
      if case .success(let existing) = PlanFolder.files(in: directory) {
        for stale in existing where !produced.contains(stale) {
          try manager.removeItem(atPath: directory + "/" + stale)
        }
      }
      // Folders emptied by the removals (an old plan's systemd/) go too.
      if let folders = try? manager.subpathsOfDirectory(atPath: directory) {
        for folder in folders.sorted(by: >) where PlanFolder.isDirectory(directory + "/" + folder) {
          if (try? manager.contentsOfDirectory(atPath: directory + "/" + folder))?.isEmpty == true {
            try manager.removeItem(atPath: directory + "/" + folder)
          }
        }
      }
    } catch {
      return failure("write", error)
    }
    return nil
  }
}
