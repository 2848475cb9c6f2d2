import MKCore
import MKPolicy
import MKTopology

/// The solver's result: the assignment and the warnings about placements that
/// hold but are poor (a workload spread over sockets, a device far away).
public struct Solution: Sendable {
  public var assignment: Assignment
  public var diagnostics: [Diagnostic]
  public init(assignment: Assignment, diagnostics: [Diagnostic]) {
    self.assignment = assignment
    self.diagnostics = diagnostics
  }
}

/// Placement: policy + topology (+ the previous assignment) -> assignment, or
/// an explained conflict (docs/solver.md).
///
/// The search decides threads per (workload, LLC domain), memory and huge
/// pages per node and devices, minimising the objective in docs/objective.md,
/// then turns counts into concrete CPUs, keeping previous ids where it can.
/// It is deterministic: work is bounded by iteration counts, not by time.
public struct Solver: Sendable {
  public var weights: ObjectiveWeights
  /// Every limit on the search's and the explainer's work.
  public var budget: SearchBudget
  /// How many construction orderings to try (heuristic ones, then seeded shuffles).
  public var orderings: Int {
    get { budget.orderings }
    set { budget.orderings = newValue }
  }
  public var improvementPasses: Int {
    get { budget.improvementPasses }
    set { budget.improvementPasses = newValue }
  }

  public init(
    weights: ObjectiveWeights = ObjectiveWeights(), orderings: Int = 8, improvementPasses: Int = 3
  ) {
    self.weights = weights
    budget = SearchBudget()
    budget.orderings = orderings
    budget.improvementPasses = improvementPasses
  }

  public func solve(_ policy: Policy, on topology: Topology, previous: Assignment? = nil)
    -> Result<Solution, DiagnosticError>
  {
    let reserves = HeadroomDemand.build(policy)
    if !reserves.isEmpty {
      return solveWithHeadroom(policy, reserves, on: topology, previous: previous)
    }
    let model: HostModel
    switch HostModel.build(policy: policy, topology: topology) {
    case .success(let built): model = built
    case .failure(let error):
      return .failure(
        Explainer(solver: self, policy: policy, topology: topology).housekeepingDoesNotFit(error))
    }
    let mins = Demand.build(policy: policy, model: model, weights: weights)
    // Sums of minimums over what the host has: answered at once, with the
    // arithmetic, before any search.
    let capacity = CapacityCheck(policy: policy, model: model, demands: mins).conflicts()
    if !capacity.isEmpty {
      // Small instances get the clauses involved and help values checked
      // by solving; large ones the arithmetic, at once.
      if budget.explainsInFull(llcEntries: model.llcs.count, workloads: mins.count) {
        return .failure(Explainer(solver: self, policy: policy, topology: topology).explain())
      }
      return .failure(DiagnosticError(capacity))
    }
    let kept = previous.map { Self.previousPlacement($0, policy: policy, model: model) }
    // Sizes never depend on the previous plan: they are found from scratch, so
    // an unchanged policy re-plans to the same sizes and can keep every CPU.
    let orderings = budgetedOrderings(model, mins)
    var scratch = SearchDriver(
      model: model, weights: weights, previous: nil, orderings: orderings,
      improvementPasses: improvementPasses)
    // Small instances can afford to improve several constructions.
    let cells = model.llcs.count * max(1, mins.count)
    scratch.improveTop = cells <= budget.smallInstance ? 4 : 1
    scratch.pairMoves = cells <= budget.smallInstance
    var state: PlacementState?
    var sized = mins
    let target = Self.sized(mins, model: model, fraction: 1)
    if let placed = scratch.run(target) {
      state = placed
      sized = target
    } else {
      var check = scratch
      check.orderings = budget.feasibilityOrderings(cells: cells)
      let explainer = Explainer(solver: self, policy: policy, topology: topology, model: model)
      // A large policy whose sizes do not place is narrowed on its mins
      // first: a few workloads that do not place even on their own answer
      // it before the search's orderings and packing strategies re-solve
      // all of it (docs/solver.md, "Explanations"). When the mins place,
      // that costs one construction.
      if !budget.explainsInFull(llcEntries: model.llcs.count, workloads: mins.count),
        let answer = explainer.explainNarrowed(mins)
      {
        return .failure(answer)
      }
      let mayFit = check.run(mins)
      // The packing strategies after the cost-first greedy (`run` was it).
      guard
        let found = mayFit
          ?? check.anyPlacementCounted(mins, skippingPlain: true).state.map({
            found -> PlacementState in
            var improved = found
            improved.tight = false
            improved.eagerPairing = false
            check.improve(&improved)
            return improved
          })
      else {
        return .failure(explainer.explain(knownInfeasible: true))
      }
      state = found
      // The largest fraction in [lo, 1] whose sizes place, in `steps` halvings.
      func bisect(from lo: Double, steps: Int, _ sizes: (Double) -> [Demand]) -> Double {
        var lo = lo
        var hi = 1.0
        for _ in 0..<steps {
          let mid = (lo + hi) / 2
          let trial = sizes(mid)
          if let placedTrial = scratch.run(trial) {
            state = placedTrial
            sized = trial
            lo = mid
          } else {
            hi = mid
          }
        }
        return lo
      }
      let cpuFraction = bisect(from: 0, steps: 8) {
        Self.sized(mins, model: model, fraction: $0)
      }
      // That search scales CPUs and memory together, and the rules that cut
      // the CPUs often leave the memory room: give back what fits, at the
      // CPU sizes found (the full share, else by halvings).
      let full = Self.sized(mins, model: model, fraction: cpuFraction, memoryFraction: 1)
      if let placedFull = scratch.run(full) {
        state = placedFull
        sized = full
      } else {
        _ = bisect(from: cpuFraction, steps: 6) {
          Self.sized(mins, model: model, fraction: cpuFraction, memoryFraction: $0)
        }
      }
    }
    if let kept {
      var stable = SearchDriver(
        model: model, weights: weights, previous: kept, orderings: orderings,
        improvementPasses: improvementPasses)
      stable.improveTop = scratch.improveTop
      stable.pairMoves = scratch.pairMoves
      // The previous plan is kept unless a rule or the policy forces a move:
      // the search that starts from it, else any placement that starts from
      // it, else the placement from scratch; whichever is chosen, its
      // movement is measured against the previous plan (never reported 0
      // for a plan that moved).
      let fromScratch = state.map { $0.rescored(previous: kept) }
      let keeping = stable.run(sized) ?? stable.anyPlacement(sized)
      switch (keeping, fromScratch) {
      case (let keeping?, let fromScratch?):
        state = keeping.total.total <= fromScratch.total.total + 1e-9 ? keeping : fromScratch
      case (let keeping?, nil): state = keeping
      case (nil, let fromScratch): state = fromScratch
      }
    }
    guard let final = state else {
      return .failure(Explainer(solver: self, policy: policy, topology: topology).explain())
    }
    var assignment = Binding.assignment(state: final, policy: policy)
    if let previous {
      // The search counts movement per LLC domain; binding may still move a
      // kept thread to another core of its domain (an odd thread leaving a
      // sibling it shared): that is movement too, and reported as such.
      assignment.objective.movement +=
        weights.mu / 2
        * Double(Self.threadsMovedWithinDomains(assignment, previous: previous, model: model))
    }
    var warnings = Self.warnings(state: final, policy: policy)
    // Elastic sizes the placement rules did not let the solver give: said, not hidden.
    for (index, workload) in policy.workloads.enumerated() {
      let got = final.demands[index].threads
      if got < target[index].threads {
        warnings.append(
          Self.shortfall(
            "E264", workload, field: "cpus", got: "\(got) CPUs",
            share: "\(target[index].threads)", limit: "\(got)"))
      }
      let memory = ByteSize.format(final.demands[index].memory)
      if final.demands[index].memory < target[index].memory {
        warnings.append(
          Self.shortfall(
            "E265", workload, field: "memory", got: "\(memory) of memory",
            share: ByteSize.format(target[index].memory), limit: memory))
      }
    }
    return .success(Solution(assignment: assignment, diagnostics: warnings))
  }

  /// A workload given less than its elastic share of `field` (E264 CPUs,
  /// E265 memory), because the placement rules leave no room for more.
  static func shortfall(
    _ code: String, _ workload: Workload, field: String, got: String, share: String,
    limit: String
  ) -> Diagnostic {
    .warning(
      code,
      "workload '\(workload.name)' gets \(got), less than its elastic share of \(share): the placement rules leave no room for more",
      at: workload.location(of: field),
      help: ["relax its placement rules (or others'), or lower \(field) (max) to \(limit)"])
  }

  /// Whether the policy's mins can be placed at all (the explainer's oracle).
  func minsFeasible(_ policy: Policy, on topology: Topology) -> Bool {
    minsFeasibility(policy, on: topology).feasible
  }

  /// `minsFeasible`, with the work the check took in cells: constructions
  /// run x workloads x LLC entries (each construction inserts every
  /// workload at most once, looking at every LLC entry), at least 1. The
  /// arithmetic alone costs the workloads.
  /// `model`, when given, is the host model of `policy` (built from the
  /// same housekeeping), so that checks of many restrictions of one
  /// policy build it once.
  func minsFeasibility(_ policy: Policy, on topology: Topology, model known: HostModel? = nil)
    -> (feasible: Bool, work: Int)
  {
    let model: HostModel
    if let known {
      model = known
    } else {
      guard case .success(let built) = HostModel.build(policy: policy, topology: topology) else {
        return (false, 1)
      }
      model = built
    }
    let (state, work) = minsPlacement(policy, model: model)
    return (state != nil, work)
  }

  /// `minsFeasibility` on `model`, with the placement found (its workload
  /// indices are `policy`'s), for a caller that goes on from it.
  func minsPlacement(_ policy: Policy, model: HostModel) -> (state: PlacementState?, work: Int) {
    let mins = Demand.build(policy: policy, model: model, weights: weights)
    guard CapacityCheck(policy: policy, model: model, demands: mins).conflicts().isEmpty else {
      return (nil, max(1, mins.count))
    }
    let driver = SearchDriver(
      model: model, weights: weights, previous: nil,
      orderings: budget.feasibilityOrderings(cells: model.llcs.count * max(1, mins.count)),
      improvementPasses: 0)
    let (found, constructions) = driver.anyPlacementCounted(mins)
    let cells = Saturating.multiply(max(1, mins.count), max(1, model.llcs.count))
    return (found, Saturating.multiply(max(1, constructions), cells))
  }

  /// Fewer orderings on huge instances, so cost stays near-linear in LLCs x workloads.
  func budgetedOrderings(_ model: HostModel, _ demands: [Demand]) -> Int {
    budget.orderings(cells: model.llcs.count * max(1, demands.count))
  }

  /// Demands sized by elastic sharing of `fraction` of the capacity above the mins.
  /// `memoryFraction` (default `fraction`) scales memory apart from CPUs.
  static func sized(
    _ mins: [Demand], model: HostModel, fraction: Double, memoryFraction: Double? = nil
  ) -> [Demand] {
    let threadsPerCore = model.maxThreadsPerCore
    var nodeSlots = model.nodeSlots
    if nodeSlots.isEmpty { nodeSlots = [0] }
    let maxNodeSlots = nodeSlots.max() ?? 0
    // A `numa: single` workload's memory shares its node with its own huge
    // pages, on a node whose kernel offers their size.
    func largestNodeMemory(_ demand: Demand) -> UInt64 {
      let pages = Self.hugePageBytes(demand)
      return model.nodes.filter { pages == 0 || $0.hugePageSizes.contains(demand.hugePageSize) }
        .map { $0.memoryAvailable - min($0.memoryAvailable, pages) }.max() ?? 0
    }
    let cpuItems = mins.map { demand -> ElasticSizing.Item in
      var cap = demand.maxThreads
      if demand.numa == .single {
        cap = min(cap, maxNodeSlots / demand.slotCost(threadsPerCore))
      }
      return ElasticSizing.Item(
        min: demand.minThreads, max: max(demand.minThreads, cap), weight: demand.weight,
        priority: demand.priority, granule: demand.unit == .wholeCore ? threadsPerCore : 1,
        cost: demand.slotCost(threadsPerCore))
    }
    let minSlots = cpuItems.reduce(0) { $0 + $1.min * $1.cost }
    let slotCap = minSlots + Int(Double(max(0, model.totalSlots - minSlots)) * fraction)
    let cpu = ElasticSizing.sizes(cpuItems, capacity: slotCap)
    let memItems = mins.map { demand -> ElasticSizing.Item in
      var cap = demand.maxMemory
      if demand.numa == .single {
        cap = min(cap, largestNodeMemory(demand) / demand.memoryGranule * demand.memoryGranule)
      }
      return ElasticSizing.Item(
        min: Int(clamping: demand.minMemory), max: Int(clamping: max(demand.minMemory, cap)),
        weight: demand.weight,
        priority: demand.priority, granule: Int(demand.memoryGranule))
    }
    let minMem = Saturating.sum(memItems.map(\.min))
    // Huge pages come out of the same node memory, so they are not shared out.
    // (Saturating: each workload's pages are countable, their sum may not be.)
    let hugeBytes = Saturating.sum(mins.map(hugePageBytes))
    let memory = Int(model.totalMemory - min(model.totalMemory, hugeBytes))
    let memCap = minMem + Int(Double(max(0, memory - minMem)) * (memoryFraction ?? fraction))
    let memorySizes = ElasticSizing.sizes(memItems, capacity: memCap)
    return mins.indices.map { index in
      var demand = mins[index]
      demand.threads = cpu[index]
      demand.memory = UInt64(memorySizes[index])
      return demand
    }
  }

  /// Bytes of `d`'s huge pages, saturating at `UInt64.max`.
  static func hugePageBytes(_ demand: Demand) -> UInt64 {
    Saturating.multiply(UInt64(max(0, demand.hugePageCount)), demand.hugePageSize)
  }

  static func previousPlacement(_ previous: Assignment, policy: Policy, model: HostModel)
    -> PreviousPlacement
  {
    var threads = Array(repeating: [Int: Int](), count: policy.workloads.count)
    var memory = Array(repeating: [Int: UInt64](), count: policy.workloads.count)
    var hugePages = Array(repeating: [Int: UInt64](), count: policy.workloads.count)
    var cpus = Array(repeating: CPUSet?.none, count: policy.workloads.count)
    var devices = Array(repeating: [Int](), count: policy.workloads.count)
    // The previous plan's workloads by name, once (a search per workload
    // was quadratic in the policy's size).
    var byName: [String: WorkloadAssignment] = [:]
    for old in previous.workloads where byName[old.workload] == nil { byName[old.workload] = old }
    for (index, workload) in policy.workloads.enumerated() {
      guard let old = byName[workload.name] else { continue }
      cpus[index] = old.cpus
      devices[index] = old.devices.compactMap { pci in
        model.devices.firstIndex { $0.pciAddress == pci }
      }
      for cpu in old.cpus {
        if let llc = model.cpuLLC[cpu] { threads[index][llc, default: 0] += 1 }
      }
      for (key, bytes) in old.memoryBytesByNode {
        if let id = Int(key), let node = model.nodeIndex[id] {
          memory[index][node] = Saturating.add(memory[index][node] ?? 0, bytes)
        }
      }
      // A kernel instance's pages are inside its memory: nothing to keep.
      if workload.isolation != .kernel {
        for (key, count) in old.hugePagesByNode where count > 0 {
          if let id = Int(key), let node = model.nodeIndex[id] {
            hugePages[index][node] = Saturating.add(hugePages[index][node] ?? 0, UInt64(count))
          }
        }
      }
    }
    return PreviousPlacement(
      threads: threads, memory: memory, hugePages: hugePages, cpus: cpus, devices: devices)
  }

  /// Threads that changed CPUs inside an LLC entry: per workload of both
  /// plans, the CPUs given or taken (the symmetric difference) less what
  /// the counts per LLC entry already show (the sum of their differences).
  static func threadsMovedWithinDomains(
    _ assignment: Assignment, previous: Assignment, model: HostModel
  ) -> Int {
    var before: [String: CPUSet] = [:]
    for old in previous.workloads where before[old.workload] == nil {
      before[old.workload] = old.cpus
    }
    var moved = 0
    for now in assignment.workloads {
      guard let old = before[now.workload] else { continue }
      let changed = now.cpus.subtracting(old).union(old.subtracting(now.cpus))
      var perEntry: [Int: Int] = [:]
      for cpu in now.cpus { perEntry[model.cpuLLC[cpu] ?? -1, default: 0] += 1 }
      for cpu in old { perEntry[model.cpuLLC[cpu] ?? -1, default: 0] -= 1 }
      let countsMoved = perEntry.values.reduce(0) { $0 + abs($1) }
      moved += max(0, changed.count - countsMoved)
    }
    return moved
  }

  /// Placements that hold but are poor.
  static func warnings(state: PlacementState, policy: Policy) -> [Diagnostic] {
    var out: [Diagnostic] = []
    let model = state.model
    for (index, workload) in policy.workloads.enumerated() {
      guard let placement = state.placed[index] else { continue }
      let nodes = Array(Set(placement.shares.map { model.llcs[$0.llc].node })).sorted()
      let packages = Array(Set(nodes.map { model.nodes[$0].package })).sorted()
      if packages.count > 1 && workload.placement.numa != .spread {
        out.append(
          .warning(
            "E260",
            "workload '\(workload.name)' is spread over \(packages.count) sockets (NUMA nodes \(nodes.map { String(model.nodes[$0].id) }.joined(separator: ", ")))",
            at: workload.location(of: "cpus"),
            help: [
              "lower cpus for '\(workload.name)' or free a socket so that it fits in one"
            ]))
      }
      for device in placement.devices {
        guard let deviceNode = model.deviceNode[device], !nodes.isEmpty,
          !nodes.contains(deviceNode)
        else { continue }
        out.append(
          .warning(
            "E261",
            "device \(model.devices[device].pciAddress) (NUMA node \(model.nodes[deviceNode].id)) is far from workload '\(workload.name)' (CPUs on node \(nodes.map { String(model.nodes[$0].id) }.joined(separator: ", ")))",
            at: workload.location(of: "devices"),
            help: ["set placement.nearDevices: true for '\(workload.name)'"]))
      }
      let remote = placement.memory.filter { !nodes.contains($0.node) }
        .reduce(UInt64(0)) { $0 + $1.amount }
      if remote > 0 && !nodes.isEmpty {
        out.append(
          .warning(
            "E262",
            "\(ByteSize.format(remote)) of workload '\(workload.name)' memory is on NUMA nodes without its CPUs",
            at: workload.location(of: "memory"),
            help: ["lower memory for '\(workload.name)' or let its CPUs span more nodes"]))
      }
      if workload.latency == .realtime || workload.latency == .low {
        let shared = placement.shares.reduce(0) { count, share in
          count + state.llc[share.llc].pairs.filter { $0.a == index || $0.b == index }.count
        }
        if shared > 0 {
          out.append(
            .warning(
              "E263",
              "\(workload.latency.rawValue)-latency workload '\(workload.name)' shares \(shared) SMT sibling\(shared == 1 ? "" : "s") with another workload",
              at: workload.location(of: "smt"),
              help: ["set smt: exclusive for '\(workload.name)'"]))
        }
      }
    }
    return out
  }
}
