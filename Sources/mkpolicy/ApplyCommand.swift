import ArgumentParser
import MKApply
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology

#if canImport(Glibc)
  import Glibc
#endif

/// Where apply, verify and recover act: a root directory and the state directory in it.
struct HostOptions: ParsableArguments {
  @Option(
    name: .long,
    help: "Treat every host path as relative to this directory (tests, image preparation).")
  var root: String = "/"

  @Option(name: .long, help: "The state directory (journal, lock, applied plan), inside --root.")
  var stateDir: String = "/var/lib/mkpolicy"

  @Option(
    name: .long,
    help: "Output: text, or json (the report with every change as data, and its diagnostics).")
  var format: ReportFormat = .text

  /// The real host, with the crash-test hook read from the environment:
  /// MKPOLICY_TEST_KILL_BEFORE_OP=N makes the process SIGKILL itself just
  /// before its N-th mutating operation, MKPOLICY_TEST_STOP_BEFORE_OP=N
  /// SIGSTOP, MKPOLICY_TEST_STOP_BEFORE_LOCK=1 SIGSTOP between opening the
  /// lock file and taking the lock. Tests only; see docs/apply.md.
  func makeHost() -> RootedHost {
    func number(_ name: String) -> Int? {
      getenv(name).flatMap { Int(String(cString: $0)) }
    }
    return RootedHost(
      root: root,
      killBeforeOperation: number("MKPOLICY_TEST_KILL_BEFORE_OP"),
      stopBeforeOperation: number("MKPOLICY_TEST_STOP_BEFORE_OP"),
      stopBeforeLock: number("MKPOLICY_TEST_STOP_BEFORE_LOCK") == 1)
  }

  func validate() throws {
    guard root.hasPrefix("/") else { throw ValidationError("--root must be an absolute path") }
    if let problem = PathGuard.pathProblem(stateDir) {
      throw ValidationError("--state-dir: \(problem)")
    }
  }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

enum CLIOutput {
  /// A refusal or an error before any report: text on stderr, or a JSON
  /// document with its diagnostics on stdout.
  static func refusal(_ diagnostic: Diagnostic, format: ReportFormat) {
    switch format {
    case .text: error(DiagnosticRenderer().text([diagnostic]))
    case .json: print(DiagnosticRenderer().json([diagnostic]), terminator: "")
    }
  }

  static func error(_ text: String) {
    Console.write(text, to: .standardError)
  }

  static func failure(
    _ error: DiagnosticError, sources: [String: String] = [:], format: ReportFormat = .text
  ) -> ExitCode {
    switch format {
    case .text: CLIOutput.error(DiagnosticRenderer(sources: sources).text(error.diagnostics))
    case .json: print(DiagnosticRenderer(sources: sources).json(error.diagnostics), terminator: "")
    }
    return ExitCode(1)
  }

  /// Prints the JSON document `make` writes; when it cannot be written
  /// (E270), prints that diagnostic as JSON instead and exits 1, never a
  /// stand-in document.
  static func printDocument(_ make: () throws -> String) throws {
    let text: String
    do { text = try make() } catch let error as DiagnosticError {
      throw failure(error, format: .json)
    }
    print(text, terminator: "")
  }
}

/// `mkpolicy apply`: changes a live host to match a plan, safely.
struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract:
      "Apply a policy or a saved plan to this host: journaled, read back, rolled back on failure.",
    discussion: """
      Exit status: 0 applied (or nothing to do), 1 failed (rolled back unless --no-rollback), \
      3 the plan is stale for this host, 64 usage.
      """)

  @Argument(help: "A policy file or directory to compile and apply (or use --plan).")
  var policy: String?

  @Option(name: .long, help: "Apply a saved plan (JSON from `mkpolicy plan --format json`).")
  var plan: String?

  @Option(
    name: .long,
    help: "A topology snapshot to compile against, or that a --plan must have been made from.")
  var topology: String?

  @Flag(
    name: .long,
    help:
      "Reconcile the host with the plan last applied (the state directory's record): what mkpolicy-apply.service runs at boot."
  )
  var lastApplied = false

  @OptionGroup var host: HostOptions

  @Flag(name: .long, help: "Print every write and command that would be made, and make none.")
  var dryRun = false

  @Flag(name: .long, help: "Do not ask for confirmation.")
  var yes = false

  @Flag(
    name: .long, help: "On failure, leave the host as it is (the journal is kept for `recover`).")
  var noRollback = false

  func validate() throws {
    if host.format == .json && !yes && !dryRun {
      throw ValidationError("--format json asks no question: add --yes or --dry-run")
    }
    let sources = [policy != nil, plan != nil, lastApplied].filter { $0 }.count
    if sources == 0 {
      throw ValidationError("give a policy, --plan PLAN.json or --last-applied")
    }
    if sources > 1 {
      throw ValidationError("give one of a policy, --plan and --last-applied")
    }
  }

  func run() throws {
    let hostIO = host.makeHost()
    let loaded: Plan
    let origin: String
    if lastApplied {
      let store = StateStore(host: hostIO, directory: host.stateDir)
      let record: AppliedRecord?
      do { record = try store.loadApplied() } catch {
        CLIOutput.refusal(ApplyRefusal.unreadableState(error).diagnostic, format: host.format)
        throw ExitCode(1)
      }
      guard let record else {
        let reason = "no plan was applied (\(store.appliedPath) does not exist)"
        if host.format == .json {
          var report = ApplyReport(outcome: .nothingToDo)
          report.notes = [reason]
          try CLIOutput.printDocument { try report.json() }
        } else {
          print("nothing to reconcile: \(reason)")
        }
        return
      }
      origin = store.appliedPath
      loaded = record.plan
    } else if let planPath = plan {
      origin = planPath
      loaded = try Self.readPlan(planPath, format: host.format)
      if let topology {
        let digest = HostFingerprinter.fingerprint(
          try Self.readTopology(topology, format: host.format)
        ).digest
        if digest != loaded.topologyFingerprint.digest {
          CLIOutput.refusal(
            .error(
              "E503", "\(planPath) is stale: it was not made from the topology \(topology)",
              notes: [
                .init("digest: plan \(loaded.topologyFingerprint.digest), snapshot \(digest)")
              ],
              help: ["make a new plan from this topology and review it"]), format: host.format)
          throw ExitCode(3)
        }
      }
    } else {
      origin = policy ?? ""
      let previous = try? StateStore(host: hostIO, directory: host.stateDir).loadApplied()
      loaded = try Self.compile(
        policy ?? "", topology: topology, root: host.root, previous: previous?.plan,
        format: host.format)
    }
    try Self.applyPlan(
      loaded, origin: origin, options: host, hostIO: hostIO, dryRun: dryRun, yes: yes,
      noRollback: noRollback)
  }

  /// Checks that `plan` is for this host, applies it (asking first unless
  /// `yes`), then runs its hand-overs (`HandoverExecutor`): what `apply`
  /// and `update` share.
  static func applyPlan(
    _ loaded: Plan, origin: String, options host: HostOptions, hostIO: RootedHost, dryRun: Bool,
    yes: Bool, noRollback: Bool
  ) throws {
    let changes = FingerprintCheck(host: hostIO).changes(loaded.topologyFingerprint)
    if !changes.isEmpty {
      CLIOutput.refusal(
        .error(
          "E503", "the plan from \(origin) is stale: it was made for another state of this host",
          notes: changes.map { Diagnostic.Note($0) },
          help: ["make a new plan on this host (`mkpolicy plan`) and review it"]),
        format: host.format)
      throw ExitCode(3)
    }
    let applier = Applier(host: hostIO, stateDirectory: host.stateDir)
    let handovers = loaded.handovers ?? []
    do {
      if !dryRun && !yes {
        let preview = try applier.apply(loaded, dryRun: true)
        print(preview.render().stdout, terminator: "")
        for handover in handovers {
          print(Self.handoverPreview(handover), terminator: "")
        }
        if !preview.changes.isEmpty || !preview.notes.isEmpty || !handovers.isEmpty {
          CLIOutput.error("apply these changes to \(host.root)? [y/N] ")
          let answer = readLine()?.trimmingASCIIWhitespace().lowercased()
          guard answer == "y" || answer == "yes" else {
            CLIOutput.error("aborted: nothing was written (pass --yes to skip this question)\n")
            throw ExitCode(1)
          }
        }
      }
      let report = try applier.apply(loaded, rollback: !noRollback, dryRun: dryRun)
      // Hand-overs run once the rest of the plan is in place; a dry run lists them.
      var handover: HandoverReport?
      if report.succeeded && report.failure == nil && !handovers.isEmpty && !dryRun {
        handover = try HandoverExecutor(host: hostIO, stateDirectory: host.stateDir).run(loaded)
      }
      switch host.format {
      case .text:
        let text = report.render()
        print(text.stdout, terminator: "")
        if dryRun {
          for item in handovers { print(Self.handoverPreview(item), terminator: "") }
        }
        CLIOutput.error(text.stderr)
        if let handover {
          let rendered = handover.render()
          print(rendered.stdout, terminator: "")
          CLIOutput.error(rendered.stderr)
        }
      case .json:
        if let handover {
          struct Document: Encodable {
            var report: ApplyReport
            var handover: HandoverReport
            var succeeded: Bool
            var diagnostics: [Diagnostic]
          }
          let document = Document(
            report: report, handover: handover,
            succeeded: report.succeeded && report.failure == nil && handover.succeeded,
            diagnostics: report.diagnostics + (handover.failure.map { [$0] } ?? []))
          try CLIOutput.printDocument { try StateStore.encode(document) }
        } else {
          try CLIOutput.printDocument { try report.json() }
        }
      }
      if !report.succeeded || report.failure != nil { throw ExitCode(1) }
      if let handover, !handover.succeeded { throw ExitCode(1) }
    } catch let refusal as ApplyRefusal {
      CLIOutput.refusal(refusal.diagnostic, format: host.format)
      throw ExitCode(1)
    }
  }

  /// The steps of a hand-over as `--dry-run` and the question show them.
  static func handoverPreview(_ handover: Handover) -> String {
    var out =
      "hand-over of '\(handover.workload)' to '\(handover.final.name)' (\(handover.steps.count) steps, run after the changes above):\n"
    for step in handover.steps {
      out += "  \(step.id): \(step.summary)\n"
    }
    return out
  }

  static func readPlan(_ path: String, format: ReportFormat) throws -> Plan {
    guard case .success(let bytes) = LocalFile.read(path) else {
      CLIOutput.refusal(
        .error(
          "E420", "\(path): cannot read the plan file (\(PlanPipeline.reason(path)))",
          help: ["pass a plan.json written by `mkpolicy plan --format json` or `--out DIR`"]),
        format: format)
      throw ExitCode(1)
    }
    switch PlanCodec.decode(String(decoding: bytes, as: UTF8.self), file: path) {
    case .success(let plan): return plan
    case .failure(let error): throw CLIOutput.failure(error, format: format)
    }
  }

  static func readTopology(_ path: String, format: ReportFormat = .text) throws -> Topology {
    let result = TopologySnapshot.read(path: path)
    guard let topology = result.topology, !result.hasErrors else {
      throw CLIOutput.failure(
        DiagnosticError(result.diagnostics), sources: result.sources, format: format)
    }
    return topology
  }

  /// Policy -> topology -> solver -> plan (the stages of `mkpolicy plan`),
  /// against the plan last applied, so that changes are sequenced from it.
  static func compile(
    _ path: String, topology topologyPath: String?, root: String, previous: Plan?,
    format: ReportFormat = .text
  ) throws -> Plan {
    let loaded = PolicyLoader.load(paths: [path])
    guard let policy = loaded.policy, !loaded.hasErrors else {
      throw CLIOutput.failure(
        DiagnosticError(loaded.diagnostics), sources: loaded.sources, format: format)
    }
    let topology: Topology
    if let topologyPath {
      topology = try readTopology(topologyPath, format: format)
    } else {
      do {
        topology = try LiveDiscovery(options: .init(root: root)).discover().topology
      } catch {
        throw CLIOutput.failure(error, format: format)
      }
    }
    let previousAssignment = previous.map(Assignment.init(plan:))
    let solution: Solution
    switch Solver().solve(policy, on: topology, previous: previousAssignment) {
    case .success(let value): solution = value
    case .failure(let error):
      throw CLIOutput.failure(error, sources: loaded.sources, format: format)
    }
    switch PlanBuilder().build(
      policy: policy, topology: topology, assignment: solution.assignment,
      warnings: loaded.diagnostics + solution.diagnostics, previous: previous)
    {
    case .success(let plan): return plan
    case .failure(let error):
      throw CLIOutput.failure(error, sources: loaded.sources, format: format)
    }
  }
}
