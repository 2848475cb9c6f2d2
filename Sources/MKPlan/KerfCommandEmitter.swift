import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// kerf 0.4.0 commands for `kernel` workloads, as argv arrays.
///
/// A fresh host gets `kerf init` (the pool: physical CPU ids, memory per
/// node, devices with their aliases) and `create`/`load`/`start` per
/// instance. Against a previous plan: removed instances are torn down
/// (`kill`, `unload`, `delete`), resized ones first give up what they lose
/// (`kerf update` to the overlap), the pool is reshaped, then they grow
/// (`kerf update` to the new size), and new ones are created. Sizes are
/// plain bytes, which kerf reads without unit ambiguity (its `GB` is GiB).
public struct KerfCommandEmitter: Sendable {
  public static let kerf = "kerf"

  public struct Output: Sendable {
    public var pool: CoordinatorPool?
    public var instances: [KernelInstance] = []
    public var commands: [CoordinatorCommand] = []
    public var diagnostics: [Diagnostic] = []
  }

  public init() {}

  public func emit(_ input: PlanInput) -> Output {
    var out = Output()
    let kernels = input.placed.filter { $0.workload.isolation == .kernel }
    let previousInstances = input.previous?.kernelInstances ?? []
    var usedIds = Set<Int>()
    var outOfIds = false
    var ids: [String: Int] = [:]
    // A workload keeps its kerf name and id (a hand-over's successor has its own).
    var kerfNames: [String: String] = [:]
    for (workload, _) in kernels {
      if let old = previousInstances.first(where: { $0.workloadName == workload.name }) {
        ids[workload.name] = old.id
        usedIds.insert(old.id)
        kerfNames[workload.name] = old.name
      }
    }
    var pool = CoordinatorPool(physicalIds: [], memoryBytesByNode: [:], devices: [], provenance: [])
    var devicesSeen = Set<String>()
    for (workload, assignment) in kernels {
      let provenance = Provenance(workload: workload.name, source: workload.location.description)
      if assignment.physicalIds.count != assignment.cpus.count {
        out.diagnostics.append(
          .error(
            "E403",
            "kernel workload '\(workload.name)': \(assignment.cpus.count) CPUs but \(assignment.physicalIds.count) physical ids; kerf needs the physical id of every CPU",
            at: workload.location(of: "cpus"),
            help: ["rediscover the host as root so that /proc/cpuinfo apicid is readable"]))
        continue
      }
      for (node, bytes) in assignment.memoryBytesByNode where bytes % 4096 != 0 {
        out.diagnostics.append(
          .error(
            "E404",
            "kernel workload '\(workload.name)': \(bytes) bytes on node \(node) is not a multiple of 4096, which kerf requires",
            at: workload.location(of: "memory"),
            help: ["give memory in whole pages (MiB sizes always are)"]))
      }
      let image = workload.kernel?.image ?? input.policy.coordinator.kernel.image
      guard let image else {
        out.diagnostics.append(
          .error(
            "E402", "kernel workload '\(workload.name)' has no kernel image",
            at: workload.location,
            help: ["set coordinator.kernel.image, or kernel.image on the workload"]))
        continue
      }
      if ids[workload.name] == nil {
        var id = 1
        while usedIds.contains(id) { id += 1 }
        guard id <= PolicyChecker.kernelInstanceLimit else {
          // Once, at the first instance without an id (the policy check
          // already refuses more kernel workloads than ids; this is the
          // backstop for ids a previous plan still holds).
          if !outOfIds {
            out.diagnostics.append(
              .error(
                "E413",
                "kernel workload '\(workload.name)' gets no kerf id: ids run from 1 to \(PolicyChecker.kernelInstanceLimit) and all are taken",
                at: workload.location(of: "isolation"),
                help: ["make some kernel workloads isolation: partition"]))
          }
          outOfIds = true
          continue
        }
        ids[workload.name] = id
        usedIds.insert(id)
      }
      pool.physicalIds += assignment.physicalIds
      for (node, bytes) in assignment.memoryBytesByNode where bytes > 0 {
        pool.memoryBytesByNode[node, default: 0] += bytes
      }
      pool.provenance.append(provenance)
      var references: [String] = []
      for address in assignment.devices {
        guard let device = input.device(address) else { continue }
        let poolDevice = Self.poolDevice(device)
        if devicesSeen.insert(address).inserted { pool.devices.append(poolDevice) }
        references.append(poolDevice.reference)
      }
      let cmdline = Self.cmdline(input, workload, assignment)
      if cmdline.contains("\n") || cmdline.contains("\0") {
        out.diagnostics.append(
          .error(
            "E405",
            "kernel workload '\(workload.name)': the kernel command line contains a line break",
            at: workload.location(of: "kernel")))
        continue
      }
      let kerfName = kerfNames[workload.name] ?? workload.name
      out.instances.append(
        KernelInstance(
          name: kerfName, id: ids[workload.name] ?? 0,
          physicalIds: assignment.physicalIds.sorted(),
          memoryBytes: assignment.memoryBytes, numaNodes: assignment.numaNodes,
          devices: references.sorted(), kernel: image,
          initrd: workload.kernel?.initrd ?? input.policy.coordinator.kernel.initrd,
          cmdline: cmdline,
          provenance: provenance, workload: kerfName == workload.name ? nil : workload.name))
    }
    // Update headroom is in the pool, so a successor is created without
    // reshaping it; no instance holds it until a hand-over.
    for reserve in input.assignment.headroom ?? [] where !out.instances.isEmpty {
      pool.physicalIds += reserve.physicalIds
      for (node, bytes) in reserve.memoryBytesByNode where bytes > 0 {
        pool.memoryBytesByNode[node, default: 0] += bytes
      }
    }
    if !kernels.isEmpty, input.topology.kernel.multikernel == nil {
      out.diagnostics.append(
        .warning(
          "E414",
          "the host runs no multikernel kernel (no /sys/fs/multikernel): the kerf commands for \(kernels.map { "'\($0.workload.name)'" }.joined(separator: ", ")) need one",
          at: kernels[0].workload.location,
          help: ["boot a multikernel kernel before applying, or plan against a snapshot of one"]))
    }
    pool.physicalIds.sort()
    pool.devices.sort { $0.pciAddress < $1.pciAddress }
    if !out.instances.isEmpty { out.pool = pool }
    out.commands = commands(
      pool: out.pool, instances: out.instances, previousPool: input.previous?.coordinatorPool,
      previousInstances: previousInstances, poolDevices: pool.devices)
    return out
  }

  // MARK: commands

  public func commands(
    pool: CoordinatorPool?, instances: [KernelInstance], previousPool: CoordinatorPool?,
    previousInstances: [KernelInstance], poolDevices: [PoolDevice]
  ) -> [CoordinatorCommand] {
    var commands: [CoordinatorCommand] = []
    let names = Set(instances.map(\.name))
    let allDevices = poolDevices + (previousPool?.devices ?? [])
    func address(_ reference: String) -> String {
      allDevices.first { $0.reference == reference }?.pciAddress ?? reference
    }
    func teardown(_ instance: KernelInstance, delete: Bool) {
      commands.append(
        .init(
          id: "kill:\(instance.name)", argv: [Self.kerf, "kill", instance.name],
          provenance: instance.provenance))
      commands.append(
        .init(
          id: "unload:\(instance.name)", argv: [Self.kerf, "unload", instance.name],
          provenance: instance.provenance))
      if delete {
        commands.append(
          .init(
            id: "delete:\(instance.name)", argv: [Self.kerf, "delete", instance.name],
            provenance: instance.provenance))
      }
    }
    func update(
      _ id: String, _ name: String, cpus: [Int], memory: UInt64, devices: [String],
      _ provenance: Provenance
    ) {
      commands.append(
        .init(
          id: id,
          argv: [
            Self.kerf, "update", name, "--cpus=" + Self.ranges(cpus), "--memory=\(memory)",
            "--devices=" + (devices.isEmpty ? "none" : devices.map(address).joined(separator: ",")),
          ], provenance: provenance))
    }

    // 1. Removed instances, last created first.
    for old in previousInstances.reversed() where !names.contains(old.name) {
      teardown(old, delete: true)
    }
    // 2. Kept instances: those whose kernel changed stop; those that lose
    //    resources give them up; those that move entirely are recreated.
    var recreate = Set<String>()
    var reload = Set<String>()
    var grow: [KernelInstance] = []
    for instance in instances {
      guard let old = previousInstances.first(where: { $0.name == instance.name }) else { continue }
      let sameLoad =
        old.kernel == instance.kernel && old.initrd == instance.initrd
        && old.cmdline == instance.cmdline
      let sameResources =
        old.physicalIds == instance.physicalIds && old.memoryBytes == instance.memoryBytes
        && old.devices == instance.devices
      let overlap = Set(old.physicalIds).intersection(instance.physicalIds).sorted()
      if !sameResources && (overlap.isEmpty || old.id != instance.id) {
        teardown(old, delete: true)
        recreate.insert(instance.name)
        continue
      }
      if !sameLoad {
        teardown(old, delete: false)
        reload.insert(instance.name)
      }
      guard !sameResources else { continue }
      let keptDevices = old.devices.filter(instance.devices.contains)
      let keptMemory = min(old.memoryBytes, instance.memoryBytes)
      if overlap != old.physicalIds || keptMemory != old.memoryBytes || keptDevices != old.devices {
        update(
          "update-shrink:\(instance.name)", instance.name, cpus: overlap, memory: keptMemory,
          devices: keptDevices, instance.provenance)
      }
      if overlap != instance.physicalIds || keptMemory != instance.memoryBytes
        || keptDevices != instance.devices
      {
        grow.append(instance)
      }
    }
    // 3. The pool.
    if let pool {
      if pool
        != previousPool.map({
          CoordinatorPool(
            physicalIds: $0.physicalIds, memoryBytesByNode: $0.memoryBytesByNode,
            devices: $0.devices, provenance: pool.provenance)
        })
      {
        commands.append(
          .init(
            id: "init", argv: Self.initArgv(pool), provenance: pool.provenance.first ?? Provenance()
          ))
      }
    } else if previousPool != nil {
      commands.append(
        .init(
          id: "init", argv: [Self.kerf, "init", "--cpus=none", "--memory=none", "--devices=none"],
          provenance: previousPool?.provenance.first ?? Provenance()))
    }
    // 4. Growth, then new instances, then reloads.
    for instance in grow {
      update(
        "update:\(instance.name)", instance.name, cpus: instance.physicalIds,
        memory: instance.memoryBytes, devices: instance.devices, instance.provenance)
    }
    for instance in instances {
      let isNew =
        !previousInstances.contains { $0.name == instance.name } || recreate.contains(instance.name)
      if isNew {
        var argv = [
          Self.kerf, "create", instance.name, "--id=\(instance.id)",
          "--cpus=" + Self.ranges(instance.physicalIds),
          "--memory=\(instance.memoryBytes)",
        ]
        if !instance.numaNodes.isEmpty {
          argv.append("--numa-nodes=" + instance.numaNodes.map(String.init).joined(separator: ","))
        }
        if !instance.devices.isEmpty {
          argv.append("--devices=" + instance.devices.map(address).joined(separator: ","))
        }
        commands.append(
          .init(id: "create:\(instance.name)", argv: argv, provenance: instance.provenance))
      }
      if isNew || reload.contains(instance.name) {
        var load = [Self.kerf, "load", instance.name, "--kernel=" + instance.kernel]
        if let initrd = instance.initrd { load.append("--initrd=" + initrd) }
        if !instance.cmdline.isEmpty { load.append("--cmdline=" + instance.cmdline) }
        commands.append(
          .init(id: "load:\(instance.name)", argv: load, provenance: instance.provenance))
        commands.append(
          .init(
            id: "start:\(instance.name)", argv: [Self.kerf, "start", instance.name],
            provenance: instance.provenance))
      }
    }
    return commands
  }

  public static func initArgv(_ pool: CoordinatorPool) -> [String] {
    let memory = pool.memoryBytesByNode.keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
      .map { "\(pool.memoryBytesByNode[$0] ?? 0)@\($0)" }
    let devices = pool.devices.map { device in
      device.alias.map { device.pciAddress + "=" + $0 } ?? device.pciAddress
    }
    return [
      kerf, "init", "--cpus=" + ranges(pool.physicalIds),
      "--memory=" + (memory.isEmpty ? "none" : memory.joined(separator: ",")),
      "--devices=" + (devices.isEmpty ? "none" : devices.joined(separator: ",")),
    ]
  }

  /// Physical ids the way kerf writes them (`0,2,4-7`).
  public static func ranges(_ ids: [Int]) -> String {
    CPUSet(ids).cpulist
  }

  // MARK: devices and command lines

  static func poolDevice(_ device: Device) -> PoolDevice {
    let compatible: String
    switch (device.classCode >> 16) & 0xff {
    case 0x02: compatible = "pci-network"
    case 0x01: compatible = "pci-storage"
    case 0x03: compatible = "pci-display"
    case 0x0c: compatible = "pci-serial"
    default: compatible = "pci-device"
    }
    var alias: String?
    if device.deviceClass == .nvme || compatible == "pci-storage",
      let block = device.children.first(where: { $0.kind == .block })?.name,
      let controller = nvmeController(block)
    {
      alias = controller
    } else if compatible == "pci-network",
      let name = device.children.first(where: { $0.kind == .net })?.name,
      name.count < 16, isAlias(name)
    {
      alias = name
    }
    return PoolDevice(
      pciAddress: device.pciAddress, alias: alias, compatible: compatible,
      vendorId: UInt32(device.vendorId, radix: 16) ?? 0,
      deviceId: UInt32(device.deviceId, radix: 16) ?? 0)
  }

  /// `nvme0n1` -> `nvme0`.
  static func nvmeController(_ block: String) -> String? {
    guard block.hasPrefix("nvme") else { return nil }
    let rest = block.dropFirst(4)
    let digits = rest.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty else { return nil }
    return "nvme" + digits
  }

  /// kerf's alias rule: `^[a-z0-9-]{1,31}$`.
  static func isAlias(_ name: String) -> Bool {
    (1...31).contains(name.count)
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
      }
  }

  /// The profile a kernel workload's instance boots with.
  public static func profile(_ input: PlanInput, _ workload: Workload) -> KernelProfile {
    if let profile = workload.kernel?.profile ?? input.policy.coordinator.kernel.profile {
      return profile
    }
    switch workload.latency {
    case .realtime: return .realtime
    case .batch: return .throughput
    case .low, .normal: return .default
    }
  }

  /// Parameters a profile adds for an instance with `cpus` CPUs (numbered
  /// from 0 inside the instance, CPU 0 kept for its own housekeeping).
  public static func profileParameters(_ profile: KernelProfile, cpus: Int) -> [String] {
    switch profile {
    case .realtime:
      var parameters: [String] = []
      if cpus >= 2 {
        let list = cpus == 2 ? "1" : "1-\(cpus - 1)"
        parameters += ["nohz_full=\(list)", "rcu_nocbs=\(list)", "irqaffinity=0"]
      }
      return parameters + ["skew_tick=1", "nosoftlockup", "nowatchdog"]
    case .throughput: return ["transparent_hugepage=always"]
    case .io: return ["nvme.poll_queues=\(max(1, cpus))"]
    case .default: return []
    }
  }

  /// coordinator defaults + workload cmdline + huge pages + profile
  /// parameters; a profile or huge page parameter whose key the operator
  /// already wrote is left out, so what the policy says wins.
  static func cmdline(_ input: PlanInput, _ workload: Workload, _ assignment: WorkloadAssignment)
    -> String
  {
    var parts: [String] = []
    if let defaults = input.policy.coordinator.kernel.cmdline, !defaults.isEmpty {
      parts.append(defaults)
    }
    if let own = workload.kernel?.cmdline, !own.isEmpty { parts.append(own) }
    let written = Set(
      parts.joined(separator: " ").split(separator: " ").map {
        $0.split(separator: "=").first.map(String.init) ?? ""
      })
    var extra: [String] = []
    if let pages = workload.hugepages, pages.count > 0 {
      extra += [
        "hugepagesz=\(BootParameterEmitter.memparse(pages.pageSizeBytes))",
        "hugepages=\(pages.count)",
      ]
    }
    extra += profileParameters(profile(input, workload), cpus: assignment.cpus.count)
    parts += extra.filter { !written.contains(String($0.split(separator: "=").first ?? "")) }
    return parts.joined(separator: " ")
  }
}
