import MKCore
import MKPolicy
import MKTopology

/// One clause of a policy that the explainer may drop: a demand or a rule,
/// with the policy line it came from.
enum ConstraintGroup: Hashable, Sendable, Comparable {
  case housekeepingCPUs
  case housekeepingMemory
  case cpus(Int)
  case memory(Int)
  case hugePages(Int)
  case device(Int, Int)
  case numa(Int)
  case nearDevices(Int)
  case llcExclusive(Int)
  case smt(Int)
  case avoid(Int, Int)

  var workload: Int? {
    switch self {
    case .housekeepingCPUs, .housekeepingMemory: nil
    case .cpus(let w), .memory(let w), .hugePages(let w), .device(let w, _), .numa(let w),
      .nearDevices(let w), .llcExclusive(let w), .smt(let w), .avoid(let w, _):
      w
    }
  }

  private var rank: (Int, Int, Int) {
    switch self {
    case .housekeepingCPUs: (-1, 0, 0)
    case .housekeepingMemory: (-1, 1, 0)
    case .cpus(let w): (w, 0, 0)
    case .memory(let w): (w, 1, 0)
    case .hugePages(let w): (w, 2, 0)
    case .device(let w, let r): (w, 3, r)
    case .numa(let w): (w, 4, 0)
    case .nearDevices(let w): (w, 5, 0)
    case .llcExclusive(let w): (w, 6, 0)
    case .smt(let w): (w, 7, 0)
    case .avoid(let w, let v): (w, 8, v)
    }
  }

  static func < (a: ConstraintGroup, b: ConstraintGroup) -> Bool { a.rank < b.rank }

  /// Memory and huge pages, devices, node rules, housekeeping CPUs, LLC
  /// rules, CPUs: the order of `Explainer.resourcesFirst`.
  var kindRank: Int {
    switch self {
    case .housekeepingMemory, .memory, .hugePages: 0
    case .device: 1
    case .numa, .nearDevices, .smt: 2
    case .housekeepingCPUs: 3
    case .llcExclusive, .avoid: 4
    case .cpus: 5
    }
  }
}

/// Explains why a policy's minimum demands cannot be placed: a minimal set of
/// conflicting clauses (a deletion filter over constraint groups, large
/// chunks first, with the solver's feasibility search as oracle, within
/// `SearchBudget.explanationWork`), rendered as one E2xx error at the demand that
/// does not fit, notes at the other clauses' lines, and `help:` lines naming
/// every single relaxation that makes the whole policy fit.
struct Explainer {
  var solver: Solver
  var policy: Policy
  var topology: Topology
  /// Work done so far, shared by copies (the explainer is a value; its
  /// feasibility checks all draw on one budget).
  let meter: WorkMeter
  /// Host models by housekeeping, built once: every check of a restriction
  /// with the policy's own housekeeping (nearly all of them) reuses one.
  let models: ModelCache
  /// Workload indices by name, for the restrictions' `avoid` lists.
  let indexByName: [String: Int]
  /// Order the groups by kind, memory and devices first, CPUs last, for
  /// the deletion filter: a conflict of rules and CPUs then sheds every
  /// memory clause in one chunk (one check that fails to place, the
  /// costly kind) instead of one check each. Set where no golden depends
  /// on which minimal conflict is found (the narrowed large policies).
  ///
  /// Its checks also start from the last placement found (the workloads
  /// whose demands did not change stay where they were, the others are
  /// inserted): one insertion per changed workload instead of a search,
  /// and the full search only when that does not place them all.
  var resourcesFirst = false
  /// The last placement a check found, for the next check to start from.
  let lastFeasible = LastFeasible()

  /// `model`, when the caller has it, is the policy's host model.
  /// `meter`, when given, is another explainer's: both draw on one budget.
  init(
    solver: Solver, policy: Policy, topology: Topology, model: HostModel? = nil,
    meter shared: WorkMeter? = nil
  ) {
    self.solver = solver
    self.policy = policy
    self.topology = topology
    meter = shared ?? WorkMeter(limit: solver.budget.explanationWork)
    models = ModelCache(topology: topology)
    if let model { models.store(model, for: policy) }
    var names: [String: Int] = [:]
    for (index, workload) in policy.workloads.enumerated() where names[workload.name] == nil {
      names[workload.name] = index
    }
    indexByName = names
  }

  /// Host models by the housekeeping they were built with (the only part
  /// of a policy they depend on besides the coordinator's granule, which
  /// no restriction changes).
  final class ModelCache {
    let topology: Topology
    private var built: [Housekeeping: HostModel?] = [:]
    init(topology: Topology) { self.topology = topology }
    func store(_ model: HostModel, for policy: Policy) { built[policy.host.housekeeping] = model }
    /// The model of `policy`, nil when housekeeping does not fit the host.
    func model(for policy: Policy) -> HostModel? {
      if let known = built[policy.host.housekeeping] { return known }
      let model = try? HostModel.build(policy: policy, topology: topology).get()
      built[policy.host.housekeeping] = model
      return model
    }
  }

  /// The oracle: whether `policy`'s mins place, charged to the budget.
  func check(_ policy: Policy) -> Bool {
    guard let model = models.model(for: policy) else {
      meter.charge(1)
      return false
    }
    if resourcesFirst, policy.workloads.count == self.policy.workloads.count,
      let seeded = lastFeasible.extend(policy, model: model, solver: solver, meter: meter)
    {
      return seeded
    }
    let (state, work) = solver.minsPlacement(policy, model: model)
    meter.charge(work)
    if resourcesFirst, let state, policy.workloads.count == self.policy.workloads.count {
      lastFeasible.keep(state, for: policy)
    }
    return state != nil
  }

  /// Counts the explainer's work against `SearchBudget.explanationWork`.
  final class WorkMeter {
    let limit: Int
    private(set) var used = 0
    init(limit: Int) { self.limit = limit }
    var exhausted: Bool { used >= limit }
    func charge(_ cells: Int) { used = Saturating.add(used, cells) }
  }

  /// Every clause of the policy that constrains placement, in a fixed order.
  func groups() -> [ConstraintGroup] {
    var out: [ConstraintGroup] = []
    let hk = policy.host.housekeeping
    switch hk.cpus {
    case .count(let n) where n > 0: out.append(.housekeepingCPUs)
    case .list(let l) where !l.isEmpty: out.append(.housekeepingCPUs)
    default: break
    }
    if hk.memoryBytes > 0 { out.append(.housekeepingMemory) }
    for (w, wl) in policy.workloads.enumerated() {
      if wl.cpus.min > 0 { out.append(.cpus(w)) }
      if wl.memory.min > 0 { out.append(.memory(w)) }
      if let h = wl.hugepages, h.count > 0 { out.append(.hugePages(w)) }
      for (r, d) in wl.devices.enumerated() where d.count > 0 { out.append(.device(w, r)) }
      if wl.placement.numa != .any { out.append(.numa(w)) }
      if wl.placement.nearDevices && !wl.devices.isEmpty { out.append(.nearDevices(w)) }
      if wl.placement.llc == .exclusive { out.append(.llcExclusive(w)) }
      if wl.smt != .shared { out.append(.smt(w)) }
      for other in wl.placement.avoid where other != wl.name {
        if let v = indexByName[other] { out.append(.avoid(w, v)) }
      }
    }
    // Stable: the policy's order within a kind.
    return resourcesFirst
      ? out.enumerated().sorted { a, b in
        let (ka, kb) = (a.element.kindRank, b.element.kindRank)
        return ka != kb ? ka < kb : a.offset < b.offset
      }.map(\.element) : out
  }

  /// The policy with only `active` clauses in force (the others relaxed).
  func restricted(to active: Set<ConstraintGroup>) -> Policy {
    var p = policy
    if !active.contains(.housekeepingCPUs) { p.host.housekeeping.cpus = .count(0) }
    if !active.contains(.housekeepingMemory) { p.host.housekeeping.memoryBytes = 0 }
    for w in p.workloads.indices {
      if !active.contains(.cpus(w)) { p.workloads[w].cpus = .init(exactly: 0) }
      if !active.contains(.memory(w)) { p.workloads[w].memory = .init(exactly: 0) }
      if !active.contains(.hugePages(w)) { p.workloads[w].hugepages = nil }
      for r in p.workloads[w].devices.indices where !active.contains(.device(w, r)) {
        p.workloads[w].devices[r].count = 0
      }
      if !active.contains(.numa(w)) { p.workloads[w].placement.numa = .any }
      if !active.contains(.nearDevices(w)) { p.workloads[w].placement.nearDevices = false }
      if !active.contains(.llcExclusive(w)) { p.workloads[w].placement.llc = .shared }
      if !active.contains(.smt(w)) { p.workloads[w].smt = .shared }
      p.workloads[w].placement.avoid = p.workloads[w].placement.avoid.filter { name in
        guard let v = indexByName[name] else { return false }
        return active.contains(.avoid(w, v))
      }
      p.workloads[w].cpus.max = max(p.workloads[w].cpus.min, 0)
      p.workloads[w].memory.max = p.workloads[w].memory.min
    }
    return p
  }

  /// Whether the clauses `active` can be placed together (the oracle).
  /// Workloads left without any demand are left out of the check: they
  /// take nothing, and the checks of small sets stay cheap.
  func feasible(_ active: Set<ConstraintGroup>) -> Bool {
    var p = restricted(to: active)
    // A focused explainer keeps every workload, so that the last feasible
    // placement's indices hold for the next check.
    if resourcesFirst { return check(p) }
    p.workloads.removeAll { w in
      w.cpus.min <= 0 && w.memory.min == 0 && (w.hugepages?.count ?? 0) <= 0
        && w.devices.allSatisfy { $0.count <= 0 }
    }
    return check(p)
  }

  /// A conflict inside `constraints` (known to be infeasible), by a deletion
  /// filter that first tries to set aside large chunks: every step keeps
  /// the set infeasible, so when the budget runs out the set found so far is
  /// still a conflict, only perhaps not minimal (`minimal` false). Run to
  /// the end (chunks of one), no member can be dropped: minimal.
  func deletionFilter(_ constraints: [ConstraintGroup]) -> (
    conflict: [ConstraintGroup], minimal: Bool
  ) {
    var set = constraints
    var chunk = max(1, set.count / 2)
    while true {
      var start = 0
      while start < set.count {
        if meter.exhausted { return (set.sorted(), false) }
        let end = min(set.count, start + chunk)
        let rest = Array(set[..<start] + set[end...])
        if !rest.isEmpty && !feasible(Set(rest)) {
          set = rest
        } else {
          start = end
        }
      }
      if chunk == 1 { return (set.sorted(), true) }
      chunk = max(1, chunk / 2)
    }
  }

  /// The explanation of a policy whose mins do not place. `knownInfeasible`:
  /// the caller's search, the same oracle, has just failed on the whole
  /// policy, so it is not checked again.
  func explain(knownInfeasible: Bool = false) -> DiagnosticError {
    let all = groups()
    guard knownInfeasible || !feasible(Set(all)) else {
      return DiagnosticError(
        .error(
          "E209",
          "no placement was found for the policy's minimum demands, although they appear to fit; the search gave up",
          help: ["report this policy and topology: it is a solver limitation"]))
    }
    let found = conflictsFound(all)
    // One conflict: help names changes that make the whole policy fit; several:
    // changes that resolve that conflict (no single change fits them all).
    return DiagnosticError(
      found.map { conflict, minimal in
        var d = render(conflict, base: found.count == 1 ? policy : restricted(to: Set(conflict)))
        if !minimal {
          d.notes.append(
            .init(
              "this conflict may not be minimal: the search for a smaller one ran out of its budget (\(solver.budget.explanationWork) cells); some clauses named may not be needed for it"
            ))
        }
        return d
      })
  }

  /// Independent conflicts, one diagnostic each (at most five): after each
  /// one, its clauses are set aside and the rest is checked again. Each is
  /// minimal on its own.
  func independentConflicts(_ all: [ConstraintGroup]) -> [[ConstraintGroup]] {
    conflictsFound(all).map(\.conflict)
  }

  /// The conflicts and whether each was searched to a minimal set: the
  /// first always (the search stops at the budget with what it has), the
  /// others only while budget is left.
  func conflictsFound(_ all: [ConstraintGroup]) -> [(conflict: [ConstraintGroup], minimal: Bool)] {
    var conflicts: [(conflict: [ConstraintGroup], minimal: Bool)] = []
    var active = all
    while conflicts.count < 5 {
      let found = deletionFilter(active)
      guard !found.conflict.isEmpty else { break }
      conflicts.append(found)
      let members = Set(found.conflict)
      active = active.filter { !members.contains($0) }
      if meter.exhausted || active.isEmpty || feasible(Set(active)) { break }
    }
    return conflicts
  }

  /// The conflict as one diagnostic.
  func render(_ conflict: [ConstraintGroup], base: Policy) -> Diagnostic {
    let set = Set(conflict)
    let workloads = policy.workloads
    let hk = policy.host.housekeeping
    // The primary workload: the last one with a demand in the conflict.
    let demandOwners = conflict.compactMap { g -> Int? in
      switch g {
      case .cpus(let w), .memory(let w), .hugePages(let w), .device(let w, _): w
      default: nil
      }
    }
    let primary = demandOwners.max() ?? conflict.compactMap(\.workload).max()
    let model = try? HostModel.build(policy: restricted(to: set), topology: topology).get()
    func short(_ l: SourceLocation) -> String { "\(l.line):\(l.column)" }
    var others: [String] = []
    var notes: [Diagnostic.Note] = []
    if set.contains(.housekeepingCPUs) || set.contains(.housekeepingMemory) {
      var what: [String] = []
      if set.contains(.housekeepingCPUs) {
        switch hk.cpus {
        case .count(let n):
          what.append("\(n) CPU\(n == 1 ? "" : "s")\(hk.perNode ? " per NUMA node" : "")")
        case .list(let l): what.append("CPUs \(l.cpulist)")
        }
      }
      if set.contains(.housekeepingMemory) {
        what.append("\(ByteSize.format(hk.memoryBytes)) of memory")
      }
      // Point at the field that takes what is kept: `memory:` for memory
      // alone, `cpus:`/`cpuList:` for CPUs alone, the section for both.
      let cpuField: String
      switch hk.cpus {
      case .count: cpuField = "cpus"
      case .list: cpuField = "cpuList"
      }
      let location =
        !set.contains(.housekeepingCPUs)
        ? hk.location(of: "memory")
        : !set.contains(.housekeepingMemory) ? hk.location(of: cpuField) : hk.location
      let place = location.map { " (\(short($0)))" } ?? ""
      others.append("housekeeping\(place)")
      notes.append(.init("housekeeping keeps \(what.joined(separator: " and "))", at: location))
    }
    let involved = Array(Set(conflict.compactMap(\.workload))).sorted().filter { $0 != primary }
    var byWorkload: [Int: [ConstraintGroup]] = [:]
    for g in conflict { if let w = g.workload { byWorkload[w, default: []].append(g) } }
    // A conflict the budget left large names its first members and counts
    // the rest, so that the answer stays readable (and linear to render).
    for w in involved.prefix(Self.namedMembers) {
      let wl = workloads[w]
      let mine = byWorkload[w] ?? []
      let firstField = mine.first.map { fieldKey($0) } ?? "cpus"
      others.append("'\(wl.name)' (\(short(wl.location(of: firstField))))")
      notes.append(.init(describe(w, mine), at: wl.location(of: firstField)))
    }
    if involved.count > Self.namedMembers {
      let rest = involved.count - Self.namedMembers
      others.append("\(rest) more workload\(rest == 1 ? "" : "s")")
      notes.append(
        .init(
          "and \(rest) more workload\(rest == 1 ? "" : "s") of the policy: \(involved.dropFirst(Self.namedMembers).prefix(8).map { "'\(workloads[$0].name)'" }.joined(separator: ", "))\(rest > 8 ? ", ..." : "")"
        ))
    }
    guard let p = primary else {
      return .error(
        "E201", "housekeeping alone does not fit this host", at: hk.location, notes: notes,
        help: helps(conflict, base: base))
    }
    let wl = workloads[p]
    let mine = byWorkload[p] ?? []
    let hasCPU = mine.contains(.cpus(p))
    let hasMem = mine.contains(.memory(p))
    let hasDev = mine.contains { if case .device = $0 { true } else { false } }
    let hasHuge = mine.contains(.hugePages(p))
    let code: String
    let field: String
    if hasCPU {
      code = "E201"
      field = "cpus"
    } else if hasMem {
      code = "E202"
      field = "memory"
    } else if hasHuge {
      code = "E204"
      field = "hugepages"
    } else if hasDev {
      code = "E203"
      field = "devices"
    } else {
      code = "E205"
      field = mine.first.map { fieldKey($0) } ?? "cpus"
    }
    var message = "workload '\(wl.name)' needs " + describe(p, mine, leadingName: false)
    if let model {
      let llcRules = conflict.contains { g in
        switch g {
        case .avoid, .llcExclusive: true
        default: false
        }
      }
      switch code {
      case "E203": message += "; " + devicePhrase(p, mine, model)
      case "E204": message += "; " + hugePagePhrase(p, model)
      default:
        message += "; " + capacityPhrase(p, mine, model, llcRules: llcRules)
        if hasHuge { message += "; " + hugePagePhrase(p, model) }
      }
    }
    if let hkRef = others.first(where: { $0.hasPrefix("housekeeping") }) {
      message += " after " + hkRef
    }
    let rivals = others.filter { !$0.hasPrefix("housekeeping") }
    if !rivals.isEmpty { message += ", in conflict with " + join(rivals) }
    return .error(
      code, message, at: wl.location(of: field), notes: notes, help: helps(conflict, base: base))
  }

  /// Members of a conflict named one by one in its diagnostic.
  static let namedMembers = 12

  func join(_ items: [String]) -> String {
    items.count <= 1
      ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
  }

  func fieldKey(_ g: ConstraintGroup) -> String {
    switch g {
    case .housekeepingCPUs, .housekeepingMemory: "host.housekeeping"
    case .cpus: "cpus"
    case .memory: "memory"
    case .hugePages: "hugepages"
    case .device: "devices"
    case .numa: "placement.numa"
    case .nearDevices: "placement.nearDevices"
    case .llcExclusive: "placement.llc"
    case .smt: "smt"
    case .avoid: "placement.avoid"
    }
  }

  /// "'db' needs 8 exclusive threads on one NUMA node" (or without the name).
  func describe(_ w: Int, _ groups: [ConstraintGroup], leadingName: Bool = true) -> String {
    let wl = policy.workloads[w]
    var parts: [String] = []
    if groups.contains(.cpus(w)) {
      let n = wl.cpus.min
      let kind = wl.ownsCPUs ? "exclusive " : ""
      var text = "\(n) \(kind)thread\(n == 1 ? "" : "s")"
      if groups.contains(.smt(w)) {
        text += wl.smt == .exclusive ? " as whole cores" : " on separate cores (smt: off)"
        let tpc = maxThreadsPerCore
        if wl.smt == .exclusive && n % tpc != 0 {
          text += " (\(roundUp(n, tpc)) threads)"
        }
      }
      parts.append(text)
    } else if groups.contains(.smt(w)) {
      parts.append(wl.smt == .exclusive ? "whole cores" : "separate cores")
    }
    if groups.contains(.memory(w)) {
      var text = "\(ByteSize.format(wl.memory.min)) of memory"
      let g = max(4096, policy.coordinator.memoryGranuleBytes)
      if wl.isolation == .kernel && wl.memory.min % g != 0 {
        text +=
          " (\(ByteSize.format(roundUp(wl.memory.min, g))) in \(ByteSize.format(g)) granules)"
      }
      parts.append(text)
    }
    if groups.contains(.hugePages(w)), let h = wl.hugepages {
      parts.append(
        "\(h.count) huge page\(h.count == 1 ? "" : "s") of \(ByteSize.format(h.pageSizeBytes))")
    }
    for case .device(w, let r) in groups {
      let d = wl.devices[r]
      parts.append(
        "\(d.count) \(d.type.rawValue) device\(d.count == 1 ? "" : "s") matching \(selector(d))")
    }
    var text = join(parts)
    if groups.contains(.numa(w)) {
      text += wl.placement.numa == .single ? " on one NUMA node" : " spread over NUMA nodes"
    }
    if groups.contains(.nearDevices(w)) { text += " near its devices" }
    if groups.contains(.llcExclusive(w)) { text += " with last-level caches of its own" }
    let avoided = groups.compactMap { g -> String? in
      if case .avoid(w, let v) = g { return "'\(policy.workloads[v].name)'" }
      return nil
    }
    if !avoided.isEmpty { text += " away from " + join(avoided) }
    if text.isEmpty { text = "its placement rules" }
    return leadingName ? "'\(wl.name)' needs " + text : text
  }

  func selector(_ d: DeviceRequest) -> String {
    var s: [String] = []
    if let v = d.driver { s.append("driver \(v)") }
    if let v = d.name { s.append("name \(v)") }
    if let v = d.pci { s.append("pci \(v)") }
    if let v = d.vendor { s.append("vendor \(v)") }
    if let v = d.device { s.append("device \(v)") }
    return s.isEmpty ? "type \(d.type.rawValue)" : s.joined(separator: ", ")
  }

  /// What the host offers in the scope the conflict confines the workload to.
  /// "the host has 1 matching device (0000:3b:00.0)" for the primary's requests.
  func devicePhrase(_ w: Int, _ groups: [ConstraintGroup], _ model: HostModel) -> String {
    let wl = policy.workloads[w]
    var matching: [String] = []
    for case .device(w, let r) in groups {
      for device in model.devices where DeviceSelector.matches(wl.devices[r], device) {
        if !matching.contains(device.pciAddress) { matching.append(device.pciAddress) }
      }
    }
    if matching.isEmpty { return "no device on this host matches" }
    let list = matching.sorted().joined(separator: ", ")
    return
      "the host has \(matching.count) matching device\(matching.count == 1 ? "" : "s") (\(list))"
  }

  /// How many pages of the requested size the nodes' memory holds, or which
  /// sizes the kernel offers when it does not offer this one.
  func hugePagePhrase(_ w: Int, _ model: HostModel) -> String {
    guard let h = policy.workloads[w].hugepages else { return "" }
    let size = ByteSize.format(h.pageSizeBytes)
    let offered = model.nodes.filter { $0.hugePageSizes.contains(h.pageSizeBytes) }
    if offered.isEmpty {
      let sizes = Set(model.nodes.flatMap(\.hugePageSizes)).sorted().map { ByteSize.format($0) }
      return sizes.isEmpty
        ? "this host's kernel offers no huge pages"
        : "this host's kernel offers no \(size) huge pages (only \(join(sizes)))"
    }
    let room = offered.map { ($0.id, $0.memoryAvailable / h.pageSizeBytes) }
    let total = room.reduce(UInt64(0)) { $0 + $1.1 }
    let per = room.map { "node \($0.0): \($0.1)" }.joined(separator: ", ")
    return "the nodes' memory holds \(total) \(size) huge pages (\(per))"
  }

  func capacityPhrase(
    _ w: Int, _ groups: [ConstraintGroup], _ model: HostModel, llcRules: Bool
  ) -> String {
    let domains = Set(model.llcs.map(\.domainId)).count
    let inDomains = llcRules ? " in \(domains) LLC domain\(domains == 1 ? "" : "s")" : ""
    let wl = policy.workloads[w]
    var nodes = Array(model.nodes.indices)
    var scope = "the host"
    if groups.contains(.nearDevices(w)) {
      let devNodes = Set(
        model.devices.indices.filter { dev in
          wl.devices.contains { DeviceSelector.matches($0, model.devices[dev]) }
        }.compactMap { model.deviceNode[$0] })
      if !devNodes.isEmpty {
        nodes = devNodes.sorted()
        scope =
          nodes.count == 1
          ? "node \(model.nodes[nodes[0]].id) (its devices' node)"
          : "nodes \(nodes.map { String(model.nodes[$0].id) }.joined(separator: ", ")) (its devices' nodes)"
      }
    }
    let verb = scope.hasPrefix("nodes ") ? "have" : "has"
    let single = groups.contains(.numa(w)) && wl.placement.numa == .single
    func threads(_ n: Int) -> Int {
      model.nodes[n].llcs.reduce(0) { total, l in
        let info = model.llcs[l]
        switch wl.smt {
        case .off where groups.contains(.smt(w)): return total + info.cores.count
        default: return total + info.cores.count * info.threadsPerCore
        }
      }
    }
    let unit = groups.contains(.smt(w)) && wl.smt == .off ? "cores" : "threads"
    let hasMem = groups.contains(.memory(w))
    let hasCPU = groups.contains(.cpus(w))
    if single {
      let best = nodes.max { threads($0) != threads($1) ? threads($0) < threads($1) : $0 > $1 } ?? 0
      let bestMem =
        nodes.max {
          model.nodes[$0].memoryAvailable != model.nodes[$1].memoryAvailable
            ? model.nodes[$0].memoryAvailable < model.nodes[$1].memoryAvailable : $0 > $1
        } ?? 0
      var parts: [String] = []
      if hasCPU || !hasMem {
        parts.append(
          "\(nodes.count == model.nodes.count ? "the largest NUMA node" : scope) has \(threads(best)) \(unit)"
        )
      }
      if hasMem {
        parts.append(
          "\(hasCPU ? "and" : "the largest NUMA node has") \(ByteSize.format(model.nodes[bestMem].memoryAvailable)) of memory"
        )
      }
      return parts.joined(separator: " ")
    }
    var parts: [String] = []
    if hasCPU || !hasMem {
      parts.append("\(scope) \(verb) \(nodes.reduce(0) { $0 + threads($1) }) \(unit)\(inDomains)")
    }
    if hasMem {
      let mem = nodes.reduce(UInt64(0)) { $0 + model.nodes[$1].memoryAvailable }
      parts.append("\(hasCPU ? "and" : "\(scope) \(verb)") \(ByteSize.format(mem)) of memory")
    }
    return parts.joined(separator: " ")
  }

  /// Single relaxations (one clause changed) that make `base` fit.
  func helps(_ conflict: [ConstraintGroup], base: Policy) -> [String] {
    var out: [String] = []
    var skipped = false
    // Each help is checked by solving the whole policy with it; the checks
    // draw on the explanation budget, and lines not checked are left out.
    func fits(_ p: Policy) -> Bool {
      if meter.exhausted {
        skipped = true
        return false
      }
      return check(p)
    }
    func largest(_ lo: Int, _ hi: Int, _ make: (Int) -> Policy) -> Int? {
      // Largest value in lo..<hi for which the policy fits (fits assumed monotone).
      guard hi > lo, fits(make(lo)) else { return nil }
      var a = lo
      var b = hi - 1
      while a < b {
        let mid = (a + b + 1) / 2
        if fits(make(mid)) { a = mid } else { b = mid - 1 }
      }
      return a
    }
    let hk = policy.host.housekeeping
    for g in conflict {
      // Out of budget: the rest would only be skipped (and each copy of a
      // large policy costs its size).
      if meter.exhausted {
        skipped = true
        break
      }
      var p = base
      switch g {
      case .housekeepingCPUs:
        // A count of 0 is refused (E025) and leaving it out means one core:
        // 1 is the least count the language accepts.
        if case .count(let n) = hk.cpus,
          let k = largest(
            1, n,
            {
              var q = base
              q.host.housekeeping.cpus = .count($0)
              return q
            })
        {
          out.append("lower host.housekeeping.cpus to \(k)")
        }
      case .housekeepingMemory:
        let g = max(4096, policy.coordinator.memoryGranuleBytes)
        if let k = largest(
          0, Int(clamping: roundUp(hk.memoryBytes, g) / g),
          {
            var q = base
            q.host.housekeeping.memoryBytes = UInt64($0) * g
            return q
          })
        {
          out.append("lower host.housekeeping.memory to \(ByteSize.format(UInt64(k) * g))")
        }
      case .cpus(let w):
        let wl = policy.workloads[w]
        let granule = wl.smt == .exclusive ? maxThreadsPerCore : 1
        // Granules strictly below the min (rounded up, as the min is).
        if let k = largest(
          0, roundUp(wl.cpus.min, granule) / granule,
          {
            var q = base
            q.workloads[w].cpus.min = $0 * granule
            q.workloads[w].cpus.max = max(q.workloads[w].cpus.max, $0 * granule)
            return q
          }), k > 0, k * granule < wl.cpus.min
        {
          out.append("lower cpus (min) of '\(wl.name)' to \(k * granule)")
        }
      case .memory(let w):
        let wl = policy.workloads[w]
        let g: UInt64 =
          wl.isolation == .kernel ? max(4096, policy.coordinator.memoryGranuleBytes) : 1 << 20
        if let k = largest(
          0, Int(clamping: roundUp(wl.memory.min, g) / g),
          {
            var q = base
            q.workloads[w].memory.min = UInt64($0) * g
            return q
          }), k > 0, UInt64(k) * g < wl.memory.min
        {
          out.append("lower memory (min) of '\(wl.name)' to \(ByteSize.format(UInt64(k) * g))")
        }
      case .hugePages(let w):
        let wl = policy.workloads[w]
        if let h = wl.hugepages,
          let k = largest(
            0, h.count,
            {
              var q = base
              q.workloads[w].hugepages?.count = $0
              return q
            })
        {
          out.append(
            k > 0
              ? "lower hugepages.count of '\(wl.name)' to \(k)" : "drop hugepages from '\(wl.name)'"
          )
        }
      case .device(let w, let r):
        let wl = policy.workloads[w]
        if let k = largest(
          0, wl.devices[r].count,
          {
            var q = base
            q.workloads[w].devices[r].count = $0
            return q
          })
        {
          out.append(
            k > 0
              ? "lower devices[\(r)].count of '\(wl.name)' to \(k)"
              : "drop devices[\(r)] (\(wl.devices[r].type.rawValue)) from '\(wl.name)'")
        }
      case .numa(let w):
        p.workloads[w].placement.numa = .any
        if fits(p) { out.append("set placement.numa: any for '\(policy.workloads[w].name)'") }
      case .nearDevices(let w):
        p.workloads[w].placement.nearDevices = false
        if fits(p) {
          out.append("set placement.nearDevices: false for '\(policy.workloads[w].name)'")
        }
      case .llcExclusive(let w):
        p.workloads[w].placement.llc = .shared
        if fits(p) { out.append("set placement.llc: shared for '\(policy.workloads[w].name)'") }
      case .smt(let w):
        p.workloads[w].smt = .shared
        if fits(p) { out.append("set smt: shared for '\(policy.workloads[w].name)'") }
      case .avoid(let w, let v):
        let name = policy.workloads[v].name
        p.workloads[w].placement.avoid.removeAll { $0 == name }
        if fits(p) {
          out.append("remove '\(name)' from placement.avoid of '\(policy.workloads[w].name)'")
        }
      }
    }
    if skipped {
      out.append(
        "relax one of the clauses named here (the explanation's budget ran out before more changes were checked)"
      )
    } else if out.isEmpty {
      out.append(
        "no single change fits; remove one of the workloads named here or use a larger host")
    }
    return out
  }

  /// E200 (housekeeping does not fit the host) with a help line that
  /// proposes only a count that the language accepts (at least 1) and with
  /// which the whole policy places, checked by solving: the largest such.
  func housekeepingDoesNotFit(_ error: DiagnosticError) -> DiagnosticError {
    guard case .count(let n) = policy.host.housekeeping.cpus, n > 1,
      var diagnostic = error.diagnostics.first, diagnostic.code == "E200",
      diagnostic.message.hasPrefix("housekeeping needs")
    else { return error }
    var skipped = false
    func fits(_ p: Policy) -> Bool {
      if meter.exhausted {
        skipped = true
        return false
      }
      return check(p)
    }
    func with(_ count: Int, perNode: Bool) -> Policy {
      var q = policy
      q.host.housekeeping.cpus = .count(count)
      q.host.housekeeping.perNode = perNode
      return q
    }
    var help: [String] = []
    let perNode = policy.host.housekeeping.perNode
    if fits(with(1, perNode: perNode)) {
      var a = 1
      var b = n - 1
      while a < b {
        let mid = (a + b + 1) / 2
        if fits(with(mid, perNode: perNode)) { a = mid } else { b = mid - 1 }
      }
      help.append("lower host.housekeeping.cpus to \(a)")
    }
    if perNode && fits(with(n, perNode: false)) {
      help.append("set host.housekeeping.perNode: false (\(n) CPUs on the host as a whole)")
    }
    if skipped {
      help.append(
        "lower host.housekeeping.cpus (the explanation's budget ran out before a count was checked)"
      )
    } else if help.isEmpty {
      help.append(
        "no housekeeping.cpus count fits with these workloads: name the CPUs with housekeeping.cpuList, or lower the workloads' demands"
      )
    }
    diagnostic.help = help
    return DiagnosticError([diagnostic] + error.diagnostics.dropFirst())
  }

  var maxThreadsPerCore: Int {
    topology.cores.map { $0.threads.filter(\.online).count }.max() ?? 1
  }
}
