import MKCore

/// One file of the kernel's interface (or one configuration file) that
/// mkpolicy writes, described once: where it lives, what a value must look
/// like, how a value read back compares with the one written, its name in
/// the other cgroup hierarchy, and whether it takes effect only at the next
/// boot.
///
/// Emitters build their writes through these descriptions (so a planned
/// value is valid before it reaches a plan), and the applier's path guard,
/// read-back and in-memory host use the same ones, so that adding a tuning is
/// one entry here plus its emitter. `KernelInterfaces` is the registry.
public struct KernelInterface: Sendable, Hashable, CustomStringConvertible {
  /// Where the file lives.
  public enum Area: String, Sendable, Hashable, Codable {
    /// An interface file inside a cgroup directory (any depth below a mount).
    case cgroup
    /// A file under `/proc`.
    case proc
    /// A file under `/sys` outside the cgroup mounts.
    case sysfs
    /// A configuration file read by a daemon or at boot (`/etc`, `/run`).
    case config
  }

  /// Which cgroup hierarchy has the file (cgroup files only).
  public enum Hierarchy: String, Sendable, Hashable, Codable {
    case v1, v2, both
  }

  /// The grammar a value must follow before it is written.
  public enum Grammar: Sendable, Hashable {
    /// A kernel cpulist (`0-3,8`); the empty list is allowed where `allowEmpty`.
    case cpulist(allowEmpty: Bool)
    /// A hex CPU mask (`ff`, `00000000,000000ff`).
    case hexMask
    /// A decimal integer within the range.
    case integer(ClosedRange<Int64>)
    /// A decimal integer within the range, or one of the words.
    case integerOr(ClosedRange<Int64>, [String])
    /// Bytes, or `max` (v2) / `-1` (v1) for no limit.
    case bytesOrUnlimited
    /// One of the words.
    case choice([String])
    /// `+controller` / `-controller` tokens (`cgroup.subtree_control`).
    case controllerTokens
    /// `QUOTA PERIOD` of `cpu.max`: `max 100000` or `200000 100000`.
    case quotaPeriod
    /// `MAJ:MIN` followed by `key=value` or a number (`io.max`, `blkio.throttle.*`).
    case deviceLine
    /// Any text without NUL (configuration files).
    case text
  }

  /// How a value read back from the file compares with the one written.
  public enum Comparison: Sendable, Hashable {
    /// Byte for byte after trimming white space at both ends.
    case exact
    /// As CPU sets (`0,1,2` is `0-2`).
    case cpuSet
    /// As hex masks (leading zeros and commas do not count).
    case hexMask
    /// Bytes rounded down to the 4 KiB page; `max`, `-1` and huge values are "no limit".
    case pageRoundedBytes
    /// As sets of tokens, `+` prefixes ignored (`cgroup.subtree_control`).
    case tokenSet
    /// The first word (`isolated invalid (...)` reads as a refused `isolated`).
    case firstWord
    /// The line that starts with the written `MAJ:MIN` holds every written token.
    case deviceLine
    /// Configuration file content, byte for byte.
    case content
  }

  /// Stable id (`cpuset.cpus`, `sysctl:kernel.timer_migration`).
  public var id: String
  public var area: Area
  public var pattern: KernelPathPattern
  /// cgroup files: which hierarchy has this name.
  public var hierarchy: Hierarchy?
  /// cgroup files: the name of the same setting in the other hierarchy,
  /// when there is one (`cpu.weight` <-> `cpu.shares`).
  public var counterpart: String?
  /// `/proc/sys` files: the dotted name `sysctl` and `/etc/sysctl.d` use.
  public var sysctlName: String?
  public var grammar: Grammar
  public var comparison: Comparison
  /// The value takes effect only at the next boot (or daemon re-exec), not when written.
  public var needsReboot: Bool
  /// Apply records the prior value in its journal before writing, and
  /// rollback writes it back. False only for files with no meaningful prior
  /// value to restore (a marker file is removed instead).
  public var journaled: Bool
  /// One line for people: what the file does.
  public var summary: String

  public var description: String { pattern.description }

  /// Why `value` cannot be written to this file, or nil when it can.
  public func problem(with value: String) -> String? {
    if value.contains("\0") { return "value contains a NUL byte" }
    let text = value.trimmingASCIIWhitespace()
    switch grammar {
    case .text:
      return nil
    case .cpulist(let allowEmpty):
      return (try? CPUSet(cpulist: text, allowEmpty: allowEmpty)) == nil
        ? "\(quoted(text)) is not a cpulist" : nil
    case .hexMask:
      return Self.parseHexMask(text) == nil ? "\(quoted(text)) is not a hex CPU mask" : nil
    case .integer(let range):
      guard let number = Int64(text), range.contains(number) else {
        return "\(quoted(text)) is not an integer in \(range.lowerBound)...\(range.upperBound)"
      }
      return nil
    case .integerOr(let range, let words):
      if words.contains(text) { return nil }
      guard let number = Int64(text), range.contains(number) else {
        return
          "\(quoted(text)) is neither \(words.joined(separator: ", ")) nor an integer in \(range.lowerBound)...\(range.upperBound)"
      }
      return nil
    case .bytesOrUnlimited:
      return text == "max" || text == "-1" || UInt64(text) != nil
        ? nil : "\(quoted(text)) is not a byte count, max or -1"
    case .choice(let words):
      return words.contains(text)
        ? nil : "\(quoted(text)) is not one of \(words.joined(separator: ", "))"
    case .controllerTokens:
      let tokens = text.split(separator: " ")
      let valid =
        !tokens.isEmpty
        && tokens.allSatisfy {
          ($0.hasPrefix("+") || $0.hasPrefix("-")) && $0.count > 1
            && $0.dropFirst().allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
        }
      return valid ? nil : "\(quoted(text)) is not a list of +controller/-controller tokens"
    case .quotaPeriod:
      let parts = text.split(separator: " ")
      guard parts.count == 2, parts[0] == "max" || UInt64(parts[0]) != nil, UInt64(parts[1]) != nil
      else { return "\(quoted(text)) is not QUOTA PERIOD" }
      return nil
    case .deviceLine:
      let parts = text.split(separator: " ")
      guard let device = parts.first, parts.count >= 2 else {
        return "\(quoted(text)) is not MAJ:MIN followed by limits"
      }
      let numbers = device.split(separator: ":", omittingEmptySubsequences: false)
      guard numbers.count == 2, numbers.allSatisfy({ UInt32($0) != nil }) else {
        return "\(quoted(String(device))) is not MAJ:MIN"
      }
      let limits = parts.dropFirst().allSatisfy { part in
        if UInt64(part) != nil { return true }
        let pair = part.split(separator: "=")
        return pair.count == 2 && (pair[1] == "max" || UInt64(pair[1]) != nil)
      }
      return limits ? nil : "\(quoted(text)) has a limit that is not key=number"
    }
  }

  /// Whether `have` (read back from the file) carries the effect of writing
  /// `wanted`. Files whose read-back also depends on other files (a
  /// partition's validity, `cpuset.cpus.effective`) get those checks from
  /// the applier on top of this.
  public func holds(_ have: String, wanted: String) -> Bool {
    let have = have.trimmingASCIIWhitespace()
    let wanted = wanted.trimmingASCIIWhitespace()
    switch comparison {
    case .exact:
      return have == wanted
    case .content:
      return have == wanted
    case .cpuSet:
      guard let a = try? CPUSet(cpulist: have, allowEmpty: true),
        let b = try? CPUSet(cpulist: wanted, allowEmpty: true)
      else { return false }
      return a == b
    case .hexMask:
      guard let a = Self.parseHexMask(have), let b = Self.parseHexMask(wanted) else { return false }
      return a == b
    case .pageRoundedBytes:
      return Self.pageRounded(have) == Self.pageRounded(wanted)
    case .tokenSet:
      let set = { (text: String) in
        Set(
          text.split(separator: " ").filter { !$0.hasPrefix("-") }.map {
            String($0.hasPrefix("+") ? $0.dropFirst() : $0)
          })
      }
      return set(have).isSuperset(of: set(wanted))
    case .firstWord:
      return !have.contains("invalid")
        && have.split(separator: " ").first.map(String.init) == wanted
    case .deviceLine:
      let device = wanted.split(separator: " ").first ?? ""
      guard
        let line = have.split(separator: "\n").first(where: {
          $0.split(separator: " ").first == device
        })
      else { return wanted.hasSuffix(" 0") }
      let tokens = Set(line.split(separator: " "))
      return wanted.split(separator: " ").allSatisfy { tokens.contains($0) || $0.hasSuffix("=max") }
    }
  }

  /// The canonical form of a value (what a model of the kernel stores and
  /// reads back): cpulists compacted, masks as the kernel prints them
  /// without leading zeros, bytes page-rounded.
  public func normalised(_ value: String) -> String {
    let text = value.trimmingASCIIWhitespace()
    switch comparison {
    case .cpuSet:
      return (try? CPUSet(cpulist: text, allowEmpty: true))?.cpulist ?? text
    case .hexMask:
      return Self.parseHexMask(text)?.hexMask ?? text
    case .pageRoundedBytes:
      return Self.pageRounded(text)
    case .content:
      return value
    default:
      return text
    }
  }

  static func pageRounded(_ text: String) -> String {
    if text == "-1" || text == "max" { return "max" }
    if let bytes = UInt64(text) { return bytes >= 1 << 62 ? "max" : String(bytes / 4096 * 4096) }
    return text
  }

  /// A hex mask (`00000000,000000ff`, `ff`, `0`) as a CPU set.
  public static func parseHexMask(_ text: String) -> CPUSet? {
    let digits = text.lowercased().filter { $0 != "," }
    guard !digits.isEmpty, digits.count <= 2048, digits.allSatisfy(\.isHexDigit),
      !text.hasPrefix(","), !text.hasSuffix(",")
    else { return nil }
    var cpus = CPUSet()
    for (offset, digit) in digits.reversed().enumerated() {
      guard let nibble = digit.hexDigitValue else { return nil }
      for bit in 0..<4 where nibble & (1 << bit) != 0 { cpus.insert(offset * 4 + bit) }
    }
    return cpus
  }
}

/// A path with placeholders: `/sys/class/net/{interface}/queues/rx-{n}/rps_cpus`.
/// cgroup interface files are matched by name inside any cgroup directory.
public struct KernelPathPattern: Sendable, Hashable, CustomStringConvertible {
  public enum Placeholder: String, Sendable, Hashable {
    /// A decimal number without leading zeros (`{n}`).
    case number = "n"
    /// A network interface name: 1-15 bytes, no `/`, white space or `:` (`{interface}`).
    case interface
    /// A file name: letters, digits, `-`, `_`, `.`, `@`, not starting with `.` (`{name}`).
    case name
  }

  public enum Segment: Sendable, Hashable {
    case literal(String)
    /// `prefix{placeholder}suffix` within one path component.
    case variable(prefix: String, Placeholder, suffix: String)
  }

  /// Nil for cgroup interface files (matched by file name under a cgroup mount).
  public var segments: [Segment]?
  /// The file name of a cgroup interface file.
  public var cgroupFile: String?

  public static func cgroup(_ file: String) -> KernelPathPattern {
    KernelPathPattern(segments: nil, cgroupFile: file)
  }

  /// Parses `/proc/irq/{n}/smp_affinity_list`; placeholders are `{n}`,
  /// `{interface}` and `{name}`, at most one per component.
  public static func path(_ text: String) -> KernelPathPattern {
    var segments: [Segment] = []
    for component in text.split(separator: "/") {
      if let open = component.firstIndex(of: "{"), let close = component.firstIndex(of: "}"),
        let placeholder = Placeholder(
          rawValue: String(component[component.index(after: open)..<close]))
      {
        segments.append(
          .variable(
            prefix: String(component[..<open]), placeholder,
            suffix: String(component[component.index(after: close)...])))
      } else {
        segments.append(.literal(String(component)))
      }
    }
    return KernelPathPattern(segments: segments, cgroupFile: nil)
  }

  public var description: String {
    if let cgroupFile { return "CGROUP/" + cgroupFile }
    return "/"
      + (segments ?? []).map {
        switch $0 {
        case .literal(let text): text
        case .variable(let prefix, let placeholder, let suffix):
          "\(prefix){\(placeholder.rawValue)}\(suffix)"
        }
      }.joined(separator: "/")
  }

  /// The placeholder values when `path` matches, in order; nil otherwise.
  public func match(_ path: String) -> [String]? {
    if let cgroupFile {
      guard path.hasPrefix("/sys/fs/cgroup/"), path.hasSuffix("/" + cgroupFile) else { return nil }
      return []
    }
    guard let segments, path.hasPrefix("/") else { return nil }
    let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    guard components.count == segments.count else { return nil }
    var values: [String] = []
    for (component, segment) in zip(components, segments) {
      switch segment {
      case .literal(let text):
        guard component == text else { return nil }
      case .variable(let prefix, let placeholder, let suffix):
        guard component.hasPrefix(prefix), component.hasSuffix(suffix),
          component.count > prefix.count + suffix.count
        else { return nil }
        let value = String(component.dropFirst(prefix.count).dropLast(suffix.count))
        guard Self.accepts(placeholder, value) else { return nil }
        values.append(value)
      }
    }
    return values
  }

  /// The path with `values` in place of the placeholders, in order; nil when
  /// a value does not fit its placeholder or the count is wrong.
  public func path(_ values: [String]) -> String? {
    guard let segments else { return nil }
    var remaining = values[...]
    var out: [String] = []
    for segment in segments {
      switch segment {
      case .literal(let text): out.append(text)
      case .variable(let prefix, let placeholder, let suffix):
        guard let value = remaining.popFirst(), Self.accepts(placeholder, value) else { return nil }
        out.append(prefix + value + suffix)
      }
    }
    return remaining.isEmpty ? "/" + out.joined(separator: "/") : nil
  }

  static func accepts(_ placeholder: Placeholder, _ value: String) -> Bool {
    switch placeholder {
    case .number:
      return !value.isEmpty && value.count <= 9 && value.allSatisfy { $0.isASCII && $0.isNumber }
        && (value == "0" || !value.hasPrefix("0"))
    case .interface:
      return !value.isEmpty && value.utf8.count <= 15 && value != "." && value != ".."
        && value.unicodeScalars.allSatisfy {
          $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != ":"
        }
    case .name:
      return !value.isEmpty && value.utf8.count <= 255 && !value.hasPrefix(".")
        && value.unicodeScalars.allSatisfy {
          ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || "-_.@".unicodeScalars.contains($0)
        }
    }
  }
}

/// A value in a message: double quotes, control characters escaped.
func quoted(_ value: String) -> String {
  var out = "\""
  for scalar in value.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 || scalar.value == 0x7F {
        out += "\\x" + String(scalar.value, radix: 16)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}
