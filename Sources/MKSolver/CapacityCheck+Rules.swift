import MKCore
import MKPolicy

/// The arithmetic of the placement rules: sums of minimums over the part of
/// the host a rule confines them to (whole cores under `smt` rules, the nodes
/// of `nearDevices` workloads' devices, the LLC domains `llc: exclusive`
/// takes whole, nodes that `numa: single` workloads cannot share, the nodes
/// offering a huge page size, the devices a selector matches).
///
/// Each is a necessary condition, like the totals in `CapacityCheck`: one
/// pass (or one pass per distinct scope), so a policy past any of them is
/// answered at once, on any size of policy, without a search.
extension CapacityCheck {
  /// Whole cores: an `smt: off` CPU takes a core, `smt: exclusive` whole
  /// cores, and a core holds at most the largest threads-per-core of shared
  /// threads. Counted in thread slots of the largest cores, so that it only
  /// adds to the slot total on hosts whose cores differ (hybrid, offline
  /// siblings).
  func coreTotal() -> Diagnostic? {
    let tpc = max(1, model.maxThreadsPerCore)
    let cores = model.llcs.reduce(0) { $0 + $1.cores.count }
    let amounts = demands.map { d -> UInt64 in
      UInt64(max(0, d.unit == .threadPerCore ? Saturating.multiply(d.threads, tpc) : d.threads))
    }
    let have = UInt64(Saturating.multiply(cores, tpc))
    let need = Saturating.sum(amounts)
    guard need > have, let primary = crossing(amounts, have) else { return nil }
    let wl = policy.workloads[primary]
    let needCores = need / UInt64(tpc) + (need % UInt64(tpc) == 0 ? 0 : 1)
    return .error(
      "E201",
      "the workloads' minimum CPUs need \(needCores) cores (an smt: off CPU takes a whole core, smt: exclusive whole cores, at most \(tpc) threads on a core) but this host has \(cores) free cores for workloads; workload '\(wl.name)' is where the sum passes what the host has",
      at: wl.location(of: "cpus"),
      notes: notes(amounts, primary: primary, field: "cpus") { "\($0) thread slots" },
      help: [
        "lower cpus (min) of these workloads by at least \(needCores - UInt64(cores)) cores in total, or set smt: shared for some smt: off ones"
      ])
  }

  /// Huge pages of one size need more memory than the nodes offering that
  /// size have.
  func hugePageSupply() -> Diagnostic? {
    let sizes = Set(demands.filter { $0.hugePageCount > 0 }.map(\.hugePageSize)).sorted()
    for size in sizes {
      let offering = model.nodes.filter { $0.hugePageSizes.contains(size) }
      guard !offering.isEmpty else { continue }  // E204 from hugePageSizes()
      let have = offering.reduce(UInt64(0)) { Saturating.add($0, $1.memoryAvailable) }
      let amounts = demands.map { $0.hugePageSize == size ? Solver.hugePageBytes($0) : 0 }
      let need = Saturating.sum(amounts)
      guard need > have, let primary = crossing(amounts, have) else { continue }
      let wl = policy.workloads[primary]
      let format = ByteSize.format(size)
      // Pages short, rounded up (no overflow near UInt64.max).
      let short = need - have
      let missing = short / size + (short % size == 0 ? 0 : 1)
      return .error(
        "E211",
        "the workloads' huge pages of \(format) need \(ByteSize.format(need)) but the \(offering.count) NUMA node\(offering.count == 1 ? "" : "s") offering that size (\(offering.map { String($0.id) }.joined(separator: ", "))) have \(ByteSize.format(have)) of memory for workloads; workload '\(wl.name)' is where the sum passes",
        at: wl.location(of: "hugepages"),
        notes: notes(amounts, primary: primary, field: "hugepages") {
          "\($0 / size) pages of \(format)"
        },
        help: [
          "lower hugepages.count of these workloads by at least \(missing) pages of \(format) in total"
        ])
    }
    return nil
  }

  /// `numa: single` workloads that each need more than half of the largest
  /// node cannot share a node: the i-th largest of them needs the i-th
  /// largest node to hold it (CPUs and memory apart).
  func singleNodeSharing() -> [Diagnostic] {
    let singles = demands.filter { $0.numa == .single }
    guard singles.count > 1 else { return [] }
    var out: [Diagnostic] = []
    let cpu = sharing(
      singles, capacities: model.nodeSlots.map { UInt64(max(0, $0)) },
      need: { UInt64(max(0, slots($0))) }, field: "cpus", unit: { "\($0) CPUs" })
    if let cpu { out.append(cpu) }
    let memory = sharing(
      singles, capacities: model.nodes.map(\.memoryAvailable), need: bytes, field: "memory",
      unit: { ByteSize.format($0) })
    if let memory { out.append(memory) }
    return out
  }

  private func sharing(
    _ singles: [Demand], capacities: [UInt64], need: (Demand) -> UInt64, field: String,
    unit: (UInt64) -> String
  ) -> Diagnostic? {
    let caps = capacities.sorted(by: >)
    guard let largest = caps.first else { return nil }
    let big = singles.filter { need($0) > largest / 2 && need($0) > 0 }
      .sorted { need($0) != need($1) ? need($0) > need($1) : $0.index < $1.index }
    guard big.count > 1 else { return nil }
    for (i, d) in big.enumerated() where i >= caps.count || need(d) > caps[i] {
      let holding = caps.filter { $0 >= need(d) }.count
      let wl = policy.workloads[d.index]
      let others = big.prefix(i).map { policy.workloads[$0.index] }
      return .error(
        "E210",
        "workload '\(wl.name)' and \(i) other numa: single workload\(i == 1 ? "" : "s") each need more than half of the largest NUMA node (\(unit(largest))), so no two of them share a node; the \(i + 1) of them need \(i + 1) nodes with at least \(unit(need(d))) but this host has \(holding)",
        at: wl.location(of: field),
        // Every member named (the first four at their lines): they are
        // the conflict, each needed.
        notes: others.prefix(4).map {
          .init("'\($0.name)' needs its own node", at: $0.location(of: field))
        }
          + (others.count > 4
            ? [
              .init(
                "and \(others.count - 4) more: \(others.dropFirst(4).map { "'\($0.name)'" }.joined(separator: ", "))"
              )
            ] : []),
        help: [
          "set placement.numa: any for \(i + 1 - holding) of these workloads, or lower their \(field) (min) to at most \(unit(largest / 2))"
        ])
    }
    return nil
  }

  /// `nearDevices` workloads confined to the nodes of the devices their
  /// selectors match: those confined to a set of nodes must fit in it.
  func nearDeviceNodes() -> [Diagnostic] {
    var scope: [Int: [Int]] = [:]
    for d in demands where d.near {
      let candidates = Set(d.slots.joined())
      // A device without a node confines nothing (the solver ignores it).
      guard candidates.allSatisfy({ model.deviceNode[$0] != nil }) else { continue }
      let nodes = Set(candidates.compactMap { model.deviceNode[$0] }).sorted()
      if !nodes.isEmpty { scope[d.index] = nodes }
    }
    let sets = Set(scope.values).sorted {
      $0.count != $1.count ? $0.count < $1.count : $0.lexicographicallyPrecedes($1)
    }
    let slotsOf = model.nodeSlots
    var cpuFound: Diagnostic?
    var memoryFound: Diagnostic?
    for set in sets where cpuFound == nil || memoryFound == nil {
      let inside = Set(set)
      let members = Set(scope.filter { Set($0.value).isSubset(of: inside) }.keys)
      let names = set.map { String(model.nodes[$0].id) }.joined(separator: ", ")
      let place = "NUMA node\(set.count == 1 ? "" : "s") \(names)"
      if cpuFound == nil {
        let amounts = demands.map { members.contains($0.index) ? UInt64(max(0, slots($0))) : 0 }
        let have = UInt64(set.reduce(0) { $0 + slotsOf[$1] })
        cpuFound = confined(amounts, have, place: place, field: "cpus") { "\($0) CPUs" }
      }
      if memoryFound == nil {
        let amounts = demands.map { members.contains($0.index) ? bytes($0) : 0 }
        let have = set.reduce(UInt64(0)) { Saturating.add($0, model.nodes[$1].memoryAvailable) }
        memoryFound = confined(amounts, have, place: place, field: "memory") {
          ByteSize.format($0)
        }
      }
    }
    return [cpuFound, memoryFound].compactMap { $0 }
  }

  private func confined(
    _ amounts: [UInt64], _ have: UInt64, place: String, field: String,
    _ describe: (UInt64) -> String
  ) -> Diagnostic? {
    let need = Saturating.sum(amounts)
    guard need > have, let primary = crossing(amounts, have) else { return nil }
    let wl = policy.workloads[primary]
    return .error(
      "E207",
      "the workloads with placement.nearDevices whose devices are all on \(place) need \(describe(need)) there (the sum of their minimum \(field)) but \(place.contains(",") ? "those nodes have" : "that node has") \(describe(have)) for workloads; workload '\(wl.name)' is where the sum passes",
      at: wl.location(of: field),
      notes: notes(amounts, primary: primary, field: field, describe),
      help: [
        "lower \(field) (min) of these workloads by at least \(describe(need - have)) in total, or set placement.nearDevices: false for some of them"
      ])
  }

  /// Device requests against the devices they can match (Hall's condition
  /// over the distinct sets of matching devices): the requests whose
  /// matches all lie in a set cannot take more devices than it has.
  func deviceSupply() -> Diagnostic? {
    var requests: [(owner: Int, matches: Set<Int>)] = []
    for d in demands {
      for slot in d.slots { requests.append((d.index, Set(slot))) }
    }
    let sets = Set(requests.map(\.matches)).sorted {
      $0.count != $1.count
        ? $0.count < $1.count : $0.sorted().lexicographicallyPrecedes($1.sorted())
    }
    for set in sets {
      var amounts = Array(repeating: UInt64(0), count: demands.count)
      for r in requests where r.matches.isSubset(of: set) { amounts[r.owner] += 1 }
      let have = UInt64(set.count)
      let need = Saturating.sum(amounts)
      guard need > have, let primary = crossing(amounts, have) else { continue }
      let wl = policy.workloads[primary]
      let listed = set.map { model.devices[$0].pciAddress }.sorted()
      let shown =
        listed.isEmpty
        ? "no device of this host matches them"
        : "they match \(listed.count) device\(listed.count == 1 ? "" : "s") (\(listed.prefix(4).joined(separator: ", "))\(listed.count > 4 ? ", ..." : ""))"
      return .error(
        "E212",
        "the workloads' device requests need \(need) devices where \(shown); workload '\(wl.name)' is where the count passes",
        at: wl.location(of: "devices"),
        notes: notes(amounts, primary: primary, field: "devices") { "\($0) of them" },
        help: [
          "lower the devices count of these workloads by at least \(need - have) in total, or widen their selectors"
        ])
    }
    return nil
  }

  /// The workloads of `demands` by name, quoted: every one up to 256 (a
  /// conflict's members, each needed), then the first of them and "...".
  func quotedNames(_ demands: ArraySlice<Demand>) -> String {
    let shown = demands.count <= 256 ? demands : demands.prefix(8)
    return shown.map { "'\(policy.workloads[$0.index].name)'" }.joined(separator: ", ")
      + (shown.count < demands.count ? ", ..." : "")
  }

  /// `llc: exclusive` workloads take whole LLC domains: each needs at least
  /// as many domains as the largest ones it would fill, those domains are
  /// lost to everyone else, and the rest must fit in what is left.
  func exclusiveDomains() -> Diagnostic? {
    var domainSlots: [Int: Int] = [:]
    for llc in model.llcs {
      domainSlots[llc.domainId, default: 0] += llc.cores.count * llc.threadsPerCore
    }
    let sizes = domainSlots.values.filter { $0 > 0 }.sorted(by: >)
    let exclusive = demands.filter { $0.llcExclusive && $0.threads > 0 }
    guard !exclusive.isEmpty else { return nil }
    var prefix: [Int] = [0]
    for s in sizes { prefix.append(prefix.last! + s) }
    // Domains each exclusive workload takes at least (sizes.count + 1: none suffices).
    let taken = exclusive.map { d in
      prefix.firstIndex { $0 >= slots(d) } ?? sizes.count + 1
    }
    let need = taken.reduce(0, +)
    let first = policy.workloads[exclusive[0].index]
    let names = exclusive.prefix(4).map { policy.workloads[$0.index] }
    let notes: [Diagnostic.Note] =
      names.dropFirst().map {
        .init("'\($0.name)' has placement.llc: exclusive", at: $0.location(of: "placement.llc"))
      }
      + (exclusive.count > 4
        ? [.init("and \(exclusive.count - 4) more: \(quotedNames(exclusive.dropFirst(4)))")] : [])
    if need > sizes.count {
      return .error(
        "E208",
        "the \(exclusive.count) workload\(exclusive.count == 1 ? "" : "s") with placement.llc: exclusive need at least \(need) last-level cache domains of their own but this host has \(sizes.count) with free CPUs",
        at: first.location(of: "placement.llc"), notes: notes,
        help: [
          "set placement.llc: shared for at least \(need - sizes.count) of these workloads, or lower their cpus (min)"
        ])
    }
    // Whatever domains they take, the others lose at least the smallest ones.
    let lost = sizes.suffix(need).reduce(0, +)
    let free = prefix.last! - lost
    let amounts = demands.map { $0.llcExclusive ? 0 : UInt64(max(0, slots($0))) }
    let rest = Saturating.sum(amounts)
    guard rest > UInt64(free), let primary = crossing(amounts, UInt64(free)) else { return nil }
    let wl = policy.workloads[primary]
    return .error(
      "E208",
      "the \(exclusive.count) workload\(exclusive.count == 1 ? "" : "s") with placement.llc: exclusive take at least \(need) whole last-level cache domain\(need == 1 ? "" : "s") (\(lost) CPUs), so the other workloads have at most \(free) CPUs but their minimums need \(rest); workload '\(wl.name)' is where the sum passes",
      at: wl.location(of: "cpus"),
      notes: [
        .init(
          "'\(first.name)' has placement.llc: exclusive", at: first.location(of: "placement.llc"))
      ] + notes,
      help: [
        "set placement.llc: shared for some of the exclusive workloads, or lower cpus (min) of the others by at least \(rest - UInt64(free)) in total"
      ])
  }
}
