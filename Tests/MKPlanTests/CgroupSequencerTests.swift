import MKCore
import MKPlan
import Testing

@Suite struct CgroupSequencerTests {
  static let p = Provenance(workload: "w", source: "p.yaml:1:1")
  static let root = "/sys/fs/cgroup/mkpolicy.slice"

  static func partition(_ name: String, _ cpus: String) -> CgroupDirectory {
    CgroupDirectory(
      path: root + "/" + name,
      files: [
        .init("cpuset.mems", "0", provenance: p),
        .init("cpuset.cpus", cpus, role: .cpus, provenance: p),
        .init("cpuset.cpus.exclusive", cpus, role: .exclusiveCPUs, provenance: p),
        .init(
          "cpuset.cpus.partition", "isolated", role: .partition(reset: "member"), provenance: p),
      ], provenance: p)
  }

  static func parent(_ cpus: String, exclusive: String) -> CgroupDirectory {
    CgroupDirectory(
      path: root,
      files: [
        .init("cpuset.cpus", cpus, role: .cpus, provenance: p),
        .init("cpuset.cpus.exclusive", exclusive, role: .exclusiveCPUs, provenance: p),
      ], provenance: p)
  }

  static func render(_ ops: [CgroupOperation]) -> [String] {
    ops.map { op in
      let path = String(op.path.dropFirst(root.count))
      switch op.op {
      case .mkdir: return "mkdir \(path)"
      case .rmdir: return "rmdir \(path)"
      case .write: return "\(path) = \(op.value ?? "")"
      }
    }
  }

  @Test func freshTreeIsTopDown() {
    let ops = CgroupSequencer().sequence(
      [
        Self.parent("2-5", exclusive: "2-5"), Self.partition("a", "2-3"),
        Self.partition("b", "4-5"),
      ], previous: [])
    #expect(
      Self.render(ops) == [
        "mkdir ", "/cpuset.cpus = 2-5", "/cpuset.cpus.exclusive = 2-5",
        "mkdir /a", "/a/cpuset.mems = 0", "/a/cpuset.cpus = 2-3", "/a/cpuset.cpus.exclusive = 2-3",
        "/a/cpuset.cpus.partition = isolated",
        "mkdir /b", "/b/cpuset.mems = 0", "/b/cpuset.cpus = 4-5", "/b/cpuset.cpus.exclusive = 4-5",
        "/b/cpuset.cpus.partition = isolated",
      ])
  }

  /// CPU 3 moves from a to b: a releases it (exclusive first) before b takes it.
  @Test func cpusLeaveOnePartitionBeforeAnotherGetsThem() {
    let sequencer = CgroupSequencer()
    let before = sequencer.sequence(
      [
        Self.parent("2-5", exclusive: "2-5"), Self.partition("a", "2-3"),
        Self.partition("b", "4-5"),
      ], previous: [])
    let ops = sequencer.sequence(
      [Self.parent("2-5", exclusive: "2-5"), Self.partition("a", "2"), Self.partition("b", "3-5")],
      previous: before)
    #expect(
      Self.render(ops) == [
        "/a/cpuset.cpus.exclusive = 2", "/a/cpuset.cpus = 2",
        "/b/cpuset.cpus = 3-5", "/b/cpuset.cpus.exclusive = 3-5",
      ])
  }

  /// All of a's CPUs go to b: a stops being a partition before its CPUs empty.
  @Test func partitionResetBeforeItsCPUsEmpty() {
    let sequencer = CgroupSequencer()
    let before = sequencer.sequence(
      [
        Self.parent("2-5", exclusive: "2-5"), Self.partition("a", "2-3"),
        Self.partition("b", "4-5"),
      ], previous: [])
    let ops = sequencer.sequence(
      [
        Self.parent("2-7", exclusive: "2-7"), Self.partition("a", "6-7"),
        Self.partition("b", "2-5"),
      ], previous: before)
    #expect(
      Self.render(ops) == [
        "/a/cpuset.cpus.partition = member", "/a/cpuset.cpus.exclusive = ", "/a/cpuset.cpus = ",
        "/cpuset.cpus = 2-7", "/cpuset.cpus.exclusive = 2-7",
        "/a/cpuset.cpus = 6-7", "/a/cpuset.cpus.exclusive = 6-7",
        "/a/cpuset.cpus.partition = isolated",
        "/b/cpuset.cpus = 2-5", "/b/cpuset.cpus.exclusive = 2-5",
      ])
  }

  /// A removed workload is torn down bottom-up before the parent shrinks.
  @Test func removedPartitionIsTornDownFirst() {
    let sequencer = CgroupSequencer()
    let before = sequencer.sequence(
      [
        Self.parent("2-5", exclusive: "2-5"), Self.partition("a", "2-3"),
        Self.partition("b", "4-5"),
      ], previous: [])
    let ops = sequencer.sequence(
      [Self.parent("2-3", exclusive: "2-3"), Self.partition("a", "2-3")], previous: before)
    #expect(
      Self.render(ops) == [
        "/b/cpuset.cpus.partition = member", "/b/cpuset.cpus.exclusive = ", "rmdir /b",
        "/cpuset.cpus.exclusive = 2-3", "/cpuset.cpus = 2-3",
      ])
  }

  @Test func unchangedTreeWritesNothing() {
    let sequencer = CgroupSequencer()
    let tree = [Self.parent("2-5", exclusive: "2-5"), Self.partition("a", "2-3")]
    #expect(sequencer.sequence(tree, previous: sequencer.sequence(tree, previous: [])).isEmpty)
  }
}
