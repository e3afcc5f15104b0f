import Foundation

/// Helpers for the self-contained HTML report (``TeacherStudentComparison/html(title:)``).
public enum HTMLReport {
    /// Colours from the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies.
    public enum Colour {
        public static let teacher = "#0072B2"
        public static let student = "#D55E00"
        public static let normal = "#56B4E9"
        public static let anomaly = "#E69F00"
        public static let reference = "#777777"
    }

    /// The most points drawn in the teacher-vs-student scatter.
    public static let scatterPoints = 2_000

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, safe in elements and attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static let css = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0;
               background: #f4f5f7; color: #1d1f23; font-size: 15px; line-height: 1.45; }
        main { max-width: 1200px; margin: 0 auto; padding: 28px 24px 48px; }
        h1 { font-size: 26px; margin: 0 0 6px; }
        h2 { font-size: 19px; margin: 32px 0 10px; }
        h3 { font-size: 15px; margin: 0 0 4px; }
        p.lead { margin: 0 0 16px; color: #3a3f47; max-width: 900px; }
        .models { color: #555b66; font-size: 14px; margin: 0 0 18px; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px;
                  vertical-align: -1px; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
        .card { background: #fff; border: 1px solid #dde0e5; border-radius: 8px; padding: 12px 14px; }
        .card .value { font-size: 24px; font-weight: 650; }
        .card .label { font-size: 13px; color: #555b66; }
        table { border-collapse: collapse; background: #fff; border: 1px solid #dde0e5; width: 100%;
                font-variant-numeric: tabular-nums; }
        th, td { padding: 6px 12px; border-bottom: 1px solid #eceef1; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        thead th { background: #eef0f3; font-size: 14px; }
        tr.section td { background: #f8f9fa; font-weight: 650; text-align: left; padding-top: 12px; }
        tr.section span { font-weight: 400; color: #555b66; font-size: 13px; margin-left: 8px; }
        td.cmp { color: #3a3f47; }
        caption { caption-side: top; text-align: left; font-size: 13px; color: #555b66; padding: 0 0 6px; }
        .tables h2 { margin-top: 24px; }
        .tables section { min-width: 0; }
        table.decisions { margin-top: 10px; }
        table.decisions td, table.decisions th { text-align: center; padding: 10px 12px; font-size: 15px; }
        table.decisions td.agree { background: #e8f3fa; font-weight: 650; }
        table.decisions td.differ { background: #fdf0e6; font-weight: 650; }
        table.decisions th.row { text-align: left; }
        .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        figure { margin: 0; background: #fff; border: 1px solid #dde0e5; border-radius: 8px; padding: 12px 12px 6px; }
        figcaption { font-size: 13px; color: #555b66; margin: 2px 0 0; }
        svg.chart { width: 100%; height: auto; display: block; }
        svg .tick { font-size: 12px; fill: #3a3f47; }
        svg .axis-label { font-size: 13px; fill: #1d1f23; }
        svg .legend { font-size: 13px; fill: #1d1f23; }
        svg .rule-label { font-size: 12px; font-weight: 600; }
        svg .grid { stroke: #e6e8eb; stroke-width: 1; }
        footer { margin-top: 28px; font-size: 12px; color: #6b717c; }
        """
}

extension TeacherStudentComparison {
    /// A self-contained HTML report: summary, comparison table, ROC and precision–recall curves (with labels),
    /// score histograms with thresholds, a teacher-vs-student score scatter and the cost table.
    ///
    /// Inline CSS and SVG only: no scripts, fonts or images are fetched. Charts need the raw scores, so a
    /// comparison decoded from JSON renders its tables only.
    /// - Parameter title: the page title and heading (escaped).
    public func html(title: String) -> String {
        let sections = tableSections
        var body: [String] = []
        body.append("<h1>\(HTMLReport.escape(title))</h1>")
        body.append(
            "<p class=\"models\"><span class=\"swatch\" style=\"background:\(HTMLReport.Colour.teacher)\"></span>Teacher: "
                + "<strong>\(HTMLReport.escape(teacher.name))</strong> &nbsp;&nbsp; "
                + "<span class=\"swatch\" style=\"background:\(HTMLReport.Colour.student)\"></span>Student: "
                + "<strong>\(HTMLReport.escape(student.name))</strong></p>")
        body.append("<p class=\"lead\">\(HTMLReport.escape(summary))</p>")
        body.append(cards)
        body.append("<div class=\"grid tables\"><section><h2 id=\"comparison\">Teacher vs student</h2>")
        body.append(Self.htmlTable(sections.filter { $0.title != "Cost" }))
        body.append("</section><section><h2 id=\"cost\">Cost</h2>")
        body.append(Self.htmlTable(sections.filter { $0.title == "Cost" }))
        body.append("</section></div>")
        if !teacherScores.isEmpty {
            body.append("<h2 id=\"charts\">Charts</h2>")
            body.append("<div class=\"grid\">")
            if let labels, Set(labels).count == 2 {
                body.append(
                    figure(
                        rocChart(labels),
                        caption: "ROC curves on the test rows; the dashed diagonal is a random ranking."))
                body.append(
                    figure(
                        precisionRecallChart(labels),
                        caption:
                            "Precision–recall curves; the dashed line is the share of anomalies (a random ranking)."))
            }
            body.append(
                figure(
                    histogram(
                        teacherScores, threshold: teacher.threshold, id: "hist-teacher",
                        label: "Teacher score", colour: HTMLReport.Colour.teacher),
                    caption: "Teacher scores of the test rows, with the teacher's threshold."))
            body.append(
                figure(
                    histogram(
                        studentScores, threshold: student.threshold, id: "hist-student",
                        label: "Student score (logit)", colour: HTMLReport.Colour.student),
                    caption: "Student scores of the test rows, with the student's threshold."))
            body.append(
                figure(
                    scatterChart,
                    caption: "Each point is a test row (at most \(HTMLReport.scatterPoints), "
                        + "drawn with a fixed seed); the dashed lines are the two thresholds, so points in the "
                        + "top-left and bottom-right quadrants are rows where the decisions differ."))
            body.append(decisionFigure)
            body.append("</div>")
        }
        if let explanations { body.append(Self.explanationSection(explanations)) }
        body.append(
            "<footer>FLOPs are estimates from each model's structure; speeds are measured in process with "
                + "batches of rows and single-row calls on the same rows. Generated by AnomalyDistill.</footer>")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLReport.escape(title))</title>
            <style>
            \(HTMLReport.css)
            </style>
            </head>
            <body>
            <main>
            \(body.joined(separator: "\n"))
            </main>
            </body>
            </html>

            """
    }

    /// The explanations section: each column's share of the |contributions| on the flagged rows (teacher beside
    /// student, the ten largest), and the reasons of the most anomalous test rows.
    static func explanationSection(_ summary: ExplanationSummary) -> String {
        var html = ["<h2 id=\"explanations\">Explanations</h2>"]
        var note = "Which columns make the scores, on the \(grouped(summary.flaggedByEither)) test rows either model flags"
        if let agreement = summary.topReasonAgreement {
            note += "; the student names the teacher's top reason for \(percent(agreement)) of them"
        }
        html.append("<p class=\"lead\">\(HTMLReport.escape(note)).</p>")
        let shown = Array(summary.importance.prefix(10))
        let widest = max(shown.map { max($0.teacher, $0.student) }.max() ?? 0, 1e-12)
        let rowHeight = 34.0, labelWidth = 170.0, barWidth = 420.0
        var svg = ["<svg class=\"chart\" viewBox=\"0 0 \(Int(labelWidth + barWidth + 70)) \(Int(Double(shown.count) * rowHeight + 30))\" role=\"img\" aria-label=\"Column importance, teacher and student\">"]
        for (i, item) in shown.enumerated() {
            let y = Double(i) * rowHeight + 6
            svg.append("<text class=\"tick\" x=\"\(Int(labelWidth - 8))\" y=\"\(Int(y + 17))\" text-anchor=\"end\">\(HTMLReport.escape(String(item.column.prefix(24))))</text>")
            for (k, (value, colour)) in [(item.teacher, HTMLReport.Colour.teacher), (item.student, HTMLReport.Colour.student)].enumerated() {
                let width = max(1, value / widest * barWidth)
                svg.append("<rect x=\"\(Int(labelWidth))\" y=\"\(Int(y) + k * 13)\" width=\"\(Int(width))\" height=\"12\" fill=\"\(colour)\"/>")
                svg.append("<text class=\"tick\" x=\"\(Int(labelWidth + width + 4))\" y=\"\(Int(y) + k * 13 + 10)\">\(percent(value))</text>")
            }
        }
        svg.append("</svg>")
        html.append("<div class=\"grid\"><figure>\(svg.joined())<figcaption>Share of each column in the sum of |contributions| over the flagged rows: teacher (top bar) and student (bottom bar), the ten largest by the teacher.</figcaption></figure>")
        var table = ["<table><thead><tr><th>row</th><th>teacher: top reasons</th><th>student: top reasons</th></tr></thead><tbody>"]
        for example in summary.examples {
            func cell(_ reasons: [ExplanationSummary.Reason]) -> String {
                reasons.map { "\(HTMLReport.escape($0.column)) (\(fixed(Double($0.contribution))))" }.joined(separator: ", ")
            }
            table.append("<tr><td>\(example.row)</td><td>\(cell(example.teacher))</td><td>\(cell(example.student))</td></tr>")
        }
        table.append("</tbody><caption>The most anomalous test rows by the teacher, with each model's three strongest reasons (contribution to the score).</caption></table>")
        html.append("<section>\(table.joined())</section></div>")
        return html.joined(separator: "\n")
    }

    /// One sentence on how the student compares.
    public var summary: String {
        var parts: [String] = []
        if let t = teacher.quality, let s = student.quality {
            parts.append(
                "On \(Self.grouped(rows)) labelled test rows the student reaches ROC-AUC \(Self.fixed(s.rocAUC)) "
                    + "against the teacher's \(Self.fixed(t.rocAUC)) (\(Self.signed(s.rocAUC - t.rocAUC))).")
        } else {
            parts.append("On \(Self.grouped(rows)) test rows (no labels, so no quality metrics):")
        }
        parts.append(
            "It ranks rows like the teacher (Spearman \(Self.fixed(fidelity.spearman)), top-\(fidelity.k) overlap "
                + "\(Self.fixed(fidelity.topKOverlap))), makes the same decision on \(Self.percent(fidelity.decisionAgreement)) "
                + "of rows, scores \(Self.ratio(speedUp, "faster")) in batches and has \(Self.ratio(parameterRatio, "fewer")) parameters."
        )
        return parts.joined(separator: " ")
    }

    private var cards: String {
        var items: [(String, String)] = []
        if let t = teacher.quality, let s = student.quality {
            items.append(("\(Self.fixed(t.rocAUC)) → \(Self.fixed(s.rocAUC))", "ROC-AUC, teacher → student"))
        }
        items.append((Self.fixed(fidelity.topKOverlap), "top-\(fidelity.k) overlap with the teacher"))
        items.append((Self.ratio(speedUp, "faster"), "batch scoring speed-up"))
        items.append((Self.ratio(parameterRatio, "fewer"), "parameters"))
        return "<div class=\"cards\">"
            + items.map {
                "<div class=\"card\"><div class=\"value\">\(HTMLReport.escape($0.0))</div><div class=\"label\">\(HTMLReport.escape($0.1))</div></div>"
            }.joined() + "</div>"
    }

    static func htmlTable(_ sections: [TableSection]) -> String {
        var rows = [
            "<table>", "<thead><tr><th>Metric</th><th>Teacher</th><th>Student</th><th>vs teacher</th></tr></thead>",
            "<tbody>",
        ]
        for section in sections where sections.count == 1 {
            rows.insert("<caption>\(HTMLReport.escape(section.note))</caption>", at: 1)
        }
        for section in sections {
            if sections.count > 1 {
                rows.append(
                    "<tr class=\"section\"><td colspan=\"4\">\(HTMLReport.escape(section.title))"
                        + "<span>\(HTMLReport.escape(section.note))</span></td></tr>")
            }
            for row in section.rows {
                rows.append(
                    "<tr><td>\(HTMLReport.escape(row.metric))</td><td>\(HTMLReport.escape(row.teacher))</td>"
                        + "<td>\(HTMLReport.escape(row.student))</td><td class=\"cmp\">\(HTMLReport.escape(row.comparison))</td></tr>"
                )
            }
        }
        rows.append("</tbody></table>")
        return rows.joined(separator: "\n")
    }

    private func figure(_ chart: (title: String, svg: String), caption: String) -> String {
        "<figure><h3>\(HTMLReport.escape(chart.title))</h3>\n\(chart.svg)\n<figcaption>\(HTMLReport.escape(caption))</figcaption></figure>"
    }

    /// Rows flagged by both, by one only, or by neither, at each model's own threshold.
    private var decisionFigure: String {
        var counts = [[0, 0], [0, 0]]
        for (t, s) in zip(teacherScores, studentScores) {
            counts[Double(t) > teacher.threshold ? 1 : 0][Double(s) > student.threshold ? 1 : 0] += 1
        }
        func cell(_ t: Int, _ s: Int) -> String {
            let count = counts[t][s]
            let share = Self.percent(Double(count) / Double(max(teacherScores.count, 1)))
            return "<td class=\"\(t == s ? "agree" : "differ")\">\(Self.grouped(count))<br><small>\(share)</small></td>"
        }
        let table = """
            <table class="decisions">
            <thead><tr><th class="row"></th><th>Student: normal</th><th>Student: anomaly</th></tr></thead>
            <tbody>
            <tr><th class="row">Teacher: normal</th>\(cell(0, 0))\(cell(0, 1))</tr>
            <tr><th class="row">Teacher: anomaly</th>\(cell(1, 0))\(cell(1, 1))</tr>
            </tbody></table>
            """
        return "<figure><h3>Decisions of teacher and student</h3>\n\(table)\n<figcaption>"
            + HTMLReport.escape(
                "Test rows by the two decisions, each model at its own threshold: blue cells agree "
                    + "(\(Self.percent(fidelity.decisionAgreement)) of rows), orange cells differ.")
            + "</figcaption></figure>"
    }

    // MARK: - Charts

    private func rocChart(_ labels: [Int]) -> (title: String, svg: String) {
        var chart = HTMLReportChart(
            id: "roc", x: 0...1, y: 0...1, xLabel: "False-positive rate", yLabel: "True-positive rate")
        chart.line([(0, 0), (1, 1)], colour: HTMLReport.Colour.reference, width: 1.5, dashed: true)
        chart.line(
            Self.rocCurve(scores: teacherScores, labels: labels).map { ($0.x, $0.y) }, colour: HTMLReport.Colour.teacher
        )
        chart.line(
            Self.rocCurve(scores: studentScores, labels: labels).map { ($0.x, $0.y) }, colour: HTMLReport.Colour.student
        )
        chart.legend = [
            .init(
                label: "Teacher (AUC \(Self.fixed(teacher.quality?.rocAUC ?? .nan)))",
                colour: HTMLReport.Colour.teacher, swatch: .line),
            .init(
                label: "Student (AUC \(Self.fixed(student.quality?.rocAUC ?? .nan)))",
                colour: HTMLReport.Colour.student, swatch: .line),
            .init(label: "Random", colour: HTMLReport.Colour.reference, swatch: .dashed),
        ]
        return ("ROC curves", chart.render(title: "ROC curves of teacher and student"))
    }

    private func precisionRecallChart(_ labels: [Int]) -> (title: String, svg: String) {
        var chart = HTMLReportChart(id: "pr", x: 0...1, y: 0...1, xLabel: "Recall", yLabel: "Precision")
        let prevalence = Double(labels.reduce(0, +)) / Double(labels.count)
        chart.line([(0, prevalence), (1, prevalence)], colour: HTMLReport.Colour.reference, width: 1.5, dashed: true)
        chart.line(
            Self.precisionRecallCurve(scores: teacherScores, labels: labels).map { ($0.x, $0.y) },
            colour: HTMLReport.Colour.teacher)
        chart.line(
            Self.precisionRecallCurve(scores: studentScores, labels: labels).map { ($0.x, $0.y) },
            colour: HTMLReport.Colour.student)
        chart.legend = [
            .init(
                label: "Teacher (AP \(Self.fixed(teacher.quality?.averagePrecision ?? .nan)))",
                colour: HTMLReport.Colour.teacher, swatch: .line),
            .init(
                label: "Student (AP \(Self.fixed(student.quality?.averagePrecision ?? .nan)))",
                colour: HTMLReport.Colour.student, swatch: .line),
            .init(label: "Random", colour: HTMLReport.Colour.reference, swatch: .dashed),
        ]
        return ("Precision–recall curves", chart.render(title: "Precision-recall curves of teacher and student"))
    }

    /// A histogram of `scores`; with labels, one per class, each as the share of that class's rows per bin.
    private func histogram(
        _ scores: [Float], threshold: Double, id: String, label: String,
        colour: String
    ) -> (title: String, svg: String) {
        let values = scores.map(Double.init).filter(\.isFinite)
        let low = min(values.min() ?? 0, threshold), high = max(values.max() ?? 1, threshold)
        let domain = HTMLReportChart.padded(low...high)
        let bins = 30
        let width = (domain.upperBound - domain.lowerBound) / Double(bins)
        func shares(_ subset: [Double]) -> [Double] {
            var counts = [Double](repeating: 0, count: bins)
            for value in subset { counts[min(bins - 1, max(0, Int((value - domain.lowerBound) / width)))] += 1 }
            return counts.map { subset.isEmpty ? 0 : $0 / Double(subset.count) }
        }
        var series: [(String, String, [Double])] = []
        if let labels, Set(labels).count == 2 {
            let pairs = zip(scores, labels).filter { $0.0.isFinite }
            series.append(
                ("Normal rows", HTMLReport.Colour.normal, shares(pairs.filter { $0.1 == 0 }.map { Double($0.0) })))
            series.append(
                ("Anomalies", HTMLReport.Colour.anomaly, shares(pairs.filter { $0.1 == 1 }.map { Double($0.0) })))
        } else {
            series.append(("Test rows", colour, shares(values)))
        }
        let top = series.flatMap(\.2).max() ?? 1
        var chart = HTMLReportChart(
            id: id, x: domain, y: 0...(top * 1.12), xLabel: label,
            yLabel: series.count > 1 ? "Share of the class's rows" : "Share of rows")
        for (_, seriesColour, heights) in series {
            for (bin, height) in heights.enumerated() where height > 0 {
                let start = domain.lowerBound + Double(bin) * width
                chart.bar(from: start, to: start + width, height: height, colour: seriesColour, opacity: 0.5)
            }
        }
        chart.verticalRule(
            at: threshold, label: "threshold \(Self.significant(threshold).replacingOccurrences(of: "-", with: "−"))")
        chart.legend = series.map { .init(label: $0.0, colour: $0.1, swatch: .box) }
        chart.legend.append(.init(label: "Threshold", colour: "#222222", swatch: .dashed))
        let who = id == "hist-teacher" ? "Teacher" : "Student"
        return ("\(who) score distribution", chart.render(title: "\(who) score histogram"))
    }

    private var scatterChart: (title: String, svg: String) {
        let chosen = Self.subsample(rows: teacherScores.count, count: HTMLReport.scatterPoints, seed: 20_240_917)
            .filter { teacherScores[$0].isFinite && studentScores[$0].isFinite }
        let xs = chosen.map { Double(teacherScores[$0]) } + [teacher.threshold]
        let ys = chosen.map { Double(studentScores[$0]) } + [student.threshold]
        func range(_ values: [Double]) -> ClosedRange<Double> {
            let low = values.min() ?? 0, high = values.max() ?? 1
            let pad = (high - low) * 0.04
            return (low - pad)...(high + pad)
        }
        var chart = HTMLReportChart(
            id: "scatter", x: range(xs), y: range(ys), xLabel: "Teacher score",
            yLabel: "Student score (logit)")
        let hasLabels = labels.map { Set($0).count == 2 } ?? false
        // Normal rows first, anomalies on top.
        for pass in 0..<(hasLabels ? 2 : 1) {
            for row in chosen {
                let label = labels?[row] ?? 0
                guard !hasLabels || label == pass else { continue }
                chart.point(
                    Double(teacherScores[row]), Double(studentScores[row]),
                    colour: hasLabels
                        ? (label == 1 ? HTMLReport.Colour.anomaly : HTMLReport.Colour.teacher)
                        : HTMLReport.Colour.teacher,
                    radius: label == 1 ? 3.4 : 2.6, opacity: label == 1 ? 0.85 : 0.45)
            }
        }
        chart.verticalRule(at: teacher.threshold, label: "teacher threshold")
        chart.horizontalRule(at: student.threshold, label: "student threshold")
        chart.legend =
            hasLabels
            ? [
                .init(label: "Normal rows", colour: HTMLReport.Colour.teacher, swatch: .dot),
                .init(label: "Anomalies", colour: HTMLReport.Colour.anomaly, swatch: .dot),
                .init(label: "Thresholds", colour: "#222222", swatch: .dashed),
            ]
            : [
                .init(label: "Test rows", colour: HTMLReport.Colour.teacher, swatch: .dot),
                .init(label: "Thresholds", colour: "#222222", swatch: .dashed),
            ]
        return ("Teacher vs student scores", chart.render(title: "Scatter of teacher and student scores"))
    }
}
