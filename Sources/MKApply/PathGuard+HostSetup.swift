import MKCore
import MKPlan

/// The path guard's rules for the host setup, from the kernel interface
/// registry: a tuning write must be to a `/proc` or `/sys` file the registry
/// describes (not a cgroup file, not an IRQ's own affinity, which have their
/// own steps) with a value of its grammar; a configuration file must be one
/// the registry describes as such, and a systemd unit must be a plain name
/// directly in `/etc/systemd/system` (or one drop-in directory below it).
extension PathGuard {
  /// The registry's description of a tuning file apply may write, or nil.
  static func setupKernelInterface(_ path: String) -> KernelInterface? {
    guard let interface = KernelInterfaces.describing(path),
      interface.area == .proc || interface.area == .sysfs,
      interface.id != KernelInterfaces.irqAffinity.id
    else { return nil }
    return interface
  }

  static func setupKernelProblem(_ path: String, _ value: String) -> String? {
    guard let interface = setupKernelInterface(path) else {
      return "not a /proc or /sys file the kernel interface registry describes"
    }
    if let problem = valueProblem(value) { return problem }
    if let problem = interface.problem(with: value) { return "\(interface.id): \(problem)" }
    return nil
  }

  /// The registry's description of a configuration file apply may write, or nil.
  static func setupConfigInterface(_ path: String) -> KernelInterface? {
    guard let interface = KernelInterfaces.describing(path), interface.area == .config else {
      return nil
    }
    return interface
  }

  static func setupConfigProblem(_ path: String, _ content: String) -> String? {
    guard let interface = setupConfigInterface(path) else {
      return "not a configuration file the kernel interface registry describes"
    }
    if content.utf8.count > 1 << 20 { return "content larger than 1 MiB" }
    if let problem = interface.problem(with: content) { return problem }
    switch interface.id {
    case KernelInterfaces.systemdUnit.id, KernelInterfaces.systemdDropIn.id:
      // A unit name, not one a package or the administrator owns: mkpolicy's
      // own units, and drop-ins named 50-mkpolicy.conf.
      let name = String(path.split(separator: "/").last ?? "")
      if interface.id == KernelInterfaces.systemdDropIn.id {
        let directory = String(path.split(separator: "/").dropLast().last ?? "")
        guard name == SystemdSliceEmitter.dropInName, directory.hasSuffix(".d") else {
          return "a drop-in apply writes is UNIT.d/\(SystemdSliceEmitter.dropInName)"
        }
      } else if !name.hasPrefix("mkpolicy") && !name.hasSuffix(".slice") {
        return "apply installs only its own units (mkpolicy*.service, slices)"
      } else if CgroupOwnership.isForeign(name) {
        return "\(name) belongs to another manager"
      }
      return setupContentProblem(interface, content)
    case KernelInterfaces.rebootRequired.id:
      if content != RebootRequired.markerContent { return "not Debian's reboot-required text" }
    case KernelInterfaces.rebootRequiredPackages.id:
      let names = content.split(separator: "\n")
      let plain = names.allSatisfy { name in
        !name.isEmpty && name.utf8.count <= 128
          && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0)
              || "+-.:_".unicodeScalars.contains($0)
          }
      }
      if !plain || names.count > 1000 { return "not a list of package names" }
    default:
      return setupContentProblem(interface, content)
    }
    return nil
  }

  /// What rollback would write back into a host setup file, from a journal:
  /// a tuning file's prior value must be of the file's grammar, and a
  /// configuration file's prior content obeys the rules of its planned
  /// content (`setupContentProblem`). A planted "prior value" must not
  /// become a unit that runs something, or a sysctl apply never sets.
  static func setupPriorProblem(_ path: String, _ value: String) -> String? {
    if let interface = setupKernelInterface(path) {
      return interface.problem(with: value)
    }
    guard let interface = setupConfigInterface(path) else { return nil }
    switch interface.id {
    case KernelInterfaces.rebootRequired.id:
      return value.hasPrefix("*** System restart required ***")
        ? nil : "not Debian's reboot-required text"
    default:
      return setupConfigProblem(path, value)
    }
  }

  /// A configuration file's lines, planned or prior: only what mkpolicy
  /// itself writes there (the sysctls of the registry, `CPUAffinity=`, the
  /// directives of its slices, drop-ins and stalld unit), so that neither a
  /// tampered plan nor a planted journal installs a unit that runs
  /// something else or sets a sysctl apply never sets.
  static func setupContentProblem(_ interface: KernelInterface, _ value: String) -> String? {
    for line in value.split(separator: "\n") {
      let text = String(line).trimmingASCIIWhitespace()
      if text.isEmpty || text.hasPrefix("#") || text.hasPrefix(";") { continue }
      let shown = Quoted.text(String(text.prefix(120)))
      switch interface.id {
      case KernelInterfaces.sysctlDropIn.id:
        let pair = text.split(separator: "=", maxSplits: 1).map {
          String($0).trimmingASCIIWhitespace()
        }
        guard pair.count == 2, let sysctl = KernelInterfaces.sysctl(named: pair[0]),
          sysctl.problem(with: pair[1]) == nil
        else { return "a line that is not a sysctl mkpolicy sets: \(shown)" }
      case KernelInterfaces.systemManagerDropIn.id:
        guard
          text == "[Manager]"
            || (text.hasPrefix("CPUAffinity=")
              && (try? CPUSet(cpulist: String(text.dropFirst("CPUAffinity=".count)))) != nil)
        else { return "a line that is not [Manager] or CPUAffinity=: \(shown)" }
      default:
        if text.hasPrefix("[") {
          guard ["[Unit]", "[Slice]", "[Service]", "[Install]"].contains(text) else {
            return "a section mkpolicy does not write: \(shown)"
          }
          continue
        }
        let key = String(text.prefix { $0 != "=" })
        if key == "ExecStart" {
          guard text.hasPrefix("ExecStart=" + StalldUnitEmitter.binary + " "),
            !text.contains(";"), !text.contains("$"), !text.contains("`")
          else { return "an ExecStart= that is not stalld's: \(shown)" }
          continue
        }
        guard text.contains("="), unitKeys.contains(key) else {
          return "a directive mkpolicy does not write: \(shown)"
        }
      }
    }
    return nil
  }

  /// The directives of the units and drop-ins mkpolicy writes.
  static let unitKeys: Set<String> = [
    "Description", "Documentation", "Slice", "CPUAffinity", "Delegate", "AllowedCPUs",
    "AllowedMemoryNodes", "CPUWeight", "CPUQuota", "MemoryMin", "MemoryHigh", "MemoryMax",
    "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax", "Type",
    "Restart", "WantedBy",
  ]
}
