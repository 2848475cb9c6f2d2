import ArgumentParser
import MKAgent
import MKApply
import MKCore
import MKPolicy

/// `mkpolicy agent simulate POLICY --topology T TRACE...`: replays traces.
struct AgentSimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Replay pressure traces against the agent and the static plan; report the figures.",
    discussion: """
      For each trace: time under pressure and waiting CPU-seconds with the static plan and with \
      the agent (for NAME.memory columns: time over its memory and short MiB-seconds), resizes \
      per hour, refused re-plans and rule violations (an independent check of every plan the \
      agent made). Exit status: 0, 1 error or any rule violation.
      """)

  @Argument(help: "The policy (with an agent section).")
  var policy: String

  @Option(name: .long, help: "The topology snapshot to plan against.")
  var topology: String

  @Argument(help: "Trace files (CSV: seconds,WORKLOAD,... in CPUs; WORKLOAD.memory in MiB).")
  var traces: [String]

  @Option(name: .long, help: "Output: text, or json (the reports as data).")
  var format: ReportFormat = .text

  func validate() throws {
    guard !traces.isEmpty else { throw ValidationError("give at least one trace file") }
  }

  func run() throws {
    let policy = try AgentCommand.loadPolicy(self.policy)
    let topology = try ApplyCommand.readTopology(self.topology)
    let simulator = Simulator(policy: policy, topology: topology)
    var reports: [Simulator.Report] = []
    for path in traces {
      guard case .success(let bytes) = LocalFile.read(path) else {
        CLIOutput.error("error[E710]: \(path): cannot read the trace\n")
        throw ExitCode(1)
      }
      let text = String(decoding: bytes, as: UTF8.self)
      let trace: Trace
      switch Trace.parse(text, file: path) {
      case .success(let value): trace = value
      case .failure(let error): throw CLIOutput.failure(error, sources: [path: text])
      }
      switch simulator.run(trace) {
      case .success(let report): reports.append(report)
      case .failure(let error): throw CLIOutput.failure(error)
      }
    }
    switch format {
    case .text: Console.write(reports.map { $0.render() }.joined(), to: .standardOutput)
    case .json: try CLIOutput.printDocument { try StateStore.encode(reports) }
    }
    if reports.contains(where: { !$0.ruleViolations.isEmpty }) { throw ExitCode(1) }
  }
}

/// `mkpolicy agent trace KIND`: writes one of the generated traces.
struct AgentTraceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trace",
    abstract: "Print a generated pressure trace (burst, diurnal, noisy-neighbour, idle) as CSV.",
    discussion: """
      CPU demand per workload around its planned CPUs, or with --memory working sets (MiB, \
      columns NAME.memory) around its planned memory.
      """)

  @Argument(help: "burst, diurnal, noisy-neighbour or idle.")
  var kind: String

  @Option(name: .long, help: "The front (latency-sensitive) workload and its planned CPUs: NAME=N.")
  var front: String

  @Option(name: .long, help: "The batch workload and its planned CPUs: NAME=N.")
  var back: String

  @Option(name: .long, help: "Length in seconds.")
  var seconds: Int = 3_600

  @Flag(name: .long, help: "A memory trace: --front and --back give planned memory in MiB.")
  var memory = false

  func run() throws {
    guard let kind = TraceGenerator.Kind(rawValue: kind) else {
      throw ValidationError(
        "unknown trace kind '\(kind)': use \(TraceGenerator.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    func pair(_ text: String, _ option: String) throws -> (String, Int) {
      let parts = text.split(separator: "=")
      guard parts.count == 2, let count = Int(parts[1]), count > 0 else {
        throw ValidationError(
          memory
            ? "--\(option) takes NAME=MIB with --memory, such as web=6144"
            : "--\(option) takes NAME=CPUS, such as web=16")
      }
      return (String(parts[0]), count)
    }
    let (frontName, frontCPUs) = try pair(front, "front")
    let (backName, backCPUs) = try pair(back, "back")
    guard (60...86_400).contains(seconds) else {
      throw ValidationError("--seconds must be between 60 and 86400")
    }
    if memory {
      let trace = TraceGenerator.generateMemory(
        kind, front: frontName, back: backName, frontMiB: frontCPUs, backMiB: backCPUs,
        seconds: seconds)
      Console.write(
        trace.render(
          comment:
            "mkpolicy agent trace \(kind.rawValue) --memory --front \(front) --back \(back) --seconds \(seconds)\nworking set in MiB per workload, every 2 s"
        ), to: .standardOutput)
      return
    }
    let trace = TraceGenerator.generate(
      kind, front: frontName, back: backName, frontPlanned: frontCPUs, backPlanned: backCPUs,
      seconds: seconds)
    Console.write(
      trace.render(
        comment:
          "mkpolicy agent trace \(kind.rawValue) --front \(front) --back \(back) --seconds \(seconds)\ndemand in CPUs' worth of runnable work per workload, every 2 s"
      ), to: .standardOutput)
  }
}
