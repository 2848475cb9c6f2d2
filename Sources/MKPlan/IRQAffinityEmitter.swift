import MKCore
import MKPolicy
import MKTopology

/// IRQ affinity: device IRQs of `partition` workloads go to the CPUs that
/// take their interrupts, every other movable IRQ to housekeeping, and the
/// default for new IRQs is housekeeping. IRQs the kernel will not move
/// (managed per-queue vectors) are listed with the boot parameter that keeps
/// them off isolated CPUs instead. Devices of `kernel` workloads leave the
/// host with their IRQs and are not listed.
///
/// Each IRQ is listed once (`Topology.interrupts`): a line shared by several
/// devices goes to their partition's CPUs only when one partition owns every
/// one of them, else to housekeeping (E415). IRQs that do not exist yet are
/// listed with `present: false`; the default affinity is what they start on.
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
    /// What `kernelWrites` sets the default affinity to.
    public var defaultAffinity: CPUSet?
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
    for irq in input.topology.interrupts {
      let devices = irq.devices.filter { !leaving.contains($0) }
      guard !devices.isEmpty else { continue }
      let owners = devices.map { owner[$0] }
      let sole = owners.first ?? nil
      let oneOwner =
        sole.map { first in owners.allSatisfy { $0?.workload.name == first.workload.name } }
        ?? false
      if !irq.movable {
        let provenance =
          oneOwner
          ? sole.map { input.provenance($0.workload, "devices") } ?? input.housekeepingProvenance
          : input.housekeepingProvenance
        out.settings.append(
          IRQAffinitySetting(
            irq: irq.irq, cpus: irq.affinity ?? [], movable: false,
            handledBy: managedIRQParameter, provenance: provenance, devices: devices,
            present: irq.present))
        // An affinity that is not recorded may be any CPU: the kernel spreads
        // managed vectors over all of them.
        if managedIRQParameter == nil,
          irq.affinity.map({ !$0.isDisjoint(with: partitionCPUs) }) ?? !partitionCPUs.isEmpty
        {
          exposed.append(irq.irq)
        }
        continue
      }
      if oneOwner, let (workload, cpus) = sole {
        out.settings.append(
          IRQAffinitySetting(
            irq: irq.irq, cpus: cpus, provenance: input.provenance(workload, "devices"),
            devices: devices, present: irq.present))
      } else {
        if owners.contains(where: { $0 != nil }) {
          let holders = zip(devices, owners).map { device, owner in
            "\(device) (\(owner.map { "workload \($0.workload.name)" } ?? "housekeeping"))"
          }
          out.diagnostics.append(
            .warning(
              "E415",
              "IRQ \(irq.irq) is shared by \(holders.joined(separator: ", ")): one IRQ has one "
                + "affinity, so it goes to the housekeeping CPUs",
              help: [
                "give every device on the shared line to the same workload, or use MSI/MSI-X "
                  + "(pci=nomsi off) so that each device has its own IRQ"
              ]))
        }
        out.settings.append(
          IRQAffinitySetting(
            irq: irq.irq, cpus: housekeeping, provenance: input.housekeepingProvenance,
            devices: devices, present: irq.present))
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
    out.defaultAffinity = housekeeping

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
      if input.topology.kernel.irqbalanceRunning ?? false {
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
