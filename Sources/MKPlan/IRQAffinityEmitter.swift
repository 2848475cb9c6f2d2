import MKCore
import MKPolicy
import MKTopology

/// IRQ affinity: device IRQs of `partition` workloads go to the CPUs that
/// take their interrupts, every other movable IRQ to housekeeping, and the
/// default for new IRQs is housekeeping. IRQs the kernel will not move
/// (managed per-queue vectors) are listed with the boot parameter that keeps
/// them off isolated CPUs instead. Devices of `kernel` workloads leave the
/// host with their IRQs and are not listed.
public struct IRQAffinityEmitter: Sendable {
  public static let defaultAffinityPath = KernelInterfaces.defaultIRQAffinity.path()
  /// Debian's irqbalance environment file (`EnvironmentFile=` of irqbalance.service).
  public static let irqbalanceConfig = KernelInterfaces.irqbalanceDebian.path()

  public struct Output: Sendable {
    public var settings: [IRQAffinitySetting] = []
    /// Configuration files (the irqbalance environment file).
    public var fileWrites: [FileWrite] = []
    /// `/proc/irq/default_smp_affinity`.
    public var kernelWrites: [FileWrite] = []
    public var diagnostics: [Diagnostic] = []
  }

  public init() {}

  /// `managedIRQParameter` is the `isolcpus=managed_irq,...` parameter when
  /// the plan has one.
  public func emit(_ input: PlanInput, managedIRQParameter: String?) -> Output {
    var out = Output()
    let placed = input.placed
    guard placed.contains(where: { $0.workload.ownsCPUs }) else { return out }
    let housekeeping = input.assignment.housekeeping
    guard !housekeeping.isEmpty else { return out }

    var owner: [String: (workload: Workload, cpus: CPUSet)] = [:]
    var leaving = Set<String>()
    for (workload, assignment) in placed {
      for address in assignment.devices {
        switch workload.isolation {
        case .kernel: leaving.insert(address)
        case .partition:
          owner[address] = (
            workload, assignment.irqCPUs.isEmpty ? assignment.cpus : assignment.irqCPUs
          )
        case .shared: break
        }
      }
    }
    let partitionCPUs = placed.filter { $0.workload.isolation == .partition }
      .reduce(CPUSet()) { $0.union($1.assignment.cpus) }
    var exposed: [Int] = []
    for device in input.topology.devices where !leaving.contains(device.pciAddress) {
      for irq in device.irqs.sorted(by: { $0.irq < $1.irq }) {
        if !irq.movable {
          out.settings.append(
            IRQAffinitySetting(
              irq: irq.irq, cpus: irq.affinity, movable: false, handledBy: managedIRQParameter,
              provenance: owner[device.pciAddress].map {
                input.provenance($0.workload, "devices")
              } ?? input.housekeepingProvenance))
          if managedIRQParameter == nil, !irq.affinity.isDisjoint(with: partitionCPUs) {
            exposed.append(irq.irq)
          }
          continue
        }
        if let (workload, cpus) = owner[device.pciAddress] {
          out.settings.append(
            IRQAffinitySetting(
              irq: irq.irq, cpus: cpus, provenance: input.provenance(workload, "devices")))
        } else {
          out.settings.append(
            IRQAffinitySetting(
              irq: irq.irq, cpus: housekeeping, provenance: input.housekeepingProvenance))
        }
      }
    }
    out.settings.sort { $0.irq < $1.irq }
    if !exposed.isEmpty {
      out.diagnostics.append(
        .warning(
          "E411",
          "managed IRQ\(exposed.count == 1 ? "" : "s") \(exposed.map(String.init).joined(separator: ", ")) cannot be moved and may fire on partition CPUs",
          help: [
            "only isolcpus=managed_irq keeps managed IRQs off CPUs: give the partition latency: realtime"
          ]))
    }

    out.kernelWrites.append(
      FileWrite(
        path: Self.defaultAffinityPath, content: housekeeping.hexMask + "\n",
        provenance: input.housekeepingProvenance))

    let online = input.topology.onlineCPUs
    switch input.policy.host.irqbalance {
    case .ban:
      let banned = online.subtracting(housekeeping)
      let pinned = out.settings.filter { $0.movable && $0.provenance.workload != nil }.map(\.irq)
      var lines = [
        "# Written by mkpolicy for policy \(input.policy.metadata.name); mkpolicy apply rewrites this file.",
        "# irqbalance stays on the housekeeping CPUs and leaves IRQs pinned to partition CPUs alone.",
        "IRQBALANCE_BANNED_CPULIST=\(banned.cpulist)",
      ]
      if !pinned.isEmpty {
        lines.append(
          "IRQBALANCE_ARGS=\"\(pinned.map { "--banirq=\($0)" }.joined(separator: " "))\"")
      }
      out.fileWrites.append(
        FileWrite(
          path: Self.irqbalanceConfig, content: lines.joined(separator: "\n") + "\n",
          provenance: Provenance(workload: nil, source: input.policy.host.location?.description)))
    case .stop:
      break
    case .keep:
      if input.topology.kernel.irqbalanceRunning {
        out.diagnostics.append(
          .warning(
            "E410",
            "irqbalance is running and host.irqbalance is 'keep': it will move IRQs off the planned CPUs",
            at: input.policy.host.location, help: ["set host.irqbalance to ban or stop"]))
      }
    }
    return out
  }
}
