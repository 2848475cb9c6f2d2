#if canImport(Glibc)
  import Glibc
#endif

extension String {
  /// Whether `needle` occurs in the text, compared as UTF-8 bytes.
  ///
  /// Why: the standard library's `contains(_:)` for two strings comes from
  /// the regex module (`_StringProcessing`) and compares Characters, ~27 k
  /// instructions a call, where the sysfs and procfs text of discovery (ASCII
  /// names and flags) needs a byte search. The answers differ only where a
  /// match would split a Character (a combining mark after the needle); an
  /// empty needle is not found, as with `contains(_:)`.
  public func containsUTF8(_ needle: String) -> Bool {
    var text = self
    var needle = needle
    return text.withUTF8 { haystack in
      needle.withUTF8 { pattern in
        guard !pattern.isEmpty else { return false }
        guard haystack.count >= pattern.count, let start = haystack.baseAddress,
          let wanted = pattern.baseAddress
        else { return false }
        let first = pattern[0]
        for offset in 0...(haystack.count - pattern.count)
        where haystack[offset] == first && memcmp(start + offset, wanted, pattern.count) == 0 {
          return true
        }
        return false
      }
    }
  }
}
