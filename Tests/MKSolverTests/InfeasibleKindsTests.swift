import Foundation
import MKCore
import MKPolicy
import MKTestSupport
import MKTopology
import Testing

@testable import MKSolver

/// Every kind of infeasible policy of the explanation benchmark
/// (`mkpolicy-bench infeasible`, Sources/mkpolicy-bench/InfeasibleKinds.swift)
/// on the 1,920-thread host and a 2-socket one, at 300 workloads (past
/// `SearchBudget.fullExplanationCells` and `fullExplanationWorkloads`, so
/// the large-policy path answers):
/// the answer is located (the YAML file, line and column of a workload),
/// the workloads it names do not place on their own where the kind is a
/// conflict, and where the kind is marked minimal, the answer says nothing
/// of "may not be minimal" and without any one of them they place. The
/// answer is checked, never the time (docs/solver.md, "Explanations").
@Suite(.serialized) struct InfeasibleKindsTests {
  static let hosts = ["eight-socket-32-node", "epyc-9654-2s-nps4"]
  static let count = 300

  struct GeneratedCase: CustomStringConvertible, Sendable {
    var host: String
    var file: String
    var kind: String
    var expectation: String
    var description: String { "\(host)/\(file)" }
  }

  /// The generated policies, written once by the debug build's
  /// `mkpolicy-bench` (built with the tests) into a temporary folder.
  static let generated: (folder: String, cases: [GeneratedCase]) = {
    let folder = NSTemporaryDirectory() + "mkpolicy-infeasible-kinds-\(getpid())"
    var cases: [GeneratedCase] = []
    for host in hosts {
      let out = folder + "/" + host
      let result = Subprocess.run([
        PackagePaths.path(".build/debug/mkpolicy-bench"), "infeasible",
        PackagePaths.path("Examples/topologies/\(host).yaml"), out, String(count),
      ])
      guard result.status == 0,
        let manifest = try? String(contentsOfFile: out + "/manifest.tsv", encoding: .utf8)
      else { continue }
      for line in manifest.split(separator: "\n") {
        let fields = line.split(separator: "\t").map(String.init)
        guard fields.count == 4 else { continue }
        cases.append(
          GeneratedCase(host: host, file: fields[0], kind: fields[1], expectation: fields[3]))
      }
    }
    return (folder, cases)
  }()

  static var cases: [GeneratedCase] { generated.cases }

  static func load(_ item: GeneratedCase) throws -> (Policy, Topology, String) {
    let path = generated.folder + "/" + item.host + "/" + item.file
    let loaded = PolicyLoader.load(paths: [path])
    let policy = try #require(loaded.policy, "\(item) does not load: \(loaded.diagnostics)")
    let topology = try #require(
      TopologySnapshot.read(path: PackagePaths.path("Examples/topologies/\(item.host).yaml"))
        .topology)
    return (policy, topology, path)
  }

  /// Indices of the workloads the diagnostic points at (its location and
  /// its notes') or names in its notes ("and 21 more: 'a13', ...").
  static func named(_ diagnostic: Diagnostic, in policy: Policy) -> [Int] {
    let locations = Set([diagnostic.location] + diagnostic.notes.map(\.location))
    var names = Set<String>()
    for note in diagnostic.notes where note.message.hasPrefix("and ") {
      var rest = Substring(note.message)
      while let open = rest.firstIndex(of: "'") {
        let after = rest[rest.index(after: open)...]
        guard let close = after.firstIndex(of: "'") else { break }
        names.insert(String(after[..<close]))
        rest = after[after.index(after: close)...]
      }
    }
    return policy.workloads.indices.filter { index in
      let workload = policy.workloads[index]
      return names.contains(workload.name) || locations.contains(workload.location)
        || workload.fieldLocations.values.contains { locations.contains($0) }
    }
  }

  static func places(_ members: [Int], of policy: Policy, on topology: Topology) -> Bool {
    var alone = policy
    alone.workloads = members.map { policy.workloads[$0] }
    if case .success = Solver().solve(alone, on: topology) { return true }
    return false
  }

  @Test func everyKindIsGeneratedOnBothHosts() {
    #expect(Self.cases.count >= 40)
    for host in Self.hosts {
      #expect(Self.cases.contains { $0.host == host && $0.kind == "avoid-clique-hidden" })
      #expect(Self.cases.contains { $0.host == host && $0.kind == "single-cpu-and-memory" })
    }
  }

  @Test(arguments: cases) func answeredLocatedAndInfeasible(item: GeneratedCase) throws {
    let (policy, topology, path) = try Self.load(item)
    let result = Solver().solve(policy, on: topology)
    guard case .failure(let error) = result else {
      Issue.record("\(item) was placed")
      return
    }
    let first = try #require(error.diagnostics.first { $0.severity == .error })
    // Located: the generated file, a line and column of it.
    let file = first.location?.file
    let line = first.location?.line ?? 0
    #expect(file == path, "\(item): \(first.message)")
    #expect(line > 0, "\(item): \(first.message)")
    guard item.expectation != "sum" else { return }
    // Bools first: a failed expectation then prints the case, not the policy.
    let members = Self.named(first, in: policy)
    #expect(!members.isEmpty, "\(item): \(first.message)")
    let placesAlone = Self.places(members, of: policy, on: topology)
    #expect(!placesAlone, "\(item): the \(members.count) workloads named place on their own")
    guard item.expectation == "minimal" else { return }
    let unsure = first.notes.contains { $0.message.contains("may not be minimal") }
    #expect(!unsure, "\(item): not searched to a minimal conflict")
    let notNeeded = members.filter { left in
      !Self.places(members.filter { $0 != left }, of: policy, on: topology)
    }
    #expect(
      notNeeded.isEmpty,
      "\(item): still infeasible without \(notNeeded.map { policy.workloads[$0].name })")
  }
}
