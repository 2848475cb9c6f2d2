import FoundationEssentials
import MKCore

/// The plan's JSON form: sorted keys, two-space indentation, no escaped
/// slashes and a final newline, so the same plan is the same bytes on every
/// machine and diffs in review show only what changed. Written by
/// `CanonicalJSONEncoder` (the bytes `JSONEncoder` wrote, several times
/// faster on large plans); read by `JSONDecoder`.
///
/// A written plan carries `digest`: `sha256:` and the SHA-256 of the same
/// JSON without the `digest` key. Reading a plan checks it, so a plan edited
/// after it was written (or cut short) is refused, and the digest names
/// exactly the plan a reviewer approved. Reading also runs `PlanValidator`:
/// a plan whose digest was recomputed after an edit still has to hold only
/// values of the form mkpolicy writes.
public enum PlanCodec {
  /// Larger than the plan of any host (a 1,920-thread box's is under 1 MiB).
  public static let maximumBytes = 64 << 20

  public static func encode(_ plan: Plan) throws(DiagnosticError) -> String {
    String(decoding: try encodedBytes(plan), as: UTF8.self)
  }

  /// `encode` as UTF-8 bytes, what files and standard output take (a plan
  /// of a large host is megabytes: no round trip through `String`). Throws
  /// E270 when the plan cannot be written as JSON (a non-finite number): no
  /// plan is better than a plan without its digest.
  public static func encodedBytes(_ plan: Plan) throws(DiagnosticError) -> [UInt8] {
    // One encode, not two: the plan with a placeholder digest as long as a
    // real one; the body the digest covers (the bytes `canonical` writes)
    // is that text without the digest's line, and the placeholder is then
    // overwritten in place. Encoding twice was half of `plan --format json`
    // on large hosts.
    var bytes = try json(Digested(plan: plan, digest: placeholder))
    bytes.append(UInt8(ascii: "\n"))
    guard let (value, body) = withoutDigest(bytes) else {
      // Not where the encoder puts it (never in practice): encode twice.
      let body = try canonical(plan)
      var again = try json(Digested(plan: plan, digest: digest(ofBody: body)))
      again.append(UInt8(ascii: "\n"))
      return again
    }
    bytes.replaceSubrange(value, with: Array(("sha256:" + SHA256.hex(body)).utf8))
    return bytes
  }

  /// A document of mkpolicy's own (journal, record, report) as the text
  /// `mkpolicy` writes: the canonical JSON and a final newline, or E270
  /// naming `what` and where it holds what JSON cannot.
  public static func document<Value: Encodable>(_ value: Value, what: String)
    throws(DiagnosticError) -> String
  {
    String(decoding: try json(value, what: what), as: UTF8.self) + "\n"
  }

  /// `CanonicalJSONEncoder`'s bytes of `value`, or E270 saying where the
  /// plan holds what JSON cannot (NaN and infinities are the only cases).
  static func json<Value: Encodable>(_ value: Value, what: String = "the plan")
    throws(DiagnosticError) -> [UInt8]
  {
    do {
      return try CanonicalJSONEncoder().encode(value)
    } catch let error as EncodingError {
      let location: String
      let detail: String
      switch error {
      case .invalidValue(let bad, let context):
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }
          .joined().drop { $0 == "." }
        location = path.isEmpty ? what : String(path)
        detail = "\(bad): \(context.debugDescription)"
      @unknown default:
        location = "the plan"
        detail = "\(error)"
      }
      throw DiagnosticError(
        .error(
          "E270", "cannot write \(what) as JSON: \(location) holds \(detail)",
          help: [
            "JSON has no NaN or infinity; this is a bug in mkpolicy: report it with the policy and topology"
          ]))
    } catch {
      throw DiagnosticError(.error("E270", "cannot write \(what) as JSON: \(error)"))
    }
  }

  /// A digest of the real one's length, replaced after encoding.
  static let placeholder = "sha256:" + String(repeating: "0", count: 64)

  /// In a plan encoded with `placeholder` as its digest: where the
  /// placeholder sits, and the bytes without the digest's line (what
  /// `canonical` writes, since keys are sorted and the digest is a
  /// top-level key). Nil when the line is not found as expected.
  static func withoutDigest(_ bytes: [UInt8]) -> (value: Range<Int>, body: [UInt8])? {
    let line = Array("\n  \"digest\" : \"".utf8)
    let value = Array(placeholder.utf8)
    let needle = line + value + [UInt8(ascii: "\"")]
    guard let start = firstIndex(of: needle, in: bytes) else { return nil }
    let end = start + needle.count
    let valueRange = (start + line.count)..<(start + line.count + value.count)
    var body = bytes
    if end < bytes.count && bytes[end] == UInt8(ascii: ",") {
      // Not the last key: drop the line and its comma.
      body.removeSubrange(start..<(end + 1))
    } else if start > 0 && bytes[start - 1] == UInt8(ascii: ",") {
      // The last key: drop it and the comma ending the key before it.
      body.removeSubrange((start - 1)..<end)
    } else {
      return nil
    }
    return (valueRange, body)
  }

  /// The first occurrence of `needle` in `haystack`.
  private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard let first = needle.first, needle.count <= haystack.count else { return nil }
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
      if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return i
      }
      i += 1
    }
    return nil
  }

  /// The digest `encode` writes into the plan.
  public static func digest(_ plan: Plan) throws(DiagnosticError) -> String {
    digest(ofBody: try canonical(plan))
  }

  static func digest(ofBody body: String) -> String { "sha256:" + SHA256.hex(body.utf8) }

  /// The plan's JSON without its digest: what the digest is computed over.
  static func canonical(_ plan: Plan) throws(DiagnosticError) -> String {
    String(decoding: try json(plan), as: UTF8.self) + "\n"
  }

  /// The plan's fields and its digest in one JSON object.
  private struct Digested: Encodable {
    var plan: Plan
    var digest: String
    enum Key: String, CodingKey { case digest }
    func encode(to encoder: any Encoder) throws {
      try plan.encode(to: encoder)
      var container = encoder.container(keyedBy: Key.self)
      try container.encode(digest, forKey: .digest)
    }
  }

  /// What is read before the plan itself: which document it is and its digest.
  private struct Envelope: Decodable {
    var apiVersion: String?
    var kind: String?
    var digest: String?
  }

  static let help = "pass a plan.json written by `mkpolicy plan --format json`, unchanged"

  /// Reads a plan written by `encode` (`apply --plan`, `plan --previous`),
  /// with a message that names the file and what is wrong: E420 when it is
  /// not a plan at all, E513 when its digest does not match its body, E514
  /// for each value of a form mkpolicy never writes.
  public static func decode(_ text: String, file: String) -> Result<Plan, DiagnosticError> {
    guard text.utf8.count <= maximumBytes else {
      return .failure(
        DiagnosticError(
          .error(
            "E420",
            "\(file): \(text.utf8.count) bytes, more than a plan's limit of \(maximumBytes)",
            help: [help])))
    }
    let data = Data(text.utf8)
    let envelope: Envelope
    do {
      envelope = try JSONDecoder().decode(Envelope.self, from: data)
    } catch let error as DecodingError {
      return .failure(DiagnosticError(.error("E420", "\(file): \(describe(error))", help: [help])))
    } catch {
      return .failure(DiagnosticError(.error("E420", "\(file): \(error)", help: [help])))
    }
    // A plan of a version this mkpolicy does not read is named as such
    // before its body is read by rules it may not follow.
    if envelope.kind == "Plan", let apiVersion = envelope.apiVersion,
      apiVersion.hasPrefix("mkpolicy.io/"), !Plan.readableAPIVersions.contains(apiVersion)
    {
      return .failure(
        DiagnosticError(
          .error(
            "E271",
            "\(file): a plan of apiVersion \(YAMLScalar.quoted(apiVersion)), which this mkpolicy does not read (it reads \(Plan.readableAPIVersions.joined(separator: ", ")))",
            help: [
              "make the plan again with this mkpolicy (`mkpolicy plan --out DIR`), or use the mkpolicy release that wrote it"
            ])))
    }
    let plan: Plan
    do {
      plan = try JSONDecoder().decode(Plan.self, from: data)
    } catch let error as DecodingError {
      return .failure(DiagnosticError(.error("E420", "\(file): \(describe(error))", help: [help])))
    } catch {
      return .failure(DiagnosticError(.error("E420", "\(file): \(error)", help: [help])))
    }
    guard Plan.readableAPIVersions.contains(plan.apiVersion), plan.kind == "Plan" else {
      return .failure(
        DiagnosticError(
          .error(
            "E420",
            "\(file): not a mkpolicy plan (apiVersion \(YAMLScalar.quoted(plan.apiVersion)), kind \(YAMLScalar.quoted(plan.kind)))",
            help: [help])))
    }
    let expected: String
    do {
      expected = try digest(plan)
    } catch {
      return .failure(error)
    }
    guard let stated = envelope.digest else {
      return .failure(
        DiagnosticError(
          .error(
            "E513", "\(file): the plan has no digest",
            help: [
              "plans written by this mkpolicy carry one; make the plan again with `mkpolicy plan --out`"
            ])))
    }
    guard stated == expected else {
      return .failure(
        DiagnosticError(
          .error(
            "E513",
            "\(file): the plan's body does not match its digest \(YAMLScalar.quoted(stated)) (it is \(expected)): it was changed after mkpolicy wrote it",
            help: ["make and review the plan again; never edit a plan.json by hand"])))
    }
    let problems = PlanValidator.problems(plan)
    guard problems.isEmpty else {
      return .failure(
        DiagnosticError(
          problems.map {
            .error(
              "E514", "\(file): \($0.path): \($0.message)",
              help: ["the plan holds a value mkpolicy never writes: make and review the plan again"]
            )
          }))
    }
    return .success(plan)
  }

  private static func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
      let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }
        .joined()
      return text.isEmpty ? "the document" : String(text.drop { $0 == "." })
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "missing key '\(key.stringValue)' at \(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "wrong type at \(path(context)): \(context.debugDescription)"
    case .dataCorrupted(let context):
      return "not valid plan JSON at \(path(context)): \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }
}
