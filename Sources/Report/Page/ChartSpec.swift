/// A chart before it is drawn: which lines, keyed so two runs' charts can be overlaid
/// (the same key is the same quantity) and coloured alike. The report draws one run's
/// specs; the comparison merges two runs' specs by ``id``.
struct ChartSpec {
    /// Stable identifier (`latency.order`), also the figure's HTML id (`chart-latency.order`).
    var id: String
    /// Heading.
    var title: String
    /// Unit of the values.
    var unit: ValueUnit
    /// Which palette colours the lines (services, reasons, ...).
    var palette: String
    /// The lines.
    var lines: [LineSpec]
    /// A note under the heading, when the chart needs one.
    var yFloor: Double = 0
}

/// One line of a ``ChartSpec``.
struct LineSpec {
    /// Identifies the quantity across runs and picks the colour.
    var key: String
    /// Legend text.
    var label: String
    /// (seconds, value) per cell.
    var points: [(x: Double, y: Double?)]
}

/// The report's sections, each a heading and its charts (small multiples).
struct ChartSection {
    var id: String
    var title: String
    var note: String
    var charts: [ChartSpec]
}
