import Foundation

/// A line chart drawn as inline SVG: titled, with labelled axes in their units, a legend, optional shaded bands
/// (the phases), markers (faults) and linear or logarithmic axes. No scripts, no external resources.
struct SVGLineChart {
    enum Scale {
        case linear
        /// Base-10 logarithmic; values at or below zero are drawn at the axis floor.
        case logarithmic
    }

    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        /// Index into the palette, so one backend has one colour in every chart.
        var color: Int
        /// Drawn dashed in grey, on top of the others (the offered load).
        var dashed = false
    }

    struct Band {
        var from: Double
        var to: Double
        var label: String
        var emphasised: Bool
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xScale: Scale = .linear
    var yScale: Scale = .linear
    var series: [Series]
    var bands: [Band] = []
    /// Events drawn as labelled vertical lines (faults made during the run).
    var markers: [(x: Double, label: String)] = []
    /// Custom x tick labels by value (for the percentile axis); default: generated.
    var xTickLabels: [(value: Double, label: String)]?
    var width = 860.0
    var height = 340.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    private let left = 72.0, right = 24.0, top = 40.0, bottom = 74.0

    func render() -> String {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else { return "<p class=\"empty\">\(HTML.escape(title)): no data.</p>" }
        let xRange = range(points.map(\.x) + bands.flatMap { [$0.from, $0.to] }, scale: xScale, exact: true)
        let yRange = range(points.map(\.y), scale: yScale, fromZero: yScale == .linear)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + plotWidth * fraction(x, in: xRange, scale: xScale) }
        func py(_ y: Double) -> Double { top + plotHeight * (1 - fraction(y, in: yRange, scale: yScale)) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<title>\(HTML.escape(title))</title>"
        svg += text(title, x: width / 2, y: 22, anchor: "middle", cssClass: "title")
        for band in bands {
            let x0 = px(band.from), x1 = px(band.to)
            svg += "<rect x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(max(0, x1 - x0)))\" height=\"\(f(plotHeight))\" class=\"\(band.emphasised ? "band-hot" : "band")\"/>"
            svg += text(band.label, x: (x0 + x1) / 2, y: top + 12, anchor: "middle", cssClass: "band-label")
        }
        for (value, label) in ticks(yRange, scale: yScale) {
            let y = py(value)
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y))\" y2=\"\(f(y))\" class=\"grid\"/>"
            svg += text(label, x: left - 6, y: y + 4, anchor: "end", cssClass: "tick")
        }
        for (value, label) in xTickLabels ?? ticks(xRange, scale: xScale) where value >= xRange.low && value <= xRange.high {
            let x = px(value)
            svg += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + plotHeight))\" class=\"grid\"/>"
            svg += text(label, x: x, y: top + plotHeight + 16, anchor: "middle", cssClass: "tick")
        }
        for (index, marker) in markers.enumerated() where marker.x >= xRange.low && marker.x <= xRange.high {
            let x = px(marker.x)
            svg += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + plotHeight))\" stroke=\"#b00\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
            svg += text(marker.label, x: x + 3, y: top + 26 + Double(index % 3) * 12, anchor: "start", cssClass: "band-label")
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" class=\"frame\"/>"
        svg += text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 36, anchor: "middle", cssClass: "axis")
        svg += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">\(HTML.escape(yLabel))</text>"
        // Dashed reference lines last, so they stay visible where a backend's line runs along them.
        let drawOrder = series.enumerated().sorted { !$0.element.dashed && $1.element.dashed }
        for (index, line) in drawOrder {
            let color = Self.palette[line.color % Self.palette.count]
            let path = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.dashed ? "#555" : color)\" stroke-width=\"\(line.dashed ? 1.5 : 2)\"\(line.dashed ? " stroke-dasharray=\"5 4\"" : "")/>"
            // Legend below the axis label.
            let legendX = left + Double(index) * 150
            let legendY = height - 12
            svg += "<line x1=\"\(f(legendX))\" x2=\"\(f(legendX + 22))\" y1=\"\(f(legendY - 4))\" y2=\"\(f(legendY - 4))\" stroke=\"\(line.dashed ? "#555" : color)\" stroke-width=\"3\"\(line.dashed ? " stroke-dasharray=\"5 4\"" : "")/>"
            svg += text(line.name, x: legendX + 28, y: legendY, anchor: "start", cssClass: "legend")
        }
        return svg + "</svg>"
    }

    private func text(_ content: String, x: Double, y: Double, anchor: String, cssClass: String) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" class=\"\(cssClass)\">\(HTML.escape(content))</text>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The axis range: from zero (or the data) to a round number above the data, or exactly the data's (time axes).
    private func range(_ values: [Double], scale: Scale, fromZero: Bool = false, exact: Bool = false) -> (low: Double, high: Double) {
        switch scale {
        case .linear:
            let low = fromZero ? min(0, values.min() ?? 0) : (values.min() ?? 0)
            var high = values.max() ?? 1
            if high <= low { high = low + 1 }
            return (low, exact ? high : niceCeiling(high))
        case .logarithmic:
            let positive = values.filter { $0 > 0 }
            let low = pow(10, (log10(positive.min() ?? 1)).rounded(.down))
            var high = pow(10, (log10(positive.max() ?? 10)).rounded(.up))
            if high <= low { high = low * 10 }
            return (low, high)
        }
    }

    private func fraction(_ value: Double, in range: (low: Double, high: Double), scale: Scale) -> Double {
        switch scale {
        case .linear: return (value - range.low) / (range.high - range.low)
        case .logarithmic:
            let clamped = max(value, range.low)
            return (log10(clamped) - log10(range.low)) / (log10(range.high) - log10(range.low))
        }
    }

    private func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, log10(value).rounded(.down))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    private func ticks(_ range: (low: Double, high: Double), scale: Scale) -> [(Double, String)] {
        switch scale {
        case .linear:
            let span = range.high - range.low
            let rough = span / 5
            let magnitude = pow(10, log10(rough).rounded(.down))
            let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= rough } ?? rough
            var value = (range.low / step).rounded(.up) * step
            var result: [(Double, String)] = []
            while value <= range.high + step / 1000 {
                result.append((value, label(value)))
                value += step
            }
            return result
        case .logarithmic:
            var result: [(Double, String)] = []
            var value = range.low
            while value <= range.high * 1.0001 {
                result.append((value, label(value)))
                value *= 10
            }
            return result
        }
    }

    private func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1000 { return String(format: "%.0f", value) }
        if abs(value) >= 1 { return value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.1f", value) }
        return String(format: "%g", value)
    }
}
