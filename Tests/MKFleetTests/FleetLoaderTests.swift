import Foundation
import MKCore
import MKFleet
import MKPolicy
import MKTestSupport
import Testing

/// The inventory: its decoder, host-to-class matching and overlays, through
/// `FleetLoader` on files in a scratch folder.
@Suite struct FleetLoaderTests {
  /// Writes fleet.yaml (and a policy and the snapshot path) and loads it.
  static func load(_ fleet: String, files: [String: String] = [:], selection: HostSelection = .all)
    throws -> (FleetLoadResult, FleetScratch)
  {
    let scratch = try FleetScratch.make()
    try scratch.put("fleet.yaml", fleet)
    try scratch.put("policies/edge.yaml", FleetText.policy)
    for (path, text) in files { try scratch.put(path, text) }
    return (FleetLoader.load(file: scratch.root + "/fleet.yaml", selection: selection), scratch)
  }

  static func codes(_ diagnostics: [Diagnostic]) -> [String] { diagnostics.map(\.code) }

  static func allDiagnostics(_ result: FleetLoadResult) -> [Diagnostic] {
    result.diagnostics + result.jobs.flatMap(\.diagnostics)
  }

  static let oneClass = """
      - name: edge
        selector: {role: edge}
        policy: policies/edge.yaml
    """

  @Test func aValidInventoryResolvesEveryHost() throws {
    let (result, scratch) = try Self.load(
      FleetText.fleet(
        classes: Self.oneClass,
        hosts: """
            - name: edge-01
              snapshot: \(FleetText.snapshot)
              labels: {role: edge, site: par1}
            - name: edge-02.par1
              snapshot: \(FleetText.snapshot)
              labels: {role: edge}
          """))
    defer { scratch.remove() }
    #expect(Self.allDiagnostics(result).isEmpty, "\(Self.allDiagnostics(result))")
    #expect(result.jobs.map(\.host.name) == ["edge-01", "edge-02.par1"])
    #expect(result.jobs.allSatisfy { $0.hostClass?.name == "edge" && $0.documents.count == 1 })
    #expect(result.inventory?.plansDirectory == "plans")
  }

  @Test func aHostMatchingNoClassIsAnErrorAtItsLine() throws {
    let fleet = FleetText.fleet(
      classes: Self.oneClass,
      hosts: """
          - name: edge-01
            snapshot: \(FleetText.snapshot)
            labels: {role: edge}
          - name: db-01
            snapshot: \(FleetText.snapshot)
            labels: {role: database}
        """)
    let (result, scratch) = try Self.load(fleet)
    defer { scratch.remove() }
    let errors = Self.allDiagnostics(result)
    #expect(Self.codes(errors) == ["E603"])
    let line = fleet.split(separator: "\n", omittingEmptySubsequences: false)
      .firstIndex { $0.contains("name: db-01") }.map { $0 + 1 }
    #expect(errors.first?.location?.line == line)
    #expect(errors.first?.location?.file == scratch.root + "/fleet.yaml")
    #expect(errors.first?.help.first?.contains("edge: role=edge") == true)
    // The other host is still planned.
    #expect(result.jobs.first { $0.host.name == "edge-01" }?.hasErrors == false)
  }

  @Test func aHostMatchingTwoClassesNamesBothSelectors() throws {
    let fleet = FleetText.fleet(
      classes: Self.oneClass + """

          - name: paris
            selector: {site: [par1, par2]}
            policy: policies/edge.yaml
        """,
      hosts: """
          - name: edge-01
            snapshot: \(FleetText.snapshot)
            labels: {role: edge, site: par2}
        """)
    let (result, scratch) = try Self.load(fleet)
    defer { scratch.remove() }
    let errors = Self.allDiagnostics(result)
    #expect(Self.codes(errors) == ["E604"])
    #expect(errors.first?.message.contains("matches 2 classes (edge, paris)") == true)
    #expect(errors.first?.notes.count == 2)
    let lines = fleet.split(separator: "\n", omittingEmptySubsequences: false)
    let selectorLine = lines.firstIndex { $0.contains("selector: {site:") }.map { $0 + 1 }
    #expect(errors.first?.notes.last?.location?.line == selectorLine)
  }

  @Test func structuralMistakesAreLocated() throws {
    let fleet = FleetText.fleet(
      classes: Self.oneClass,
      hosts: """
          - name: edge-01
            snapshot: \(FleetText.snapshot)
            lables: {role: edge}
          - name: Edge_02
            snapshot: \(FleetText.snapshot)
          - name: edge-01
            snapshot: \(FleetText.snapshot)
            labels: {role: "bad value!"}
        """)
    let (result, scratch) = try Self.load(fleet)
    defer { scratch.remove() }
    let errors = Self.allDiagnostics(result)
    #expect(Set(Self.codes(errors)) == ["E020", "E606", "E601"], "\(errors)")
    #expect(errors.first { $0.code == "E020" }?.help == ["did you mean 'labels'?"])
    #expect(errors.first { $0.code == "E601" }?.notes.first?.message == "first listed here")
    #expect(result.inventory == nil)
  }

  @Test func unreadableFilesAreReportedWhereTheyAreNamed() throws {
    let fleet = FleetText.fleet(
      classes: """
          - name: edge
            selector: {role: edge}
            policy: policies/missing.yaml
        """,
      hosts: """
          - name: edge-01
            snapshot: snapshots/nowhere.yaml
            labels: {role: edge}
        """)
    let (result, scratch) = try Self.load(fleet)
    defer { scratch.remove() }
    let errors = Self.allDiagnostics(result)
    #expect(Self.codes(errors) == ["E605", "E605"])
    #expect(errors.allSatisfy { $0.message.contains("ENOENT") && $0.location != nil })
  }

  @Test func selectionByNameAndLabels() throws {
    let fleet = FleetText.fleet(
      classes: Self.oneClass,
      hosts: """
          - name: edge-01
            snapshot: \(FleetText.snapshot)
            labels: {role: edge, site: par1}
          - name: edge-02
            snapshot: \(FleetText.snapshot)
            labels: {role: edge, site: mad1}
        """)
    let selector = try LabelSelector.parse("site=mad1|ams1").get()
    let (picked, scratch) = try Self.load(fleet, selection: HostSelection(selector: selector))
    defer { scratch.remove() }
    #expect(picked.jobs.map(\.host.name) == ["edge-02"])
    let named = FleetLoader.load(
      file: scratch.root + "/fleet.yaml", selection: HostSelection(names: ["edge-1"]))
    #expect(Self.codes(named.diagnostics) == ["E609"])
    #expect(named.diagnostics.first?.help == ["did you mean 'edge-01'?"])
    if case .success = LabelSelector.parse("site") { Issue.record("'site' is not key=value") }
    if case .success = LabelSelector.parse("a=1,a=2") { Issue.record("a key twice") }
  }
}
