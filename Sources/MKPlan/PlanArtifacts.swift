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
    public init(path: String, bytes: [UInt8]) {
      self.path = path
      self.bytes = bytes
    }
  }

  /// `previous`, the plan in force, adds the map's "what moved" view.
  /// `include` names the artefacts wanted (all by default): the others are
  /// not rendered at all, so `plan --format json` does not pay for the
  /// report or the map. Artefacts whose emitters can fail (Kubernetes
  /// files, the device tree blob) are always rendered, so that a plan that
  /// cannot be written out fails whatever is shown.
  public static func render(
    _ plan: Plan, policy: Policy, topology: Topology, previous: Plan? = nil,
    include: (String) -> Bool = { _ in true }
  )
    throws(DiagnosticError)
    -> [Artifact]
  {
    var files: [Artifact] = []
    func add(_ path: String, _ text: @autoclosure () throws(DiagnosticError) -> String)
      throws(DiagnosticError)
    {
      guard include(path) else { return }
      files.append(Artifact(path: path, bytes: Array(try text().utf8)))
    }
    if include("plan.json") {
      files.append(Artifact(path: "plan.json", bytes: try PlanCodec.encodedBytes(plan)))
    }
    try add("report.txt", PlanReport.render(plan, policy: policy, topology: topology))
    try add(
      "map.svg",
      PartitionMapEmitter.render(plan, policy: policy, topology: topology, previous: previous))
    try add("cmdline", plan.bootParameters.joined(separator: " ") + "\n")
    if let staging = plan.bootStaging {
      switch staging.bootloader {
      case Bootloader.grub.rawValue: try add("90-mkpolicy.cfg", staging.content ?? "")
      case Bootloader.kernelInstall.rawValue: try add("kernel-cmdline", staging.content ?? "")
      case Bootloader.grubby.rawValue:
        try add("grubby.sh", ShellScriptEmitter.grubbyScript(plan, argv: staging.argv ?? []))
      default: break
      }
    }
    // Units and drop-ins keep their place below /etc/systemd/system.
    let unitRoot = SystemdSliceEmitter.directory + "/"
    for unit in plan.systemdUnits {
      let relative =
        unit.path.hasPrefix(unitRoot)
        ? String(unit.path.dropFirst(unitRoot.count))
        : unit.path.split(separator: "/").last.map(String.init) ?? "unit"
      try add("systemd/" + relative, unit.content)
    }
    if let node = policy.host.kubernetes {
      let config = try KubeletConfigEmitter.emit(
        plan, policy: policy, topology: topology, node: node)
      let features = try NodeFeatureEmitter.emit(
        plan, policy: policy, topology: topology, node: node)
      try add("kubernetes/kubelet-config.yaml", config)
      try add("kubernetes/features.d/mkpolicy", features)
    }
    try add("cgroup.sh", ShellScriptEmitter.cgroupScript(plan))
    try add("irq.sh", ShellScriptEmitter.irqScript(plan))
    try add("kerf.sh", ShellScriptEmitter.kerfScript(plan))
    if plan.hostSetup != nil { try add("host.sh", ShellScriptEmitter.hostSetupScript(plan)) }
    if let tree = DeviceTreeEmitter().emit(
      pool: plan.coordinatorPool, instances: plan.kernelInstances)
    {
      try add("state.dts", tree.dts)
      do {
        let blob = try DeviceTreeBlobWriter.blob(tree)
        if include("state.dtb") { files.append(Artifact(path: "state.dtb", bytes: blob)) }
      } catch {
        throw DiagnosticError(.error("E430", "cannot write the state device tree: \(error)"))
      }
    }
    for (path, tree) in plan.handoverTrees() { try add(path, tree.dts) }
    return files
  }
}
