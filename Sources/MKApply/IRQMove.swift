import MKCore

/// Whether the kernel moves an IRQ at once or at its next interrupt.
///
/// x86 without interrupt remapping cannot retarget an IO-APIC or MSI
/// interrupt safely from process context: writing `smp_affinity_list` is
/// accepted and reads back, but the interrupt moves (and
/// `effective_affinity_list` follows) only when it next fires. An idle NIC's
/// vectors may not fire for a long time. Found on a real 6.1 kernel (the
/// e2e `pc` machine with a NIC behind an expander bridge). With interrupt
/// remapping (the chip is `IR-IO-APIC`, `IR-PCI-MSI`) the move is immediate,
/// so there an effective affinity outside the request is a failure.
///
/// The chip comes from `/proc/interrupts` (the column after the per-CPU
/// counts), so this needs no debugfs.
public enum IRQMove {
  /// Chips whose moves x86 defers to the next interrupt.
  static func defers(_ chip: String) -> Bool {
    chip == "IO-APIC" || chip.hasPrefix("PCI-MSI")
  }

  /// The chip name of `irq` in `/proc/interrupts`, nil when it cannot be read.
  static func chip(of irq: Int, _ host: any HostIO) -> String? {
    guard let text = try? host.read("/proc/interrupts") else { return nil }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
    guard let header = lines.popFirst() else { return nil }
    let cpus = header.split(separator: " ").filter { $0.hasPrefix("CPU") }.count
    for line in lines {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.first == "\(irq):"[...] else { continue }
      return fields.count > cpus + 1 ? String(fields[cpus + 1]) : nil
    }
    return nil
  }

  /// The IRQ number of a `/proc/irq/N/smp_affinity_list` path.
  static func number(_ path: String) -> Int? {
    let parts = path.split(separator: "/")
    guard parts.count == 4, parts[0] == "proc", parts[1] == "irq" else { return nil }
    return Int(parts[2])
  }

  /// When the IRQ of `path` reads `wanted` as its affinity but its effective
  /// affinity is elsewhere because its chip defers the move: the pending
  /// move, worded for a report. Nil otherwise (moved, or a real failure).
  public static func deferred(_ path: String, wanted: CPUSet, _ host: any HostIO) -> String? {
    guard let irq = number(path),
      let requested = ReadBack.read(path, host),
      (try? CPUSet(cpulist: requested, allowEmpty: true)) == wanted,
      let effectiveText = ReadBack.read("/proc/irq/\(irq)/effective_affinity_list", host),
      let effective = try? CPUSet(cpulist: effectiveText, allowEmpty: true),
      effective.isEmpty || !effective.isSubset(of: wanted),
      let chip = chip(of: irq, host), defers(chip)
    else { return nil }
    return
      "IRQ \(irq): set to \(wanted.cpulist), still served on \(effectiveText.isEmpty ? "no CPU" : effectiveText) until its next interrupt (\(chip) without interrupt remapping: x86 moves it then)"
  }
}
