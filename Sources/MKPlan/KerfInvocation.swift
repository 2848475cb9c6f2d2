import MKCore

/// A kerf command as typed data: a verb, the instance it acts on and its
/// options in kerf's order, each value of its option's form. `argv` is built
/// from these fields only, so a plan (or a journal) whose argv does not parse
/// back into the same invocation is refused instead of run: a stored argv can
/// never smuggle in a program, a shell, or an option kerf was not meant to get.
public struct KerfInvocation: Sendable, Hashable {
  public enum Verb: String, Sendable, Hashable, CaseIterable {
    case `init`, create, load, start, kill, unload, delete, update
  }

  public enum Option: String, Sendable, Hashable {
    case id, cpus, memory
    case numaNodes = "numa-nodes"
    case devices, kernel, initrd, cmdline
  }

  public var verb: Verb
  /// The instance (a workload name); nil for `init`.
  public var instance: String?
  public var options: [OptionValue]

  public struct OptionValue: Sendable, Hashable {
    public var option: Option
    public var value: String
    public init(_ option: Option, _ value: String) {
      self.option = option
      self.value = value
    }
  }

  public init(verb: Verb, instance: String?, options: [OptionValue]) {
    self.verb = verb
    self.instance = instance
    self.options = options
  }

  public var argv: [String] {
    [KerfCommandEmitter.kerf, verb.rawValue] + (instance.map { [$0] } ?? [])
      + options.map { "--\($0.option.rawValue)=\($0.value)" }
  }

  /// The options each verb takes, in order; `true` marks a required one.
  static func layout(_ verb: Verb) -> [(Option, Bool)] {
    switch verb {
    case .`init`: [(.cpus, true), (.memory, true), (.devices, true)]
    case .create:
      [(.id, true), (.cpus, true), (.memory, true), (.numaNodes, false), (.devices, false)]
    case .load: [(.kernel, true), (.initrd, false), (.cmdline, false)]
    case .update: [(.cpus, true), (.memory, true), (.devices, true)]
    case .start, .kill, .unload, .delete: []
    }
  }

  /// Parses an argv as `KerfCommandEmitter` writes it; the reason when it is
  /// not one.
  public static func parse(_ argv: [String]) -> Result<KerfInvocation, Refusal> {
    guard argv.first == KerfCommandEmitter.kerf else {
      return .failure(Refusal("only kerf is run as a coordinator command, not \(program(argv))"))
    }
    guard argv.count >= 2, let verb = Verb(rawValue: argv[1]) else {
      return .failure(
        Refusal(
          "kerf verb \(argv.count >= 2 ? YAMLScalar.quoted(argv[1]) : "(none)") is not one of \(Verb.allCases.map(\.rawValue).joined(separator: ", "))"
        ))
    }
    var rest = argv.dropFirst(2)
    var instance: String?
    if verb != .`init` {
      guard let name = rest.first, isInstanceName(name) else {
        return .failure(
          Refusal(
            "kerf \(verb.rawValue) needs an instance name of lower-case letters, digits and -"))
      }
      instance = name
      rest = rest.dropFirst()
    }
    var options: [OptionValue] = []
    var layout = layout(verb)[...]
    for argument in rest {
      guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "="),
        let option = Option(
          rawValue: String(argument[argument.index(argument.startIndex, offsetBy: 2)..<equals]))
      else {
        return .failure(
          Refusal("kerf \(verb.rawValue): unexpected argument \(YAMLScalar.quoted(argument))"))
      }
      // Skip optional options that are absent; a required one may not be.
      while let (expected, required) = layout.first, expected != option {
        if required {
          return .failure(
            Refusal("kerf \(verb.rawValue): --\(expected.rawValue) missing or out of order"))
        }
        layout = layout.dropFirst()
      }
      guard !layout.isEmpty else {
        return .failure(
          Refusal("kerf \(verb.rawValue) does not take --\(option.rawValue) here"))
      }
      layout = layout.dropFirst()
      let value = String(argument[argument.index(after: equals)...])
      if let problem = valueProblem(option, value, verb: verb) {
        return .failure(Refusal("kerf \(verb.rawValue) --\(option.rawValue): \(problem)"))
      }
      options.append(OptionValue(option, value))
    }
    if let missing = layout.first(where: { $0.1 }) {
      return .failure(Refusal("kerf \(verb.rawValue): --\(missing.0.rawValue) missing"))
    }
    return .success(KerfInvocation(verb: verb, instance: instance, options: options))
  }

  /// Why a value is not of its option's form.
  static func valueProblem(_ option: Option, _ value: String, verb: Verb) -> String? {
    let digits = { (text: Substring) in
      !text.isEmpty && text.count <= 20 && text.allSatisfy { $0.isASCII && $0.isNumber }
        && UInt64(text) != nil
    }
    let quoted = YAMLScalar.quoted(value)
    switch option {
    case .id:
      guard let id = Int(value), String(id) == value, (1...511).contains(id) else {
        return "\(quoted) is not an instance id 1...511"
      }
    case .cpus:
      if verb == .`init`, value == "none" { return nil }
      guard isIdList(value) else { return "\(quoted) is not a list of physical CPU ids" }
    case .memory:
      if verb == .`init` {
        if value == "none" { return nil }
        let valid = value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy {
          let parts = $0.split(separator: "@", omittingEmptySubsequences: false)
          return parts.count == 2 && digits(parts[0]) && digits(parts[1])
        }
        return valid ? nil : "\(quoted) is not BYTES@NODE,..."
      }
      guard digits(Substring(value)) else { return "\(quoted) is not a byte count" }
    case .numaNodes:
      let valid = value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy {
        digits($0) && $0.count <= 6
      }
      if !valid { return "\(quoted) is not a list of NUMA node numbers" }
    case .devices:
      if verb != .create, value == "none" { return nil }
      let valid = value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy {
        let parts = $0.split(separator: "=", omittingEmptySubsequences: false)
        if verb == .`init` {
          return (parts.count == 1 || parts.count == 2) && isPCIAddress(parts[0])
            && (parts.count == 1 || isAlias(parts[1]))
        }
        return parts.count == 1 && (isPCIAddress(parts[0]) || isAlias(parts[0]))
      }
      if !valid { return "\(quoted) is not a list of PCI addresses or device names" }
    case .kernel, .initrd:
      guard value.hasPrefix("/"), value.utf8.count <= 4096,
        value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
      else { return "\(quoted) is not an absolute path without spaces or control characters" }
    case .cmdline:
      guard value.utf8.count <= 4096,
        value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }),
        !value.split(separator: " ", omittingEmptySubsequences: true).isEmpty
      else { return "\(quoted) is not a one-line kernel command line" }
    }
    return nil
  }

  static func isInstanceName(_ text: String) -> Bool {
    guard let first = text.first, let last = text.last, text.count <= 63 else { return false }
    let plain = text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    return plain && first != "-" && last != "-"
  }

  /// `0,2,4-7` as `KerfCommandEmitter.ranges` writes it (physical ids may be
  /// large: arm64 MPIDR values).
  static func isIdList(_ text: String) -> Bool {
    !text.isEmpty
      && text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
        let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
        return (bounds.count == 1 || bounds.count == 2)
          && bounds.allSatisfy {
            !$0.isEmpty && $0.count <= 19 && $0.allSatisfy { $0.isASCII && $0.isNumber }
          }
      }
  }

  /// `DDDD:BB:DD.F`.
  static func isPCIAddress(_ text: Substring) -> Bool {
    let hex = { (part: Substring, count: Int) in
      part.count == count && part.allSatisfy { $0.isHexDigit && $0.isASCII }
    }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 3, hex(parts[0], 4), hex(parts[1], 2) else { return false }
    let slot = parts[2].split(separator: ".", omittingEmptySubsequences: false)
    return slot.count == 2 && hex(slot[0], 2) && slot[1].count == 1
      && slot[1].allSatisfy { ("0"..."7").contains($0) }
  }

  /// A device alias (`enp9s0`, `nvme0`) or a node name (`pci_0000_09_00_0`).
  static func isAlias(_ text: Substring) -> Bool {
    !text.isEmpty && text.count <= 64 && text.first != "-"
      && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
  }

  static func program(_ argv: [String]) -> String {
    argv.first.map { YAMLScalar.quoted($0) } ?? "an empty argv"
  }

  /// Why an argv or a value is refused.
  public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
  }
}
