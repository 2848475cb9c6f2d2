import ArgumentParser
import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKTopology

/// `mkpolicy update`: a kernel update of one workload, planned from the
/// policy plus the change (nothing is edited), for review with `--out`, or
/// applied (with its hand-over) like `mkpolicy apply`.
struct UpdateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "update",
    abstract:
      "Update a kernel workload's kernel: plan the hand-over from the policy plus the change, for review (--out) or applied.",
    discussion: """
      The policy is not edited: the change is made in memory and planned against the plan in \
      force (the state directory's applied plan, or --previous). A workload with update: \
      {strategy: handover} is updated without downtime (a successor on its headroom, health \
      checked, before the old instance is retired); one with strategy: restart is restarted. \
      With --out the plan's artefacts are written for review and nothing is applied. \
      Exit status: 0 updated (or planned with --out), 1 failed (a failed hand-over is rolled \
      back: the old instance runs on), 3 the plan is stale for this host, 64 usage.
      """)

  @Argument(help: "The kernel workload to update.")
  var workload: String

  @Option(name: .long, help: "The new kernel image (an absolute path on the host).")
  var kernel: String

  @Option(name: .long, help: "The new initrd (an absolute path on the host).")
  var initrd: String?

  @Option(name: .long, help: "The workload's new kernel command line (replaces kernel.cmdline).")
  var cmdline: String?

  @Option(name: .long, help: "The policy file or directory the workload is in.")
  var policy: String

  @Option(
    name: .long, help: "A topology snapshot to plan against (default: discover this host).")
  var topology: String?

  @Option(
    name: .long,
    help: "The plan in force (plan.json); default: the plan last applied (the state directory's).")
  var previous: String?

  @Option(
    name: .long, help: "Write the plan's artefacts into this directory for review; apply nothing.")
  var out: String?

  @OptionGroup var host: HostOptions

  @Flag(name: .long, help: "Print every write, command and hand-over step, and make none.")
  var dryRun = false

  @Flag(name: .long, help: "Do not ask for confirmation.")
  var yes = false

  func validate() throws {
    if host.format == .json && !yes && !dryRun && out == nil {
      throw ValidationError("--format json asks no question: add --yes, --dry-run or --out")
    }
  }

  func run() throws {
    let hostIO = host.makeHost()
    let loaded = PolicyLoader.load(paths: [policy])
    guard let base = loaded.policy, !loaded.hasErrors else {
      throw CLIOutput.failure(
        DiagnosticError(loaded.diagnostics), sources: loaded.sources, format: host.format)
    }
    let change = KernelChange(
      workload: workload, image: kernel, initrd: initrd, cmdline: cmdline)
    let changed: Policy
    switch change.applied(to: base) {
    case .success(let value): changed = value
    case .failure(let error):
      throw CLIOutput.failure(error, sources: loaded.sources, format: host.format)
    }
    // The plan in force: --previous, else the record of the last apply.
    var inForce: Plan?
    if previous == nil {
      do {
        inForce = try StateStore(host: hostIO, directory: host.stateDir).loadApplied()?.plan
      } catch {
        CLIOutput.refusal(ApplyRefusal.unreadableState(error).diagnostic, format: host.format)
        throw ExitCode(1)
      }
    }
    var edited = loaded
    edited.policy = changed
    // Without --topology, this host as seen from --root (as apply discovers it).
    var discovered: Topology?
    if topology == nil {
      do {
        discovered = try LiveDiscovery(options: .init(root: host.root)).discover().topology
      } catch {
        throw CLIOutput.failure(error, format: host.format)
      }
    }
    let result = PlanPipeline.run(
      loaded: edited, topologyPath: topology, previousPath: previous, previousPlan: inForce,
      discovered: discovered)
    let renderer = DiagnosticRenderer(sources: result.sources)
    guard let plan = result.plan, let topologyUsed = result.topology else {
      throw CLIOutput.failure(
        DiagnosticError(result.diagnostics), sources: result.sources, format: host.format)
    }
    let target = changed.workload(named: workload)
    if plan.handovers?.contains(where: { $0.workload == workload }) != true {
      let strategy = target?.updateStrategy ?? .restart
      CLIOutput.error(
        strategy == .restart
          ? "note: '\(workload)' has update strategy restart: its instance is stopped and started again\n"
          : "note: the plan hands nothing over for '\(workload)' (its kernel is already this one, or there is no plan in force)\n"
      )
    }
    if let out {
      let artifacts: [PlanArtifacts.Artifact]
      do {
        artifacts = try PlanArtifacts.render(
          plan, policy: changed, topology: topologyUsed, previous: result.previous)
      } catch {
        throw CLIOutput.failure(error, sources: result.sources, format: host.format)
      }
      var writer = ArtifactWriter(directory: out)
      writer.failBeforeWrite = ArtifactWriter.testFault()
      let written = writer.write(artifacts)
      for note in written.notes { Console.write("note: \(note)\n", to: .standardError) }
      if let problem = written.diagnostic {
        Console.write(renderer.text([problem]), to: .standardError)
        throw ExitCode.failure
      }
      Console.write("wrote \(artifacts.count) files to \(out)\n", to: .standardError)
      Console.write(
        artifacts.first { $0.path == "report.txt" }?.text ?? "", to: .standardOutput)
      return
    }
    try ApplyCommand.applyPlan(
      plan, origin: "\(policy) with \(workload) on \(kernel)", options: host, hostIO: hostIO,
      dryRun: dryRun, yes: yes, noRollback: false)
  }
}
