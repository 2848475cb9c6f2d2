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
    case .cpus(let workload), .memory(let workload), .hugePages(let workload),
      .device(let workload, _), .numa(let workload), .nearDevices(let workload),
      .llcExclusive(let workload), .smt(let workload), .avoid(let workload, _):
      workload
    }
  }

  private var rank: (Int, Int, Int) {
    switch self {
    case .housekeepingCPUs: (-1, 0, 0)
    case .housekeepingMemory: (-1, 1, 0)
    case .cpus(let workload): (workload, 0, 0)
    case .memory(let workload): (workload, 1, 0)
    case .hugePages(let workload): (workload, 2, 0)
    case .device(let workload, let request): (workload, 3, request)
    case .numa(let workload): (workload, 4, 0)
    case .nearDevices(let workload): (workload, 5, 0)
    case .llcExclusive(let workload): (workload, 6, 0)
    case .smt(let workload): (workload, 7, 0)
    case .avoid(let workload, let avoided): (workload, 8, avoided)
    }
  }

  static func < (lhs: ConstraintGroup, rhs: ConstraintGroup) -> Bool { lhs.rank < rhs.rank }

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
    let housekeeping = policy.host.housekeeping
    switch housekeeping.cpus {
    case .count(let count) where count > 0: out.append(.housekeepingCPUs)
    case .list(let list) where !list.isEmpty: out.append(.housekeepingCPUs)
    default: break
    }
    if housekeeping.memoryBytes > 0 { out.append(.housekeepingMemory) }
    for (index, workload) in policy.workloads.enumerated() {
      if workload.cpus.min > 0 { out.append(.cpus(index)) }
      if workload.memory.min > 0 { out.append(.memory(index)) }
      if let pages = workload.hugepages, pages.count > 0 { out.append(.hugePages(index)) }
      for (request, device) in workload.devices.enumerated() where device.count > 0 {
        out.append(.device(index, request))
      }
      if workload.placement.numa != .any { out.append(.numa(index)) }
      if workload.placement.nearDevices && !workload.devices.isEmpty {
        out.append(.nearDevices(index))
      }
      if workload.placement.llc == .exclusive { out.append(.llcExclusive(index)) }
      if workload.smt != .shared { out.append(.smt(index)) }
      for other in workload.placement.avoid where other != workload.name {
        if let avoided = indexByName[other] { out.append(.avoid(index, avoided)) }
      }
    }
    // Stable: the policy's order within a kind.
    return resourcesFirst
      ? out.enumerated().sorted { lhs, rhs in
        let (lhsRank, rhsRank) = (lhs.element.kindRank, rhs.element.kindRank)
        return lhsRank != rhsRank ? lhsRank < rhsRank : lhs.offset < rhs.offset
      }.map(\.element) : out
  }

  /// The policy with only `active` clauses in force (the others relaxed).
  func restricted(to active: Set<ConstraintGroup>) -> Policy {
    var restricted = policy
    if !active.contains(.housekeepingCPUs) { restricted.host.housekeeping.cpus = .count(0) }
    if !active.contains(.housekeepingMemory) { restricted.host.housekeeping.memoryBytes = 0 }
    for index in restricted.workloads.indices {
      var workload = restricted.workloads[index]
      if !active.contains(.cpus(index)) { workload.cpus = .init(exactly: 0) }
      if !active.contains(.memory(index)) { workload.memory = .init(exactly: 0) }
      if !active.contains(.hugePages(index)) { workload.hugepages = nil }
      for request in workload.devices.indices where !active.contains(.device(index, request)) {
        workload.devices[request].count = 0
      }
      if !active.contains(.numa(index)) { workload.placement.numa = .any }
      if !active.contains(.nearDevices(index)) { workload.placement.nearDevices = false }
      if !active.contains(.llcExclusive(index)) { workload.placement.llc = .shared }
      if !active.contains(.smt(index)) { workload.smt = .shared }
      workload.placement.avoid = workload.placement.avoid.filter { name in
        guard let avoided = indexByName[name] else { return false }
        return active.contains(.avoid(index, avoided))
      }
      workload.cpus.max = max(workload.cpus.min, 0)
      workload.memory.max = workload.memory.min
      restricted.workloads[index] = workload
    }
    return restricted
  }

  /// Whether the clauses `active` can be placed together (the oracle).
  /// Workloads left without any demand are left out of the check: they
  /// take nothing, and the checks of small sets stay cheap.
  func feasible(_ active: Set<ConstraintGroup>) -> Bool {
    var checked = restricted(to: active)
    // A focused explainer keeps every workload, so that the last feasible
    // placement's indices hold for the next check.
    if resourcesFirst { return check(checked) }
    checked.workloads.removeAll { workload in
      workload.cpus.min <= 0 && workload.memory.min == 0 && (workload.hugepages?.count ?? 0) <= 0
        && workload.devices.allSatisfy { $0.count <= 0 }
    }
    return check(checked)
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
        var diagnostic = render(
          conflict, base: found.count == 1 ? policy : restricted(to: Set(conflict)),
          minimal: minimal)
        if !minimal {
          diagnostic.notes.append(
            .init(
              "this conflict may not be minimal: the search for a smaller one ran out of its budget (\(solver.budget.explanationWork) cells); some clauses named may not be needed for it"
            ))
        }
        return diagnostic
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
  /// `minimal`: every member is needed, so every one is named (past the
  /// first `namedMembers`, by name alone); a conflict the budget left large
  /// names its first few and counts the rest.
  func render(_ conflict: [ConstraintGroup], base: Policy, minimal: Bool = true) -> Diagnostic {
    let set = Set(conflict)
    let workloads = policy.workloads
    let housekeeping = policy.host.housekeeping
    // The primary workload: the last one with a demand in the conflict.
    let demandOwners = conflict.compactMap { group -> Int? in
      switch group {
      case .cpus(let index), .memory(let index), .hugePages(let index), .device(let index, _): index
      default: nil
      }
    }
    let primary = demandOwners.max() ?? conflict.compactMap(\.workload).max()
    let model = try? HostModel.build(policy: restricted(to: set), topology: topology).get()
    func short(_ source: SourceLocation) -> String { "\(source.line):\(source.column)" }
    var others: [String] = []
    var notes: [Diagnostic.Note] = []
    if set.contains(.housekeepingCPUs) || set.contains(.housekeepingMemory) {
      var what: [String] = []
      if set.contains(.housekeepingCPUs) {
        switch housekeeping.cpus {
        case .count(let count):
          what.append(
            "\(count) CPU\(count == 1 ? "" : "s")\(housekeeping.perNode ? " per NUMA node" : "")")
        case .list(let list): what.append("CPUs \(list.cpulist)")
        }
      }
      if set.contains(.housekeepingMemory) {
        what.append("\(ByteSize.format(housekeeping.memoryBytes)) of memory")
      }
      // Point at the field that takes what is kept: `memory:` for memory
      // alone, `cpus:`/`cpuList:` for CPUs alone, the section for both.
      let cpuField: String
      switch housekeeping.cpus {
      case .count: cpuField = "cpus"
      case .list: cpuField = "cpuList"
      }
      let location =
        !set.contains(.housekeepingCPUs)
        ? housekeeping.location(of: "memory")
        : !set.contains(.housekeepingMemory)
          ? housekeeping.location(of: cpuField) : housekeeping.location
      let place = location.map { " (\(short($0)))" } ?? ""
      others.append("housekeeping\(place)")
      notes.append(.init("housekeeping keeps \(what.joined(separator: " and "))", at: location))
    }
    let involved = Array(Set(conflict.compactMap(\.workload))).sorted().filter { $0 != primary }
    var byWorkload: [Int: [ConstraintGroup]] = [:]
    for group in conflict {
      if let index = group.workload { byWorkload[index, default: []].append(group) }
    }
    // A conflict the budget left large names its first 64 members and
    // counts the rest, so that the answer stays readable (and linear to
    // render); a minimal one names them all, as each is part of it.
    for index in involved.prefix(Self.namedMembers) {
      let workload = workloads[index]
      let mine = byWorkload[index] ?? []
      let firstField = mine.first.map { fieldKey($0) } ?? "cpus"
      others.append("'\(workload.name)' (\(short(workload.location(of: firstField))))")
      notes.append(.init(describe(index, mine), at: workload.location(of: firstField)))
    }
    if involved.count > Self.namedMembers {
      let rest = involved.count - Self.namedMembers
      let listed = involved.dropFirst(Self.namedMembers).prefix(minimal ? rest : Self.listedMembers)
      others.append("\(rest) more workload\(rest == 1 ? "" : "s")")
      notes.append(
        .init(
          "and \(rest) more workload\(rest == 1 ? "" : "s") of the policy: \(listed.map { "'\(workloads[$0].name)'" }.joined(separator: ", "))\(rest > listed.count ? ", ..." : "")"
        ))
    }
    guard let primaryIndex = primary else {
      return .error(
        "E201", "housekeeping alone does not fit this host", at: housekeeping.location,
        notes: notes,
        help: helps(conflict, base: base))
    }
    let workload = workloads[primaryIndex]
    let mine = byWorkload[primaryIndex] ?? []
    let hasCPU = mine.contains(.cpus(primaryIndex))
    let hasMem = mine.contains(.memory(primaryIndex))
    let hasDev = mine.contains { if case .device = $0 { true } else { false } }
    let hasHuge = mine.contains(.hugePages(primaryIndex))
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
    var message =
      "workload '\(workload.name)' needs " + describe(primaryIndex, mine, leadingName: false)
    if let model {
      let llcRules = conflict.contains { group in
        switch group {
        case .avoid, .llcExclusive: true
        default: false
        }
      }
      switch code {
      case "E203": message += "; " + devicePhrase(primaryIndex, mine, model)
      case "E204": message += "; " + hugePagePhrase(primaryIndex, model)
      default:
        message += "; " + capacityPhrase(primaryIndex, mine, model, llcRules: llcRules)
        if hasHuge { message += "; " + hugePagePhrase(primaryIndex, model) }
      }
    }
    if let hkRef = others.first(where: { $0.hasPrefix("housekeeping") }) {
      message += " after " + hkRef
    }
    let rivals = others.filter { !$0.hasPrefix("housekeeping") }
    if !rivals.isEmpty { message += ", in conflict with " + join(rivals) }
    return .error(
      code, message, at: workload.location(of: field), notes: notes,
      help: helps(conflict, base: base))
  }

  /// Members of a conflict named one by one in its diagnostic.
  static let namedMembers = 12
  /// Members of a conflict that may not be minimal named after those, by
  /// name alone (a minimal one names them all): enough for the conflicts
  /// the narrowing finds, short enough to read.
  static let listedMembers = 52

  func join(_ items: [String]) -> String {
    items.count <= 1
      ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
  }

  func fieldKey(_ group: ConstraintGroup) -> String {
    switch group {
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
  func describe(_ index: Int, _ groups: [ConstraintGroup], leadingName: Bool = true) -> String {
    let workload = policy.workloads[index]
    var parts: [String] = []
    if groups.contains(.cpus(index)) {
      let count = workload.cpus.min
      let kind = workload.ownsCPUs ? "exclusive " : ""
      var text = "\(count) \(kind)thread\(count == 1 ? "" : "s")"
      if groups.contains(.smt(index)) {
        text += workload.smt == .exclusive ? " as whole cores" : " on separate cores (smt: off)"
        let threadsPerCore = maxThreadsPerCore
        if workload.smt == .exclusive && count % threadsPerCore != 0 {
          text += " (\(roundUp(count, threadsPerCore)) threads)"
        }
      }
      parts.append(text)
    } else if groups.contains(.smt(index)) {
      parts.append(workload.smt == .exclusive ? "whole cores" : "separate cores")
    }
    if groups.contains(.memory(index)) {
      var text = "\(ByteSize.format(workload.memory.min)) of memory"
      let granule = max(4096, policy.coordinator.memoryGranuleBytes)
      if workload.isolation == .kernel && workload.memory.min % granule != 0 {
        text +=
          " (\(ByteSize.format(roundUp(workload.memory.min, granule))) in \(ByteSize.format(granule)) granules)"
      }
      parts.append(text)
    }
    if groups.contains(.hugePages(index)), let pages = workload.hugepages {
      parts.append(
        "\(pages.count) huge page\(pages.count == 1 ? "" : "s") of \(ByteSize.format(pages.pageSizeBytes))"
      )
    }
    for case .device(index, let request) in groups {
      let device = workload.devices[request]
      parts.append(
        "\(device.count) \(device.type.rawValue) device\(device.count == 1 ? "" : "s") matching \(selector(device))"
      )
    }
    var text = join(parts)
    if groups.contains(.numa(index)) {
      text += workload.placement.numa == .single ? " on one NUMA node" : " spread over NUMA nodes"
    }
    if groups.contains(.nearDevices(index)) { text += " near its devices" }
    if groups.contains(.llcExclusive(index)) { text += " with last-level caches of its own" }
    let avoidedNames = groups.compactMap { group -> String? in
      if case .avoid(index, let other) = group { return "'\(policy.workloads[other].name)'" }
      return nil
    }
    if !avoidedNames.isEmpty { text += " away from " + join(avoidedNames) }
    if text.isEmpty { text = "its placement rules" }
    return leadingName ? "'\(workload.name)' needs " + text : text
  }

  func selector(_ request: DeviceRequest) -> String {
    var fields: [String] = []
    if let value = request.driver { fields.append("driver \(value)") }
    if let value = request.name { fields.append("name \(value)") }
    if let value = request.pci { fields.append("pci \(value)") }
    if let value = request.vendor { fields.append("vendor \(value)") }
    if let value = request.device { fields.append("device \(value)") }
    return fields.isEmpty ? "type \(request.type.rawValue)" : fields.joined(separator: ", ")
  }

  /// What the host offers in the scope the conflict confines the workload to.
  /// "the host has 1 matching device (0000:3b:00.0)" for the primary's requests.
  func devicePhrase(_ index: Int, _ groups: [ConstraintGroup], _ model: HostModel) -> String {
    let workload = policy.workloads[index]
    var matching: [String] = []
    for case .device(index, let request) in groups {
      for device in model.devices where DeviceSelector.matches(workload.devices[request], device) {
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
  func hugePagePhrase(_ index: Int, _ model: HostModel) -> String {
    guard let pages = policy.workloads[index].hugepages else { return "" }
    let size = ByteSize.format(pages.pageSizeBytes)
    let offered = model.nodes.filter { $0.hugePageSizes.contains(pages.pageSizeBytes) }
    if offered.isEmpty {
      let sizes = Set(model.nodes.flatMap(\.hugePageSizes)).sorted().map { ByteSize.format($0) }
      return sizes.isEmpty
        ? "this host's kernel offers no huge pages"
        : "this host's kernel offers no \(size) huge pages (only \(join(sizes)))"
    }
    let room = offered.map { ($0.id, $0.memoryAvailable / pages.pageSizeBytes) }
    let total = room.reduce(UInt64(0)) { $0 + $1.1 }
    let per = room.map { "node \($0.0): \($0.1)" }.joined(separator: ", ")
    return "the nodes' memory holds \(total) \(size) huge pages (\(per))"
  }

  func capacityPhrase(
    _ index: Int, _ groups: [ConstraintGroup], _ model: HostModel, llcRules: Bool
  ) -> String {
    let domains = Set(model.llcs.map(\.domainId)).count
    let inDomains = llcRules ? " in \(domains) LLC domain\(domains == 1 ? "" : "s")" : ""
    let workload = policy.workloads[index]
    var nodes = Array(model.nodes.indices)
    var scope = "the host"
    if groups.contains(.nearDevices(index)) {
      let devNodes = Set(
        model.devices.indices.filter { dev in
          workload.devices.contains { DeviceSelector.matches($0, model.devices[dev]) }
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
    let single = groups.contains(.numa(index)) && workload.placement.numa == .single
    func threads(_ node: Int) -> Int {
      model.nodes[node].llcs.reduce(0) { total, entry in
        let info = model.llcs[entry]
        switch workload.smt {
        case .off where groups.contains(.smt(index)): return total + info.cores.count
        default: return total + info.cores.count * info.threadsPerCore
        }
      }
    }
    let unit = groups.contains(.smt(index)) && workload.smt == .off ? "cores" : "threads"
    let hasMem = groups.contains(.memory(index))
    let hasCPU = groups.contains(.cpus(index))
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
    func fits(_ changed: Policy) -> Bool {
      if meter.exhausted {
        skipped = true
        return false
      }
      return check(changed)
    }
    func largest(_ lo: Int, _ hi: Int, _ make: (Int) -> Policy) -> Int? {
      // Largest value in lo..<hi for which the policy fits (fits assumed monotone).
      guard hi > lo, fits(make(lo)) else { return nil }
      var low = lo
      var high = hi - 1
      while low < high {
        let mid = (low + high + 1) / 2
        if fits(make(mid)) { low = mid } else { high = mid - 1 }
      }
      return low
    }
    let housekeeping = policy.host.housekeeping
    for group in conflict {
      // Out of budget: the rest would only be skipped (and each copy of a
      // large policy costs its size).
      if meter.exhausted {
        skipped = true
        break
      }
      var changed = base
      switch group {
      case .housekeepingCPUs:
        // A count of 0 is refused (E025) and leaving it out means one core:
        // 1 is the least count the language accepts.
        if case .count(let count) = housekeeping.cpus,
          let value = largest(
            1, count,
            {
              var candidate = base
              candidate.host.housekeeping.cpus = .count($0)
              return candidate
            })
        {
          out.append("lower host.housekeeping.cpus to \(value)")
        }
      case .housekeepingMemory:
        let granuleBytes = max(4096, policy.coordinator.memoryGranuleBytes)
        if let value = largest(
          0, Int(clamping: roundUp(housekeeping.memoryBytes, granuleBytes) / granuleBytes),
          {
            var candidate = base
            candidate.host.housekeeping.memoryBytes = UInt64($0) * granuleBytes
            return candidate
          })
        {
          out.append(
            "lower host.housekeeping.memory to \(ByteSize.format(UInt64(value) * granuleBytes))")
        }
      case .cpus(let index):
        let workload = policy.workloads[index]
        let granule = workload.smt == .exclusive ? maxThreadsPerCore : 1
        // Granules strictly below the min (rounded up, as the min is).
        if let value = largest(
          0, roundUp(workload.cpus.min, granule) / granule,
          {
            var candidate = base
            candidate.workloads[index].cpus.min = $0 * granule
            candidate.workloads[index].cpus.max = max(
              candidate.workloads[index].cpus.max, $0 * granule)
            return candidate
          }), value > 0, value * granule < workload.cpus.min
        {
          out.append("lower cpus (min) of '\(workload.name)' to \(value * granule)")
        }
      case .memory(let index):
        let workload = policy.workloads[index]
        let granuleBytes: UInt64 =
          workload.isolation == .kernel ? max(4096, policy.coordinator.memoryGranuleBytes) : 1 << 20
        if let value = largest(
          0, Int(clamping: roundUp(workload.memory.min, granuleBytes) / granuleBytes),
          {
            var candidate = base
            candidate.workloads[index].memory.min = UInt64($0) * granuleBytes
            return candidate
          }), value > 0, UInt64(value) * granuleBytes < workload.memory.min
        {
          out.append(
            "lower memory (min) of '\(workload.name)' to \(ByteSize.format(UInt64(value) * granuleBytes))"
          )
        }
      case .hugePages(let index):
        let workload = policy.workloads[index]
        if let pages = workload.hugepages,
          let value = largest(
            0, pages.count,
            {
              var candidate = base
              candidate.workloads[index].hugepages?.count = $0
              return candidate
            })
        {
          out.append(
            value > 0
              ? "lower hugepages.count of '\(workload.name)' to \(value)"
              : "drop hugepages from '\(workload.name)'"
          )
        }
      case .device(let index, let request):
        let workload = policy.workloads[index]
        if let value = largest(
          0, workload.devices[request].count,
          {
            var candidate = base
            candidate.workloads[index].devices[request].count = $0
            return candidate
          })
        {
          out.append(
            value > 0
              ? "lower devices[\(request)].count of '\(workload.name)' to \(value)"
              : "drop devices[\(request)] (\(workload.devices[request].type.rawValue)) from '\(workload.name)'"
          )
        }
      case .numa(let index):
        changed.workloads[index].placement.numa = .any
        if fits(changed) {
          out.append("set placement.numa: any for '\(policy.workloads[index].name)'")
        }
      case .nearDevices(let index):
        changed.workloads[index].placement.nearDevices = false
        if fits(changed) {
          out.append("set placement.nearDevices: false for '\(policy.workloads[index].name)'")
        }
      case .llcExclusive(let index):
        changed.workloads[index].placement.llc = .shared
        if fits(changed) {
          out.append("set placement.llc: shared for '\(policy.workloads[index].name)'")
        }
      case .smt(let index):
        changed.workloads[index].smt = .shared
        if fits(changed) { out.append("set smt: shared for '\(policy.workloads[index].name)'") }
      case .avoid(let index, let avoided):
        let name = policy.workloads[avoided].name
        changed.workloads[index].placement.avoid.removeAll { $0 == name }
        if fits(changed) {
          out.append("remove '\(name)' from placement.avoid of '\(policy.workloads[index].name)'")
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
    guard case .count(let count) = policy.host.housekeeping.cpus, count > 1,
      var diagnostic = error.diagnostics.first, diagnostic.code == "E200",
      diagnostic.message.hasPrefix("housekeeping needs")
    else { return error }
    var skipped = false
    func fits(_ candidate: Policy) -> Bool {
      if meter.exhausted {
        skipped = true
        return false
      }
      return check(candidate)
    }
    func with(_ count: Int, perNode: Bool) -> Policy {
      var changed = policy
      changed.host.housekeeping.cpus = .count(count)
      changed.host.housekeeping.perNode = perNode
      return changed
    }
    var help: [String] = []
    let perNode = policy.host.housekeeping.perNode
    if fits(with(1, perNode: perNode)) {
      var low = 1
      var high = count - 1
      while low < high {
        let mid = (low + high + 1) / 2
        if fits(with(mid, perNode: perNode)) { low = mid } else { high = mid - 1 }
      }
      help.append("lower host.housekeeping.cpus to \(low)")
    }
    if perNode && fits(with(count, perNode: false)) {
      help.append("set host.housekeeping.perNode: false (\(count) CPUs on the host as a whole)")
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
