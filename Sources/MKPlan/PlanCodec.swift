import FoundationEssentials
import MKCore

/// The plan's JSON form: sorted keys, two-space indentation, no escaped
/// slashes and a final newline, so the same plan is the same bytes on every
/// machine and diffs in review show only what changed.
public enum PlanCodec {
  public static func encode(_ plan: Plan) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    // Encoding plain value types cannot fail; an empty object is never emitted in practice.
    guard let data = try? encoder.encode(plan) else { return "{}\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// Reads a plan written by `encode` (a `--previous` plan), with a message
  /// that names the file and what is wrong.
  public static func decode(_ text: String, file: String) -> Result<Plan, DiagnosticError> {
    do {
      let plan = try JSONDecoder().decode(Plan.self, from: Data(text.utf8))
      guard plan.apiVersion == "mkpolicy.io/v1", plan.kind == "Plan" else {
        return .failure(
          DiagnosticError(
            .error(
              "E420",
              "\(file): not a mkpolicy plan (apiVersion \(plan.apiVersion), kind \(plan.kind))",
              help: ["pass a plan.json written by `mkpolicy plan --format json`"])))
      }
      return .success(plan)
    } catch let error as DecodingError {
      return .failure(
        DiagnosticError(
          .error(
            "E420", "\(file): \(describe(error))",
            help: ["pass a plan.json written by `mkpolicy plan --format json`"])))
    } catch {
      return .failure(DiagnosticError(.error("E420", "\(file): \(error)")))
    }
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
