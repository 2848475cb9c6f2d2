import MKCore

#if canImport(Glibc)
  import Glibc
#endif

/// Installs `mkpolicy-apply.service` and enables it, through the seam like
/// every other change apply makes: the unit file is replaced atomically and
/// read back, and `systemctl` runs with its output kept as evidence in the
/// state directory.
public struct ServiceInstaller {
  public let host: any HostIO
  public let stateDirectory: String

  public init(host: any HostIO, stateDirectory: String = "/var/lib/mkpolicy") {
    self.host = host
    self.stateDirectory = stateDirectory
  }

  public var unitPath: String { ServiceUnit.directory + "/" + ServiceUnit.name }

  /// Writes the unit for `binary`, then runs each `systemctl` command line
  /// (`enable`, and `daemon-reload` on a running system). Returns what was done.
  public func install(binary: String, systemctl: [[String]]) throws(HostIOError) -> [String] {
    var done: [String] = []
    let unit = ServiceUnit.render(binary: binary, stateDirectory: stateDirectory)
    let before: String?
    do { before = try host.read(unitPath) } catch  where error.errno == ENOENT { before = nil }
    if before != unit {
      try host.replaceAtomically(unitPath, unit)
      guard (try? host.read(unitPath)) == unit else {
        throw HostIOError(
          operation: "replace", path: unitPath, errno: EIO,
          reason: "read-back differs from what was written")
      }
      done.append("wrote \(unitPath)")
    }
    // Evidence files are created with O_EXCL: a fresh run id per install.
    let runID = RunID.make()
    for (index, argv) in systemctl.enumerated() {
      let evidence = stateDirectory + "/commands/service-\(runID)-\(index).out"
      let result = try host.run(argv, evidence: evidence)
      try? host.removeFile(evidence)
      guard result.status == 0 else {
        throw HostIOError(
          operation: "run", path: argv.joined(separator: " "), errno: EIO,
          reason:
            "exited with status \(result.status): \(Quoted.text(result.output.trimmingASCIIWhitespace()))"
        )
      }
      done.append("ran \(argv.joined(separator: " "))")
    }
    return done
  }
}
