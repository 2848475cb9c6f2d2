import ArgumentParser
import Foundation
import MKApply
import MKPlan

/// Where apply, verify and recover act: a root directory and the state directory in it.
struct HostOptions: ParsableArguments {
  @Option(
    name: .long,
    help: "Treat every host path as relative to this directory (tests, image preparation).")
  var root: String = "/"

  @Option(name: .long, help: "The state directory (journal, lock, applied plan), inside --root.")
  var stateDir: String = "/var/lib/mkpolicy"

  /// The real host, with the crash-test hook read from the environment:
  /// MKPOLICY_TEST_KILL_BEFORE_OP=N makes the process SIGKILL itself just
  /// before its N-th mutating operation. Tests only; see docs/apply.md.
  func makeHost() -> RootedHost {
    let hook = ProcessInfo.processInfo.environment["MKPOLICY_TEST_KILL_BEFORE_OP"].flatMap {
      Int($0)
    }
    return RootedHost(root: root, killBeforeOperation: hook)
  }

  func validate() throws {
    guard root.hasPrefix("/") else { throw ValidationError("--root must be an absolute path") }
    if let problem = PathGuard.pathProblem(stateDir) {
      throw ValidationError("--state-dir: \(problem)")
    }
  }
}

enum CLIOutput {
  static func error(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}

/// `mkpolicy apply`: changes a live host to match a plan, safely.
struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Apply a plan to this host: journaled, read back, rolled back on failure.",
    discussion: """
      Exit status: 0 applied (or nothing to do), 1 failed (rolled back unless --no-rollback), \
      3 the plan is stale for this host, 64 usage.
      """)

  @Argument(help: "A policy file or directory to compile and apply (or use --plan).")
  var policy: String?

  @Option(name: .long, help: "Apply a saved plan (JSON from `mkpolicy plan --format json`).")
  var plan: String?

  @OptionGroup var host: HostOptions

  @Flag(name: .long, help: "Print every write and command that would be made, and make none.")
  var dryRun = false

  @Flag(name: .long, help: "Do not ask for confirmation.")
  var yes = false

  @Flag(
    name: .long, help: "On failure, leave the host as it is (the journal is kept for `recover`).")
  var noRollback = false

  func validate() throws {
    if plan == nil && policy == nil { throw ValidationError("give a policy, or --plan PLAN.json") }
    if plan != nil && policy != nil { throw ValidationError("give a policy or --plan, not both") }
  }

  func run() throws {
    guard let planPath = plan else {
      CLIOutput.error(
        "error: compiling a policy inside apply is not available in this build\n"
          + "help: run `mkpolicy plan --format json \(policy ?? "POLICY") > plan.json`, then `mkpolicy apply --plan plan.json`\n"
      )
      throw ExitCode(64)
    }
    let loaded: Plan
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: planPath))
      loaded = try JSONDecoder().decode(Plan.self, from: data)
    } catch {
      CLIOutput.error("error[E511]: \(planPath): not a readable plan: \(error)\n")
      throw ExitCode(1)
    }
    let hostIO = host.makeHost()
    let changes = FingerprintCheck(host: hostIO).changes(loaded.topologyFingerprint)
    if !changes.isEmpty {
      CLIOutput.error(
        "error[E503]: \(planPath) is stale: it was made for another state of this host\n"
          + changes.map { "  \($0)\n" }.joined()
          + "help: make a new plan on this host (`mkpolicy plan`) and review it\n")
      throw ExitCode(3)
    }
    let applier = Applier(host: hostIO, stateDirectory: host.stateDir)
    do {
      if !dryRun && !yes {
        let preview = try applier.apply(loaded, dryRun: true)
        print(preview.render().stdout, terminator: "")
        if preview.changes.isEmpty && preview.notes.isEmpty {
          // Nothing to confirm: the real run below makes no writes.
        } else {
          CLIOutput.error("apply these changes to \(host.root)? [y/N] ")
          let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
          guard answer == "y" || answer == "yes" else {
            CLIOutput.error("aborted: nothing was written (pass --yes to skip this question)\n")
            throw ExitCode(1)
          }
        }
      }
      let report = try applier.apply(loaded, rollback: !noRollback, dryRun: dryRun)
      let text = report.render()
      print(text.stdout, terminator: "")
      CLIOutput.error(text.stderr)
      if !report.succeeded || report.failure != nil { throw ExitCode(1) }
    } catch let refusal as ApplyRefusal {
      CLIOutput.error("error[\(refusal.code)]: \(refusal)\n")
      throw ExitCode(1)
    }
  }
}
