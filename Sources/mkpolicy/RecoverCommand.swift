import ArgumentParser
import MKApply

/// `mkpolicy recover`: finishes or undoes an apply that died mid-way.
struct RecoverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recover",
    abstract: "Complete or roll back an interrupted apply found in the journal.",
    discussion: """
      Without --complete or --rollback, shows the interrupted apply and exits 2 (0 when there is none). \
      Commands the interrupted apply already started are never run again.
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
          print(StateStore.encode(journal), terminator: "")
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
        print(report.json(), terminator: "")
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

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
