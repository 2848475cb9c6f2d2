import MKCore
import MKPlan

/// One host's compile: the files of its plan folder, or the errors that
/// stopped it, and the counts the summary shows.
public struct HostPlan: Sendable {
  public var host: String
  public var hostClass: String?
  /// `metadata.name` of the merged policy (nil when it did not load).
  public var policy: String?
  /// Every file of `plans/<host>/`, in `PlanArtifacts` order; nil on error.
  public var artifacts: [PlanArtifacts.Artifact]?
  public var diagnostics: [Diagnostic]
  public var sources: [String: String]
  /// What the host's snapshot says it is (nil when it does not say).
  public var machineId: String?
  /// Where the inventory names the host's snapshot.
  public var snapshotLocation: SourceLocation?
  public var needsReboot = 0
  public var live = 0
  public var coordinator = 0

  public init(
    host: String, hostClass: String?, policy: String?, artifacts: [PlanArtifacts.Artifact]?,
    diagnostics: [Diagnostic], sources: [String: String]
  ) {
    self.host = host
    self.hostClass = hostClass
    self.policy = policy
    self.artifacts = artifacts
    self.diagnostics = diagnostics
    self.sources = sources
  }

  public var errors: Int { diagnostics.filter { $0.severity == .error }.count }
  public var warnings: Int { diagnostics.filter { $0.severity == .warning }.count }
}
