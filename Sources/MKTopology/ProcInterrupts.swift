/// `/proc/interrupts` parsed into what discovery needs: each numbered IRQ's
/// chip (which names the PCI device for MSI vectors) and action name.
public struct ProcInterrupts: Sendable, Hashable {
  public struct Line: Sendable, Hashable {
    public var irq: Int
    /// `PCI-MSIX-0000:00:02.0`, `IR-PCI-MSI-0000:3b:00.0`, `IO-APIC`.
    public var chip: String
    /// `virtio1-req.0`, `nvme0q3`; nil when no handler is registered.
    public var name: String?
  }

  public var lines: [Int: Line]

  public init(lines: [Int: Line]) { self.lines = lines }

  /// Parses the text; lines that are not numbered IRQs (NMI, LOC, ...) are skipped.
  public init(parsing text: String) {
    var lines: [Int: Line] = [:]
    var cpuColumns = 0
    // Split as bytes, not Characters: the file is ASCII, and on a host with
    // hundreds of CPUs it holds a column per CPU on every line.
    let space = UInt8(ascii: " ")
    // The per-CPU counts are skipped as one byte range, not made into
    // strings: only the IRQ number, the chip and the name are.
    let cpuPrefix = "CPU".utf8
    for (index, raw) in text.utf8.split(separator: UInt8(ascii: "\n")).enumerated() {
      if index == 0 {
        cpuColumns = raw.split(separator: space).filter { $0.starts(with: cpuPrefix) }.count
        continue
      }
      // The IRQ, its per-CPU counts, and the rest of the line in one piece.
      let fields = raw.split(
        separator: space, maxSplits: cpuColumns + 1, omittingEmptySubsequences: true)
      guard let firstField = fields.first, fields.count > cpuColumns + 1 else { continue }
      let first = Substring(firstField)
      guard first.hasSuffix(":"), let irq = Int(first.dropLast()) else { continue }
      var rest = fields[cpuColumns + 1].split(separator: space).map(Substring.init)
      guard !rest.isEmpty else { continue }
      let chip = String(rest.removeFirst())
      // The hardware irq and trigger (`1-edge`), or a bare `edge` on old kernels.
      if let next = rest.first, Self.isTrigger(next.utf8) {
        rest.removeFirst()
      }
      let name = rest.joined(separator: " ")
      lines[irq] = Line(irq: irq, chip: chip, name: name.isEmpty ? nil : name)
    }
    self.lines = lines
  }

  /// `1-edge`, `2-level`, `3-fasteoi`, or a bare `edge` / `level`: compared
  /// as bytes (Substring's hasSuffix compares Characters, ~3 k instructions
  /// a call, five calls a line).
  private static func isTrigger(_ field: Substring.UTF8View) -> Bool {
    for suffix in ["-edge", "-level", "-fasteoi"]
    where field.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) {
      return true
    }
    return field.elementsEqual("edge".utf8) || field.elementsEqual("level".utf8)
  }
}
