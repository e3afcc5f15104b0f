import Foundation

extension TeacherStudentComparison {
    /// One line of the comparison table: a metric with the teacher's value, the student's and how they compare.
    public struct TableRow: Sendable, Hashable {
        public var metric: String
        public var teacher: String
        public var student: String
        /// The student relative to the teacher: a difference for quality, a ratio for cost; empty when neither fits.
        public var comparison: String
    }

    /// A titled group of rows: "Quality", "Fidelity" or "Cost".
    public struct TableSection: Sendable, Hashable {
        public var title: String
        public var note: String
        public var rows: [TableRow]
    }

    /// The comparison as sections of rows, shared by ``text()`` and ``html(title:)``.
    public var tableSections: [TableSection] {
        var sections: [TableSection] = []
        if let t = teacher.quality, let s = student.quality {
            func row(_ name: String, _ value: (MetricReport) -> Double) -> TableRow {
                TableRow(
                    metric: name, teacher: Self.fixed(value(t)), student: Self.fixed(value(s)),
                    comparison: Self.signed(value(s) - value(t)))
            }
            sections.append(
                TableSection(
                    title: "Quality",
                    note:
                        "\(Self.grouped(rows)) labelled test rows, \(Self.grouped(anomalies ?? 0)) anomalies; each model at its own threshold",
                    rows: [
                        row("ROC-AUC", \.rocAUC), row("Average precision", \.averagePrecision),
                        row("Precision@n", \.precisionAtN), row("Precision", \.precision), row("Recall", \.recall),
                        row("F1", \.f1),
                        TableRow(
                            metric: "Flagged rows", teacher: Self.grouped(t.flaggedCount),
                            student: Self.grouped(s.flaggedCount), comparison: ""),
                    ]))
        }
        sections.append(
            TableSection(
                title: "Fidelity",
                note: "how closely the student follows the teacher on \(Self.grouped(fidelity.rows)) test rows",
                rows: [
                    TableRow(
                        metric: "Spearman correlation", teacher: "", student: Self.fixed(fidelity.spearman),
                        comparison: ""),
                    TableRow(
                        metric: "Top-k overlap (k = \(fidelity.k))", teacher: "",
                        student: Self.fixed(fidelity.topKOverlap), comparison: ""),
                    TableRow(
                        metric: "Decision agreement", teacher: "", student: Self.percent(fidelity.decisionAgreement),
                        comparison: ""),
                ] + (explanations?.topReasonAgreement.map { agreement in
                    [TableRow(metric: "Same top reason (\(Self.grouped(explanations?.flaggedByEither ?? 0)) rows either flags)",
                              teacher: "", student: Self.percent(agreement), comparison: "")]
                } ?? [])))
        let t = teacher.cost, s = student.cost
        var cost = [
            TableRow(
                metric: "Parameters", teacher: Self.grouped(t.parameters), student: Self.grouped(s.parameters),
                comparison: Self.ratio(parameterRatio, "fewer")),
            TableRow(
                metric: "Bytes on disk", teacher: Self.bytes(t.bytesOnDisk), student: Self.bytes(s.bytesOnDisk),
                comparison: Self.ratio(Double(t.bytesOnDisk) / Double(max(s.bytesOnDisk, 1)), "smaller")),
        ]
        cost.append(
            TableRow(
                metric: "FLOPs per row (estimate)", teacher: Self.compact(t.flopsPerRow),
                student: Self.compact(s.flopsPerRow), comparison: Self.ratio(t.flopsPerRow / max(s.flopsPerRow, 1), "fewer")))
        cost += [
            TableRow(
                metric: "Rows per second (batches)", teacher: Self.compact(t.rowsPerSecond),
                student: Self.compact(s.rowsPerSecond), comparison: Self.ratio(speedUp, "faster")),
            TableRow(
                metric: "Single-row latency", teacher: Self.duration(t.singleRowLatency),
                student: Self.duration(s.singleRowLatency),
                comparison: Self.ratio(t.singleRowLatency / max(s.singleRowLatency, 1e-12), "faster")),
        ]
        sections.append(
            TableSection(
                title: "Cost", note: "measured in process on the same \(Self.grouped(t.measuredRows)) rows",
                rows: cost))
        return sections
    }

    /// The comparison as a plain-text table for the terminal: rows are metrics, columns teacher, student and
    /// the student relative to the teacher, in quality, fidelity and cost sections.
    public func text() -> String {
        let header = TableRow(
            metric: "Metric", teacher: "Teacher", student: "Student", comparison: "Student vs teacher")
        let sections = tableSections
        let all = [header] + sections.flatMap(\.rows)
        let metricWidth: Int = all.map { $0.metric.count }.max() ?? 0
        let teacherWidth: Int = all.map { $0.teacher.count }.max() ?? 0
        let studentWidth: Int = all.map { $0.student.count }.max() ?? 0
        let comparisonWidth: Int = all.map { $0.comparison.count }.max() ?? 0
        let widths = [metricWidth, teacherWidth, studentWidth, comparisonWidth]
        func pad(_ text: String, _ width: Int, right: Bool) -> String {
            let space = String(repeating: " ", count: max(0, width - text.count))
            return right ? space + text : text + space
        }
        func line(_ row: TableRow) -> String {
            let cells = [
                pad(row.metric, widths[0], right: false), pad(row.teacher, widths[1], right: true),
                pad(row.student, widths[2], right: true), pad(row.comparison, widths[3], right: false),
            ]
            var text = cells.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 6)
        var lines = ["Teacher: \(teacher.name)", "Student: \(student.name)", "", line(header), rule]
        for section in sections {
            lines.append("\(section.title) — \(section.note)")
            lines += section.rows.map(line)
            lines.append(rule)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Number formatting

    static func fixed(_ value: Double, digits: Int = 3) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "n/a"
    }

    static func signed(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let text = String(format: "%.3f", abs(value))
        return text == "0.000" ? "±0.000" : (value < 0 ? "−" : "+") + text
    }

    static func percent(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f%%", value * 100) : "n/a"
    }

    static func ratio(_ value: Double, _ word: String) -> String {
        guard value.isFinite && value > 0 else { return "n/a" }
        if value >= 1 {
            return "\(value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value))× \(word)"
        }
        let inverse = 1 / value
        let opposite = ["fewer": "more", "smaller": "larger", "faster": "slower"][word] ?? "less"
        return "\(inverse >= 100 ? String(format: "%.0f", inverse) : String(format: "%.1f", inverse))× \(opposite)"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Large numbers with k/M/G suffixes, small ones with three significant digits.
    static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where abs(value) >= scale {
            return significant(value / scale) + suffix
        }
        return significant(value)
    }

    static func significant(_ value: Double) -> String {
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2
        return String(format: "%.\(decimals)f", value)
    }

    static func bytes(_ count: Int) -> String {
        let value = Double(count)
        if value >= 1e9 { return significant(value / 1e9) + " GB" }
        if value >= 1e6 { return significant(value / 1e6) + " MB" }
        if value >= 1e3 { return significant(value / 1e3) + " kB" }
        return "\(count) B"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "n/a" }
        if seconds >= 1 { return significant(seconds) + " s" }
        if seconds >= 1e-3 { return significant(seconds * 1e3) + " ms" }
        if seconds >= 1e-6 { return significant(seconds * 1e6) + " µs" }
        return significant(seconds * 1e9) + " ns"
    }
}
