import MKFuzz
import MKTopology

#if canImport(Glibc)
  import Glibc
#endif

/// The libFuzzer entry points (`make fuzz`, docs/fuzzing.md). Built only
/// with `MKPOLICY_FUZZ=1 swift build -Xswiftc -sanitize=fuzzer,address
/// -Xswiftc -parse-as-library`. SwiftPM links an executable's entry point as
/// `mkpolicy_fuzz_main` (`--defsym main=...`), which hands over to
/// libFuzzer's driver. Which reader is fuzzed comes from
/// `MKPOLICY_FUZZ_TARGET` (policy, snapshot, plan); the policy target plans
/// on the snapshot `MKPOLICY_FUZZ_TOPOLOGY` names.
nonisolated(unsafe) var target: FuzzTargets.Target = .policy
nonisolated(unsafe) var topology: Topology?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
  let name = getenv("MKPOLICY_FUZZ_TARGET").map { String(cString: $0) } ?? "policy"
  guard let chosen = FuzzTargets.Target(rawValue: name) else {
    report("MKPOLICY_FUZZ_TARGET must be policy, snapshot or plan, not \(name)")
    exit(64)
  }
  target = chosen
  if let path = getenv("MKPOLICY_FUZZ_TOPOLOGY").map({ String(cString: $0) }) {
    let read = TopologySnapshot.read(path: path)
    guard let snapshot = read.topology else {
      report("cannot read \(path): \(read.diagnostics.map(\.message))")
      exit(66)
    }
    topology = snapshot
  }
  return 0
}

/// A line on standard error (file descriptor 2).
func report(_ message: String) {
  let line = Array((message + "\n").utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("mkpolicy_fuzz_main")
public func fuzzMain(
  _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  var count = argc
  var arguments = argv
  return runDriver(&count, &arguments, testOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  FuzzTargets.run(target, bytes, topology: topology)
  return 0
}
