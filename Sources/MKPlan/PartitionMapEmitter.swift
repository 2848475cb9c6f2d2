import MKCore
import MKPolicy
import MKTopology

/// `map.svg`: the plan as a picture for review. Sockets hold NUMA nodes
/// (their distances in the node's `<title>`), nodes hold LLC domains and
/// device chips, LLCs hold one slot per core with one stripe per SMT thread,
/// filled by owner. Consecutive cores with the same owners are drawn as one
/// run (the slots stay, so positions read true on any host), which keeps a
/// 1,920-thread map small. Devices owned by a workload are joined by a line
/// to its first IRQ CPU; IRQ CPUs carry a corner mark. A legend lists each
/// workload's isolation, latency, CPUs, memory per node and policy line.
/// With a previous plan a second view shows what moved (old owner -> new).
///
/// Self-contained and deterministic: no scripts, generic font families,
/// integer coordinates; accessible: a `<title>` and `<desc>` for the whole
/// picture, `role`/`aria-label` on groups, a `<title>` on every cell, and
/// key letters and patterns besides colour.
public enum PartitionMapEmitter {
  static let margin = 16
  static let sans = "sans-serif"
  static let mono = "monospace"

  /// What one SMT thread stripe looks like; equal stripes merge into runs.
  struct Paint: Hashable {
    var swatch: PartitionMapStyle.Swatch
    var label: String
    var kernel: Bool
    var irq: Bool
    var outline: Bool
    /// The owner in words, for the stripe's `<title>`.
    var owner: String
  }

  public static func render(_ plan: Plan, policy: Policy, topology: Topology, previous: Plan? = nil)
    -> String
  {
    let ownership = CPUOwnership(plan: plan, policy: policy, topology: topology)
    var swatches: [Int: PartitionMapStyle.Swatch] = [:]
    for index in plan.assignments.indices where ownership.isolation[index] != .shared {
      swatches[index] = PartitionMapStyle.workload(swatches.count)
    }
    var irqCPUs = CPUSet()
    for assignment in plan.assignments { irqCPUs.formUnion(assignment.irqCPUs) }

    func swatch(_ owner: CPUOwnership.Owner) -> PartitionMapStyle.Swatch {
      switch owner {
      case .housekeeping: return PartitionMapStyle.housekeeping
      case .exclusive(let index): return swatches[index] ?? PartitionMapStyle.unused
      case .shared: return PartitionMapStyle.sharedPool
      case .idleForHousekeeping, .idleForWorkload: return PartitionMapStyle.idleSibling
      case .headroom, .unused: return PartitionMapStyle.unused
      }
    }
    func symbol(_ owner: CPUOwnership.Owner) -> String {
      switch owner {
      case .housekeeping: return String(PartitionGrid.housekeeping)
      case .exclusive(let index): return String(PartitionGrid.key(index))
      case .shared: return ""
      case .headroom: return String(PartitionGrid.headroom)
      case .idleForHousekeeping, .idleForWorkload, .unused: return ""
      }
    }
    // One paint per CPU, made once per distinct owner (the label strings
    // are the expensive part), looked up by the drawing.
    var memo: [CPUOwnership.Owner: Paint] = [:]
    var paints: [Int: Paint] = [:]
    for cpu in topology.threads.map(\.cpu) {
      let owner = ownership.owner(cpu)
      var base: Paint
      if let known = memo[owner] {
        base = known
      } else {
        var kernel = false
        if case .exclusive(let index) = owner { kernel = ownership.isolation[index] == .kernel }
        base = Paint(
          swatch: swatch(owner), label: symbol(owner), kernel: kernel, irq: false,
          outline: false, owner: ownership.label(owner, plan: plan))
        memo[owner] = base
      }
      base.irq = irqCPUs.contains(cpu)
      paints[cpu] = base
    }
    let unusedPaint = Paint(
      swatch: PartitionMapStyle.unused, label: "", kernel: false, irq: false, outline: false,
      owner: "idle")
    let paint: (Int) -> Paint = { paints[$0] ?? unusedPaint }

    var svg = SVGWriter()
    let top = margin + 56
    let layout = PartitionMapLayout(topology: topology, x: margin, y: top + 8)
    var width = max(layout.width + 2 * margin, 720)
    var body = SVGWriter()
    var y = layout.height + top + 8
    let centres = drawMap(layout, paint: paint, into: &body)
    drawDevices(layout, plan: plan, swatches: swatches, centres: centres, into: &body)

    if let previous {
      let before = CPUOwnership(plan: previous, policy: policy, topology: topology)
      let moved = PartitionMapLayout(topology: topology, x: margin, y: y + 40)
      body.text(
        x: margin, y: y + 34, "What moved against the previous plan (old owner -> new owner)",
        size: 13, [("font-family", sans), ("font-weight", "bold")])
      let faded = PartitionMapStyle.Swatch(fill: "#F2F2F2", pattern: nil, ink: "#000000")
      var moves: [(pair: String, cpus: [Int])] = []
      var moveIndex: [String: Int] = [:]
      let movedPaint: (Int) -> Paint = { cpu in
        let old = identity(before.owner(cpu), previous)
        let new = identity(ownership.owner(cpu), plan)
        if old == new {
          return Paint(
            swatch: faded, label: "", kernel: false, irq: false, outline: false,
            owner: "unchanged: \(new)")
        }
        var next = paint(cpu)
        next.outline = true
        next.irq = false
        next.owner = "\(old) -> \(new)"
        return next
      }
      for cpu in topology.threads.map(\.cpu).sorted() {
        let old = identity(before.owner(cpu), previous)
        let new = identity(ownership.owner(cpu), plan)
        guard old != new else { continue }
        let pair = "\(old) -> \(new)"
        if let index = moveIndex[pair] {
          moves[index].cpus.append(cpu)
        } else {
          moveIndex[pair] = moves.count
          moves.append((pair, [cpu]))
        }
      }
      _ = drawMap(moved, paint: movedPaint, into: &body)
      y = moved.height + y + 40 + 22
      if moves.isEmpty {
        body.text(x: margin, y: y, "No CPU changes owner.", size: 11, [("font-family", sans)])
        y += 16
      }
      for move in moves {
        let line = "CPUs \(CPUSet(move.cpus).cpulist): \(move.pair)"
        body.text(x: margin, y: y, line, size: 11, [("font-family", mono)])
        width = max(width, 2 * margin + PartitionMapStyle.textWidth(line, size: 11))
        y += 15
      }
    }
    y = drawLegend(
      plan: plan, policy: policy, ownership: ownership, swatches: swatches, top: y + 20,
      width: &width, into: &body)
    let height = y + margin

    let nodes = topology.nodes
    let title = "Partition map of policy \(plan.policy)"
    svg.raw(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        + "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"map-title map-desc\">")
    svg.element("title", [("id", "map-title")], text: title)
    svg.element(
      "desc", [("id", "map-desc")],
      text: description(plan, ownership: ownership, topology: topology))
    svg.raw(PartitionMapStyle.definitions)
    svg.rect(x: 0, y: 0, width: width, height: height, [("fill", "#FFFFFF")])
    svg.text(
      x: margin, y: margin + 14, title, size: 17, [("font-family", sans), ("font-weight", "bold")])
    let source =
      (topology.hostName.map { "\($0): " } ?? "")
      + (topology.source ?? "unnamed host").split(whereSeparator: { $0 == "\n" || $0 == " " })
      .joined(separator: " ")
    let host = source.count > 110 ? String(source.prefix(107)) + "..." : source
    svg.text(x: margin, y: margin + 31, host, size: 11, [("font-family", sans)])
    let kernel = plan.topologyFingerprint.kernelRelease
    svg.text(
      x: margin, y: margin + 45,
      [
        count(topology.packages.count, "socket"), count(nodes.count, "NUMA node"),
        count(topology.cacheDomains.count, "LLC domain"), count(topology.cores.count, "core"),
        count(topology.threads.count, "thread"),
      ].joined(separator: ", ") + "; kernel \(kernel.isEmpty ? "unknown" : kernel), "
        + "cgroup \(plan.cgroupMode); " + count(plan.assignments.count, "workload"),
      size: 11, [("font-family", sans), ("fill", "#333333")])
    for part in body.parts { svg.raw(part) }
    svg.raw("</svg>")
    return svg.document
  }

  /// A CPU's owner as a name that is comparable across plans.
  static func identity(_ owner: CPUOwnership.Owner, _ plan: Plan) -> String {
    switch owner {
    case .housekeeping: return "housekeeping"
    case .exclusive(let index): return plan.assignments[index].workload
    case .shared: return "shared pool"
    case .idleForHousekeeping, .idleForWorkload: return "idle sibling"
    case .headroom(let index): return "update headroom " + (plan.headroom?[index].name ?? "")
    case .unused: return "unused"
    }
  }

  // MARK: the map

  /// Draws sockets, nodes, LLCs and core runs; returns the centre of each
  /// CPU's stripe (for device lines).
  static func drawMap(
    _ layout: PartitionMapLayout, paint: (Int) -> Paint, into svg: inout SVGWriter
  ) -> [Int: (x: Int, y: Int)] {
    var centres: [Int: (x: Int, y: Int)] = [:]
    for socket in layout.sockets {
      let threads = socket.nodes.reduce(0) { $0 + $1.node.cpus.count }
      svg.open("g", [("role", "group"), ("aria-label", "socket \(socket.package.id)")])
      svg.rect(
        x: socket.box.x, y: socket.box.y, width: socket.box.width, height: socket.box.height,
        [("rx", "6"), ("fill", "#F7F7F7"), ("stroke", "#666666"), ("stroke-width", "1.5")])
      svg.text(
        x: socket.box.x + 8, y: socket.box.y + 14,
        "socket \(socket.package.id) · \(threads) threads", size: 12,
        [("font-family", sans), ("font-weight", "bold")])
      for node in socket.nodes {
        drawNode(node, paint: paint, centres: &centres, into: &svg)
      }
      svg.close("g")
    }
    return centres
  }

  static func drawNode(
    _ node: PartitionMapLayout.Node, paint: (Int) -> Paint,
    centres: inout [Int: (x: Int, y: Int)], into svg: inout SVGWriter
  ) {
    let numa = node.node
    let memory = gibibytes(numa.memoryTotalBytes)
    let cpus = numa.cpus.cpulist.isEmpty ? "no CPUs" : "CPUs \(numa.cpus.cpulist)"
    let distances = numa.distances.enumerated().map { "node \($0.offset): \($0.element)" }
      .joined(separator: ", ")
    svg.open("g", [("role", "group"), ("aria-label", "NUMA node \(numa.id)")])
    svg.rect(
      x: node.box.x, y: node.box.y, width: node.box.width, height: node.box.height,
      [("rx", "4"), ("fill", "#FFFFFF"), ("stroke", "#8C8C8C")],
      title:
        "NUMA node \(numa.id): \(memory), \(cpus)"
        + (distances.isEmpty ? "" : "; distances \(distances)"))
    let header = "node \(numa.id) · \(memory)"
    svg.text(
      x: node.box.x + 6, y: node.box.y + 13, header, size: 11,
      [("font-family", sans), ("font-weight", "bold")])
    for llc in node.llcs { drawLLC(llc, paint: paint, centres: &centres, into: &svg) }
    svg.close("g")
  }

  static func drawLLC(
    _ llc: PartitionMapLayout.LLC, paint: (Int) -> Paint,
    centres: inout [Int: (x: Int, y: Int)], into svg: inout SVGWriter
  ) {
    let domain = llc.domain
    let size = domain.sizeBytes > 0 ? " \(ByteSize.format(domain.sizeBytes))" : ""
    let name = domain.level > 0 ? "L\(domain.level)\(size)" : "CPUs"
    svg.rect(
      x: llc.box.x, y: llc.box.y, width: llc.box.width, height: llc.box.height,
      [("fill", "#FFFFFF"), ("stroke", "#B3B3B3"), ("stroke-dasharray", "3 2")],
      title: "LLC domain \(domain.id)\(size.isEmpty ? "" : ":" + size), CPUs \(domain.cpus.cpulist)"
    )
    svg.text(
      x: llc.box.x + 4, y: llc.box.y + 11, name, size: 9,
      [("font-family", sans), ("fill", "#555555")])
    // Runs of consecutive cores in one row with identical stripes.
    var start = 0
    let cores = domain.cores
    let corePaints = cores.map { $0.threads.map { paint($0.cpu) } }
    while start < cores.count {
      var end = start + 1
      while end < cores.count, end % PartitionMapLayout.coresPerRow != 0,
        corePaints[end] == corePaints[start]
      {
        end += 1
      }
      drawRun(
        Array(cores[start..<end]), paints: corePaints[start], at: llc.slot(start),
        centres: &centres, into: &svg)
      start = end
    }
  }

  static func drawRun(
    _ cores: [Core], paints: [Paint], at origin: (x: Int, y: Int),
    centres: inout [Int: (x: Int, y: Int)], into svg: inout SVGWriter
  ) {
    let slot = PartitionMapLayout.slot
    let width = cores.count * slot - 1
    let threads = max(paints.count, 1)
    let stripe = PartitionMapLayout.coreHeight / threads
    for (index, paint) in paints.enumerated() {
      let y = origin.y + index * stripe
      let height = stripe - (threads > 1 ? 1 : 0)
      let cpus = CPUSet(cores.compactMap { $0.threads.count > index ? $0.threads[index].cpu : nil })
      let coreWord = cores.count == 1 ? "core" : "\(cores.count) cores"
      let title =
        "CPU\(cpus.count == 1 ? "" : "s") \(cpus.cpulist) (\(coreWord), thread \(index)): "
        + paint.owner + (paint.irq ? "; takes device IRQs" : "")
      var attributes = [("fill", paint.swatch.fill)]
      if paint.outline {
        attributes += [("stroke", "#000000"), ("stroke-width", "1.5")]
      } else if paint.swatch.fill == "#FFFFFF" {
        attributes += [("stroke", "#B3B3B3")]
      }
      svg.rect(x: origin.x, y: y, width: width, height: height, attributes, title: title)
      if let pattern = paint.swatch.pattern {
        svg.rect(
          x: origin.x, y: y, width: width, height: height,
          [("fill", "url(#\(pattern))"), ("pointer-events", "none")])
      }
      if paint.kernel {
        svg.rect(
          x: origin.x, y: y, width: width, height: height,
          [("fill", "url(#\(PartitionMapStyle.kernelPattern))"), ("pointer-events", "none")])
      }
      // Core boundaries inside the run, and the key letter in each core.
      if cores.count > 1 {
        let ticks = (1..<cores.count).map { "M\(origin.x + $0 * slot - 1) \(y)v\(height)" }
        svg.empty(
          "path",
          [
            ("d", ticks.joined()), ("stroke", "#FFFFFF"), ("stroke-width", "1"),
            ("pointer-events", "none"),
          ])
      }
      if !paint.label.isEmpty, height >= 9 {
        let size = min(10, height - 1)
        for offset in cores.indices {
          svg.text(
            x: origin.x + offset * slot + (slot - 1) / 2, y: y + (height + size) / 2 - 1,
            paint.label, size: size,
            [
              ("font-family", mono), ("text-anchor", "middle"), ("fill", paint.swatch.ink),
              ("pointer-events", "none"),
            ])
        }
      }
      if paint.irq {
        let marks = cores.indices.map {
          "M\(origin.x + $0 * slot + slot - 6) \(y)h5v5z"
        }
        svg.empty(
          "path", [("d", marks.joined()), ("fill", "#000000"), ("pointer-events", "none")])
      }
      for (offset, core) in cores.enumerated() where core.threads.count > index {
        centres[core.threads[index].cpu] = (
          origin.x + offset * slot + slot / 2, origin.y + PartitionMapLayout.coreHeight - 1
        )
      }
    }
  }

  // MARK: devices

  static func drawDevices(
    _ layout: PartitionMapLayout, plan: Plan, swatches: [Int: PartitionMapStyle.Swatch],
    centres: [Int: (x: Int, y: Int)], into svg: inout SVGWriter
  ) {
    var ownerOf: [String: Int] = [:]
    for (index, assignment) in plan.assignments.enumerated() {
      for device in assignment.devices where ownerOf[device] == nil { ownerOf[device] = index }
    }
    var lines: [String] = []
    svg.open("g", [("role", "group"), ("aria-label", "devices")])
    for node in layout.sockets.flatMap(\.nodes) {
      for (device, box) in node.devices {
        let owner = ownerOf[device.pciAddress]
        let swatch = owner.flatMap { swatches[$0] } ?? PartitionMapStyle.unused
        let name = device.children.first?.name ?? device.deviceClass.rawValue
        var title = "\(device.pciAddress) \(device.children.map(\.name).joined(separator: " "))"
        title +=
          " (\(device.deviceClass.rawValue)\(device.driver.map { ", " + $0 } ?? "")), node \(node.node.id)"
        if !device.irqs.isEmpty {
          title += ", IRQs \(NumberRanges.format(device.irqs.map(\.irq)))"
        }
        if let owner {
          let assignment = plan.assignments[owner]
          title += "; owned by \(assignment.workload)"
          if !assignment.irqCPUs.isEmpty { title += ", IRQ CPUs \(assignment.irqCPUs.cpulist)" }
          let target = assignment.irqCPUs.first ?? assignment.cpus.first
          if let target, let centre = centres[target] {
            // Up from the chip, along the gap above the chips, up to the core.
            let lane = box.y - 3 - 2 * (lines.count % 2)
            let x = box.x + 10 + 6 * (lines.count % 3)
            lines.append("M\(x) \(box.y)V\(lane)H\(centre.x)V\(centre.y)")
          }
        } else {
          title += "; not assigned to a workload"
        }
        svg.rect(
          x: box.x, y: box.y, width: box.width, height: box.height,
          [("rx", "3"), ("fill", swatch.fill), ("stroke", "#333333")], title: title)
        let label = owner.map { "\(PartitionGrid.key($0)) " } ?? ""
        let text = label + (name.count > 12 ? String(name.prefix(11)) + "…" : name)
        svg.text(
          x: box.x + 5, y: box.y + 13, text, size: 10,
          [("font-family", mono), ("fill", swatch.ink), ("pointer-events", "none")])
      }
    }
    svg.close("g")
    if !lines.isEmpty {
      svg.empty(
        "path",
        [
          ("d", lines.joined()), ("stroke", "#FFFFFF"), ("stroke-width", "3.5"),
          ("fill", "none"), ("aria-hidden", "true"),
        ])
      svg.empty(
        "path",
        [
          ("d", lines.joined()), ("stroke", "#000000"), ("stroke-width", "1.5"),
          ("fill", "none"), ("stroke-linecap", "round"), ("aria-hidden", "true"),
        ])
    }
  }

  // MARK: legend and text alternative

  static func drawLegend(
    plan: Plan, policy: Policy, ownership: CPUOwnership,
    swatches: [Int: PartitionMapStyle.Swatch], top: Int, width: inout Int,
    into svg: inout SVGWriter
  ) -> Int {
    var y = top
    svg.open("g", [("role", "group"), ("aria-label", "legend")])
    svg.text(
      x: margin, y: y, "Legend", size: 13, [("font-family", sans), ("font-weight", "bold")])
    y += 10
    let kinds: [(PartitionMapStyle.Swatch, String, String)] = [
      (PartitionMapStyle.housekeeping, String(PartitionGrid.housekeeping), "housekeeping"),
      (PartitionMapStyle.sharedPool, "", "shared pool"),
      (PartitionMapStyle.idleSibling, "", "idle SMT sibling"),
      (PartitionMapStyle.unused, "", "unused"),
    ]
    var x = margin
    for (swatch, label, text) in kinds {
      legendSwatch(swatch, label: label, kernel: false, x: x, y: y, into: &svg)
      svg.text(x: x + 22, y: y + 12, text, size: 11, [("font-family", sans)])
      x += 30 + PartitionMapStyle.textWidth(text, size: 11)
    }
    legendSwatch(PartitionMapStyle.workload(0), label: "", kernel: true, x: x, y: y, into: &svg)
    svg.text(x: x + 22, y: y + 12, "kernel instance (striped)", size: 11, [("font-family", sans)])
    x += 30 + PartitionMapStyle.textWidth("kernel instance (striped)", size: 11)
    svg.empty("path", [("d", "M\(x + 8) \(y + 1)h6v6z"), ("fill", "#000000")])
    svg.rect(x: x, y: y + 1, width: 15, height: 14, [("fill", "none"), ("stroke", "#B3B3B3")])
    svg.text(x: x + 22, y: y + 12, "takes device IRQs", size: 11, [("font-family", sans)])
    width = max(width, x + 22 + PartitionMapStyle.textWidth("takes device IRQs", size: 12) + margin)
    y += 30

    let latency = Dictionary(
      policy.workloads.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let header = ["KEY", "WORKLOAD", "ISOLATION", "LATENCY", "CPUS", "MEMORY", "POLICY LINE"]
    var rows: [[String]] = []
    for (index, assignment) in plan.assignments.enumerated() {
      let isolation = ownership.isolation[index]
      let workload = latency[assignment.workload]
      var cpus = "\(assignment.cpus.count): \(assignment.cpus.cpulist)"
      if cpus.count > 44 { cpus = String(cpus.prefix(43)) + "…" }
      // Whole, never shortened: paths are as the user typed them.
      let source = workload?.location.description ?? "-"
      var name = assignment.workload
      if name.count > 28 { name = String(name.prefix(27)) + "…" }
      let instance = plan.kernelInstances.first { $0.workloadName == assignment.workload }
      var memory = PlanReport.memory(assignment.memoryBytesByNode)
      if memory.count > 40 { memory = String(memory.prefix(39)) + "…" }
      rows.append([
        isolation == .shared ? "" : String(PartitionGrid.key(index)), name,
        (isolation?.rawValue ?? "?") + (instance.map { " (id \($0.id))" } ?? ""),
        workload?.latency.rawValue ?? "?", cpus, memory, source,
      ])
    }
    let size = 11
    let widths = header.indices.map { column in
      ([header] + rows).map { PartitionMapStyle.textWidth($0[column], size: size) }.max() ?? 0
    }
    let columnX = widths.indices.map { column in
      margin + 22 + widths[..<column].reduce(0) { $0 + $1 + 14 }
    }
    width = max(width, (columnX.last ?? 0) + (widths.last ?? 0) + margin)
    for (column, text) in header.enumerated() {
      svg.text(
        x: columnX[column], y: y, text, size: size,
        [("font-family", mono), ("font-weight", "bold"), ("fill", "#333333")])
    }
    y += 6
    for (index, row) in rows.enumerated() {
      let swatch =
        ownership.isolation[index] == .shared
        ? PartitionMapStyle.sharedPool : (swatches[index] ?? PartitionMapStyle.unused)
      let assignment = plan.assignments[index]
      svg.open("g")
      svg.element(
        "title",
        text:
          "\(assignment.workload): CPUs \(assignment.cpus.cpulist.isEmpty ? "none" : assignment.cpus.cpulist); "
          + "memory \(PlanReport.memory(assignment.memoryBytesByNode))"
          + (assignment.devices.isEmpty
            ? "" : "; devices \(assignment.devices.joined(separator: ", "))")
          + (assignment.irqCPUs.isEmpty ? "" : "; IRQ CPUs \(assignment.irqCPUs.cpulist)"))
      legendSwatch(
        swatch, label: row[0], kernel: ownership.isolation[index] == .kernel, x: margin, y: y,
        into: &svg)
      for (column, text) in row.enumerated().dropFirst() {
        svg.text(x: columnX[column], y: y + 12, text, size: size, [("font-family", mono)])
      }
      svg.close("g")
      y += 18
    }
    let idle = plan.idle.map { $0.isEmpty ? "" : "; idle: \($0.cpulist)" } ?? ""
    var summary =
      "housekeeping: \(plan.housekeeping.cpulist.isEmpty ? "none" : plan.housekeeping.cpulist); "
      + "shared pool: \(plan.sharedPool.cpulist.isEmpty ? "none" : plan.sharedPool.cpulist)\(idle)"
    if summary.count > 160 { summary = String(summary.prefix(159)) + "…" }
    y += 14
    svg.text(x: margin, y: y, summary, size: 11, [("font-family", mono)])
    width = max(width, 2 * margin + PartitionMapStyle.textWidth(summary, size: 11))
    svg.close("g")
    return y
  }

  static func legendSwatch(
    _ swatch: PartitionMapStyle.Swatch, label: String, kernel: Bool, x: Int, y: Int,
    into svg: inout SVGWriter
  ) {
    svg.rect(
      x: x, y: y, width: 15, height: 15, [("fill", swatch.fill), ("stroke", "#666666")])
    if let pattern = swatch.pattern {
      svg.rect(x: x, y: y, width: 15, height: 15, [("fill", "url(#\(pattern))")])
    }
    if kernel {
      svg.rect(
        x: x, y: y, width: 15, height: 15, [("fill", "url(#\(PartitionMapStyle.kernelPattern))")])
    }
    if !label.isEmpty {
      svg.text(
        x: x + 7, y: y + 12, label, size: 11,
        [("font-family", mono), ("text-anchor", "middle"), ("fill", swatch.ink)])
    }
  }

  /// `1 socket`, `2 sockets`.
  static func count(_ value: Int, _ noun: String) -> String {
    "\(value) \(noun)\(value == 1 ? "" : "s")"
  }

  /// Node memory in GiB with one decimal (`6.3GiB`), whole when exact.
  static func gibibytes(_ bytes: UInt64) -> String {
    let gib: UInt64 = 1 << 30
    if bytes % gib == 0 { return "\(bytes / gib)GiB" }
    let tenths = ((bytes >> 20) * 10 + 512) / 1024
    return "\(tenths / 10).\(tenths % 10)GiB"
  }

  /// The text alternative: the host, then who owns which CPUs.
  static func description(_ plan: Plan, ownership: CPUOwnership, topology: Topology) -> String {
    var parts = [
      "Host with \(count(topology.packages.count, "socket")), "
        + "\(count(topology.nodes.count, "NUMA node")), \(count(topology.threads.count, "thread")).",
      "Housekeeping: CPUs \(plan.housekeeping.cpulist.isEmpty ? "none" : plan.housekeeping.cpulist).",
    ]
    for (index, assignment) in plan.assignments.enumerated() {
      let isolation = ownership.isolation[index]?.rawValue ?? "?"
      let key = ownership.isolation[index] == .shared ? "" : " (key \(PartitionGrid.key(index)))"
      parts.append(
        "\(assignment.workload)\(key), \(isolation): CPUs \(assignment.cpus.cpulist.isEmpty ? "none" : assignment.cpus.cpulist)"
          + (assignment.devices.isEmpty
            ? "" : ", devices \(assignment.devices.joined(separator: ", "))")
          + ".")
    }
    return parts.joined(separator: " ")
  }
}
