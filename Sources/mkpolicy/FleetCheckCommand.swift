import ArgumentParser
import FoundationEssentials
import MKCore
import MKFleet
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

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
