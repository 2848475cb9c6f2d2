/// Colours and patterns of the partition map. Workloads take the Okabe-Ito
/// palette (distinguishable with the common colour-vision deficiencies);
/// past its seven colours they repeat with an overlay pattern, and every
/// cell also carries its key letter, so colour is never the only cue.
/// Housekeeping, the shared pool and idle CPUs are greys, told apart by
/// lightness, pattern and symbol.
enum PartitionMapStyle {
  struct Swatch: Hashable {
    var fill: String
    /// An overlay pattern id from `definitions`, or nil.
    var pattern: String?
    /// Text colour on `fill` with enough contrast.
    var ink: String
  }

  /// Okabe & Ito (2008), without black: colour and the ink that reads on it.
  static let palette: [(fill: String, ink: String)] = [
    ("#E69F00", "#000000"), ("#56B4E9", "#000000"), ("#009E73", "#FFFFFF"),
    ("#F0E442", "#000000"), ("#0072B2", "#FFFFFF"), ("#D55E00", "#FFFFFF"),
    ("#CC79A7", "#000000"),
  ]
  static let overlays: [String?] = [nil, "dots", "cross", "vertical"]

  static let housekeeping = Swatch(fill: "#4D4D4D", pattern: nil, ink: "#FFFFFF")
  static let sharedPool = Swatch(fill: "#D9D9D9", pattern: nil, ink: "#000000")
  static let idleSibling = Swatch(fill: "#FFFFFF", pattern: "idle", ink: "#000000")
  static let unused = Swatch(fill: "#FFFFFF", pattern: nil, ink: "#000000")
  /// Marks kernel instances: white diagonal stripes over the workload colour.
  static let kernelPattern = "kernel"

  /// The swatch of the `index`-th workload that owns CPUs.
  static func workload(_ index: Int) -> Swatch {
    let colour = palette[index % palette.count]
    let overlay = overlays[(index / palette.count) % overlays.count]
    return Swatch(fill: colour.fill, pattern: overlay, ink: colour.ink)
  }

  /// `<defs>` with every pattern the map uses.
  static let definitions = """
    <defs>
    <pattern id="kernel" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect x="0" y="0" width="2" height="6" fill="#FFFFFF" fill-opacity="0.6"/></pattern>
    <pattern id="idle" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M0 0L6 6M6 0L0 6" stroke="#8C8C8C" stroke-width="1"/></pattern>
    <pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse"><circle cx="2.5" cy="2.5" r="1.2" fill="#000000" fill-opacity="0.45"/></pattern>
    <pattern id="cross" width="6" height="6" patternUnits="userSpaceOnUse"><path d="M3 0V6M0 3H6" stroke="#000000" stroke-opacity="0.4" stroke-width="1"/></pattern>
    <pattern id="vertical" width="4" height="4" patternUnits="userSpaceOnUse"><rect x="0" y="0" width="1.5" height="4" fill="#000000" fill-opacity="0.4"/></pattern>
    </defs>
    """

  /// Approximate advance of one character of the monospace font at `size`,
  /// for laying out text columns without measuring fonts.
  static func textWidth(_ text: String, size: Int) -> Int { (text.count * size * 62 + 99) / 100 }
}
