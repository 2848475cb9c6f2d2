import ArgumentParser
import Foundation
import MKApply
import MKCore
import MKPlan

/// `mkpolicy plan [POLICY|DIR ...] [--topology FILE] [--previous PLAN.json]
/// [--format text|json] [--out DIR] [--detailed-exitcode]`: compiles a policy
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

  @Option(help: "A topology snapshot (YAML or JSON) to plan for instead of this host.")
  var topology: String?

  @Option(help: "The plan in force (plan.json): changes are made and reported against it.")
  var previous: String?

  @Option(help: "Output: text (review report) or json (the plan).")
  var format: OutputFormat = .text

  @Option(help: "Also write every artefact as its own file into this directory.")
  var out: String?

  @Flag(
    help:
      "Exit 0 when nothing changes, 2 when something does: against --previous or --topology, the plan's changes; planned on this host, whether apply would write anything."
  )
  var detailedExitcode = false

  enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  func run() throws {
    let result = PlanPipeline.run(
      policyPaths: policies, topologyPath: topology, previousPath: previous)
    let renderer = DiagnosticRenderer(sources: result.sources)
    guard let plan = result.plan, let policy = result.policy, let host = result.topology else {
      write(renderer.text(result.diagnostics), to: .standardError)
      throw ExitCode.failure
    }
    let artifacts: [PlanArtifacts.Artifact]
    do {
      artifacts = try PlanArtifacts.render(plan, policy: policy, topology: host)
    } catch {
      write(renderer.text(error.diagnostics), to: .standardError)
      throw ExitCode.failure
    }
    if let out {
      if let problem = ArtifactWriter.write(artifacts, to: out) {
        write("error: \(problem)\n", to: .standardError)
        throw ExitCode.failure
      }
      write("wrote \(artifacts.count) files to \(out)\n", to: .standardError)
    }
    let name = format == .json ? "plan.json" : "report.txt"
    write(artifacts.first { $0.path == name }?.text ?? "", to: .standardOutput)
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

  private func write(_ text: String, to handle: FileHandle) {
    handle.write(Data(text.utf8))
  }
}

/// Writes artefacts into a directory without leaving a half-written set:
/// everything goes to a staging directory first, then each file is renamed
/// into place.
enum ArtifactWriter {
  static func write(_ artifacts: [PlanArtifacts.Artifact], to directory: String) -> String? {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
      return "--out \(directory): exists and is not a directory; give a directory path"
    }
    let staging = directory + "/.mkpolicy-staging-\(ProcessInfo.processInfo.processIdentifier)"
    do {
      try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
    } catch {
      return
        "--out \(directory): cannot create it (\(error.localizedDescription)); check the path and permissions"
    }
    defer { try? manager.removeItem(atPath: staging) }
    do {
      for artifact in artifacts {
        let path = staging + "/" + artifact.path
        try manager.createDirectory(
          atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(artifact.bytes).write(to: URL(fileURLWithPath: path))
      }
      for artifact in artifacts {
        let target = directory + "/" + artifact.path
        try manager.createDirectory(
          atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if manager.fileExists(atPath: target) { try manager.removeItem(atPath: target) }
        try manager.moveItem(atPath: staging + "/" + artifact.path, toPath: target)
      }
    } catch {
      return "--out \(directory): \(error.localizedDescription)"
    }
    return nil
  }
}
