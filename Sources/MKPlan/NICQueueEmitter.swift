import MKCore
import MKPolicy
import MKSolver
import MKTopology

/// NIC queues of tuned partitions (`tuning.nicChannels`, `rps`, `xps`): each
/// network interface of the workload's devices gets as many combined
/// channels as the workload has IRQ CPUs (`ethtool -L DEV combined N`), so
/// every queue's interrupt has a CPU of its own; then RPS is switched off on
/// those queues (packets stay on the CPU that took the interrupt) and TX
/// queue i is used by the i-th IRQ CPU alone (XPS).
///
/// The queue masks are planned for queues 0..N-1, which exist once the
/// channel count is N: that is why RPS and XPS need `nicChannels`.
public struct NICQueueEmitter: Sendable {
  public struct Output: Sendable {
    public var commands: [HostCommand] = []
    public var kernelWrites: [KernelWrite] = []
    public var diagnostics: [Diagnostic] = []
  }

  public init() {}

  public func emit(_ input: PlanInput) -> Output {
    var out = Output()
    for (workload, assignment, tuning) in TuningEmitter.tuned(input)
    where tuning.nicChannels == .irqCpus {
      let irqCPUs = assignment.irqCPUs.isEmpty ? assignment.cpus : assignment.irqCPUs
      let interfaces = assignment.devices.compactMap(input.device).filter {
        $0.deviceClass == .net
      }.flatMap { device in device.children.filter { $0.kind == .net }.map(\.name) }
      guard !interfaces.isEmpty, !irqCPUs.isEmpty else { continue }
      let channels = irqCPUs.count
      let cpus = Array(irqCPUs)
      let channelProvenance = TuningEmitter.provenance(input, workload, "nicChannels")
      for interface in interfaces.sorted() {
        guard KernelPathPattern.accepts(.interface, interface) else {
          out.diagnostics.append(
            .error(
              "E452", "network interface name \(quoted(interface)) cannot be put in a path",
              help: ["rediscover the topology; interface names are 1-15 printable characters"]))
          continue
        }
        out.commands.append(
          HostCommand(
            id: "nic:" + interface, kind: .nicChannels,
            argv: ["ethtool", "-L", interface, "combined", String(channels)],
            rollback: .restorePrior, provenance: channelProvenance))
        if tuning.rps == .off {
          let provenance = TuningEmitter.provenance(input, workload, "rps")
          for queue in 0..<channels {
            out.kernelWrites.add(
              KernelInterfaces.rpsCPUs, [interface, String(queue)], "0", provenance,
              diagnostics: &out.diagnostics)
          }
        }
        if tuning.xps == .irqCpus {
          let provenance = TuningEmitter.provenance(input, workload, "xps")
          for (queue, cpu) in cpus.enumerated() {
            out.kernelWrites.add(
              KernelInterfaces.xpsCPUs, [interface, String(queue)], CPUSet([cpu]).hexMask,
              provenance, diagnostics: &out.diagnostics)
          }
        }
      }
    }
    return out
  }
}
