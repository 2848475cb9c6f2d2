import MKCore
import MKPolicy
import MKTopology

/// Every artefact of a plan as its own file, for `mkpolicy plan --out DIR`
/// and the golden examples: relative path -> bytes, in a fixed order.
public enum PlanArtifacts {
  public struct Artifact: Sendable, Hashable {
    public var path: String
    public var bytes: [UInt8]
    public var text: String { String(decoding: bytes, as: UTF8.self) }
  }

  /// `previous`, the plan in force, adds the map's "what moved" view.
  public static func render(
    _ plan: Plan, policy: Policy, topology: Topology, previous: Plan? = nil
  )
    throws(DiagnosticError)
    -> [Artifact]
  {
    var files: [Artifact] = []
    func add(_ path: String, _ text: String) {
      files.append(Artifact(path: path, bytes: Array(text.utf8)))
    }
    add("plan.json", PlanCodec.encode(plan))
    add("report.txt", PlanReport.render(plan, policy: policy, topology: topology))
    add(
      "map.svg",
      PartitionMapEmitter.render(plan, policy: policy, topology: topology, previous: previous))
    add("cmdline", plan.bootParameters.joined(separator: " ") + "\n")
    if let staging = plan.bootStaging {
      switch staging.bootloader {
      case Bootloader.grub.rawValue: add("90-mkpolicy.cfg", staging.content ?? "")
      case Bootloader.kernelInstall.rawValue: add("kernel-cmdline", staging.content ?? "")
      case Bootloader.grubby.rawValue:
        add("grubby.sh", ShellScriptEmitter.grubbyScript(plan, argv: staging.argv ?? []))
      default: break
      }
    }
    for unit in plan.systemdUnits {
      add(
        "systemd/" + (unit.path.split(separator: "/").last.map(String.init) ?? "unit"), unit.content
      )
    }
    if let node = policy.host.kubernetes {
      add(
        "kubernetes/kubelet-config.yaml",
        try KubeletConfigEmitter.emit(plan, policy: policy, topology: topology, node: node))
      add(
        "kubernetes/features.d/mkpolicy",
        try NodeFeatureEmitter.emit(plan, policy: policy, topology: topology, node: node))
    }
    add("cgroup.sh", ShellScriptEmitter.cgroupScript(plan))
    add("irq.sh", ShellScriptEmitter.irqScript(plan))
    add("kerf.sh", ShellScriptEmitter.kerfScript(plan))
    if let tree = DeviceTreeEmitter().emit(
      pool: plan.coordinatorPool, instances: plan.kernelInstances)
    {
      add("state.dts", tree.dts)
      do {
        files.append(Artifact(path: "state.dtb", bytes: try DeviceTreeBlobWriter.blob(tree)))
      } catch {
        throw DiagnosticError(.error("E430", "cannot write the state device tree: \(error)"))
      }
    }
    return files
  }
}
