/// A set of CPU numbers (logical CPUs, or physical ids), stored as the
/// non-zero 64-bit words of a bitmap with their word indices, so that set
/// algebra on machines with thousands of threads stays cheap and a set holds
/// memory for what it contains, not for its largest member: `[0, 1 << 40]`
/// (an arm64 MPIDR-sized physical id) is two words, not 2^34 of them.
///
/// Its text form is the kernel's cpulist syntax (`0-3,8,10-11`), which is what
/// sysfs prints and what boot parameters and cgroup files take.
public struct CPUSet: Sendable, Hashable, Codable, Sequence, ExpressibleByArrayLiteral,
  CustomStringConvertible
{
  /// Ascending word indices (`cpu / 64`) of the non-zero words; `words[i]`
  /// holds the bits of word `keys[i]`. No zero word is stored, so equal sets
  /// have equal arrays and compare and hash equal.
  private var keys: [Int]
  private var words: [UInt64]

  public init() {
    keys = []
    words = []
  }

  public init<S: Sequence>(_ cpus: S) where S.Element == Int {
    self.init()
    for cpu in cpus { insert(cpu) }
  }

  public init(arrayLiteral elements: Int...) { self.init(elements) }

  /// `lower...upper` inclusive, as in a cpulist range.
  public init(range: ClosedRange<Int>) {
    self.init()
    precondition(range.lowerBound >= 0, "CPU numbers are non-negative")
    let first = range.lowerBound >> 6
    let last = range.upperBound >> 6
    for key in first...last {
      var word = UInt64.max
      if key == first { word &= UInt64.max << UInt64(range.lowerBound & 63) }
      if key == last { word &= UInt64.max >> UInt64(63 - (range.upperBound & 63)) }
      keys.append(key)
      words.append(word)
    }
  }

  public var isEmpty: Bool { words.isEmpty }
  public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
  public var first: Int? {
    guard let key = keys.first, let word = words.first else { return nil }
    return key * 64 + word.trailingZeroBitCount
  }
  public var last: Int? {
    guard let key = keys.last, let word = words.last else { return nil }
    return key * 64 + 63 - word.leadingZeroBitCount
  }

  /// The position of word `key` in `keys`, or where it would be inserted.
  private func position(of key: Int) -> (index: Int, found: Bool) {
    // Dense sets (every word from 0 up) are the common case: direct index.
    if key < keys.count, keys[key] == key { return (key, true) }
    var low = 0
    var high = keys.count
    while low < high {
      let middle = (low + high) / 2
      if keys[middle] < key { low = middle + 1 } else { high = middle }
    }
    return (low, low < keys.count && keys[low] == key)
  }

  public func contains(_ cpu: Int) -> Bool {
    guard cpu >= 0 else { return false }
    let (index, found) = position(of: cpu >> 6)
    return found && words[index] & (1 << UInt64(cpu & 63)) != 0
  }

  public mutating func insert(_ cpu: Int) {
    precondition(cpu >= 0, "CPU numbers are non-negative")
    let key = cpu >> 6
    let bit: UInt64 = 1 << UInt64(cpu & 63)
    if let lastKey = keys.last, lastKey < key {
      keys.append(key)
      words.append(bit)
      return
    }
    let (index, found) = position(of: key)
    if found {
      words[index] |= bit
    } else {
      keys.insert(key, at: index)
      words.insert(bit, at: index)
    }
  }

  public mutating func remove(_ cpu: Int) {
    guard cpu >= 0 else { return }
    let (index, found) = position(of: cpu >> 6)
    guard found else { return }
    words[index] &= ~(1 << UInt64(cpu & 63))
    if words[index] == 0 {
      keys.remove(at: index)
      words.remove(at: index)
    }
  }

  /// Walks both sets' words in key order, keeping the non-zero results of
  /// `combine(mine, theirs)` (a missing word is 0). Linear in both sizes.
  private func merged(
    _ other: CPUSet, keepingOnlyMine: Bool = false, _ combine: (UInt64, UInt64) -> UInt64
  ) -> CPUSet {
    var result = CPUSet()
    result.keys.reserveCapacity(Swift.max(keys.count, other.keys.count))
    result.words.reserveCapacity(Swift.max(keys.count, other.keys.count))
    var i = 0
    var j = 0
    while i < keys.count || j < other.keys.count {
      let key: Int
      var mine: UInt64 = 0
      var theirs: UInt64 = 0
      if j >= other.keys.count || (i < keys.count && keys[i] < other.keys[j]) {
        key = keys[i]
        mine = words[i]
        i += 1
      } else if i >= keys.count || other.keys[j] < keys[i] {
        key = other.keys[j]
        theirs = other.words[j]
        j += 1
        if keepingOnlyMine { continue }
      } else {
        key = keys[i]
        mine = words[i]
        theirs = other.words[j]
        i += 1
        j += 1
      }
      let word = combine(mine, theirs)
      if word != 0 {
        result.keys.append(key)
        result.words.append(word)
      }
    }
    return result
  }

  public func union(_ other: CPUSet) -> CPUSet { merged(other) { $0 | $1 } }

  public func intersection(_ other: CPUSet) -> CPUSet {
    merged(other, keepingOnlyMine: true) { $0 & $1 }
  }

  public func subtracting(_ other: CPUSet) -> CPUSet {
    merged(other, keepingOnlyMine: true) { $0 & ~$1 }
  }

  public mutating func formUnion(_ other: CPUSet) { self = union(other) }
  public mutating func subtract(_ other: CPUSet) { self = subtracting(other) }

  public func isSubset(of other: CPUSet) -> Bool { subtracting(other).isEmpty }
  public func isDisjoint(with other: CPUSet) -> Bool { intersection(other).isEmpty }

  /// The word with index `key` (0 when the set has none of its CPUs).
  private func word(at key: Int) -> UInt64 {
    let (index, found) = position(of: key)
    return found ? words[index] : 0
  }

  public struct Iterator: IteratorProtocol {
    fileprivate let keys: [Int]
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
      return keys[index - 1] * 64 + bit
    }
  }

  public func makeIterator() -> Iterator { Iterator(keys: keys, words: words) }

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
    /// The ranges together span more than `maximumListSpan` CPUs: only
    /// ranges that overlap many times over do, and parsing them would cost
    /// time for nothing.
    case overlapping

    public var description: String {
      switch self {
      case .empty: "empty CPU list"
      case .invalidNumber(let text): "'\(text)' is not a CPU number"
      case .reversedRange(let text): "range '\(text)' ends before it starts"
      case .tooLarge(let n): "CPU \(n) is beyond the supported maximum of \(CPUSet.maximumCPU)"
      case .overlapping:
        "the ranges span more than \(CPUSet.maximumListSpan) CPUs together: they overlap"
      }
    }
  }

  /// Larger than any machine Linux supports (NR_CPUS is at most 8192), small
  /// enough that a hostile cpulist cannot allocate gigabytes.
  public static let maximumCPU = 65_535

  /// The most CPUs the ranges of one cpulist may span together (16 times
  /// every possible CPU): a list the kernel prints never repeats a CPU, so
  /// only a hostile one reaches it, and the parse stays linear in its length.
  public static let maximumListSpan = 16 * (maximumCPU + 1)

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
    // The items are read first, then ORed into a bitmap that reaches only
    // the highest CPU listed (one word for `0-3`; at most 8 KiB, bounded by
    // maximumCPU), a word at a time where there is no stride. Discovery
    // parses hundreds of short lists: zeroing and scanning a bitmap of every
    // possible CPU for each was most of their cost.
    var ranges: [(low: Int, high: Int, used: Int, group: Int)] = []
    var span = 0
    var highest = 0
    for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
      let item = String(part).trimmingASCIIWhitespace()
      var rangeText = Substring(item)
      var stride = (used: 1, group: 1)
      if let colon = item.firstIndex(of: ":") {
        rangeText = item[..<colon]
        let strideText = item[item.index(after: colon)...]
        let pieces = strideText.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces.allSatisfy({ $0.count <= 6 }), let used = Int(pieces[0]),
          let group = Int(pieces[1]), used > 0, group > 0, used <= group
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
      span += high - low + 1
      guard span <= CPUSet.maximumListSpan else { throw .overlapping }
      ranges.append((low, high, stride.used, stride.group))
      highest = Swift.max(highest, high)
    }
    var bitmap = [UInt64](repeating: 0, count: (highest >> 6) + 1)
    for range in ranges {
      if range.used == range.group {
        let first = range.low >> 6
        let last = range.high >> 6
        for key in first...last {
          var word = UInt64.max
          if key == first { word &= UInt64.max << UInt64(range.low & 63) }
          if key == last { word &= UInt64.max >> UInt64(63 - (range.high & 63)) }
          bitmap[key] |= word
        }
      } else {
        var cpu = range.low
        while cpu <= range.high {
          if (cpu - range.low) % range.group < range.used {
            bitmap[cpu >> 6] |= 1 << UInt64(cpu & 63)
          }
          cpu += 1
        }
      }
    }
    for (key, word) in bitmap.enumerated() where word != 0 {
      keys.append(key)
      words.append(word)
    }
  }

  /// Where a decoded CPU number came from, for the decoding error's path.
  private struct Index: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
  }

  /// Codable as a plain array of numbers: the form plans and JSON tools
  /// expect. Every number is checked against `0...maximumCPU` as it is read
  /// (plans, `applied.json` and the journal are inputs too), and a bad one is
  /// reported with its coding path (`housekeeping[3]`).
  public init(from decoder: any Decoder) throws {
    var container = try decoder.unkeyedContainer()
    self.init()
    while !container.isAtEnd {
      let index = container.currentIndex
      let cpu = try container.decode(Int.self)
      guard (0...CPUSet.maximumCPU).contains(cpu) else {
        throw DecodingError.dataCorrupted(
          DecodingError.Context(
            codingPath: container.codingPath + [Index(index)],
            debugDescription: "CPU number \(cpu) is outside 0...\(CPUSet.maximumCPU)"))
      }
      insert(cpu)
    }
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
