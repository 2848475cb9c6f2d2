import MKApply
import MKCore

/// A pressure trace: the CPU demand of each workload over time, recorded or
/// generated, that the simulator replays.
///
/// Text form (CSV, one header line, `#` comments):
/// ```
/// seconds,web,batch
/// 0,1.5,4
/// 2,1.5,6.25
/// ```
/// Demand is in CPUs' worth of runnable work (3 = three busy threads); a
/// value holds until the next line.
public struct Trace: Sendable, Hashable {
  public struct Sample: Sendable, Hashable {
    public var milliseconds: Int
    public var demand: [Double]
    public init(milliseconds: Int, demand: [Double]) {
      self.milliseconds = milliseconds
      self.demand = demand
    }
  }

  public var name: String
  public var workloads: [String]
  public var samples: [Sample]

  public init(name: String, workloads: [String], samples: [Sample]) {
    self.name = name
    self.workloads = workloads
    self.samples = samples
  }

  /// Milliseconds from the first sample to the last.
  public var duration: Int {
    (samples.last?.milliseconds ?? 0) - (samples.first?.milliseconds ?? 0)
  }

  /// The demand in force at `milliseconds` (the last sample at or before it).
  public func demand(at milliseconds: Int) -> [String: Double] {
    var low = 0
    var high = samples.count - 1
    guard high >= 0, samples[0].milliseconds <= milliseconds else {
      return Dictionary(uniqueKeysWithValues: workloads.map { ($0, 0) })
    }
    while low < high {
      let mid = (low + high + 1) / 2
      if samples[mid].milliseconds <= milliseconds { low = mid } else { high = mid - 1 }
    }
    return Dictionary(uniqueKeysWithValues: zip(workloads, samples[low].demand))
  }

  /// The CSV text; `parse` reads it back to the same trace.
  public func render(comment: String? = nil) -> String {
    var out = comment.map { $0.split(separator: "\n").map { "# \($0)\n" }.joined() } ?? ""
    out += (["seconds"] + workloads).joined(separator: ",") + "\n"
    for sample in samples {
      let seconds = Self.format(Double(sample.milliseconds) / 1000)
      out += ([seconds] + sample.demand.map(Self.format)).joined(separator: ",") + "\n"
    }
    return out
  }

  /// Up to two decimals, no trailing zeros: `4`, `1.5`, `0.25`.
  static func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let whole = hundredths / 100
    let fraction = hundredths % 100
    if fraction == 0 { return "\(whole)" }
    return fraction % 10 == 0
      ? "\(whole).\(fraction / 10)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
  }

  /// Reads the CSV form; every problem names its file, line and column.
  public static func parse(_ text: String, file: String, name: String? = nil)
    -> Result<Trace, DiagnosticError>
  {
    var diagnostics: [Diagnostic] = []
    var header: [String]?
    var samples: [Sample] = []
    func problem(_ message: String, _ line: Int, _ column: Int, help: String) {
      diagnostics.append(
        .error(
          "E710", message, at: SourceLocation(file: file, line: line, column: column),
          help: [help]))
    }
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = index + 1
      let content = raw.hasSuffix("\r") ? raw.dropLast() : raw
      if content.isEmpty || content.hasPrefix("#") { continue }
      let fields = content.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      var columns: [Int] = []
      var column = 1
      for field in fields {
        columns.append(column)
        column += field.unicodeScalars.count + 1
      }
      guard let names = header else {
        guard fields.first == "seconds", fields.count >= 2 else {
          problem(
            "a trace starts with the header 'seconds,WORKLOAD,...'", line, 1,
            help: "write the header line: seconds, then one column per workload")
          break
        }
        let names = Array(fields.dropFirst())
        for (i, name) in names.enumerated() where names.firstIndex(of: name) != i || name.isEmpty {
          problem(
            "column \(Quoted.text(name)) is empty or repeated", line, columns[i + 1],
            help: "name each workload once")
        }
        header = names
        continue
      }
      guard fields.count == names.count + 1 else {
        problem(
          "\(fields.count) fields, the header has \(names.count + 1)", line, 1,
          help: "give seconds and one demand per workload")
        continue
      }
      guard let seconds = Double(fields[0]), seconds.isFinite, seconds >= 0, seconds < 1e7 else {
        problem(
          "\(Quoted.text(fields[0])) is not a time in seconds", line, 1,
          help: "write seconds since the start, such as 12 or 12.5")
        continue
      }
      let ms = Int((seconds * 1000).rounded())
      if let last = samples.last, ms <= last.milliseconds {
        problem(
          "time \(fields[0]) is not after the previous line's", line, 1,
          help: "lines go forward in time")
        continue
      }
      var demand: [Double] = []
      for i in 1..<fields.count {
        guard let value = Double(fields[i]), value.isFinite, value >= 0, value <= 1e6 else {
          problem(
            "\(Quoted.text(fields[i])) is not a demand in CPUs", line, columns[i],
            help: "write a number of CPUs' worth of work, such as 3 or 2.5")
          break
        }
        demand.append(value)
      }
      if demand.count == names.count { samples.append(Sample(milliseconds: ms, demand: demand)) }
    }
    if header == nil && diagnostics.isEmpty {
      problem(
        "the trace has no header", 1, 1, help: "write the header line: seconds,WORKLOAD,...")
    }
    if diagnostics.isEmpty && samples.isEmpty {
      problem("the trace has no samples", 1, 1, help: "add lines: seconds,demand,...")
    }
    guard diagnostics.isEmpty, let header else { return .failure(DiagnosticError(diagnostics)) }
    var base = name ?? String(file.split(separator: "/").last ?? Substring(file))
    if name == nil, base.hasSuffix(".csv") { base.removeLast(4) }
    return .success(Trace(name: base, workloads: header, samples: samples))
  }
}
