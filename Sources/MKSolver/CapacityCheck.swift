import MKCore
import MKPolicy

/// Infeasibility that the arithmetic alone shows: the sum of the minimums
/// over what the host has, per resource, and per node where `numa: single`
/// pins a workload to one node.
///
/// These are necessary conditions (each is a bound no placement can beat,
/// also on hybrid hosts), so a policy that passes may still not fit, but one
/// that fails never does. They cost one pass over the workloads, so the
/// planner answers at once, with the numbers, before any search runs
/// (docs/solver.md, "Explanations").
struct CapacityCheck {
  let policy: Policy
  let model: HostModel
  let demands: [Demand]

  /// Threads of the smallest and largest cores: an `smt: off` CPU costs a
  /// whole core, at least `minThreadsPerCore` thread slots.
  var minThreadsPerCore: Int { model.llcs.map(\.threadsPerCore).min() ?? 1 }

  /// Thread slots `d`'s CPUs take at least.
  func slots(_ d: Demand) -> Int {
    Saturating.multiply(d.threads, d.unit == .threadPerCore ? minThreadsPerCore : 1)
  }

  /// Bytes of node memory `d` takes: its memory and its huge pages.
  func bytes(_ d: Demand) -> UInt64 {
    Saturating.add(d.memory, Solver.hugePageBytes(d))
  }

  /// The capacity conflicts found, one diagnostic per resource; empty when
  /// every sum fits.
  func conflicts() -> [Diagnostic] {
    var out: [Diagnostic] = []
    if let d = cpuTotal() { out.append(d) } else if let d = coreTotal() { out.append(d) }
    // The counts of E213 and E214 refine the totals: past a total, they
    // would only repeat it.
    let totalsFit = (cpus: out.isEmpty, memory: memoryTotal() == nil)
    if let d = memoryTotal() { out.append(d) }
    out += hugePageSizes()
    if let d = hugePageSupply() { out.append(d) }
    out += singleNode()
    let sharing = singleNodeSharing()
    out += sharing
    // E210 is the packing of one per node; E214 counts the rest.
    // E218 mixes the two resources: when neither count alone shows it.
    if sharing.isEmpty,
      let packing = singleNodePacking(cpus: totalsFit.cpus, memory: totalsFit.memory)
    {
      out.append(packing.diagnostic)
    } else if sharing.isEmpty, totalsFit.cpus, totalsFit.memory,
      let conflicts = singleNodeConflicts()
    {
      out.append(conflicts.diagnostic)
    }
    out += nearDeviceNodes()
    if let d = deviceSupply() { out.append(d) }
    if let d = exclusiveDomains() {
      out.append(d)
    } else if totalsFit.cpus, let clique = avoidClique() {
      out.append(clique.diagnostic)
    }
    return out
  }

  /// The workload whose demand, added in policy order, first passes
  /// `capacity`: the demand that does not fit.
  func crossing(_ amounts: [UInt64], _ capacity: UInt64) -> Int? {
    var running: UInt64 = 0
    for (w, amount) in amounts.enumerated() {
      running = Saturating.add(running, amount)
      if running > capacity { return w }
    }
    return nil
  }

  /// Notes naming the largest contributors (at most four) besides `primary`.
  func notes(
    _ amounts: [UInt64], primary: Int, field: String, _ describe: (UInt64) -> String
  ) -> [Diagnostic.Note] {
    let largest = amounts.indices.filter { $0 != primary && amounts[$0] > 0 }
      .sorted { amounts[$0] != amounts[$1] ? amounts[$0] > amounts[$1] : $0 < $1 }
    var out = largest.prefix(4).map { w in
      Diagnostic.Note(
        "'\(policy.workloads[w].name)' asks for \(describe(amounts[w]))",
        at: policy.workloads[w].location(of: field))
    }
    let rest = largest.count - out.count
    let contributing = amounts.filter { $0 > 0 }.count
    if rest > 0 {
      out.append(.init("and \(rest) more of the \(contributing) workloads that ask for \(field)"))
    }
    return out
  }

  /// How many members of a rule-scope conflict (E213, E214, E218) get a
  /// located note of their own; the rest are named in one note, so that
  /// every member is named and the answer can be re-solved alone.
  static let locatedMembers = 12

  /// A located note per member of `others` (demand positions) from `note`,
  /// the first `locatedMembers` of them, then one note naming the rest.
  func memberNotes(
    _ others: some Collection<Int>, _ note: (Int) -> (text: String, field: String)
  ) -> [Diagnostic.Note] {
    var notes: [Diagnostic.Note] = others.prefix(Self.locatedMembers).map { position in
      let workload = policy.workloads[demands[position].index]
      let (text, field) = note(position)
      return .init(text, at: workload.location(of: field))
    }
    let rest = others.dropFirst(Self.locatedMembers)
    if !rest.isEmpty {
      notes.append(
        .init(
          "and \(rest.count) more: \(rest.map { "'\(policy.workloads[demands[$0].index].name)'" }.joined(separator: ", "))"
        ))
    }
    return notes
  }

  private func cpuTotal() -> Diagnostic? {
    let amounts = demands.map { UInt64(max(0, slots($0))) }
    let have = UInt64(max(0, model.totalSlots))
    let need = Saturating.sum(amounts)
    guard need > have, let primary = crossing(amounts, have) else { return nil }
    let off = demands.contains { $0.unit == .threadPerCore && $0.threads > 0 }
    let housekept = model.housekeeping.count + model.idleSiblings.count
    let wl = policy.workloads[primary]
    return .error(
      "E201",
      "the workloads' minimum CPUs need \(need) CPUs\(off ? " (an smt: off CPU counts as its core's threads)" : "") but this host has \(have) for workloads (\(model.online.count) online, \(housekept) kept by housekeeping); workload '\(wl.name)' is where the sum passes what the host has",
      at: wl.location(of: "cpus"),
      notes: notes(amounts, primary: primary, field: "cpus") { "\($0) CPUs" },
      help: [
        "lower cpus (min) of these workloads by at least \(need - have) CPUs in total, or plan for a larger host"
      ])
  }

  private func memoryTotal() -> Diagnostic? {
    let amounts = demands.map(bytes)
    let have = model.totalMemory
    let need = Saturating.sum(amounts)
    guard need > have, let primary = crossing(amounts, have) else { return nil }
    let wl = policy.workloads[primary]
    let hostShare = model.nodes.reduce(UInt64(0)) { Saturating.add($0, $1.hostMemory) }
    let needText = need == .max ? "more than \(ByteSize.format(.max))" : ByteSize.format(need)
    return .error(
      "E202",
      "the workloads' minimum memory and huge pages need \(needText) but this host has \(ByteSize.format(have)) for workloads (\(ByteSize.format(Saturating.add(have, hostShare))) in all, less \(ByteSize.format(hostShare)) kept by housekeeping); workload '\(wl.name)' is where the sum passes what the host has",
      at: wl.location(of: "memory"),
      notes: notes(amounts, primary: primary, field: "memory") { ByteSize.format($0) },
      help: [
        need == .max
          ? "lower memory (min) of '\(wl.name)' to what a host can have"
          : "lower memory (min) or hugepages.count of these workloads by at least \(ByteSize.format(need - have)) in total, or plan for a larger host"
      ])
  }

  /// Huge pages of a size that no node's kernel offers.
  private func hugePageSizes() -> [Diagnostic] {
    let offered = model.nodes.reduce(Set<UInt64>()) { $0.union($1.hugePageSizes) }
    return demands.filter { $0.hugePageCount > 0 && !offered.contains($0.hugePageSize) }.map { d in
      let sizes = offered.sorted().map { ByteSize.format($0) }
      return .error(
        "E204",
        "workload '\(d.name)' asks for huge pages of \(ByteSize.format(d.hugePageSize)), a size no NUMA node of this host offers (offered: \(sizes.isEmpty ? "none" : sizes.joined(separator: ", ")))",
        at: policy.workloads[d.index].location(of: "hugepages"),
        help: [
          sizes.isEmpty
            ? "drop hugepages from '\(d.name)', or plan for a host whose kernel offers huge pages"
            : "choose hugepages.size \(sizes.joined(separator: " or ")) for '\(d.name)'"
        ])
    }
  }

  /// `numa: single` workloads larger than the largest node.
  private func singleNode() -> [Diagnostic] {
    var out: [Diagnostic] = []
    let nodeSlots = model.nodeSlots
    let nodeCores = model.nodeCores
    for d in demands where d.numa == .single {
      let wl = policy.workloads[d.index]
      let room =
        d.unit == .threadPerCore ? (nodeCores.max() ?? 0) : (nodeSlots.max() ?? 0)
      if d.threads > room {
        out.append(
          .error(
            "E201",
            "workload '\(d.name)' needs \(d.threads) CPUs on one NUMA node (placement.numa: single) but the largest node has \(room) for workloads\(d.unit == .threadPerCore ? " with smt: off (one CPU per core)" : "")",
            at: wl.location(of: "cpus"),
            notes: [.init("placement.numa: single", at: wl.location(of: "placement.numa"))],
            help: ["set placement.numa: any for '\(d.name)', or lower its cpus (min)"]))
        continue
      }
      let need = bytes(d)
      let offering = model.nodes.filter {
        d.hugePageCount == 0 || $0.hugePageSizes.contains(d.hugePageSize)
      }
      let largest = offering.map(\.memoryAvailable).max() ?? 0
      if need > largest {
        let pages = d.hugePageCount > 0 ? " and huge pages" : ""
        out.append(
          .error(
            "E202",
            "workload '\(d.name)' needs \(need == .max ? "more than \(ByteSize.format(.max))" : ByteSize.format(need)) of memory\(pages) on one NUMA node (placement.numa: single) but the largest node\(d.hugePageCount > 0 ? " offering its page size" : "") has \(ByteSize.format(largest)) for workloads",
            at: wl.location(of: "memory"),
            notes: [.init("placement.numa: single", at: wl.location(of: "placement.numa"))],
            help: ["set placement.numa: any for '\(d.name)'"]))
      }
    }
    return out
  }
}
