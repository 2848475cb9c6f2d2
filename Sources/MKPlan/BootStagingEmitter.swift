import MKCore
import MKPolicy

/// Where boot parameters are staged for the next boot, per `host.bootloader`:
/// a GRUB drop-in, `/etc/kernel/cmdline` for kernel-install, or a `grubby`
/// argv. Nothing here is ever built by string concatenation into a shell
/// command: the drop-in quotes every parameter and refuses any that is not
/// made of the characters boot parameters use.
public struct BootStagingEmitter: Sendable {
  public static let grubDropInPath = "/etc/default/grub.d/90-mkpolicy.cfg"
  public static let kernelCmdlinePath = "/etc/kernel/cmdline"
  /// The variable the drop-in sets (the normal, non-recovery entries).
  public static let grubVariable = "GRUB_CMDLINE_LINUX_DEFAULT"

  public init() {}

  /// Characters a generated boot parameter may contain. Anything else
  /// (quotes, `$`, spaces, backticks, newlines) is refused, not escaped.
  public static func isSafe(_ parameter: String) -> Bool {
    !parameter.isEmpty
      && parameter.unicodeScalars.allSatisfy { scalar in
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", ",", ":", "=", "/", "@", "+", "-": true
        default: false
        }
      }
  }

  public func emit(
    parameters: [BootParameter], bootloader: Bootloader, currentCommandLine: String,
    previousParameters: [String], policyName: String
  ) -> (staging: BootStaging?, diagnostics: [Diagnostic]) {
    guard !parameters.isEmpty else { return (nil, []) }
    let unsafe = parameters.map(\.parameter).filter { !Self.isSafe($0) }
    if !unsafe.isEmpty {
      return (
        nil,
        [
          .error(
            "E405",
            "boot parameter \(unsafe.map { "'\($0)'" }.joined(separator: ", ")) contains characters that cannot be staged safely",
            help: ["boot parameters may contain only letters, digits and _ . , : = / @ + -"])
        ]
      )
    }
    let list = parameters.map(\.parameter)
    switch bootloader {
    case .grub:
      return (
        BootStaging(
          bootloader: bootloader.rawValue, path: Self.grubDropInPath,
          content: grubDropIn(list, policyName: policyName)), []
      )
    case .kernelInstall:
      let managed = Set((list + previousParameters).map(Self.key))
      let kept = currentCommandLine.split(separator: " ").map(String.init).filter {
        let key = Self.key($0)
        return !managed.contains(key) && key != "BOOT_IMAGE" && key != "initrd"
      }
      // The plan decoder refuses these in /etc/kernel/cmdline (an edited
      // plan could add them); refuse them here too, with the reason.
      let refused = kept.compactMap(BootParameterGrammar.keptProblem)
      if !refused.isEmpty {
        return (
          nil,
          refused.map {
            .error(
              "E405",
              "the running kernel's command line cannot be carried into \(Self.kernelCmdlinePath): \($0)",
              help: [
                "remove it from the running command line, or stage with host.bootloader: grub or grubby, which append to the existing entries"
              ])
          }
        )
      }
      return (
        BootStaging(
          bootloader: bootloader.rawValue, path: Self.kernelCmdlinePath,
          content: (kept + list).joined(separator: " ") + "\n"), []
      )
    case .grubby:
      var argv = ["grubby", "--update-kernel=ALL", "--args=" + list.joined(separator: " ")]
      let stale = previousParameters.filter { !list.contains($0) }
      if !stale.isEmpty { argv.append("--remove-args=" + stale.joined(separator: " ")) }
      return (BootStaging(bootloader: bootloader.rawValue, argv: argv), [])
    case .none:
      return (BootStaging(bootloader: bootloader.rawValue), [])
    }
  }

  /// A shell fragment that appends the parameters to one variable and
  /// touches nothing else: the previous value is expanded inside double
  /// quotes and the parameters are single-quoted.
  func grubDropIn(_ parameters: [String], policyName: String) -> String {
    let name = policyName.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
    let variable = Self.grubVariable
    return """
      # Written by mkpolicy for policy \(name). mkpolicy apply rewrites this file.
      # Appends the partition boot parameters to \(variable); run update-grub after changing it.
      \(variable)="${\(variable):+$\(variable) }"\(ShellQuote.quote(parameters.joined(separator: " ")))

      """
  }

  static func key(_ parameter: String) -> String {
    String(parameter.split(separator: "=", maxSplits: 1).first ?? "")
  }
}
