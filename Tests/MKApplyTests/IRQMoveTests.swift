import MKApply
import MKCore
import MKPlan
import Testing

/// x86 without interrupt remapping moves an IRQ at its next interrupt: the
/// affinity write reads back, the effective affinity follows later. Seen on
/// the e2e `pc` machine (a NIC behind an expander bridge): apply must not
/// fail and roll back there, and verify must not call it drift; with
/// interrupt remapping the same picture is a failure.
@Suite struct IRQMoveTests {
  static func host(chip: String) -> MemoryHost {
    let host = Fixtures.host(before: 2)
    host.seed(
      "/proc/interrupts",
      """
                 CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7
        24:         3          0          0          0          0          0          0          0  \(chip) 65536-edge      virtio0-config
        25:         0          0          0          0          0          0          0          0  \(chip) 65537-edge      virtio0-input.0
       LOC:      2087       2259       2341       1658        894        814        700        600   Local timer interrupts

      """)
    host.deferredIRQs = [25]
    // Served on CPU 1 now; the plan moves it to CPU 0.
    host.seed("/proc/irq/25/effective_affinity_list", "1")
    return host
  }

  @Test func withoutInterruptRemappingTheMoveIsPendingNotAFailure() throws {
    let host = Self.host(chip: "PCI-MSI")
    let report = try Applier(host: host).apply(Fixtures.move)
    #expect(report.outcome == .applied, "\(report.failure ?? "")")
    #expect(
      report.pending == [
        "IRQ 25: set to 0, still served on 1 until its next interrupt (PCI-MSI without interrupt remapping: x86 moves it then)"
      ])
    #expect(try host.read("/proc/irq/25/smp_affinity_list").trimmingASCIIWhitespace() == "0")
    let verify = try Verifier(host: host).verify()
    #expect(verify.matches, "\(verify.differences)")
    #expect(verify.pending.count == 1)
    // Its next interrupt moves it; then nothing is pending.
    host.fire(25)
    let after = try Verifier(host: host).verify()
    #expect(after.matches && after.pending.isEmpty, "\(after.differences) \(after.pending)")
    #expect(try Applier(host: host).apply(Fixtures.move).outcome == .nothingToDo)
  }

  @Test func withInterruptRemappingAnIRQThatDidNotMoveIsAFailure() throws {
    let host = Self.host(chip: "IR-PCI-MSI")
    let before = host.snapshot()
    let report = try Applier(host: host).apply(Fixtures.move)
    #expect(report.outcome == .rolledBack)
    #expect(report.failure?.contains("the IRQ did not move") == true, "\(report.failure ?? "")")
    #expect(host.snapshot() == before)
  }
}
