import MKApply
import MKCore
import Testing

/// State files and reports are written in the plan's canonical JSON; what
/// JSON cannot hold (NaN, infinities) is an E270 naming where it is, and a
/// state file that cannot be written is not replaced by a stand-in (`{}`
/// was written before).
@Suite struct StateStoreEncodingTests {
  struct Sample: Encodable {
    var name = "vm"
    var share: Double
  }

  @Test func aNonFiniteNumberIsE270NotAStandIn() throws {
    #expect(
      try StateStore.encode(Sample(share: 0.5)) == "{\n  \"name\" : \"vm\",\n  \"share\" : 0.5\n}\n"
    )
    let error = try #require(throws: DiagnosticError.self) {
      try StateStore.encode(Sample(share: .nan))
    }
    #expect(error.diagnostics.first?.code == "E270")
    #expect(error.diagnostics.first?.message.contains("share") == true)
  }

  @Test func saveWritesNothingWhenTheDocumentCannotBeWritten() throws {
    let host = MemoryHost(onlineCPUs: CPUSet(range: 0...3))
    let store = StateStore(host: host)
    try store.save(Sample(share: 1), to: "/var/lib/mkpolicy/sample.json")
    let before = try host.read("/var/lib/mkpolicy/sample.json")
    var refused: HostIOError?
    do { try store.save(Sample(share: .infinity), to: "/var/lib/mkpolicy/sample.json") } catch {
      refused = error
    }
    let error = try #require(refused)
    #expect(error.description.contains("nothing was written"))
    #expect(try host.read("/var/lib/mkpolicy/sample.json") == before)
  }
}
