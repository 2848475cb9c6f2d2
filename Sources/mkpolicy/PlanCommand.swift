import ArgumentParser
import MKApply
import MKCore
import MKPlan

#if canImport(Glibc)
  import Glibc
#endif

/// `mkpolicy plan [POLICY|DIR ...] [--topology FILE] [--previous PLAN.json]
/// [--format text|json|svg] [--out DIR] [--detailed-exitcode]`: compiles a policy
/// for a host into a plan for review. Touches nothing on the host.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract:
      "Compile a policy into boot parameters, cgroups, IRQ affinity and kerf commands, for review.",
    discussion: """
      Without a policy it plans the embedded default; without --topology it discovers this host. \
      Exit status: 0 ok (with --detailed-exitcode: no changes), 1 error, \
      2 changes (with --detailed-exitcode), 64 usage.
      """)

  @Argument(
    help: "Policy files or folders (merged into one policy). Default: the embedded default policy.")
  var policies: [String] = []

  @Option(
    name: .customLong("topology"),
    help: "A topology snapshot (YAML or JSON) to plan for instead of this host (once).")
  var topologies: [String] = []

  /// One snapshot at most: a plan is for one host.
  var topology: String? { topologies.first }

  @Option(help: "The plan in force (plan.json): changes are made and reported against it.")
  var previous: String?

  @Option(
    help:
      "Output: text (review report), json (the plan; diagnostics as JSON when it fails), svg (the partition map) or github (diagnostics as workflow annotations)."
  )
  var format: OutputFormat = .text

  @Option(help: "Also write every artefact as its own file into this directory.")
  var out: String?

  @Flag(
    help:
      "Exit 0 when nothing changes, 2 when something does: against --previous or --topology, the plan's changes; planned on this host, whether apply would write anything."
  )
  var detailedExitcode = false

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, svg, github
  }

  func validate() throws {
    if topologies.count > 1 {
      throw ValidationError(
        "--topology is given \(topologies.count) times (\(topologies.joined(separator: ", "))): a plan is for one host; plan several hosts with `mkpolicy fleet plan` and a fleet.yaml"
      )
    }
    if let topology, PathKind.isDirectory(topology) {
      throw ValidationError(
        "--topology \(topology) is a folder: give one snapshot file (mkpolicy discover -o host.yaml); plan a folder of hosts with `mkpolicy fleet plan` and a fleet.yaml"
      )
    }
  }

  /// Diagnostics as the chosen format asks: text on stderr, JSON and
  /// GitHub annotations on stdout (what CI reads).
  private func report(_ diagnostics: [Diagnostic], _ renderer: DiagnosticRenderer) {
    switch format {
    case .text, .svg: write(renderer.text(diagnostics), to: .standardError)
    case .json: write(renderer.render(diagnostics, format: .json), to: .standardOutput)
    case .github: write(renderer.render(diagnostics, format: .github), to: .standardOutput)
    }
  }

  func run() throws {
    let result = PlanPipeline.run(
      policyPaths: policies, topologyPath: topology, previousPath: previous)
    let renderer = DiagnosticRenderer(sources: result.sources)
    guard let plan = result.plan, let policy = result.policy, let host = result.topology else {
      report(result.diagnostics, renderer)
      throw ExitCode.failure
    }
    // Only what was asked is rendered: every artefact for --out, else only
    // the one on standard output (the review report and the map cost more
    // than the plan on big hosts, and --format json needs neither).
    if let out {
      let artifacts: [PlanArtifacts.Artifact]
      do {
        artifacts = try PlanArtifacts.render(
          plan, policy: policy, topology: host, previous: result.previous)
      } catch {
        report(error.diagnostics, renderer)
        throw ExitCode.failure
      }
      var writer = ArtifactWriter(directory: out)
      writer.failBeforeWrite = ArtifactWriter.testFault()
      let written = writer.write(artifacts)
      for note in written.notes { Console.write("note: \(note)\n", to: .standardError) }
      if let problem = written.diagnostic {
        report([problem], renderer)
        throw ExitCode.failure
      }
      Console.write("wrote \(artifacts.count) files to \(out)\n", to: .standardError)
      switch format {
      case .text:
        write(artifacts.first { $0.path == "report.txt" }?.text ?? "", to: .standardOutput)
      case .json: write(artifacts.first { $0.path == "plan.json" }?.text ?? "", to: .standardOutput)
      case .svg: write(artifacts.first { $0.path == "map.svg" }?.text ?? "", to: .standardOutput)
      case .github: report(plan.diagnostics, renderer)
      }
    } else {
      let wanted: String? =
        switch format {
        case .text: "report.txt"
        case .json: "plan.json"
        case .svg: "map.svg"
        case .github: nil
        }
      let artifacts: [PlanArtifacts.Artifact]
      do {
        artifacts = try PlanArtifacts.render(
          plan, policy: policy, topology: host, previous: result.previous,
          include: { $0 == wanted })
      } catch {
        report(error.diagnostics, renderer)
        throw ExitCode.failure
      }
      if let wanted {
        write(artifacts.first { $0.path == wanted }?.text ?? "", to: .standardOutput)
      } else {
        report(plan.diagnostics, renderer)
      }
    }
    guard detailedExitcode else { return }
    if previous == nil && topology == nil {
      // Planned on this host: compare with what the host holds now, the
      // way apply would (0 only when apply would have nothing to do).
      let pending = try? Applier(host: RootedHost()).pendingSteps(plan).pending
      if pending?.isEmpty != true { throw ExitCode(2) }
      return
    }
    if !plan.changes.isEmpty { throw ExitCode(2) }
  }

  private func write(_ text: String, to stream: Console.Stream) {
    Console.write(text, to: stream)
  }
}

enum PathKind {
  static func isDirectory(_ path: String) -> Bool { LocalFile.isDirectory(path) }
}
