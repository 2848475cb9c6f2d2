import Foundation
import MKTestSupport
import Testing

/// The shipped binary must run on hosts without a Swift toolchain: it may
/// load Debian's C libraries and nothing else (docs/packaging.md). These
/// tests read what the binary asks the dynamic loader for.
@Suite struct LinkageTests {
  /// Sonames a mkpolicy binary may need: glibc (with the pieces older
  /// releases split off), the C++ runtime the Swift runtime uses, and the
  /// four C libraries mkpolicy calls.
  static let allowedSonames: Set<String> = [
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
    "libstdc++.so.6", "libgcc_s.so.1",
    "libyaml-0.so.2", "libnuma.so.1", "libudev.so.1", "libfdt.so.1",
  ]

  /// Debian's library folders; the toolchain lives elsewhere (/opt/swift here).
  static let systemLibraryDirectories = ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"]

  /// The binaries that exist: the one the tests run, and the release build
  /// when it has been made (`make release`, `make test`).
  static var binaries: [String] {
    let release = PackagePaths.path(".build/release/mkpolicy")
    var list = [PackagePaths.mkpolicyBinary]
    if FileManager.default.fileExists(atPath: release) { list.append(release) }
    return list
  }

  /// `readelf -d`: the NEEDED sonames and any RPATH/RUNPATH entries.
  static func dynamicSection(_ binary: String) -> (needed: [String], paths: [String]) {
    let result = Subprocess.run(["readelf", "-d", "-W", binary])
    #expect(result.status == 0, "readelf -d \(binary): \(result.stderr)")
    var needed: [String] = []
    var paths: [String] = []
    for line in result.stdout.split(separator: "\n") {
      guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else {
        continue
      }
      let value = String(line[line.index(after: open)..<close])
      if line.contains("(NEEDED)") { needed.append(value) }
      if line.contains("(RPATH)") || line.contains("(RUNPATH)") { paths.append(value) }
    }
    return (needed, paths)
  }

  @Test(arguments: binaries)
  func needsOnlyDebianCLibraries(binary: String) {
    let section = Self.dynamicSection(binary)
    #expect(section.needed.contains("libc.so.6"), "\(binary): no NEEDED entries read")
    let foreign = section.needed.filter { !Self.allowedSonames.contains($0) }
    #expect(
      foreign.isEmpty,
      "\(binary) needs \(foreign): link the Swift runtime statically and import FoundationEssentials, not Foundation"
    )
    // SwiftPM gives every executable RUNPATH $ORIGIN (nothing is there in
    // .build); the package removes it (PackageTests checks the installed one).
    #expect(
      section.paths.allSatisfy { $0 == "$ORIGIN" },
      "\(binary) has a library search path \(section.paths)")
  }

  /// `-static-stdlib` would also link Foundation and ICU in without a trace in
  /// the NEEDED list (a 70 MB binary whose start-up loads ICU's tables): the
  /// module names and ICU's data symbol must not be in the file. (A program
  /// that imports Foundation, linked the same way, holds each of them.)
  @Test(arguments: binaries)
  func linksNeitherFoundationNorICU(binary: String) throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: binary))
    let markers = ["\0Foundation\0", "FoundationInternationalization", "icudt"]
    for marker in markers {
      let found = bytes.range(of: Data(marker.utf8)) != nil
      #expect(
        !found,
        "\(binary) contains \(marker.debugDescription): something imports Foundation; import FoundationEssentials or Glibc"
      )
    }
  }

  /// The start-up linkage (Package.swift, docs/packaging.md "Start-up"):
  /// libstdc++ linked in rather than loaded and relocated at every start,
  /// relative relocations packed (DT_RELR), and no -export-dynamic (the
  /// dynamic symbol table holds what the binary imports, a few hundred
  /// symbols, not every Swift symbol of the package: 9,300 before).
  @Test(arguments: binaries)
  func startsWithoutLibstdcxxOrUnpackedRelocations(binary: String) {
    let section = Self.dynamicSection(binary)
    #expect(
      !section.needed.contains("libstdc++.so.6"),
      "\(binary) loads libstdc++.so.6: dist/static-libstdc++ is not first on the library path")
    let dynamic = Subprocess.run(["readelf", "-d", "-W", binary]).stdout
    #expect(
      dynamic.contains("(RELR)"), "\(binary) has no DT_RELR: link with -z pack-relative-relocs")
    let symbols = Subprocess.run(["readelf", "--dyn-syms", "-W", binary])
    #expect(symbols.status == 0, "readelf --dyn-syms \(binary): \(symbols.stderr)")
    let count = symbols.stdout.split(separator: "\n").filter { $0.contains(": ") }.count
    #expect(count > 0 && count < 1_000, "\(binary) exports \(count) dynamic symbols")
  }

  /// dist/dlopen-libraries: what mkpolicy opens with dlopen at first use.
  static var dlopenedSonames: [String] {
    let text =
      (try? String(contentsOfFile: PackagePaths.path("dist/dlopen-libraries"), encoding: .utf8))
      ?? ""
    return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty && !$0.hasPrefix("#") }
  }

  /// libnuma and libudev are opened by discovery when it runs, not loaded at
  /// start-up: not NEEDED, not loaded by `--version`, loaded by `discover`
  /// (the loader's own trace, LD_DEBUG=libs, says which it looked up; the
  /// binary's bytes cannot say, as a release build keeps a soname this short
  /// inline in its instructions). The list that the package (Depends) and
  /// the QEMU harness read names exactly the sonames the sources open, so
  /// neither misses one.
  @Test(arguments: binaries)
  func opensDiscoveryLibrariesAtFirstUse(binary: String) throws {
    let listed = Self.dlopenedSonames
    #expect(Set(listed) == ["libnuma.so.1", "libudev.so.1"], "dist/dlopen-libraries: \(listed)")
    let needed = Self.dynamicSection(binary).needed
    let trace = ["LD_DEBUG": "libs"]
    let start = Subprocess.run([binary, "--version"], environment: trace)
    let discovery = Subprocess.run([binary, "discover", "--format", "json"], environment: trace)
    #expect(start.status == 0, "\(binary) --version: \(start.stderr)")
    #expect(discovery.status == 0, "\(binary) discover: \(discovery.stderr)")
    for soname in listed {
      #expect(!needed.contains(soname), "\(binary) links \(soname): it is loaded at every start")
      #expect(
        !start.stderr.contains("library=\(soname)"), "\(binary) --version loads \(soname)")
      #expect(
        discovery.stderr.contains("library=\(soname)"), "\(binary) discover never opens \(soname)")
    }
    // Every `static let soname = "..."` in the sources is on the list.
    let sources = PackagePaths.path("Sources")
    let grep = Subprocess.run(["grep", "-rhoE", #"static let soname = "[^"]+""#, sources])
    let inSources = Set(
      grep.stdout.split(separator: "\n").compactMap { $0.split(separator: "\"").dropFirst().first }
        .map(String.init))
    #expect(!inSources.isEmpty, "no `static let soname` found under \(sources)")
    #expect(
      inSources == Set(listed),
      "sources open \(inSources.sorted()); dist/dlopen-libraries lists \(listed)")
  }

  /// What the loader resolves on this machine, with the toolchain installed:
  /// nothing from outside the system's library folders.
  @Test(arguments: binaries)
  func resolvesOnlyIntoSystemFolders(binary: String) {
    let result = Subprocess.run(["ldd", binary])
    #expect(result.status == 0, "ldd \(binary): \(result.stderr)")
    var resolved: [String] = []
    for line in result.stdout.split(separator: "\n") {
      #expect(!line.contains("not found"), "\(binary): \(line)")
      let words = line.split(separator: " ")
      if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count,
        words[arrow + 1].hasPrefix("/")
      {
        resolved.append(String(words[arrow + 1]))
      }
    }
    #expect(resolved.count >= 4, "\(binary): ldd listed \(resolved)")
    let outside = resolved.filter { path in
      !Self.systemLibraryDirectories.contains { path.hasPrefix($0) }
    }
    #expect(outside.isEmpty, "\(binary) loads \(outside) from outside the system's folders")
  }
}
