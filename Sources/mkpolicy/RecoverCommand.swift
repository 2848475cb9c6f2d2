import ArgumentParser
import MKApply

/// `mkpolicy recover`: finishes or undoes an apply that died mid-way.
struct RecoverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recover",
    abstract:
      "Complete or roll back an interrupted apply or hand-over found in the state directory.",
    discussion: """
      Without --complete or --rollback, shows the interrupted apply (its journal) or hand-over \
      (handover.json) and exits 2 (0 when there is none). Commands already started are never run \
      again. A hand-over can be rolled back only while its old instance was never stopped.
      """)

  @OptionGroup var host: HostOptions

  @Flag(name: .long, help: "Finish the interrupted apply.")
  var complete = false

  @Flag(name: .long, help: "Restore every value the journal recorded, in reverse order.")
  var rollback = false

  func validate() throws {
    if complete && rollback {
      throw ValidationError("--complete and --rollback exclude each other")
    }
  }

  func run() throws {
    let hostIO = host.makeHost()
    let store = StateStore(host: hostIO, directory: host.stateDir)
    let handovers = HandoverExecutor(host: hostIO, stateDirectory: host.stateDir)
    // An interrupted apply comes first: a hand-over runs only after its
    // plan's ordinary steps completed.
    if hostIO.kind(store.journalPath) == .missing && hostIO.kind(handovers.progressPath) != .missing
    {
      try recoverHandover(handovers)
      return
    }
    if !complete && !rollback {
      do {
        guard let journal = try store.loadJournal() else {
          print(
            host.format == .json
              ? "{\n  \"interrupted\" : false\n}"
              : "no interrupted apply: \(store.journalPath) does not exist")
          return
        }
        if host.format == .json {
          try CLIOutput.printDocument { try StateStore.encode(journal) }
          throw ExitCode(2)
        }
        let done = journal.entries.filter { $0.status == .done }.count
        print(
          "interrupted apply of policy \(journal.plan.policy): \(done) of \(journal.entries.count) step(s) done"
        )
        for entry in journal.entries {
          print("  \(entry.status.rawValue.padding(8))  \(entry.step.summary)")
        }
        print("run `mkpolicy recover --complete` or `mkpolicy recover --rollback`")
        throw ExitCode(2)
      } catch let error as StateStore.LoadError {
        CLIOutput.refusal(ApplyRefusal.unreadableState(error).diagnostic, format: host.format)
        throw ExitCode(1)
      }
    }
    do {
      let report = try Applier(host: hostIO, stateDirectory: host.stateDir).recover(
        complete: complete)
      if host.format == .json {
        try CLIOutput.printDocument { try report.json() }
        let ok =
          rollback ? report.outcome == .rolledBack : report.succeeded && report.failure == nil
        if !ok { throw ExitCode(1) }
        return
      }
      let text = report.render()
      if rollback && report.outcome == .rolledBack {
        for note in report.notes { print("note: \(note)") }
        print("rolled back: \(report.restored.count) value(s) restored")
        for line in report.restored { print("  \(line)") }
        return
      }
      print(text.stdout, terminator: "")
      CLIOutput.error(text.stderr)
      if !report.succeeded || report.failure != nil { throw ExitCode(1) }
    } catch let refusal as ApplyRefusal {
      CLIOutput.refusal(refusal.diagnostic, format: host.format)
      throw ExitCode(1)
    }
  }
}

extension RecoverCommand {
  /// The hand-over in `handover.json`: shown (exit 2), finished or undone.
  func recoverHandover(_ executor: HandoverExecutor) throws {
    if !complete && !rollback {
      let progress: HandoverProgress
      do {
        guard let loaded = try executor.interrupted() else { return }
        progress = loaded
      } catch {
        CLIOutput.refusal(ApplyRefusal.unreadableState(error).diagnostic, format: host.format)
        throw ExitCode(1)
      }
      if host.format == .json {
        try CLIOutput.printDocument { try StateStore.encode(progress) }
        throw ExitCode(2)
      }
      let done = progress.steps.filter { $0.status == .done }.count
      print(
        "interrupted hand-over of '\(progress.workload)' (plan \(progress.planDigest)): \(done) of \(progress.steps.count) step(s) done, successor \(progress.healthy ? "healthy" : "not checked healthy")"
      )
      for step in progress.steps { print("  \(step.status.rawValue.padding(8))  \(step.id)") }
      if progress.phase == .rollingBack {
        print("rolling back: \(progress.reason ?? "")")
        for step in progress.rollback {
          print("  \(step.status.rawValue.padding(8))  \(step.id)")
        }
      }
      print("run `mkpolicy recover --complete` or `mkpolicy recover --rollback`")
      throw ExitCode(2)
    }
    let report: HandoverReport
    do {
      report = try executor.recover(rollback: rollback)
    } catch {
      CLIOutput.refusal(error.diagnostic, format: host.format)
      throw ExitCode(1)
    }
    let settled = rollback ? report.outcome == .rolledBack : report.succeeded
    if host.format == .json {
      try CLIOutput.printDocument { try StateStore.encode(report) }
    } else {
      let text = report.render()
      print(text.stdout, terminator: "")
      // The rollback asked for is its own success, not an error.
      if !(rollback && settled) { CLIOutput.error(text.stderr) }
    }
    if !settled { throw ExitCode(1) }
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
