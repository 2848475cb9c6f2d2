import BenchFamilies
import Foundation
import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// Benchmarks for the placement solver (Benchmarks/solver/README.md):
///   mkpolicy-bench quality [COUNT] > quality.json   small hard instances, solved by
///                                                   mkpolicy and the kubelet walk
///   mkpolicy-bench scale [RUNS]                     plan time along a size ladder,
///                                                   against the kubelet walk
///   mkpolicy-bench edit-walk                        CPUs moved per edit, with and
///                                                   without the previous plan
///   mkpolicy-bench report [RUNS [DIR]]              report and map rendering against
///                                                   solve + build (ReportBench.swift)
///   mkpolicy-bench families TOPOLOGY OUTDIR N,...   every family's policy as YAML
///                                                   (fits and oversubscribed), the
///                                                   solver alone timed on each
///   mkpolicy-bench infeasible TOPOLOGY OUTDIR N,...  infeasible policies of every
///                                                   kind as YAML (InfeasibleKinds.swift)
/// Build with `swift build -c release --product mkpolicy-bench`.

func milliseconds(_ d: Duration) -> Double {
  Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// Best of `runs` wall-clock times (the minimum is the least disturbed by
/// other load on a shared machine).
func timed<T>(runs: Int, _ body: () -> T) -> (T, Double) {
  var best = Double.infinity
  var value: T?
  for _ in 0..<max(1, runs) {
    let start = ContinuousClock.now
    value = body()
    best = min(best, milliseconds(ContinuousClock.now - start))
  }
  return (value!, best)
}

func json(_ value: some Encodable) -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
}

struct QualityRecord: Encodable {
  var seed: UInt64
  var mix: String
  var instance: PlacementInstance?
  var mkpolicy: Outcome
  var kubelet: Outcome
  struct Outcome: Encodable {
    var feasible: Bool
    var objective: Objective?
    var total: Double?
    var milliseconds: Double?
    var ruleViolations: [String] = []
  }
}

func ruleViolations(_ a: Assignment, _ policy: Policy, _ topology: Topology) -> [String] {
  var out: [String] = []
  var nodeOf: [Int: Int] = [:]
  var llcOf: [Int: Int] = [:]
  for node in topology.nodes {
    for d in node.cacheDomains {
      for c in d.cpus {
        nodeOf[c] = node.id
        llcOf[c] = d.id
      }
    }
  }
  for wl in policy.workloads {
    guard let wa = a.workload(named: wl.name) else { continue }
    let nodes = Set(wa.cpus.compactMap { nodeOf[$0] }).union(
      wa.memoryBytesByNode.filter { $0.value > 0 }.compactMap { Int($0.key) })
    if wl.placement.numa == .single && nodes.count > 1 { out.append("\(wl.name): numa single") }
    let mine = Set(wa.cpus.compactMap { llcOf[$0] })
    for other in policy.workloads where other.name != wl.name {
      guard let ob = a.workload(named: other.name) else { continue }
      let theirs = Set(ob.cpus.compactMap { llcOf[$0] })
      if (wl.placement.llc == .exclusive || wl.placement.avoid.contains(other.name))
        && !mine.isDisjoint(with: theirs)
      {
        out.append("\(wl.name): shares an LLC with \(other.name)")
      }
    }
    if wl.placement.nearDevices {
      let devNodes = Set(
        wa.devices.compactMap { d in topology.devices.first { $0.pciAddress == d }?.numaNode })
      if !devNodes.isEmpty && !Set(wa.cpus.compactMap { nodeOf[$0] }).isSubset(of: devNodes) {
        out.append("\(wl.name): not near its devices")
      }
    }
  }
  return out
}

func quality(count: Int) {
  var records: [QualityRecord] = []
  let solver = Solver()
  for seed in 0..<UInt64(count) {
    let (mix, policy, topology) = BenchInstances.quality(seed: seed)
    let instance = solver.instance(policy, on: topology)
    let (result, ms) = timed(runs: 3) { solver.solve(policy, on: topology) }
    FileHandle.standardError.write(
      Data("seed \(seed) \(mix) \(String(format: "%.1f", ms)) ms\n".utf8))
    var mine = QualityRecord.Outcome(feasible: false)
    if case .success(let s) = result {
      mine = .init(
        feasible: true, objective: s.assignment.objective, total: s.assignment.objective.total,
        milliseconds: ms)
    } else {
      mine.milliseconds = ms
    }
    let sizes = policy.workloads.map { w in
      w.smt == .exclusive ? (w.cpus.min + 1) / 2 * 2 : w.cpus.min
    }
    var kube = QualityRecord.Outcome(feasible: false)
    if let a = KubeletStaticWalk.assign(
      policy, on: topology, sizes: sizes, memory: policy.workloads.map(\.memory.min)),
      let o = solver.objective(of: a, policy: policy, on: topology)
    {
      kube = .init(
        feasible: true, objective: o, total: o.total,
        ruleViolations: ruleViolations(a, policy, topology))
    }
    records.append(
      QualityRecord(seed: seed, mix: mix, instance: instance, mkpolicy: mine, kubelet: kube))
  }
  print(json(records))
}

/// Median and minimum of `runs` timings of each body, interleaved (a, b, a,
/// b, ...) so both see the same machine state.
func timedPair<A, B>(runs: Int, _ first: () -> A, _ second: () -> B) -> (
  A, B, first: (median: Double, best: Double), second: (median: Double, best: Double)
) {
  var a: [Double] = []
  var b: [Double] = []
  var x: A?
  var y: B?
  for _ in 0..<max(1, runs) {
    var start = ContinuousClock.now
    x = first()
    a.append(milliseconds(ContinuousClock.now - start))
    start = ContinuousClock.now
    y = second()
    b.append(milliseconds(ContinuousClock.now - start))
  }
  func stats(_ v: [Double]) -> (median: Double, best: Double) {
    let s = v.sorted()
    return (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2, s[0])
  }
  return (x!, y!, stats(a), stats(b))
}

/// Plan time along a size ladder up to the issue's instance, against the
/// kubelet static walk placing the same sizes on the same host in the same
/// run; objectives scored by the same function, rule violations of both.
func scale(runs: Int) {
  let seed: UInt64 = 7
  var ladder: [(name: String, policy: Policy, topology: Topology)] = []
  for (name, s, n, l, c, w, d) in [
    // name, sockets, nodes/socket, LLCs/node, cores/LLC, workloads, devices/node
    ("1S 1N 64T", 1, 1, 2, 16, 16, 2),
    ("2S SNC4 224T", 2, 4, 1, 14, 60, 2),
    ("2S NPS4 384T", 2, 4, 3, 8, 120, 2),
    ("4S 16N 960T", 4, 4, 2, 15, 250, 3),
  ] {
    let (policy, topology) = BenchInstances.scale(
      sockets: s, nodesPerSocket: n, llcsPerNode: l, coresPerLLC: c, workloads: w,
      devicesPerNode: d, seed: seed)
    ladder.append((name, policy, topology))
  }
  let eight = try! TopologySynthesizer.build(BenchInstances.eightSocketShape)
  ladder.append(
    ("8S 32N 1920T", BenchInstances.scale(on: eight, workloads: 500, seed: seed), eight))

  print(
    "plan time: median of \(runs) runs (best in parentheses), mkpolicy and the walk interleaved")
  print(
    "| shape | LLCs | workloads | devices | mkpolicy ms | walk ms | time ratio | us per LLC x workload | objective mkpolicy | objective walk | rule violations mkpolicy / walk |"
  )
  print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
  let solver = Solver()
  func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
  for (name, policy, topology) in ladder {
    let llcs = topology.cacheDomains.count
    let w = policy.workloads.count
    let head = "| \(name) | \(llcs) | \(w) | \(topology.devices.count) |"
    // The walk places what mkpolicy placed: its sizes, elastic growth included.
    guard case .success(let plan) = solver.solve(policy, on: topology) else {
      print("\(head) infeasible | | | | | | |")
      continue
    }
    let sizes = policy.workloads.map { plan.assignment.workload(named: $0.name)?.cpus.count ?? 0 }
    let memory = policy.workloads.map {
      plan.assignment.workload(named: $0.name)?.memoryBytesByNode.values.reduce(0, +) ?? 0
    }
    let (result, walk, mine, theirs) = timedPair(
      runs: runs, { solver.solve(policy, on: topology) },
      { KubeletStaticWalk.assign(policy, on: topology, sizes: sizes, memory: memory) })
    guard case .success(let s) = result else { continue }
    let ours = solver.objective(of: s.assignment, policy: policy, on: topology)
    let walkObjective = walk.flatMap { solver.objective(of: $0, policy: policy, on: topology) }
    let violations = ruleViolations(s.assignment, policy, topology).count
    print(
      "\(head) \(f(mine.median)) (\(f(mine.best))) | \(f(theirs.median)) (\(f(theirs.best))) | \(f(mine.median / theirs.median, 2))x | \(f(mine.median * 1000 / Double(llcs * w), 2)) | \(ours.map { f($0.total, 2) } ?? "?") | \(walkObjective.map { f($0.total, 2) } ?? "fails") | \(violations) / \(walk.map { String(ruleViolations($0, policy, topology).count) } ?? "-") |"
    )
  }
}

/// CPUs that left each workload present before and after an edit.
func moved(_ before: Assignment, _ after: Assignment) -> Int {
  before.workloads.reduce(0) { total, old in
    guard let new = after.workload(named: old.workload) else { return total }
    return total + old.cpus.subtracting(new.cpus).count
  }
}

func editWalk() {
  var r = SplitMix64(seed: 42)
  var (policy, topology) = BenchInstances.scale(
    sockets: 2, nodesPerSocket: 4, llcsPerNode: 3, coresPerLLC: 8, workloads: 40,
    devicesPerNode: 2, seed: 11)
  let solver = Solver()
  guard case .success(var current) = solver.solve(policy, on: topology) else {
    print("base policy infeasible")
    return
  }
  // Re-planning from scratch each time: consecutive from-scratch plans.
  var currentScratch = current
  var withPrev: [Int] = []
  var fromScratch: [Int] = []
  var objectiveWith: [Double] = []
  var objectiveScratch: [Double] = []
  print("| step | edit | CPUs moved with --previous | CPUs moved from scratch |")
  print("| ---: | --- | ---: | ---: |")
  var next = 1000
  for step in 1...20 {
    var edited = policy
    let kind = ["add", "remove", "resize", "change class"][step % 4]
    let i = r.int(0...(edited.workloads.count - 1))
    switch kind {
    case "add":
      edited.workloads.append(
        BenchInstances.workload(
          "n\(next)", cpus: r.int(2...8), smt: .shared, memory: UInt64(r.int(1...8)) << 30))
      next += 1
    case "remove":
      edited.workloads.remove(at: i)
    case "resize":
      let n = max(1, edited.workloads[i].cpus.min + r.pick([-4, -2, 2, 4]))
      edited.workloads[i].cpus = .init(min: n, max: max(n, edited.workloads[i].cpus.max))
    default:
      edited.workloads[i].latency = r.pick(LatencyClass.allCases)
      edited.workloads[i].smt = edited.workloads[i].smt == .exclusive ? .shared : .exclusive
      if edited.workloads[i].smt == .exclusive && edited.workloads[i].cpus.min % 2 == 1 {
        edited.workloads[i].cpus.min += 1
        edited.workloads[i].cpus.max = max(
          edited.workloads[i].cpus.max, edited.workloads[i].cpus.min)
      }
    }
    guard
      case .success(let stable) = solver.solve(edited, on: topology, previous: current.assignment),
      case .success(let scratch) = solver.solve(edited, on: topology)
    else {
      print("| \(step) | \(kind) | infeasible | infeasible |")
      continue
    }
    let a = moved(current.assignment, stable.assignment)
    let b = moved(currentScratch.assignment, scratch.assignment)
    withPrev.append(a)
    fromScratch.append(b)
    var o = stable.assignment.objective
    o.movement = 0
    objectiveWith.append(o.total)
    objectiveScratch.append(scratch.assignment.objective.total)
    print("| \(step) | \(kind) | \(a) | \(b) |")
    policy = edited
    current = stable
    currentScratch = scratch
  }
  func mean(_ v: [Int]) -> Double { Double(v.reduce(0, +)) / Double(max(1, v.count)) }
  func median(_ v: [Int]) -> Int { v.sorted()[v.count / 2] }
  print("")
  print(
    "moved per edit with --previous: mean \(String(format: "%.1f", mean(withPrev))), median \(median(withPrev)), max \(withPrev.max() ?? 0)"
  )
  print(
    "moved per edit from scratch:    mean \(String(format: "%.1f", mean(fromScratch))), median \(median(fromScratch)), max \(fromScratch.max() ?? 0)"
  )
  let dw = objectiveWith.reduce(0, +) / Double(max(1, objectiveWith.count))
  let ds = objectiveScratch.reduce(0, +) / Double(max(1, objectiveScratch.count))
  print(
    "mean objective without the movement term: with --previous \(String(format: "%.2f", dw)), from scratch \(String(format: "%.2f", ds))"
  )
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "quality": quality(count: arguments.dropFirst().first.flatMap { Int($0) } ?? 240)
case "scale": scale(runs: arguments.dropFirst().first.flatMap { Int($0) } ?? 5)
case "edit-walk": editWalk()
case "report":
  reportBench(
    runs: arguments.dropFirst().first.flatMap { Int($0) } ?? 5,
    writeTo: arguments.dropFirst(2).first)
case "quality-families":
  qualityFamilies(count: arguments.dropFirst().first.flatMap { Int($0) } ?? 40)
case "show-family":
  let rest = Array(arguments.dropFirst())
  showFamily(rest.first ?? "scale", seed: rest.dropFirst().first.flatMap { UInt64($0) } ?? 0)
case "families":
  let rest = Array(arguments.dropFirst())
  guard rest.count >= 3 else {
    FileHandle.standardError.write(
      Data("usage: mkpolicy-bench families TOPOLOGY OUTDIR COUNT,...\n".utf8))
    exit(64)
  }
  families(
    topologyPath: rest[0], outDir: rest[1],
    counts: rest[2].split(separator: ",").compactMap { Int($0) })
case "infeasible":
  let rest = Array(arguments.dropFirst())
  guard rest.count >= 3 else {
    FileHandle.standardError.write(
      Data("usage: mkpolicy-bench infeasible TOPOLOGY OUTDIR COUNT,...\n".utf8))
    exit(64)
  }
  infeasibleKinds(
    topologyPath: rest[0], outDir: rest[1],
    counts: rest[2].split(separator: ",").compactMap { Int($0) })
case "offline-host":
  let rest = Array(arguments.dropFirst())
  guard rest.count >= 2 else {
    FileHandle.standardError.write(Data("usage: mkpolicy-bench offline-host TOPOLOGY OUT\n".utf8))
    exit(64)
  }
  writePartlyOfflineHost(topologyPath: rest[0], to: rest[1])
case "show":
  let seed = UInt64(arguments.dropFirst().first ?? "0") ?? 0
  let (mix, policy, topology) = BenchInstances.quality(seed: seed)
  print(
    mix, topology.nodes.count, "nodes",
    topology.devices.map { "\($0.deviceClass)@\($0.numaNode ?? -1)" })
  for w in policy.workloads {
    print(
      w.name, w.cpus.min, w.smt, w.memory.min >> 20, w.placement.numa, w.placement.llc,
      w.placement.avoid, w.devices.map(\.type), w.placement.nearDevices)
  }
  switch Solver().solve(policy, on: topology) {
  case .success(let s): print("feasible", s.assignment.objective.total)
  case .failure(let e): print(e.diagnostics.map(\.message))
  }
default:
  FileHandle.standardError.write(
    Data(
      ("usage: mkpolicy-bench quality [COUNT] | scale [RUNS] | edit-walk"
        + " | report [RUNS [DIR]]\n").utf8))
  exit(64)
}
