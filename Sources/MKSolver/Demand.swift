import MKCore
import MKPolicy
import MKTopology

/// How a workload's CPUs sit on cores, from its `smt` rule.
enum CPUUnit: Sendable, Hashable {
  /// `smt: exclusive`: whole cores, no sibling for anyone else.
  case wholeCore
  /// `smt: off`: one thread per core, the sibling stays idle.
  case threadPerCore
  /// `smt: shared`: threads; an odd thread may share a core with another workload.
  case thread
}

/// One workload's requirements in the solver's terms.
struct Demand: Sendable {
  var index: Int
  var name: String
  var unit: CPUUnit
  var ownsCPUs: Bool
  /// Sized threads (min until elastic sizing runs).
  var threads: Int
  var minThreads: Int
  var maxThreads: Int
  var memory: UInt64
  var minMemory: UInt64
  var maxMemory: UInt64
  var memoryGranule: UInt64
  var hugePageSize: UInt64
  var hugePageCount: Int
  var numa: NUMAPlacement
  var near: Bool
  var llcExclusive: Bool
  /// Workloads that may share neither core nor LLC with this one (both directions).
  var avoid: Set<Int>
  /// Candidate devices (indices into HostModel.devices) per requested device.
  var slots: [[Int]]
  /// The request index each slot came from.
  var slotRequest: [Int]
  var lambda: Double
  var priority: Int
  var weight: Int
  var irqCPUs: Int?

  /// Thread-slots one CPU of this workload costs (an `smt: off` CPU costs a core).
  func slotCost(_ tpc: Int) -> Int { unit == .threadPerCore ? tpc : 1 }

  static func build(policy: Policy, model: HostModel, weights: ObjectiveWeights) -> [Demand] {
    let names = Dictionary(
      policy.workloads.enumerated().map { ($0.element.name, $0.offset) },
      uniquingKeysWith: { first, _ in first })
    var avoid = Array(repeating: Set<Int>(), count: policy.workloads.count)
    for (index, workload) in policy.workloads.enumerated() {
      for other in workload.placement.avoid {
        guard let j = names[other], j != index else { continue }
        avoid[index].insert(j)
        avoid[j].insert(index)
      }
    }
    let tpc = model.maxThreadsPerCore
    return policy.workloads.enumerated().map { index, workload in
      let unit: CPUUnit =
        switch workload.smt {
        case .exclusive: .wholeCore
        case .off: .threadPerCore
        case .shared: .thread
        }
      let granule = unit == .wholeCore ? tpc : 1
      let minT = roundUp(max(0, workload.cpus.min), granule)
      let maxT = max(minT, (max(0, workload.cpus.max) / granule) * granule)
      let memGranule: UInt64 =
        workload.isolation == .kernel ? max(4096, policy.coordinator.memoryGranuleBytes) : 4096
      let minM = roundUp(workload.memory.min, memGranule)
      let maxM = max(minM, workload.memory.max / memGranule * memGranule)
      var slots: [[Int]] = []
      var slotRequest: [Int] = []
      for (r, request) in workload.devices.enumerated() {
        let candidates = model.devices.indices.filter {
          DeviceSelector.matches(request, model.devices[$0])
        }
        for _ in 0..<max(0, request.count) {
          slots.append(candidates)
          slotRequest.append(r)
        }
      }
      return Demand(
        index: index, name: workload.name, unit: unit, ownsCPUs: workload.ownsCPUs,
        threads: minT, minThreads: minT, maxThreads: maxT, memory: minM, minMemory: minM,
        maxMemory: maxM, memoryGranule: memGranule,
        hugePageSize: workload.hugepages?.pageSizeBytes ?? 0,
        // A kernel instance's huge pages are reserved inside it (its command
        // line) from its own memory, so they take nothing more from the host.
        hugePageCount: workload.isolation == .kernel ? 0 : max(0, workload.hugepages?.count ?? 0),
        numa: workload.placement.numa,
        near: workload.placement.nearDevices && !slots.isEmpty,
        llcExclusive: workload.placement.llc == .exclusive, avoid: avoid[index], slots: slots,
        slotRequest: slotRequest, lambda: weights.lambda(workload.latency),
        priority: workload.priority, weight: max(1, workload.weight), irqCPUs: workload.irqCPUs)
    }
  }
}

/// `value` rounded up to a multiple of `granule`; a value within a granule
/// of the type's maximum stays as it is (it fits no host either way).
func roundUp(_ value: Int, _ granule: Int) -> Int {
  guard granule > 1 else { return value }
  let (sum, overflow) = value.addingReportingOverflow(granule - 1)
  return overflow ? value : sum / granule * granule
}

func roundUp(_ value: UInt64, _ granule: UInt64) -> UInt64 {
  guard granule > 1 else { return value }
  let (sum, overflow) = value.addingReportingOverflow(granule - 1)
  return overflow ? value : sum / granule * granule
}

/// Device selectors: every given attribute must match; `name` and `pci` are globs.
enum DeviceSelector {
  static func matches(_ request: DeviceRequest, _ device: Device) -> Bool {
    switch request.type {
    case .net: if device.deviceClass != .net { return false }
    case .nvme: if device.deviceClass != .nvme { return false }
    case .gpu: if device.deviceClass != .gpu { return false }
    case .accel: if device.deviceClass != .accel { return false }
    case .pci: break
    }
    if let driver = request.driver, device.driver != driver { return false }
    if let vendor = request.vendor, vendor.lowercased() != device.vendorId.lowercased() {
      return false
    }
    if let id = request.device, id.lowercased() != device.deviceId.lowercased() { return false }
    if let pattern = request.pci, !Glob.matches(pattern, device.pciAddress) { return false }
    if let pattern = request.name, !device.names.contains(where: { Glob.matches(pattern, $0) }) {
      return false
    }
    return true
  }
}

/// Shell-style globs (`*`, `?`, `[a-z]`, `[!0-9]`) as device selectors use them.
enum Glob {
  static func matches(_ pattern: String, _ text: String) -> Bool {
    match(Array(pattern.unicodeScalars), 0, Array(text.unicodeScalars), 0)
  }

  private static func match(
    _ p: [Unicode.Scalar], _ pi: Int, _ t: [Unicode.Scalar], _ ti: Int
  ) -> Bool {
    var pi = pi
    var ti = ti
    while pi < p.count {
      switch p[pi] {
      case "*":
        while pi < p.count && p[pi] == "*" { pi += 1 }
        if pi == p.count { return true }
        for start in ti...t.count where match(p, pi, t, start) { return true }
        return false
      case "?":
        guard ti < t.count else { return false }
        pi += 1
        ti += 1
      case "[":
        guard ti < t.count, let (matched, next) = bracket(p, pi, t[ti]) else {
          if ti < t.count && p[pi] == t[ti] && bracket(p, pi, t[ti]) == nil {
            pi += 1
            ti += 1
            continue
          }
          return false
        }
        guard matched else { return false }
        pi = next
        ti += 1
      default:
        guard ti < t.count, p[pi] == t[ti] else { return false }
        pi += 1
        ti += 1
      }
    }
    return ti == t.count
  }

  /// Evaluates `[...]` at `start`; nil when the bracket is not closed (then `[` is literal).
  private static func bracket(
    _ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar
  ) -> (Bool, Int)? {
    var i = start + 1
    var negate = false
    if i < p.count && (p[i] == "!" || p[i] == "^") {
      negate = true
      i += 1
    }
    var matched = false
    var first = true
    while i < p.count && (p[i] != "]" || first) {
      first = false
      if i + 2 < p.count && p[i + 1] == "-" && p[i + 2] != "]" {
        if p[i].value <= c.value && c.value <= p[i + 2].value { matched = true }
        i += 3
      } else {
        if p[i] == c { matched = true }
        i += 1
      }
    }
    guard i < p.count else { return nil }
    return (matched != negate, i + 1)
  }
}
