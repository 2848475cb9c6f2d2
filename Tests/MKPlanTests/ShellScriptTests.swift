import Foundation
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTestSupport
import MKTopology
import Testing

@Suite struct ShellScriptTests {
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mkplan-sh-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func shellcheck(_ name: String, _ script: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent(name).path
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    let result = Subprocess.run(["shellcheck", "--shell=sh", "--severity=style", path])
    #expect(result.status == 0, "shellcheck \(name):\n\(result.stdout)\(result.stderr)")
  }

  static var plans: [(String, Plan)] {
    let v2 = PlanFixture.topology()
    let hybrid = PlanFixture.topology(
      release: "5.10.0", cgroupMode: .hybrid, multikernel: .bootParameter)
    let grubby = PlanFixture.plan(topology: v2, policy: PlanFixture.policy(bootloader: .grubby))
    return [
      ("v2", PlanFixture.plan(topology: v2)),
      ("hybrid", PlanFixture.plan(topology: hybrid, assignment: PlanFixture.assignment(hybrid))),
      ("grubby", grubby),
      (
        "resize",
        PlanFixture.plan(
          topology: v2, assignment: PlanFixture.assignment(v2, routerCPUs: 2),
          previous: PlanFixture.plan(topology: v2))
      ),
    ]
  }

  @Test func everyScriptPassesShellcheck() throws {
    for (name, plan) in Self.plans {
      try Self.shellcheck("\(name)-cgroup.sh", ShellScriptEmitter.cgroupScript(plan))
      try Self.shellcheck("\(name)-irq.sh", ShellScriptEmitter.irqScript(plan))
      try Self.shellcheck("\(name)-kerf.sh", ShellScriptEmitter.kerfScript(plan))
      if let argv = plan.bootStaging?.argv {
        try Self.shellcheck("\(name)-grubby.sh", ShellScriptEmitter.grubbyScript(plan, argv: argv))
      }
      if plan.bootStaging?.bootloader == "grub", let content = plan.bootStaging?.content {
        try Self.shellcheck("\(name)-grub.cfg", "#!/bin/sh\n" + content)
      }
    }
  }

  /// Hostile argv goes through the kerf script and reaches the program
  /// exactly as it was: a fake `kerf` prints its arguments NUL-separated.
  @Test func argvRoundTripsThroughTheScript() throws {
    let hostile: [[String]] = [
      ["kerf", "load", "db", "--cmdline=root=/dev/vda1 quiet console=ttyS0,115200"],
      ["kerf", "load", "it's", "\"double\"", "'single'", "a'b\"c"],
      ["kerf", "x", "$HOME", "${PATH}", "$(id)", "`id`", "\\", "\\n", "*", "?", "[a]", "~", "#x"],
      ["kerf", "--leading-dash", "-n", "-", "--", "-e", "=x", "a=b"],
      [
        "kerf", "line1\nline2", "\n", "tab\there", "", " ", "  two  spaces  ", ";", "&&", "|", ">",
        "<", "!",
      ],
      ["kerf", "ünïcødé", "日本", "emoji 🙂"],
    ]
    var plan = PlanFixture.plan()
    plan.coordinatorCommands = hostile.enumerated().map {
      CoordinatorCommand(
        id: "step\($0.offset)", argv: $0.element,
        provenance: Provenance(workload: "w", source: "p.yaml:1:1"))
    }
    let script = ShellScriptEmitter.kerfScript(plan)
    try Self.shellcheck("hostile-kerf.sh", script)
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let bin = directory.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let fake = bin.appendingPathComponent("kerf").path
    let log = directory.appendingPathComponent("log").path
    try
      "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$ARGV_LOG\"\nprintf '\\1' >> \"$ARGV_LOG\"\n"
      .write(toFile: fake, atomically: true, encoding: .utf8)
    _ = Subprocess.run(["chmod", "+x", fake])
    let scriptPath = directory.appendingPathComponent("kerf.sh").path
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    for shell in ["sh", "bash"] {
      try? FileManager.default.removeItem(atPath: log)
      let result = Subprocess.run(
        [shell, scriptPath],
        environment: ["PATH": bin.path + ":/usr/bin:/bin", "ARGV_LOG": log, "HOME": "/nonexistent"])
      #expect(result.status == 0, "\(shell): \(result.stderr)")
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: log)))
      let calls = bytes.split(separator: 1, omittingEmptySubsequences: false).dropLast().map {
        call in
        call.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
          String(decoding: $0, as: UTF8.self)
        }
      }
      #expect(calls == hostile.map { Array($0.dropFirst()) }, "\(shell)")
    }
  }

  /// Sourcing the drop-in appends to GRUB_CMDLINE_LINUX_DEFAULT and leaves
  /// every other variable, and the previous value, intact.
  @Test func grubDropInSetsOnlyItsVariable() throws {
    let plan = PlanFixture.plan()
    let content = try #require(plan.bootStaging?.content)
    let directory = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let dropIn = directory.appendingPathComponent("90-mkpolicy.cfg").path
    try content.write(toFile: dropIn, atomically: true, encoding: .utf8)
    let defaults = directory.appendingPathComponent("grub").path
    // A hostile but legal /etc/default/grub: quotes, $ and backticks stay literal.
    try """
    GRUB_DEFAULT=0
    GRUB_CMDLINE_LINUX="console=ttyS0"
    GRUB_CMDLINE_LINUX_DEFAULT='quiet $notavar `notacommand` "q"'
    """.write(toFile: defaults, atomically: true, encoding: .utf8)
    let probe = """
      set -eu
      . "$1"
      set > "$3.before"
      . "$2"
      set > "$3.after"
      printf '%s' "$GRUB_CMDLINE_LINUX_DEFAULT"
      """
    let state = directory.appendingPathComponent("state").path
    let result = Subprocess.run(["bash", "-c", probe, "probe", defaults, dropIn, state])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout == "quiet $notavar `notacommand` \"q\" "
        + plan.bootParameters.joined(separator: " "))
    let before = try String(contentsOfFile: state + ".before", encoding: .utf8).split(
      separator: "\n")
    let after = try String(contentsOfFile: state + ".after", encoding: .utf8).split(separator: "\n")
    let changed = Set(after).symmetricDifference(Set(before)).map {
      String($0.prefix { $0 != "=" })
    }
    #expect(
      Set(changed).subtracting(["_", "BASH_LINENO", "BASH_SOURCE", "BASH_ARGC", "BASH_ARGV"]) == [
        "GRUB_CMDLINE_LINUX_DEFAULT"
      ])

    // Also with the variable unset: no leading space.
    let unset = Subprocess.run([
      "sh", "-c", "set -eu; . \"$1\"; printf '%s' \"$GRUB_CMDLINE_LINUX_DEFAULT\"", "probe", dropIn,
    ])
    #expect(unset.stdout == plan.bootParameters.joined(separator: " "))
  }

  @Test func unsafeBootParameterIsRefused() {
    let staging = BootStagingEmitter().emit(
      parameters: [BootParameter("nohz_full=1'; rm -rf /", provenance: [])], bootloader: .grub,
      currentCommandLine: "", previousParameters: [], policyName: "p")
    #expect(staging.staging == nil)
    #expect(staging.diagnostics.map(\.code) == ["E405"])
  }

  @Test func quoting() {
    #expect(ShellQuote.quote("plain-1,2:3/x") == "plain-1,2:3/x")
    #expect(ShellQuote.quote("it's") == "'it'\\''s'")
    #expect(ShellQuote.quote("") == "''")
    #expect(ShellQuote.join(["a=b", "a=b"]) == "'a=b' a=b")
    #expect(ShellQuote.quote("$x `y` \\ \"z\" 'w'") == "\"\\$x \\`y\\` \\\\ \\\"z\\\" 'w'\"")
  }
}
