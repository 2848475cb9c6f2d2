import MKCore
import MKPolicy
import Testing

/// kerf numbers instances 1 to 511: a policy with more kernel workloads is
/// refused by `check` once, at the first one past the limit, located, and
/// one at the limit passes.
@Suite struct KernelInstanceLimitTests {
  static func policy(kernels: Int) -> String {
    var text = """
      apiVersion: mkpolicy.io/v1
      kind: PartitionPolicy
      metadata: {name: many}
      coordinator: {kernel: {image: /boot/vmlinuz-mk}}
      workloads:

      """
    for index in 0..<kernels {
      text += "  - {name: vm\(index), isolation: kernel, cpus: 1, memory: 1GiB}\n"
    }
    text += "  - {name: web, isolation: shared, cpus: 1}\n"
    return text
  }

  @Test func oneErrorAtTheFirstKernelWorkloadPastTheLimit() throws {
    let loaded = PolicyLoader.load(text: Self.policy(kernels: 515), file: "many.yaml")
    let errors = loaded.diagnostics.filter { $0.code == "E124" }
    #expect(errors.count == 1)
    let error = try #require(errors.first)
    #expect(error.message.contains("515 workloads have isolation: kernel"))
    // Line 6 holds vm0, so vm511 (the 512th) is on line 517, isolation at column 19.
    #expect(error.location?.line == 517)
    #expect(error.location?.column == 19)
    #expect(error.help.first?.contains("make 4 of them isolation: partition") == true)
  }

  @Test func theLimitItselfPasses() {
    let loaded = PolicyLoader.load(text: Self.policy(kernels: 511), file: "many.yaml")
    #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty)
  }
}
