import Foundation
import MKTestSupport
import Testing

/// The manual pages in dist/man/ are generated from the argument parser's
/// help (`make man`) and committed, because generating them rebuilds the
/// package. They must describe the binary as it is now.
@Suite struct ManualPageTests {
  @Test func pagesWereMadeFromTheCurrentHelp() throws {
    let help = PackagePaths.runMKPolicy(["--experimental-dump-help"])
    #expect(help.status == 0, "\(help.stderr)")
    let committed = try String(
      contentsOfFile: PackagePaths.path("dist/man/dump-help.json"), encoding: .utf8)
    #expect(
      help.stdout == committed,
      "the commands' help changed since dist/man/ was generated: run `make man` and commit dist/man/"
    )
  }

  /// One page per command and subcommand, each naming its command.
  @Test func everyCommandHasAPage() throws {
    let help = PackagePaths.runMKPolicy(["--experimental-dump-help"])
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(help.stdout.utf8)) as? [String: Any])
    var names: [String] = []
    func walk(_ command: [String: Any], _ prefix: String) {
      let name =
        prefix.isEmpty ? "mkpolicy" : prefix + "." + (command["commandName"] as? String ?? "")
      names.append(name)
      for sub in command["subcommands"] as? [[String: Any]] ?? []
      where sub["commandName"] as? String != "help" {
        walk(sub, name)
      }
    }
    walk(try #require(json["command"] as? [String: Any]), "")
    for name in names {
      let path = PackagePaths.path("dist/man/\(name).1")
      let page = try? String(contentsOfFile: path, encoding: .utf8)
      #expect(page?.contains(".Dt \(name.uppercased()) 1") == true, "no page \(path)")
    }
  }
}
