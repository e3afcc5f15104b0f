import Foundation

/// A small inline-SVG chart: linear axes with ticks and labels, a legend above the plotting area, and marks
/// (lines, bars, points) drawn in data coordinates and clipped to the plotting area. No scripts, no network.
struct HTMLReportChart {
    /// How a legend entry is drawn.
    enum Swatch { case line, dashed, box, dot }

    struct LegendItem {
        var label: String
        var colour: String
        var swatch: Swatch
    }

    var id: String
    var xDomain: ClosedRange<Double>
    var yDomain: ClosedRange<Double>
    var xLabel: String
    var yLabel: String
    var width = 560.0
    var height = 360.0
    var left = 66.0
    var right = 18.0
    var top = 40.0
    var bottom = 54.0
    var legend: [LegendItem] = []
    private var marks: [String] = []
    private var overlays: [String] = []

    init(id: String, x: ClosedRange<Double>, y: ClosedRange<Double>, xLabel: String, yLabel: String) {
        self.id = id
        xDomain = Self.padded(x)
        yDomain = Self.padded(y)
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// A domain with non-zero width.
    static func padded(_ domain: ClosedRange<Double>) -> ClosedRange<Double> {
        guard domain.lowerBound.isFinite && domain.upperBound.isFinite else { return 0...1 }
        if domain.upperBound > domain.lowerBound { return domain }
        let half = max(abs(domain.lowerBound) * 0.05, 0.5)
        return (domain.lowerBound - half)...(domain.upperBound + half)
    }

    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }

    func px(_ value: Double) -> Double {
        plotLeft + (value - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * (plotRight - plotLeft)
    }

    func py(_ value: Double) -> Double {
        plotBottom - (value - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * (plotBottom - plotTop)
    }

    // MARK: - Marks

    mutating func line(_ points: [(Double, Double)], colour: String, width: Double = 2.5, dashed: Bool = false) {
        guard points.count > 1 else { return }
        let coordinates = points.map { "\(Self.n(px($0.0))),\(Self.n(py($0.1)))" }.joined(separator: " ")
        marks.append(
            "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(width)\""
                + (dashed ? " stroke-dasharray=\"6 4\"" : "") + " stroke-linejoin=\"round\"/>")
    }

    mutating func bar(from x0: Double, to x1: Double, height value: Double, colour: String, opacity: Double) {
        let top = py(value), bottom = py(yDomain.lowerBound)
        marks.append(
            "<rect x=\"\(Self.n(px(x0)))\" y=\"\(Self.n(top))\" width=\"\(Self.n(max(0, px(x1) - px(x0))))\" "
                + "height=\"\(Self.n(max(0, bottom - top)))\" fill=\"\(colour)\" fill-opacity=\"\(opacity)\" "
                + "stroke=\"\(colour)\" stroke-width=\"1\"/>")
    }

    mutating func point(_ x: Double, _ y: Double, colour: String, radius: Double = 2.6, opacity: Double = 0.55) {
        marks.append(
            "<circle cx=\"\(Self.n(px(x)))\" cy=\"\(Self.n(py(y)))\" r=\"\(radius)\" fill=\"\(colour)\" "
                + "fill-opacity=\"\(opacity)\"/>")
    }

    /// A dashed vertical line across the plot with a label at its top, e.g. a threshold.
    mutating func verticalRule(at x: Double, label: String, colour: String = "#222222") {
        let xp = px(x)
        overlays.append(
            "<line x1=\"\(Self.n(xp))\" y1=\"\(Self.n(plotTop))\" x2=\"\(Self.n(xp))\" y2=\"\(Self.n(plotBottom))\" "
                + "stroke=\"\(colour)\" stroke-width=\"1.8\" stroke-dasharray=\"5 4\"/>")
        let onLeft = xp > (plotLeft + plotRight) / 2
        overlays.append(
            "<text x=\"\(Self.n(xp + (onLeft ? -6 : 6)))\" y=\"\(Self.n(plotTop + 16))\" "
                + "text-anchor=\"\(onLeft ? "end" : "start")\" class=\"rule-label\" fill=\"\(colour)\">"
                + "\(HTMLReport.escape(label))</text>")
    }

    /// A dashed horizontal line across the plot with a label at its right end.
    mutating func horizontalRule(at y: Double, label: String, colour: String = "#222222") {
        let yp = py(y)
        overlays.append(
            "<line x1=\"\(Self.n(plotLeft))\" y1=\"\(Self.n(yp))\" x2=\"\(Self.n(plotRight))\" y2=\"\(Self.n(yp))\" "
                + "stroke=\"\(colour)\" stroke-width=\"1.8\" stroke-dasharray=\"5 4\"/>")
        let above = yp > (plotTop + plotBottom) / 2
        overlays.append(
            "<text x=\"\(Self.n(plotRight - 6))\" y=\"\(Self.n(yp + (above ? -6 : 15)))\" text-anchor=\"end\" "
                + "class=\"rule-label\" fill=\"\(colour)\">\(HTMLReport.escape(label))</text>")
    }

    // MARK: - Rendering

    func render(title: String) -> String {
        var svg = [
            "<svg viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" "
                + "role=\"img\" aria-label=\"\(HTMLReport.escape(title))\" class=\"chart\">"
        ]
        svg.append(
            "<defs><clipPath id=\"clip-\(id)\"><rect x=\"\(Self.n(plotLeft))\" y=\"\(Self.n(plotTop))\" "
                + "width=\"\(Self.n(plotRight - plotLeft))\" height=\"\(Self.n(plotBottom - plotTop))\"/></clipPath></defs>"
        )
        svg.append(
            "<rect x=\"\(Self.n(plotLeft))\" y=\"\(Self.n(plotTop))\" width=\"\(Self.n(plotRight - plotLeft))\" "
                + "height=\"\(Self.n(plotBottom - plotTop))\" fill=\"#ffffff\" stroke=\"#888888\"/>")
        // Grid and ticks.
        for tick in Self.ticks(xDomain) {
            let x = Self.n(px(tick.value))
            svg.append(
                "<line x1=\"\(x)\" y1=\"\(Self.n(plotTop))\" x2=\"\(x)\" y2=\"\(Self.n(plotBottom))\" class=\"grid\"/>")
            svg.append(
                "<line x1=\"\(x)\" y1=\"\(Self.n(plotBottom))\" x2=\"\(x)\" y2=\"\(Self.n(plotBottom + 5))\" stroke=\"#555555\"/>"
            )
            svg.append(
                "<text x=\"\(x)\" y=\"\(Self.n(plotBottom + 19))\" text-anchor=\"middle\" class=\"tick\">\(tick.label)</text>"
            )
        }
        for tick in Self.ticks(yDomain) {
            let y = Self.n(py(tick.value))
            svg.append(
                "<line x1=\"\(Self.n(plotLeft))\" y1=\"\(y)\" x2=\"\(Self.n(plotRight))\" y2=\"\(y)\" class=\"grid\"/>")
            svg.append(
                "<line x1=\"\(Self.n(plotLeft - 5))\" y1=\"\(y)\" x2=\"\(Self.n(plotLeft))\" y2=\"\(y)\" stroke=\"#555555\"/>"
            )
            svg.append(
                "<text x=\"\(Self.n(plotLeft - 8))\" y=\"\(y)\" dy=\"0.35em\" text-anchor=\"end\" class=\"tick\">\(tick.label)</text>"
            )
        }
        svg.append("<g clip-path=\"url(#clip-\(id))\">" + marks.joined() + "</g>")
        svg.append("<g>" + overlays.joined() + "</g>")
        // Axis labels.
        svg.append(
            "<text x=\"\(Self.n((plotLeft + plotRight) / 2))\" y=\"\(Self.n(height - 12))\" text-anchor=\"middle\" "
                + "class=\"axis-label\">\(HTMLReport.escape(xLabel))</text>")
        let yMid = Self.n((plotTop + plotBottom) / 2)
        svg.append(
            "<text x=\"16\" y=\"\(yMid)\" transform=\"rotate(-90 16 \(yMid))\" text-anchor=\"middle\" "
                + "class=\"axis-label\">\(HTMLReport.escape(yLabel))</text>")
        svg.append(renderLegend())
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// The legend, in one row above the plotting area so it never hides a mark.
    private func renderLegend() -> String {
        var x = plotLeft, parts: [String] = []
        let y = plotTop - 16
        for item in legend {
            switch item.swatch {
            case .line, .dashed:
                parts.append(
                    "<line x1=\"\(Self.n(x))\" y1=\"\(Self.n(y))\" x2=\"\(Self.n(x + 24))\" y2=\"\(Self.n(y))\" "
                        + "stroke=\"\(item.colour)\" stroke-width=\"3\""
                        + (item.swatch == .dashed ? " stroke-dasharray=\"5 4\"" : "") + "/>")
            case .box:
                parts.append(
                    "<rect x=\"\(Self.n(x + 4))\" y=\"\(Self.n(y - 7))\" width=\"16\" height=\"14\" fill=\"\(item.colour)\" "
                        + "fill-opacity=\"0.55\" stroke=\"\(item.colour)\"/>")
            case .dot:
                parts.append("<circle cx=\"\(Self.n(x + 12))\" cy=\"\(Self.n(y))\" r=\"5\" fill=\"\(item.colour)\"/>")
            }
            parts.append(
                "<text x=\"\(Self.n(x + 30))\" y=\"\(Self.n(y))\" dy=\"0.35em\" class=\"legend\">\(HTMLReport.escape(item.label))</text>"
            )
            x += 30 + Double(item.label.count) * 7.4 + 22
        }
        return "<g class=\"legend-group\">" + parts.joined() + "</g>"
    }

    // MARK: - Ticks and numbers

    /// "Nice" tick values (steps of 1, 2 or 5 × 10ᵏ) inside `domain`, about `target` of them, with labels.
    static func ticks(_ domain: ClosedRange<Double>, target: Int = 6) -> [(value: Double, label: String)] {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0 && span.isFinite else { return [] }
        let raw = span / Double(target)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        var values: [(Double, String)] = []
        var value = ceil(domain.lowerBound / step - 1e-9) * step
        while value <= domain.upperBound + step * 1e-9 {
            let shown = abs(value) < step * 1e-9 ? 0 : value
            values.append((shown, tickLabel(shown, decimals: decimals, step: step)))
            value += step
        }
        return values
    }

    static func tickLabel(_ value: Double, decimals: Int, step: Double) -> String {
        if step >= 1e4 || (step < 1e-3 && value != 0) { return String(format: "%.2g", value) }
        let text = String(format: "%.\(decimals)f", value)
        return value < 0 ? "−" + text.dropFirst() : text
    }

    /// A coordinate with at most two decimals.
    static func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
