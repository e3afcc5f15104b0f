import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@testable import AnomalyDistill

/// The self-contained HTML report: its sections, well-formed inline SVG, no network, escaped text, and a
/// rendering by headless Chromium when it is installed.
@Suite struct HTMLReportTests {
    static let comparison: TeacherStudentComparison = {
        // swiftlint:disable:next force_try
        try! ComparisonTests.compare()
    }()

    /// The `<svg>…</svg>` fragments of `html`.
    static func svgFragments(_ html: String) -> [String] {
        var fragments: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg"),
            let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
        {
            fragments.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return fragments
    }

    /// Parses `xml` and returns the element names, or throws when it is not well formed.
    static func elements(_ xml: String) throws -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(
                _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]
            ) {
                names.append(elementName)
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw ConfigurationError.invalidSetting(
                name: "svg", reason: "not well formed: \(String(describing: parser.parserError))")
        }
        return collector.names
    }

    @Test("the report has every section and chart")
    func sections() throws {
        let html = Self.comparison.html(title: "Cardio")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for part in [
            "<title>Cardio</title>", "<h1>Cardio</h1>", "id=\"comparison\"", "id=\"charts\"", "id=\"cost\"",
            "ROC curves", "Precision–recall curves", "Teacher score distribution", "Student score distribution",
            "Teacher vs student scores", "ROC-AUC", "Top-k overlap", "Rows per second", "Bytes on disk",
            "threshold", Self.comparison.summary.replacingOccurrences(of: "(", with: "("),
        ] {
            #expect(html.contains(HTMLReport.escape(part)) || html.contains(part), "missing \(part)")
        }
        #expect(Self.svgFragments(html).count == 5)
    }

    @Test("the inline SVG charts are well formed, with axes, ticks, legends and marks")
    func svgIsWellFormed() throws {
        let fragments = Self.svgFragments(Self.comparison.html(title: "report"))
        #expect(fragments.count == 5)
        for fragment in fragments {
            let names = try Self.elements(fragment)
            #expect(names.first == "svg")
            #expect(names.filter { $0 == "text" }.count >= 8, "ticks, axis labels and a legend")
            #expect(names.contains("clipPath"))
            #expect(names.contains("polyline") || names.contains("rect") || names.contains("circle"))
        }
        let scatter = try #require(fragments.last)
        let points = try Self.elements(scatter).filter { $0 == "circle" }.count
        #expect(points >= 316 && points <= 316 + 3)
    }

    @Test("no scripts and no network references")
    func selfContained() {
        let html = Self.comparison.html(title: "report").lowercased()
        #expect(!html.contains("http"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("@import"))
        #expect(!html.contains("nan") || !html.contains(">nan<"))
    }

    @Test("text from outside is escaped")
    func escaping() throws {
        var comparison = Self.comparison
        comparison.teacher.name = "<script>alert('x')</script> & \"forest\""
        let html = comparison.html(title: "A <b>bold</b> & 'quoted' \"title\"")
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<b>bold</b>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;forest&quot;"))
        #expect(html.contains("<title>A &lt;b&gt;bold&lt;/b&gt; &amp; &#39;quoted&#39; &quot;title&quot;</title>"))
        #expect(HTMLReport.escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
    }

    @Test("without labels there are no ROC or PR charts, but histograms and the scatter remain")
    func withoutLabels() throws {
        let html = try ComparisonTests.compare(labels: nil).html(title: "unlabelled")
        #expect(!html.contains("ROC curves"))
        #expect(html.contains("Teacher score distribution") && html.contains("Teacher vs student scores"))
        #expect(Self.svgFragments(html).count == 3)
        for fragment in Self.svgFragments(html) { _ = try Self.elements(fragment) }
    }

    @Test("a comparison decoded from JSON renders its tables without charts")
    func decodedHasNoCharts() throws {
        let data = try JSONEncoder().encode(Self.comparison)
        let html = try JSONDecoder().decode(TeacherStudentComparison.self, from: data).html(title: "from JSON")
        #expect(html.contains("ROC-AUC") && html.contains("Bytes on disk"))
        #expect(Self.svgFragments(html).isEmpty)
    }

    @Test(
        "nice ticks",
        arguments: [
            (0.0...1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            (-3.2...7.9, [-2.0, 0, 2, 4, 6]),
            (0.31...0.58, [0.35, 0.4, 0.45, 0.5, 0.55]),
        ])
    func ticks(domain: ClosedRange<Double>, expected: [Double]) {
        let ticks = HTMLReportChart.ticks(domain)
        #expect(ticks.count == expected.count)
        for (tick, value) in zip(ticks, expected) { #expect(abs(tick.value - value) < 1e-9) }
    }

    // MARK: - Rendering with headless Chromium

    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs Scripts/screenshot-report.sh and returns its exit status.
    static func screenshot(html: String, png: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [packageRoot.appendingPathComponent("Scripts/screenshot-report.sh").path, html, png]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(
        "headless Chromium renders the report to a non-trivial PNG", .enabled(if: chromium != nil),
        .timeLimit(.minutes(3)))
    func rendersWithChromium() throws {
        let html = TestFiles.uniquePath(suffix: ".html"), png = TestFiles.uniquePath(suffix: ".png")
        defer {
            TestFiles.remove(html)
            TestFiles.remove(png)
        }
        try Self.comparison.html(title: "Seeded problem").write(toFile: html, atomically: true, encoding: .utf8)
        #expect(try Self.screenshot(html: html, png: png) == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(bytes.count > 50_000)
        #expect(bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    /// A report from a real split: set `ANOMALY_DISTILL_REPORT_DATA` to a folder with train.csv and test.csv
    /// (label column `label`) and `ANOMALY_DISTILL_REPORT_OUT` to a folder for report.html, report.json and,
    /// with Chromium, report.png. An isolation-forest teacher, a default distilled student.
    @Test(
        "report from a real data set",
        .enabled(if: ProcessInfo.processInfo.environment["ANOMALY_DISTILL_REPORT_DATA"] != nil))
    func realDataReport() throws {
        let environment = ProcessInfo.processInfo.environment
        let folder = try #require(environment["ANOMALY_DISTILL_REPORT_DATA"])
        let out = environment["ANOMALY_DISTILL_REPORT_OUT"] ?? FileManager.default.temporaryDirectory.path
        let options = ReadOptions(labelColumn: "label")
        let train = try Table.read("\(folder)/train.csv", options: options)
        let test = try Table.read("\(folder)/test.csv", options: ReadOptions(schema: train.schema))
        let preprocessor = try Preprocessor.fit(train)
        let xTrain = try preprocessor.transform(train), xTest = try preprocessor.transform(test)
        var random = RandomSource(seed: 42)
        let teacher = try IsolationForest().fit(xTrain, using: &random)
        let student = try Distiller().distill(teacher: teacher, x: xTrain, using: &random)
        let name = URL(fileURLWithPath: folder).lastPathComponent
        let teacherModel = try ScoringModel(detector: teacher, preprocessor: preprocessor)
        let studentModel = try ScoringModel(detector: student, preprocessor: preprocessor)
        let rows = try teacherModel.rows(test)
        let comparison = try TeacherStudentComparison(
            teacher: teacher, student: student, x: xTest, labels: test.labels,
            teacherName: "\(teacher.trees)-tree isolation forest",
            studentName: "MLP student \(student.network.architecture)",
            teacherSpeed: try ScoringBenchmark.measure(teacherModel, on: rows).speed,
            studentSpeed: try ScoringBenchmark.measure(studentModel, on: rows).speed)
        print(comparison.text())
        let html = "\(out)/report.html"
        try comparison.html(title: "Teacher vs student on \(name)").write(
            toFile: html, atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(comparison).write(to: URL(fileURLWithPath: "\(out)/report.json"))
        if Self.chromium != nil {
            #expect(try Self.screenshot(html: html, png: "\(out)/report.png") == 0)
        }
    }
}
