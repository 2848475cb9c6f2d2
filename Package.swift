// swift-tools-version:6.0
// mkpolicy: a declarative partition policy compiler for multikernel hosts.
//
// The layout mirrors the compiler's stages. Each library is pure apart from
// `MKTopology`'s live discovery (reads only) and `MKApply` (the one place that
// writes to a host); the `mkpolicy` executable is a thin argument parser.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

// The commit `mkpolicy --version` prints: `make release` sets MKPOLICY_COMMIT
// (scripts/build-commit.sh: hex digits, maybe `-dirty`). It is defined for
// the one C file of CBuildInfo only, so a new commit recompiles that file and
// relinks; as a -Xcc define it went to every module and rebuilt them all.
let buildCommit = Context.environment["MKPOLICY_COMMIT"] ?? ""
let isCommitCharacter: (Character) -> Bool = {
  $0.isASCII && ($0.isLetter || $0.isNumber || "-._+".contains($0))
}
guard buildCommit.allSatisfy(isCommitCharacter) else {
  fatalError("MKPOLICY_COMMIT must be letters, digits and -._+, not '\(buildCommit)'")
}
let commitDefine: [CSetting] =
  buildCommit.isEmpty ? [] : [.define("MKPOLICY_COMMIT", to: "\"\(buildCommit)\"")]

let package = Package(
  name: "mkpolicy",
  products: [
    .executable(name: "mkpolicy", targets: ["mkpolicy"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // C libraries from Debian's -dev packages, each behind a one-line shim header.
    .systemLibrary(
      name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    // libfdt-dev ships no pkg-config file: the module map links it by name.
    .systemLibrary(name: "CFDT", providers: [.apt(["libfdt-dev"])]),
    // openat2, statfs and spawn actions glibc does not wrap: header only.
    .systemLibrary(name: "CMKSys"),
    // One C function: the commit `--version` prints (MKPOLICY_COMMIT above).
    .target(name: "CBuildInfo", cSettings: commitDefine),

    // Shared vocabulary: source locations, diagnostics, CPU sets, sizes, YAML.
    .target(name: "MKCore", dependencies: ["CYAML"], swiftSettings: strict),
    // Front end: the policy model, its strict decoder and semantic checks.
    // Embeds Policies/default.yaml (a test keeps the copy identical).
    .target(
      name: "MKPolicy", dependencies: ["MKCore"],
      resources: [.embedInCode("Resources/default.yaml")], swiftSettings: strict),
    // Host model, snapshot codec, live discovery and the synthetic generator.
    // Live discovery opens libnuma and libudev with dlopen at first use
    // (SharedLibrary.swift): they are not linked, so that commands which do
    // not discover do not load them.
    .target(name: "MKTopology", dependencies: ["MKCore"], swiftSettings: strict),
    // Placement: policy + topology -> assignment, or an explained conflict.
    .target(
      name: "MKSolver", dependencies: ["MKCore", "MKPolicy", "MKTopology"], swiftSettings: strict),
    // SHA-256 blocks with the x86 SHA extensions, chosen at run time by
    // MKPlan.SHA256 (which falls back to its portable code). DWARF 4: clang's
    // default DWARF 5 makes Debian's valgrind 3.19 give up on the whole
    // binary, and callgrind is how the benchmarks count instructions.
    .target(name: "CSHA256", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
    // The plan and its emitters, one file per output format.
    .target(
      name: "MKPlan",
      dependencies: ["MKCore", "MKPolicy", "MKTopology", "MKSolver", "CFDT", "CSHA256"],
      swiftSettings: strict),
    // The only code that writes to a host, behind the HostIO seam.
    .target(
      name: "MKApply", dependencies: ["MKCore", "MKPlan", "MKTopology", "CMKSys"],
      swiftSettings: strict),
    // Run-time resizing: signals read through a read-only host view, the
    // pure decision function, re-planning through the solver, the simulator.
    .target(
      name: "MKAgent",
      dependencies: ["MKCore", "MKPolicy", "MKTopology", "MKSolver", "MKPlan", "MKApply"],
      swiftSettings: strict),
    // Fleets: the inventory (fleet.yaml), policy overlays, planning every
    // host in parallel, checking committed plans.
    .target(
      name: "MKFleet", dependencies: ["MKCore", "MKPolicy", "MKPlan"], swiftSettings: strict),
    .executableTarget(
      name: "mkpolicy",
      dependencies: [
        "MKCore", "MKPolicy", "MKTopology", "MKSolver", "MKPlan", "MKApply", "MKFleet", "MKAgent",
        "CBuildInfo", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict,
      // Self-contained in every configuration (debug too, so that the tests,
      // the QEMU guests and the package run what ships): the Swift runtime and
      // FoundationEssentials are linked in, the binary needs only Debian's C
      // libraries (docs/packaging.md). The toolchain's static FoundationEssentials
      // does not name three of its own dependencies, which debug builds need.
      //
      // Start-up (docs/packaging.md "Start-up"; each measured against
      // `lstopo --version`): GCC's libstdc++ linked in as well (the folder's
      // linker script turns the runtime's -lstdc++ into libstdc++.a), as
      // loading and relocating libstdc++.so.6 was a fifth of `--version`;
      // relative relocations packed (DT_RELR: 9 KB instead of 1.1 MB of
      // .rela.dyn for the loader to read); and no -export-dynamic, which put
      // 9,300 symbols in the dynamic table for the loader to hash and search.
      linkerSettings: [
        .unsafeFlags([
          "-static-stdlib", "-use-ld=lld",
          "-L", Context.packageDirectory + "/dist/static-libstdc++",
          "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
          "-Xlinker", "--no-export-dynamic",
        ]),
        .linkedLibrary("_FoundationCShims"), .linkedLibrary("_FoundationCollections"),
        .linkedLibrary("swiftSynchronization"),
      ]),

    // The benchmark families (the kinds of policies operators write, at any
    // size, on any host), shared by the solver benchmarks and the solver's
    // property tests, which check every rule on them. Not part of the product.
    .target(
      name: "BenchFamilies", dependencies: ["MKCore", "MKPolicy", "MKTopology"],
      swiftSettings: strict),
    // Solver benchmarks (Benchmarks/solver): quality against an exact MILP,
    // scale, stability. Not part of the product.
    .executableTarget(
      name: "mkpolicy-bench",
      dependencies: ["MKCore", "MKPolicy", "MKTopology", "MKSolver", "MKPlan", "BenchFamilies"],
      swiftSettings: strict),

    // What the fuzzers run on one input (policy reader, snapshot reader,
    // plan decoder), shared by the libFuzzer executable and the tests that
    // replay every crash found. Not part of the product.
    .target(
      name: "MKFuzz",
      dependencies: ["MKCore", "MKPolicy", "MKTopology", "MKSolver", "MKPlan", "MKApply"],
      swiftSettings: strict),

    // Golden files with a diff, subprocess helpers for black-box CLI tests.
    .target(name: "MKTestSupport", dependencies: ["MKApply"], swiftSettings: strict),

    .testTarget(
      name: "MKCoreTests", dependencies: ["MKCore", "MKTestSupport"], swiftSettings: strict),
    .testTarget(
      name: "MKTopologyTests", dependencies: ["MKCore", "MKTopology", "MKTestSupport"],
      exclude: ["Golden", "Fixtures", "Scripts"], swiftSettings: strict),
    .testTarget(
      name: "MKPolicyTests", dependencies: ["MKCore", "MKPolicy", "MKTestSupport"],
      exclude: ["Corpus"], swiftSettings: strict),
    .testTarget(
      name: "MKSolverTests",
      dependencies: [
        "MKCore", "MKPolicy", "MKTopology", "MKSolver", "MKTestSupport", "BenchFamilies",
      ],
      exclude: ["Infeasible"], swiftSettings: strict),
    .testTarget(
      name: "MKApplyTests",
      dependencies: [
        "MKApply", "MKPlan", "MKPolicy", "MKSolver", "MKTopology", "MKCore", "MKTestSupport",
      ],
      exclude: ["Golden"], swiftSettings: strict),
    .testTarget(
      name: "MKPlanTests",
      dependencies: ["MKCore", "MKPolicy", "MKTopology", "MKSolver", "MKPlan", "MKTestSupport"],
      exclude: ["Golden"], swiftSettings: strict),
    .testTarget(
      name: "MKFuzzTests", dependencies: ["MKFuzz", "MKTopology", "MKTestSupport"],
      path: "Tests/Fuzz", exclude: ["crashes"], swiftSettings: strict),
    .testTarget(
      name: "MKAgentTests",
      dependencies: [
        "MKAgent", "MKApply", "MKPlan", "MKSolver", "MKTopology", "MKPolicy", "MKCore",
        "MKTestSupport",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "MKFleetTests",
      dependencies: ["MKCore", "MKPolicy", "MKPlan", "MKFleet", "MKTestSupport"],
      swiftSettings: strict),
    // The shipped binary and package: linkage, install into a fresh root.
    .testTarget(name: "PackagingTests", dependencies: ["MKTestSupport"], swiftSettings: strict),
    // Real-kernel tests: QEMU guests driven by Tests/e2e/harness.py.
    .testTarget(name: "E2ETests", dependencies: ["MKTestSupport"], swiftSettings: strict),
  ],
  swiftLanguageModes: [.v6]
)

// The libFuzzer executable exists only for `make fuzz` (MKPOLICY_FUZZ=1, with
// -sanitize=fuzzer,address and -parse-as-library: libFuzzer supplies main),
// so the normal build never links a target without a main.
if Context.environment["MKPOLICY_FUZZ"] == "1" {
  package.targets.append(
    .executableTarget(
      name: "mkpolicy-fuzz", dependencies: ["MKFuzz", "MKTopology"], swiftSettings: strict))
}
