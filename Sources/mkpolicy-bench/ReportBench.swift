import BenchFamilies
import FoundationEssentials
import MKCore
import MKPlan
import MKPolicy
import MKSolver
import MKTopology

/// `mkpolicy-bench report [RUNS]`: what the review artefacts cost against
/// the rest of `mkpolicy plan` on the largest instance (500 workloads
/// on the 1,920-thread eight-socket shape), all measured in the same run:
/// solve, build (emitters), the text report, the SVG map and the plan's JSON
/// (and its body by `CanonicalJSONEncoder` against Foundation's `JSONEncoder`).
/// Times are the best of RUNS; the ratios are to solve + build. With a
/// directory, writes its report.txt and map.svg there for a look.
func reportBench(runs: Int, writeTo directory: String?) {
  let topology = try! TopologySynthesizer.build(BenchInstances.eightSocketShape)
  let policy = BenchInstances.scale(on: topology, workloads: 500, seed: 7)
  let solver = Solver()
  let (solved, solve) = timed(runs: runs) { solver.solve(policy, on: topology) }
  guard case .success(let solution) = solved else {
    print("the 500-workload instance is infeasible")
    return
  }
  let (built, build) = timed(runs: runs) {
    PlanBuilder().build(
      policy: policy, topology: topology, assignment: solution.assignment,
      warnings: solution.diagnostics)
  }
  guard case .success(let plan) = built else {
    print("the 500-workload plan does not build")
    return
  }
  let (report, reportTime) = timed(runs: runs) {
    PlanReport.render(plan, policy: policy, topology: topology)
  }
  let (map, mapTime) = timed(runs: runs) {
    PartitionMapEmitter.render(plan, policy: policy, topology: topology)
  }
  let (json, jsonTime) = timed(runs: runs) { (try? PlanCodec.encode(plan)) ?? "" }
  // The plan's body by the writer and by Foundation's JSONEncoder (what
  // wrote plans before it), in the same run: same bytes, and the ratio.
  let (body, bodyTime) = timed(runs: runs) { (try? CanonicalJSONEncoder().encode(plan)) ?? [] }
  let (foundation, foundationTime) = timed(runs: runs) { () -> [UInt8] in
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return Array((try? encoder.encode(plan)) ?? Data())
  }
  let base = solve + build
  /// `value` with `digits` decimals, without Foundation's `String(format:)`.
  func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * Double(scale)).rounded())
    let fraction = String(scaled % scale)
    return "\(scaled / scale)."
      + String(repeating: "0", count: digits - fraction.count) + fraction
  }
  func row(_ name: String, _ ms: Double, _ bytes: Int) {
    print("| \(name) | \(fixed(ms, 1)) | \(fixed(ms / base, 2)) | \(bytes) |")
  }
  print("500 workloads, \(topology.threads.count) threads; best of \(runs) runs")
  print("| stage | ms | ratio to solve + build | bytes |")
  print("| --- | ---: | ---: | ---: |")
  row("solve", solve, 0)
  row("build", build, 0)
  row("report.txt", reportTime, report.utf8.count)
  row("map.svg", mapTime, map.utf8.count)
  row("plan.json", jsonTime, json.utf8.count)
  row("plan body, CanonicalJSONEncoder", bodyTime, body.count)
  row("plan body, JSONEncoder", foundationTime, foundation.count)
  print(
    "JSONEncoder / CanonicalJSONEncoder: \(fixed(foundationTime / bodyTime, 2))x, same bytes: \(body == foundation)"
  )
  if let directory {
    for (name, text) in [("report.txt", report), ("map.svg", map)]
    where !FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(text.utf8))
    {
      print("cannot write \(directory)/\(name)")
    }
  }
}
