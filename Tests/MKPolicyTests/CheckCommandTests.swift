import MKTestSupport
import Testing

/// Black-box tests of `mkpolicy check`, run as a user would run it.
@Suite struct CheckCommandTests {
  static let invalid = PackagePaths.path("Tests/MKPolicyTests/Corpus/invalid")

  @Test func shippedPoliciesPass() {
    let run = PackagePaths.runMKPolicy(["check", "Policies/", "Examples/policies/split-host"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr == "")
    #expect(
      run.stdout == """
        ok: Policies/ai-inference.yaml (policy 'ai-inference', 3 workloads)
        ok: Policies/batch-elastic.yaml (policy 'batch-elastic', 3 workloads)
        ok: Policies/cloud-multitenant.yaml (policy 'cloud-multitenant', 4 workloads)
        ok: Policies/database-nvme.yaml (policy 'database-nvme', 3 workloads)
        ok: Policies/default.yaml (policy 'default', 1 workload)
        ok: Policies/telco-edge.yaml (policy 'telco-edge', 3 workloads)
        ok: Policies/trading-realtime.yaml (policy 'trading-edge', 3 workloads)
        ok: Examples/policies/split-host (policy 'split-host', 3 workloads)

        """)
  }

  @Test func textDiagnosticsGoToStderrWithExitOne() {
    let run = PackagePaths.runMKPolicy(
      ["check", "enum-isolation-kernal.yaml", "semantic-avoid-unknown.yaml"],
      currentDirectory: Self.invalid)
    #expect(run.status == 1)
    #expect(run.stdout == "")
    #expect(
      run.stderr == """
        enum-isolation-kernal.yaml:19:16: error[E023]: workloads[0].isolation must be one of kernel, partition, shared, not "kernal"
           |
        19 |     isolation: kernal
           |                ^
           = help: did you mean 'kernel'?

        semantic-avoid-unknown.yaml:33:15: error[E104]: workload 'web' avoids 'dbs', which is not a workload of this policy
           |
        33 |       avoid: [dbs]
           |               ^
           = help: did you mean 'db'?

        2 errors

        """)
  }

  @Test func githubAnnotationsCarryLineAndColumn() {
    let run = PackagePaths.runMKPolicy(
      ["check", "--format", "github", "duplicate-flow-key.yaml", "bool-perNode-yes.yaml"],
      currentDirectory: Self.invalid)
    #expect(run.status == 1)
    #expect(run.stderr == "")
    #expect(
      run.stdout == """
        ::error file=duplicate-flow-key.yaml,line=25,col=31,title=E011::duplicate key 'driver'%0Anote: duplicate-flow-key.yaml:25:17: first defined here%0Ahelp: remove one of the two, or merge their values
        ::error file=bool-perNode-yes.yaml,line=10,col=14,title=E024::host.housekeeping.perNode must be true or false, not "yes"%0Ahelp: only true and false are booleans here (YAML 1.1 spellings like yes, no, on and off are not): write true

        """)
  }

  @Test func jsonIsMachineReadable() {
    let run = PackagePaths.runMKPolicy(
      ["check", "--format", "json", "int-weight-zero.yaml"], currentDirectory: Self.invalid)
    #expect(run.status == 1)
    #expect(
      run.stdout == """
        {
          "diagnostics": [
            {"severity": "error", "code": "E025", "message": "workloads[1].weight must be between 1 and 10000, not 0", "file": "int-weight-zero.yaml", "line": 31, "column": 13, "notes": [], "help": []}
          ],
          "errors": 1,
          "warnings": 0
        }

        """)
  }

  @Test func validAndInvalidTogetherFail() {
    let run = PackagePaths.runMKPolicy([
      "check", "Policies/default.yaml", "Tests/MKPolicyTests/Corpus/invalid/empty-file.yaml",
    ])
    #expect(run.status == 1)
    #expect(run.stdout == "ok: Policies/default.yaml (policy 'default', 1 workload)\n")
    #expect(
      run.stderr.hasPrefix("Tests/MKPolicyTests/Corpus/invalid/empty-file.yaml:1:1: error[E014]"))
  }

  @Test func missingFileIsAnErrorNotAUsageError() {
    let run = PackagePaths.runMKPolicy(["check", "no/such/policy.yaml"])
    #expect(run.status == 1)
    #expect(
      run.stderr
        == "error[E001]: cannot read 'no/such/policy.yaml': No such file or directory\n\n1 error\n")
  }

  @Test(arguments: [
    ["check"], ["check", "--format", "xml", "Policies/"], ["check", "--bogus", "x"],
  ])
  func usageErrorsExit64(arguments: [String]) {
    let run = PackagePaths.runMKPolicy(arguments)
    #expect(run.status == 64)
    #expect(run.stdout == "")
    #expect(run.stderr.contains("Usage: mkpolicy check"))
  }

  @Test func colourOnlyWhenAsked() {
    let plain = PackagePaths.runMKPolicy(
      ["check", "int-weight-zero.yaml"], currentDirectory: Self.invalid)
    #expect(!plain.stderr.contains("\u{1B}["))
    let coloured = PackagePaths.runMKPolicy(
      ["check", "--color", "always", "int-weight-zero.yaml"], currentDirectory: Self.invalid)
    #expect(coloured.stderr.contains("\u{1B}[1;31merror[E025]\u{1B}[0m"))
  }
}
