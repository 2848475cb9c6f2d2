/// The mkpolicy release, in one place for `--version` and for the plans it
/// writes (`Plan.mkpolicyVersion`).
///
/// Plans record the release only, not the commit: a plan's bytes (and its
/// digest) then change when a release changes what mkpolicy writes, not with
/// every commit. `--version` also prints the commit the binary was built from.
public enum MKPolicyVersion {
  public static let release = "0.1.0"
}
