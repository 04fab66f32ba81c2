/// One line on a chart: values over simulated time.
public struct ChartLine: Sendable {
    /// Legend text.
    public var label: String
    /// Stroke colour (`#rrggbb`).
    public var colour: String
    /// Dashed (the second run of a comparison).
    public var dashed: Bool
    /// (seconds of simulated time, value) — nil values break the line (nothing measured).
    public var points: [(x: Double, y: Double?)]

    /// A line with the given look and points.
    public init(label: String, colour: String, dashed: Bool = false, points: [(x: Double, y: Double?)]) {
        self.label = label
        self.colour = colour
        self.dashed = dashed
        self.points = points
    }
}

/// A window of simulated time shaded behind a chart: a fault while it was on.
public struct ShadedWindow: Sendable, Equatable {
    /// Start, seconds.
    public var from: Double
    /// End, seconds (the start for an instantaneous fault, drawn as a thin band).
    public var to: Double
    /// A short tag drawn at the top (`F1`), explained elsewhere on the page.
    public var tag: String
    /// What it was, for the tooltip.
    public var label: String

    /// A window [from, to] tagged `tag`.
    public init(from: Double, to: Double, tag: String, label: String) {
        self.from = from
        self.to = to
        self.tag = tag
        self.label = label
    }
}

/// A line chart over simulated time as inline SVG, with its legend below in HTML: axes
/// with units, horizontal grid lines, the fault windows shaded and tagged. Pure: the
/// same chart always gives the same text.
public struct LineChart: Sendable {
    /// Heading above the chart.
    public var title: String
    /// Unit of the values (axis labels).
    public var unit: ValueUnit
    /// The lines, drawn in order.
    public var lines: [ChartLine]
    /// Fault windows.
    public var windows: [ShadedWindow]
    /// Right end of the time axis, seconds.
    public var xMax: Double
    /// Top of the value axis: at least this (ratios use 1).
    public var yFloor: Double
    /// Size in CSS pixels.
    public var width = 420.0, height = 180.0

    static let left = 52.0, right = 10.0, top = 14.0, bottom = 24.0

    /// A chart of `lines` over [0, xMax] seconds.
    public init(title: String, unit: ValueUnit, lines: [ChartLine], windows: [ShadedWindow], xMax: Double, yFloor: Double = 0) {
        self.title = title
        self.unit = unit
        self.lines = lines
        self.windows = windows
        self.xMax = xMax
        self.yFloor = unit == .ratio ? max(yFloor, 1) : yFloor
    }

    /// The chart as a `<figure class="chart">` with the SVG and its legend.
    public var html: String {
        let peak = lines.flatMap { $0.points.compactMap(\.y) }.filter(\.isFinite).max() ?? 0
        // A chart of zeros still gets a readable axis (0 to 1), not ticks a nano apart.
        let yTicks = Axis.ticks(upTo: max(peak, yFloor, unit == .ratio || peak <= 0 ? 1 : 0))
        let yMax = yTicks.last ?? 1
        let xMax = max(self.xMax, 1)
        let plotWidth = width - Self.left - Self.right, plotHeight = height - Self.top - Self.bottom
        func x(_ seconds: Double) -> String { Html.coordinate(Self.left + min(max(seconds, 0), xMax) / xMax * plotWidth) }
        func y(_ value: Double) -> String { Html.coordinate(Self.top + plotHeight - min(max(value, 0), yMax) / yMax * plotHeight) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(Html.coordinate(width))\" height=\"\(Html.coordinate(height))\" "
            + "viewBox=\"0 0 \(Html.coordinate(width)) \(Html.coordinate(height))\" role=\"img\" aria-label=\"\(Html.escape(title))\">"
        svg += "<title>\(Html.escape(title)) (\(unit.caption)) over simulated time</title>"
        for window in windows {
            let from = Self.left + min(max(window.from, 0), xMax) / xMax * plotWidth
            let to = Self.left + min(max(window.to, 0), xMax) / xMax * plotWidth
            svg += "<g class=\"fault\"><title>\(Html.escape(window.tag + ": " + window.label))</title>"
                + "<rect x=\"\(Html.coordinate(from))\" y=\"\(Html.coordinate(Self.top))\" width=\"\(Html.coordinate(max(to - from, 1.5)))\" "
                + "height=\"\(Html.coordinate(plotHeight))\"/>"
                + "<text x=\"\(Html.coordinate(from + 2))\" y=\"\(Html.coordinate(Self.top + 9))\">\(Html.escape(window.tag))</text></g>"
        }
        for tick in yTicks {
            svg += "<line class=\"grid\" x1=\"\(Html.coordinate(Self.left))\" x2=\"\(Html.coordinate(width - Self.right))\" y1=\"\(y(tick))\" y2=\"\(y(tick))\"/>"
            svg += "<text class=\"ytick\" x=\"\(Html.coordinate(Self.left - 4))\" y=\"\(y(tick))\">\(Html.escape(unit.format(tick)))</text>"
        }
        for tick in Axis.timeTicks(upTo: xMax) {
            svg += "<text class=\"xtick\" x=\"\(x(tick))\" y=\"\(Html.coordinate(height - 8))\">\(TimeText.seconds(tick))</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(Html.coordinate(Self.left))\" x2=\"\(Html.coordinate(width - Self.right))\" y1=\"\(y(0))\" y2=\"\(y(0))\"/>"
        for line in lines {
            var d = "", pen = false
            for point in line.points {
                guard let value = point.y, value.isFinite else { pen = false; continue }
                d += (pen ? "L" : "M") + x(point.x) + " " + y(value)
                pen = true
            }
            guard !d.isEmpty else { continue }
            svg += "<path class=\"line\(line.dashed ? " dashed" : "")\" stroke=\"\(line.colour)\" d=\"\(d)\"><title>\(Html.escape(line.label))</title></path>"
        }
        svg += "</svg>"
        var legend = "<ul class=\"legend\">"
        for line in lines {
            legend += "<li><span class=\"swatch\(line.dashed ? " dashed" : "")\" style=\"border-color: \(line.colour)\"></span>\(Html.escape(line.label))</li>"
        }
        legend += "</ul>"
        return "<figure class=\"chart\"><figcaption>\(Html.escape(title)) <span class=\"unit\">(\(unit.caption))</span></figcaption>"
            + svg + legend + "</figure>"
    }
}
