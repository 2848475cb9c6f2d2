import MKApply
import MKCore
import MKPlan
import Testing

/// Every fault kind at every write point of every plan in the sequence: each
/// run ends fully applied or fully rolled back, and says what failed.
@Suite struct FaultInjectionTests {
  struct Start {
    var host: MemoryHost
    var kerf: KerfModel
  }

  /// A host (and kerf) with the plans before `index` applied.
  static func start(_ index: Int) -> Start {
    let host = Fixtures.baseHost()
    let kerf = KerfModel.attach(to: host)
    for (_, plan) in Fixtures.sequence.prefix(index) { _ = try? Applier(host: host).apply(plan) }
    host.clearMutations()
    return Start(host: host, kerf: kerf)
  }

  /// The keys whose values differ, for readable failures.
  static func diff(_ a: [String: String], _ b: [String: String]) -> [String] {
    Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }.map {
      "\($0): \(a[$0] ?? "-") vs \(b[$0] ?? "-")"
    }
  }

  @Test(arguments: Array(Fixtures.sequence.indices))
  func everyFaultAtEveryWritePoint(_ index: Int) throws {
    let (name, plan) = Fixtures.sequence[index]
    // The reference: a fault-free run, counting its write points.
    let reference = Self.start(index)
    let counter = FaultyHost(reference.host, faultAt: nil, fault: .shortWrite)
    let clean = try Applier(host: counter).apply(plan)
    #expect(clean.outcome == .applied && clean.failure == nil, "\(name): \(clean.failure ?? "")")
    let writePoints = counter.mutatingOperations
    let applied = reference.host.snapshot()
    #expect(writePoints >= 5, "\(name) has \(writePoints) write points")

    let origin = Self.start(index)
    var outcomes: [String: Int] = [:]
    for point in 1...writePoints {
      for fault in Fault.all {
        let host = origin.host.clone()
        let run = Start(host: host, kerf: origin.kerf.clone(into: host))
        let before = run.host.snapshot()
        let kerfBefore = run.kerf.instances
        let faulty = FaultyHost(run.host, faultAt: point, fault: fault)
        let label = "\(name), \(fault) at write point \(point)"
        var message: String
        var outcome: String
        do {
          let report = try Applier(host: faulty).apply(plan)
          outcome = report.outcome.rawValue
          message = (report.failure ?? "") + report.notes.joined(separator: "\n")
          switch report.outcome {
          case .applied:
            #expect(
              run.host.snapshot() == applied,
              "\(label): not fully applied: \(Self.diff(run.host.snapshot(), applied))")
            #expect(run.kerf.instances == reference.kerf.instances, "\(label)")
          case .rolledBack:
            #expect(
              run.host.snapshot() == before,
              "\(label): not fully rolled back: \(Self.diff(run.host.snapshot(), before)) \(report.notRestored)"
            )
            #expect(run.kerf.instances == kerfBefore, "\(label): kerf not rolled back")
            #expect(run.host.kind("/var/lib/mkpolicy/journal.json") == .missing, "\(label)")
          default:
            Issue.record(
              "\(label): ended \(report.outcome.rawValue): \(report.failure ?? "") \(report.notRestored)"
            )
          }
        } catch {
          outcome = "refused"
          message = "\(error)"
          #expect(run.host.snapshot() == before, "\(label): refused but changed the host")
        }
        outcomes[outcome, default: 0] += 1
        guard let at = faulty.injectedAt else {
          Issue.record("\(label): the fault was never injected")
          continue
        }
        #expect(run.host.heldLocks.isEmpty, "\(label): lock left held")
        if outcome == "applied" && message.isEmpty {
          // Only a fault on a step that needed no effect can leave no error:
          // the lock's removal, retried stale by the next apply.
          #expect(at.path == "/var/lib/mkpolicy/lock", "\(label): \(at) faulted silently")
          continue
        }
        // The error names the path, the value and the errno.
        let path =
          at.operation == "run"
          ? (at.path.split(separator: " ").prefix(3).joined(separator: " ")) : at.path
        #expect(message.contains(path), "\(label): \(Quoted.text(message)) does not name \(path)")
        if at.operation == "write", let value = at.value {
          #expect(message.contains(Quoted.text(value)), "\(label): message does not name the value")
        }
        switch fault {
        case .errno(let code):
          #expect(
            message.contains(Errno.name(code)), "\(label): \(message) does not name the errno")
        case .shortWrite:
          if at.operation == "write" {
            #expect(message.contains("short write"), "\(label): \(message)")
          }
        case .readBackMismatch:
          #expect(
            message.contains("read-back") || message.contains("exited with status 1")
              || message.contains("still exists"),
            "\(label): \(at) \(message)")
        }
      }
    }
    #expect(outcomes["rolled back", default: 0] > writePoints, "\(name): \(outcomes)")
    print(
      "fault injection \(name): \(writePoints) write points x \(Fault.all.count) faults: "
        + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
          separator: ", "))
  }
}
