/// `0-3,8,10-11` for any list of integers, without a bitmap: physical CPU
/// ids (arm64 MPIDR values reach 2^40) and IRQ numbers are too sparse and
/// too large for `CPUSet`, whose storage grows with the largest member.
public enum NumberRanges {
  /// Sorted, duplicates dropped, consecutive runs as `low-high`.
  public static func format<S: Sequence>(_ numbers: S) -> String where S.Element == Int {
    let sorted = Set(numbers).sorted()
    var parts: [String] = []
    var index = 0
    while index < sorted.count {
      var end = index
      while end + 1 < sorted.count, sorted[end] < Int.max, sorted[end + 1] == sorted[end] + 1 {
        end += 1
      }
      parts.append(end == index ? String(sorted[index]) : "\(sorted[index])-\(sorted[end])")
      index = end + 1
    }
    return parts.joined(separator: ",")
  }
}
