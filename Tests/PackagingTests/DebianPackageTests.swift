import Foundation
import MKTestSupport
import Testing

/// The Debian package (`make deb`, or `make package-test` in `make test`),
/// unpacked into a fresh root and run there with nothing from the Swift
/// toolchain reachable: the package installs and runs on a host without it.
@Suite struct DebianPackageTests {
  /// The package under test: `MKPOLICY_DEB`, else the newest `.build/deb/*.deb`.
  static var package: String? {
    if let path = ProcessInfo.processInfo.environment["MKPOLICY_DEB"] { return path }
    let folder = PackagePaths.path(".build/deb")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".deb") }.map { folder + "/" + $0 }.max { a, b in
      let dateA = (try? FileManager.default.attributesOfItem(atPath: a)[.modificationDate]) as? Date
      let dateB = (try? FileManager.default.attributesOfItem(atPath: b)[.modificationDate]) as? Date
      return (dateA ?? .distantPast) < (dateB ?? .distantPast)
    }
  }

  /// `make test` builds the package first and sets MKPOLICY_REQUIRE_DEB=1,
  /// so CI fails rather than skips when it is missing.
  static var required: Bool { ProcessInfo.processInfo.environment["MKPOLICY_REQUIRE_DEB"] == "1" }

  static var available: Bool { package != nil || required }

  /// The toolchain's folder (where `swift` resolves to), hidden from the run.
  static var toolchain: String {
    let swift = Subprocess.run(["sh", "-c", "readlink -f \"$(command -v swift)\""])
    let path = swift.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    return path.isEmpty
      ? "/opt/swift"
      : URL(fileURLWithPath: path).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
  }

  @Test(.enabled(if: available, "no package: run `make deb` (make test builds one)"))
  func installsIntoAFreshRootAndRunsWithoutTheToolchain() throws {
    let deb = try #require(Self.package, "no .deb in .build/deb: run `make deb`")
    let root = NSTemporaryDirectory() + "mkpolicy-deb-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }

    let unpack = Subprocess.run(["dpkg-deb", "-x", deb, root])
    #expect(unpack.status == 0, "dpkg-deb -x: \(unpack.stderr)")
    let fields = Subprocess.run(["dpkg-deb", "-f", deb, "Package", "Depends"])
    #expect(fields.status == 0, "\(fields.stderr)")
    for library in ["libc6", "libyaml-0-2", "libnuma1", "libudev1", "libfdt1"] {
      #expect(fields.stdout.contains(library), "Depends lacks \(library): \(fields.stdout)")
    }
    #expect(!fields.stdout.lowercased().contains("swift"), "\(fields.stdout)")
    // DT_RELR (Package.swift) needs glibc 2.36, a version no symbol names.
    #expect(fields.stdout.contains("libc6 (>= 2.36)"), "Depends: \(fields.stdout)")

    let files = Subprocess.run(["dpkg-deb", "-c", deb]).stdout
    for path in [
      "./usr/bin/mkpolicy", "./usr/share/man/man1/mkpolicy.1.gz",
      "./usr/share/man/man1/mkpolicy.plan.1.gz",
      "./usr/share/bash-completion/completions/mkpolicy",
      "./usr/share/zsh/vendor-completions/_mkpolicy",
      "./usr/share/fish/vendor_completions.d/mkpolicy.fish",
      "./usr/share/mkpolicy/policy.v1.schema.json", "./usr/share/mkpolicy/plan.v1.schema.json",
      "./usr/share/mkpolicy/plan.v2.schema.json",
      "./var/lib/mkpolicy/", "./usr/share/doc/mkpolicy/copyright",
    ] {
      #expect(files.contains(" \(path)\n"), "the package lacks \(path)")
    }
    let units =
      (try? FileManager.default.contentsOfDirectory(atPath: PackagePaths.path("dist/systemd")))
      ?? []
    for unit in units {
      #expect(files.contains(" ./lib/systemd/system/\(unit)\n"), "the package lacks \(unit)")
    }

    // lintian: no error-level tag (warnings are reported, not failed on).
    let lintian = Subprocess.run(["lintian", "--no-tag-display-limit", deb])
    let errors = lintian.stdout.split(separator: "\n").filter { $0.hasPrefix("E: ") }
    #expect(errors.isEmpty, "lintian errors:\n\(errors.joined(separator: "\n"))")

    let binary = root + "/usr/bin/mkpolicy"
    let section = Subprocess.run(["readelf", "-d", "-W", binary]).stdout
    #expect(!section.contains("RPATH") && !section.contains("RUNPATH"), "\(section)")
    let ldd = Subprocess.run(["ldd", binary])
    #expect(ldd.status == 0 && !ldd.stdout.contains("not found"), "\(ldd.stdout)")
    #expect(!ldd.stdout.contains(Self.toolchain), "resolves into \(Self.toolchain):\n\(ldd.stdout)")

    // A clean environment: no LD_LIBRARY_PATH, a PATH without the toolchain.
    func run(_ arguments: [String]) -> Subprocess.Result {
      Subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", "LD_LIBRARY_PATH=", binary] + arguments,
        currentDirectory: PackagePaths.root)
    }
    let version = run(["--version"])
    #expect(version.status == 0 && !version.stdout.isEmpty, "\(version.stdout)\(version.stderr)")
    // The release, then the commit (a hash from `make deb`; from the debug
    // build `make test` packages, a sentence that it is not known), then schemas.
    let lines = version.stdout.split(separator: "\n")
    #expect(lines.first?.hasPrefix("mkpolicy ") == true, "\(version.stdout)")
    let commit = lines.dropFirst().first ?? ""
    #expect(
      commit.wholeMatch(of: /commit: ([0-9a-f]{12}(-dirty)?|unknown \(.+\))/) != nil,
      "second line of --version: \(commit)")
    let check = run(["check", "Policies/default.yaml"])
    #expect(check.status == 0 && check.stdout.hasPrefix("ok: "), "\(check.stdout)\(check.stderr)")
    let discover = run(["discover", "--format", "json"])
    #expect(discover.status == 0 && discover.stdout.contains("\"nodes\""), "\(discover.stderr)")
    // libnuma and libudev are opened with dlopen: the installed package finds them.
    #expect(!discover.stderr.contains("cannot load"), "\(discover.stderr)")
    #expect(!discover.stderr.contains("libudev could not"), "\(discover.stderr)")
    let plan = run([
      "plan", "Policies/default.yaml", "--topology", "Examples/topologies/xeon-spr-2s-snc4.yaml",
      "--format", "json",
    ])
    #expect(plan.status == 0 && plan.stdout.contains("\"kind\" : \"Plan\""), "\(plan.stderr)")
    // The plan records the release that wrote it (the first line of --version).
    let release = lines.first.map { String($0.dropFirst("mkpolicy ".count)) } ?? "?"
    #expect(
      plan.stdout.contains("\"mkpolicyVersion\" : \"\(release)\""), "\(plan.stdout.prefix(400))")
  }
}
