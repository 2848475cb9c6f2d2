/// A set of CPU numbers (logical CPUs, or physical ids), stored as a bitmap
/// so that set algebra on machines with thousands of threads stays cheap.
///
/// Its text form is the kernel's cpulist syntax (`0-3,8,10-11`), which is what
/// sysfs prints and what boot parameters and cgroup files take.
public struct CPUSet: Sendable, Hashable, Codable, Sequence, ExpressibleByArrayLiteral,
  CustomStringConvertible
{
  private var words: [UInt64]

  public init() { words = [] }

  public init<S: Sequence>(_ cpus: S) where S.Element == Int {
    words = []
    for cpu in cpus { insert(cpu) }
  }

  public init(arrayLiteral elements: Int...) { self.init(elements) }

  /// `lower...upper` inclusive, as in a cpulist range.
  public init(range: ClosedRange<Int>) { self.init(range) }

  public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
  public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
  public var first: Int? {
    var iterator = makeIterator()
    return iterator.next()
  }
  public var last: Int? {
    for index in words.indices.reversed() where words[index] != 0 {
      return index * 64 + 63 - words[index].leadingZeroBitCount
    }
    return nil
  }

  public func contains(_ cpu: Int) -> Bool {
    guard cpu >= 0 else { return false }
    let (word, bit) = cpu.quotientAndRemainder(dividingBy: 64)
    return word < words.count && words[word] & (1 << UInt64(bit)) != 0
  }

  public mutating func insert(_ cpu: Int) {
    precondition(cpu >= 0, "CPU numbers are non-negative")
    let (word, bit) = cpu.quotientAndRemainder(dividingBy: 64)
    if word >= words.count {
      words.append(contentsOf: repeatElement(0, count: word - words.count + 1))
    }
    words[word] |= 1 << UInt64(bit)
  }

  public mutating func remove(_ cpu: Int) {
    guard cpu >= 0 else { return }
    let (word, bit) = cpu.quotientAndRemainder(dividingBy: 64)
    guard word < words.count else { return }
    words[word] &= ~(1 << UInt64(bit))
    normalize()
  }

  public func union(_ other: CPUSet) -> CPUSet {
    var result = CPUSet()
    result.words = (0..<Swift.max(words.count, other.words.count)).map {
      word(at: $0) | other.word(at: $0)
    }
    result.normalize()
    return result
  }

  public func intersection(_ other: CPUSet) -> CPUSet {
    var result = CPUSet()
    result.words = (0..<Swift.min(words.count, other.words.count)).map {
      words[$0] & other.words[$0]
    }
    result.normalize()
    return result
  }

  public func subtracting(_ other: CPUSet) -> CPUSet {
    var result = CPUSet()
    result.words = words.indices.map { words[$0] & ~other.word(at: $0) }
    result.normalize()
    return result
  }

  public mutating func formUnion(_ other: CPUSet) { self = union(other) }
  public mutating func subtract(_ other: CPUSet) { self = subtracting(other) }

  public func isSubset(of other: CPUSet) -> Bool { subtracting(other).isEmpty }
  public func isDisjoint(with other: CPUSet) -> Bool { intersection(other).isEmpty }

  private func word(at index: Int) -> UInt64 { index < words.count ? words[index] : 0 }

  /// Drops trailing zero words so that equal sets compare and hash equal.
  private mutating func normalize() {
    while let last = words.last, last == 0 { words.removeLast() }
  }

  public struct Iterator: IteratorProtocol {
    fileprivate let words: [UInt64]
    fileprivate var index = 0
    fileprivate var current: UInt64 = 0

    public mutating func next() -> Int? {
      while current == 0 {
        guard index < words.count else { return nil }
        current = words[index]
        index += 1
      }
      let bit = current.trailingZeroBitCount
      current &= current - 1
      return (index - 1) * 64 + bit
    }
  }

  public func makeIterator() -> Iterator { Iterator(words: words) }

  /// The kernel's cpulist form, as `%*pbl` prints it: ascending, every run of
  /// consecutive CPUs as a range (`0-1,4,6-9`), empty for the empty set.
  public var cpulist: String {
    var parts: [String] = []
    var run: (start: Int, end: Int)?
    for cpu in self {
      if let current = run, cpu == current.end + 1 {
        run = (current.start, cpu)
        continue
      }
      if let current = run { parts.append(Self.format(current)) }
      run = (cpu, cpu)
    }
    if let current = run { parts.append(Self.format(current)) }
    return parts.joined(separator: ",")
  }

  private static func format(_ run: (start: Int, end: Int)) -> String {
    run.start == run.end ? "\(run.start)" : "\(run.start)-\(run.end)"
  }

  public var description: String { cpulist }

  /// A hex mask as `/proc/irq/*/smp_affinity` and `default_smp_affinity`
  /// print it: 32-bit groups, most significant first, separated by commas.
  public var hexMask: String {
    guard let highest = last else { return "0" }
    let groups = highest / 32 + 1
    var out: [String] = []
    for group in (0..<groups).reversed() {
      let word = word(at: group / 2)
      let value = UInt32(truncatingIfNeeded: group % 2 == 0 ? word : word >> 32)
      let hex = String(value, radix: 16)
      out.append(group == groups - 1 ? hex : String(repeating: "0", count: 8 - hex.count) + hex)
    }
    return out.joined(separator: ",")
  }

  public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case invalidNumber(String)
    case reversedRange(String)
    case tooLarge(Int)

    public var description: String {
      switch self {
      case .empty: "empty CPU list"
      case .invalidNumber(let text): "'\(text)' is not a CPU number"
      case .reversedRange(let text): "range '\(text)' ends before it starts"
      case .tooLarge(let n): "CPU \(n) is beyond the supported maximum of \(CPUSet.maximumCPU)"
      }
    }
  }

  /// Larger than any machine Linux supports (NR_CPUS is at most 8192), small
  /// enough that a hostile cpulist cannot allocate gigabytes.
  public static let maximumCPU = 65_535

  /// Parses the kernel's cpulist syntax, including the `a-b:step/group`
  /// stride form the kernel accepts (`0-15:2/4`). An empty string is the
  /// empty set only when `allowEmpty` is set (sysfs prints empty lists).
  public init(cpulist text: String, allowEmpty: Bool = false) throws(ParseError) {
    self.init()
    let trimmed = text.trimmingASCIIWhitespace()
    if trimmed.isEmpty {
      if allowEmpty { return }
      throw .empty
    }
    for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
      let item = String(part).trimmingASCIIWhitespace()
      var rangeText = Substring(item)
      var stride = (used: 1, group: 1)
      if let colon = item.firstIndex(of: ":") {
        rangeText = item[..<colon]
        let strideText = item[item.index(after: colon)...]
        let pieces = strideText.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let used = Int(pieces[0]), let group = Int(pieces[1]),
          used > 0, group > 0, used <= group
        else { throw .invalidNumber(item) }
        stride = (used, group)
      }
      let bounds = rangeText.split(separator: "-", omittingEmptySubsequences: false)
      guard bounds.count == 1 || bounds.count == 2 else { throw .invalidNumber(item) }
      let numbers = try bounds.map { bound throws(ParseError) -> Int in
        guard !bound.isEmpty, bound.allSatisfy({ $0.isASCII && $0.isNumber }),
          bound.count <= 6, let n = Int(bound)
        else { throw .invalidNumber(String(bound.isEmpty ? Substring(item) : bound)) }
        guard n <= CPUSet.maximumCPU else { throw .tooLarge(n) }
        return n
      }
      let low = numbers[0]
      let high = numbers.count == 2 ? numbers[1] : low
      guard low <= high else { throw .reversedRange(item) }
      var cpu = low
      while cpu <= high {
        if (cpu - low) % stride.group < stride.used { insert(cpu) }
        cpu += 1
      }
    }
  }

  // Codable as a plain array of numbers: the form plans and JSON tools expect.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    self.init(try container.decode([Int].self))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(Array(self))
  }
}

extension String {
  /// Trims spaces, tabs and newlines without Foundation.
  public func trimmingASCIIWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
    let end = lastIndex(where: { !isSpace($0) })!
    return String(self[start...end])
  }
}
