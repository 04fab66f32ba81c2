import Report

/// A small line chart as inline SVG: series of (x, mean, half-width) points with error
/// bars, and optional dashed reference series (a queueing-theory estimate). Coordinates
/// are printed with fixed decimals, so the same data give the same bytes.
struct SweepChart {
    struct Point {
        var x: Double
        var y: Double
        var halfWidth: Double?
    }

    struct Series {
        var name: String
        var points: [Point]
        /// Drawn dashed, without markers (theory rather than measurement).
        var dashed = false
        /// Index into the palette (a theory line takes its measured line's colour).
        var colour = 0
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Tick labels for a categorical axis (x = 0, 1, 2, ...), nil for a numeric one.
    var categories: [String]?

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
    static let width = 640.0, height = 300.0
    static let left = 70.0, right = 170.0, top = 30.0, bottom = 45.0

    var svg: String {
        let points = series.flatMap(\.points)
        guard !points.isEmpty else { return "" }
        // The axis starts at 0 (or the lowest mean below it); error bars are clipped to it.
        var xs = points.map(\.x), ys = points.flatMap { [$0.y, $0.y + ($0.halfWidth ?? 0)] }
        xs.sort(); ys.sort()
        var (x0, x1) = (xs.first!, xs.last!)
        if x1 == x0 { x0 -= 1; x1 += 1 }
        let yTicks = Self.ticks(low: min(0, ys.first!), high: ys.last! == min(0, ys.first!) ? 1 : ys.last!)
        let (y0, y1) = (yTicks.first!, yTicks.last!)
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func px(_ x: Double) -> String { Self.fixed(Self.left + (x - x0) / (x1 - x0) * plotWidth) }
        func py(_ y: Double) -> String {
            let clipped = min(max(y, y0), y1)
            return Self.fixed(Self.top + plotHeight - (clipped - y0) / (y1 - y0) * plotHeight)
        }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" "
            + "viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<text x=\"\(Int(Self.left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(Html.escape(title))</text>\n"
        // Axes and grid.
        for tick in yTicks {
            out += "<line x1=\"\(Int(Self.left))\" x2=\"\(Self.fixed(Self.left + plotWidth))\" y1=\"\(py(tick))\" y2=\"\(py(tick))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(Int(Self.left - 6))\" y=\"\(py(tick))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(SweepNumber.short(tick))</text>\n"
        }
        let xTicks: [(Double, String)] = categories.map { $0.enumerated().map { (Double($0.offset), $0.element) } }
            ?? Array(Set(xs)).sorted().map { ($0, SweepNumber.short($0)) }
        // Values a grid puts close together (500ms and 2s beside 30s) keep their tick marks;
        // a label that would overlap the last one drawn is left out.
        var lastLabel: (centre: Double, halfWidth: Double)?
        for (x, label) in xTicks {
            out += "<line x1=\"\(px(x))\" x2=\"\(px(x))\" y1=\"\(py(y0))\" y2=\"\(Self.fixed(Self.top + plotHeight + 4))\" stroke=\"#999\"/>"
            let centre = Self.left + (x - x0) / (x1 - x0) * plotWidth, halfWidth = Self.labelWidth(label) / 2
            if let last = lastLabel, centre - halfWidth < last.centre + last.halfWidth + 4 { continue }
            lastLabel = (centre, halfWidth)
            out += "<text x=\"\(px(x))\" y=\"\(Self.fixed(Self.top + plotHeight + 16))\" text-anchor=\"middle\">\(Html.escape(label))</text>\n"
        }
        out += "<line x1=\"\(Int(Self.left))\" x2=\"\(Self.fixed(Self.left + plotWidth))\" y1=\"\(py(y0))\" y2=\"\(py(y0))\" stroke=\"#333\"/>"
        out += "<line x1=\"\(Int(Self.left))\" x2=\"\(Int(Self.left))\" y1=\"\(py(y0))\" y2=\"\(py(y1))\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(Self.fixed(Self.left + plotWidth / 2))\" y=\"\(Int(Self.height - 8))\" text-anchor=\"middle\">\(Html.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(14 \(Self.fixed(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Html.escape(yLabel))</text>\n"
        // Series, then the legend.
        for line in series {
            let colour = Self.palette[line.colour % Self.palette.count]
            let sorted = line.points.sorted { $0.x < $1.x }
            let path = sorted.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(line.dashed ? "1.5" : "2")\""
                + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"\(path)\"/>\n"
            guard !line.dashed else { continue }
            for point in sorted {
                if let half = point.halfWidth, half > 0 {
                    out += "<line x1=\"\(px(point.x))\" x2=\"\(px(point.x))\" y1=\"\(py(point.y - half))\" y2=\"\(py(point.y + half))\" stroke=\"\(colour)\"/>"
                }
                out += "<circle cx=\"\(px(point.x))\" cy=\"\(py(point.y))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
        }
        for (index, line) in series.enumerated() {
            let colour = Self.palette[line.colour % Self.palette.count]
            let y = Self.top + 8 + Double(index) * 16
            let x = Self.width - Self.right + 14
            out += "<line x1=\"\(Self.fixed(x))\" x2=\"\(Self.fixed(x + 18))\" y1=\"\(Self.fixed(y))\" y2=\"\(Self.fixed(y))\" stroke=\"\(colour)\" stroke-width=\"2\""
                + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
            out += "<text x=\"\(Self.fixed(x + 24))\" y=\"\(Self.fixed(y))\" dominant-baseline=\"middle\">\(Html.escape(line.name))</text>\n"
        }
        return out + "</svg>"
    }

    static func fixed(_ value: Double) -> String { Html.fixed(value, 1) }

    /// About how wide `label` is drawn at the charts' 11 px sans-serif, in pixels.
    static func labelWidth(_ label: String) -> Double { Double(label.count) * 6.5 }

    /// About five round ticks covering low...high (steps of 1, 2 or 5 × 10^n).
    static func ticks(low: Double, high: Double) -> [Double] {
        let span = max(high - low, abs(high) * 1e-9, 1e-12)
        var step = 1.0
        while span / step > 6 { step *= 10 }
        while span / step < 3 { step /= 10 }
        for factor in [1.0, 2.0, 5.0] where span / (step * factor) <= 6 { step *= factor; break }
        let first = (low / step).rounded(.down) * step
        var ticks: [Double] = []
        var value = first
        while value < high + step * 0.999 {
            ticks.append((value / step).rounded() * step)
            value += step
        }
        return ticks.count >= 2 ? ticks : [first, first + step]
    }
}
