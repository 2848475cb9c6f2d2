import MKCore

/// The host's name and machine id: what names the host in snapshots, plans
/// and reports, and what binds a plan to the machine across reboots (the
/// boot id changes with every boot; `/etc/machine-id` does not).
///
/// Neither is ever made up: a file that is missing, unreadable or malformed
/// gives an absent field and an E332 warning that names the path and errno.
enum HostIdentityDiscovery {
  static let hostNamePath = "/proc/sys/kernel/hostname"
  static let machineIdPath = "/etc/machine-id"

  static func discover(
    _ files: HostFiles, diagnostics: inout [Diagnostic]
  ) -> (hostName: String?, machineId: String?) {
    var hostName: String?
    switch files.bytesOrErrno(hostNamePath) {
    case .success(let bytes):
      let text = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
      if HostIdentity.isValidHostName(text) {
        hostName = text
      } else {
        diagnostics.append(
          .warning(
            "E332",
            "\(files.resolve(hostNamePath)) holds '\(text)', which is not a host name: the "
              + "snapshot has no hostName",
            help: ["set the host name (hostnamectl set-hostname NAME) and discover again"]))
      }
    case .failure(let error):
      diagnostics.append(
        .warning(
          "E332",
          "cannot read \(files.resolve(hostNamePath)): \(error.description); the snapshot has "
            + "no hostName",
          help: ["discover with /proc mounted"]))
    }

    var machineId: String?
    switch files.bytesOrErrno(machineIdPath) {
    case .success(let bytes):
      let text = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
      if HostIdentity.isValidMachineId(text) {
        machineId = text
      } else {
        let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
        diagnostics.append(
          .warning(
            "E332",
            "\(files.resolve(machineIdPath)) holds '\(shown)', not a machine id (32 lower-case hex "
              + "digits): the snapshot has no machineId, and plans made from it are not bound to "
              + "this machine",
            help: [
              "initialize it (systemd-machine-id-setup) and discover again; see machine-id(5)"
            ]))
      }
    case .failure(let error):
      diagnostics.append(
        .warning(
          "E332",
          "cannot read \(files.resolve(machineIdPath)): \(error.description); the snapshot has no "
            + "machineId, and plans made from it are not bound to this machine",
          help: [
            "create it (systemd-machine-id-setup) and discover again; see machine-id(5)"
          ]))
    }
    return (hostName, machineId)
  }
}

/// Syntax of the identity fields, shared by discovery and the snapshot reader.
public enum HostIdentity {
  /// machine-id(5): 32 lower-case hexadecimal digits (a 128-bit id).
  public static func isValidMachineId(_ text: String) -> Bool {
    text.utf8.count == 32
      && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
  }

  /// What the kernel accepts as a node name (1 to 64 bytes, HOST_NAME_MAX)
  /// restricted to printable ASCII without spaces, so that it can name
  /// folders and appear in headers unquoted: letters, digits, `-`, `_`, `.`.
  public static func isValidHostName(_ text: String) -> Bool {
    guard (1...64).contains(text.utf8.count) else { return false }
    return text.utf8.allSatisfy {
      ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45
        || $0 == 95 || $0 == 46
    }
  }
}
