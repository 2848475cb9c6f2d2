import ArgumentParser
import FoundationEssentials
import MKCore
import MKFleet
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

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
