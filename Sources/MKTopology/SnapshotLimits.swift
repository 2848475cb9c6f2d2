/// Plausible ranges for the numbers a snapshot holds, checked by the reader
/// with a located E305 so that no later stage meets a value it cannot hold:
/// every sum of node memory fits in 63 bits, every id fits in 32, and
/// nothing is ever sized by the largest id (physical ids and IRQ numbers are
/// sparse and are kept in sets and dictionaries, never in bitmaps).
public enum SnapshotLimits {
  /// 4 PiB: the largest physical address space of any supported machine
  /// (52 bits: x86-64 with 5-level paging, arm64 with LPA). A node's memory,
  /// a cache and the sum over all nodes must fit in it; so 4,096 nodes of it
  /// still sum below 2^63.
  public static let maximumBytes: UInt64 = 1 << 52
  /// Ids of packages, dies, caches, cores and IOMMU groups: the kernel keeps
  /// them in an `int`.
  public static let maximumId = Int(Int32.max)
  /// x86 x2APIC ids are 32 bits; arm64 MPIDR affinity fields Aff3..Aff0 sit
  /// in bits 39..0 (the kernel's `reg` of a CPU node is MPIDR & 0xff00ffffff),
  /// so 2^40 - 1 bounds every physical CPU id.
  public static let maximumPhysicalId = (1 << 40) - 1
  /// Linux IRQ numbers: `nr_irqs` grows with CPUs and MSI-X vectors (about
  /// 256 per CPU on x86), far below 2^24 even on 8,192-CPU machines.
  public static let maximumIRQ = (1 << 24) - 1
  /// Pages in one huge page pool (2^40 pages of 4 KiB would be 4 PiB).
  public static let maximumHugePages = 1 << 40
}
