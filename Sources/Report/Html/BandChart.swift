/// One row of a band chart: for each time cell, the shares of time spent in each state.
public struct BandRow: Sendable {
    /// Row label (`order → inventory`).
    public var label: String
    /// (start s, end s, share open, share half-open); closed is the rest.
    public var cells: [(from: Double, to: Double, open: Double, halfOpen: Double)]

    /// A row labelled `label`.
    public init(label: String, cells: [(from: Double, to: Double, open: Double, halfOpen: Double)]) {
        self.label = label
        self.cells = cells
    }
}

/// Breaker state as bands over simulated time: one row per breaker, each time cell
/// stacked by the share of instance-time spent open (red), half-open (amber) and closed
/// (pale green), with the fault windows outlined.
public struct BandChart: Sendable {
    /// Heading.
    public var title: String
    /// The rows, top to bottom.
    public var rows: [BandRow]
    /// Fault windows.
    public var windows: [ShadedWindow]
    /// Right end of the time axis, seconds.
    public var xMax: Double
    /// Width in CSS pixels.
    public var width = 940.0

    static let left = 190.0, right = 10.0, rowHeight = 18.0, gap = 6.0, top = 14.0, bottom = 24.0

    /// A band chart of `rows` over [0, xMax] seconds.
    public init(title: String, rows: [BandRow], windows: [ShadedWindow], xMax: Double) {
        self.title = title
        self.rows = rows
        self.windows = windows
        self.xMax = xMax
    }

    /// The chart as a `<figure class="chart wide">`.
    public var html: String {
        let xMax = max(self.xMax, 1)
        let plotWidth = width - Self.left - Self.right
        let height = Self.top + Double(rows.count) * (Self.rowHeight + Self.gap) + Self.bottom
        func x(_ seconds: Double) -> Double { Self.left + min(max(seconds, 0), xMax) / xMax * plotWidth }
        let c = Html.coordinate
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(c(width))\" height=\"\(c(height))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\" aria-label=\"\(Html.escape(title))\">"
        svg += "<title>\(Html.escape(title)) over simulated time</title>"
        for (index, row) in rows.enumerated() {
            let top = Self.top + Double(index) * (Self.rowHeight + Self.gap)
            svg += "<text class=\"rowlabel\" x=\"\(c(Self.left - 6))\" y=\"\(c(top + Self.rowHeight / 2 + 4))\">\(Html.escape(row.label))</text>"
            svg += "<rect fill=\"\(Palette.breakerClosed)\" x=\"\(c(Self.left))\" y=\"\(c(top))\" width=\"\(c(plotWidth))\" height=\"\(c(Self.rowHeight))\"/>"
            for cell in row.cells where cell.open + cell.halfOpen > 0 {
                let from = x(cell.from), to = x(cell.to)
                let width = max(to - from, 0.8)
                let openHeight = Self.rowHeight * min(cell.open, 1)
                let halfHeight = Self.rowHeight * min(cell.halfOpen, 1 - min(cell.open, 1))
                if openHeight > 0 {
                    svg += "<rect fill=\"\(Palette.breakerOpen)\" x=\"\(c(from))\" y=\"\(c(top + Self.rowHeight - openHeight))\" width=\"\(c(width))\" height=\"\(c(openHeight))\"/>"
                }
                if halfHeight > 0 {
                    svg += "<rect fill=\"\(Palette.breakerHalfOpen)\" x=\"\(c(from))\" y=\"\(c(top + Self.rowHeight - openHeight - halfHeight))\" width=\"\(c(width))\" height=\"\(c(halfHeight))\"/>"
                }
            }
        }
        let plotBottom = height - Self.bottom
        for window in windows {
            let from = x(window.from), to = x(window.to)
            svg += "<g class=\"fault outline\"><title>\(Html.escape(window.tag + ": " + window.label))</title>"
                + "<rect x=\"\(c(from))\" y=\"\(c(Self.top - 4))\" width=\"\(c(max(to - from, 1.5)))\" height=\"\(c(plotBottom - Self.top + 4))\"/>"
                + "<text x=\"\(c(from + 2))\" y=\"\(c(Self.top + 5))\">\(Html.escape(window.tag))</text></g>"
        }
        for tick in Axis.timeTicks(upTo: xMax, count: 14) {
            svg += "<text class=\"xtick\" x=\"\(c(x(tick)))\" y=\"\(c(height - 8))\">\(TimeText.seconds(tick))</text>"
        }
        svg += "</svg>"
        let legend = "<ul class=\"legend\">"
            + "<li><span class=\"block\" style=\"background: \(Palette.breakerOpen)\"></span>open</li>"
            + "<li><span class=\"block\" style=\"background: \(Palette.breakerHalfOpen)\"></span>half-open</li>"
            + "<li><span class=\"block\" style=\"background: \(Palette.breakerClosed)\"></span>closed</li>"
            + "<li>height = share of the caller's instances in that state over the interval</li></ul>"
        return "<figure class=\"chart wide\"><figcaption>\(Html.escape(title))</figcaption>" + svg + legend + "</figure>"
    }
}
