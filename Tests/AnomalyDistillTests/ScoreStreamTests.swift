import Foundation
import Testing

@testable import AnomalyDistill

@Suite struct ScoreStreamTests {
    static func output(_ stream: ScoreStream, _ path: String) throws -> (String, ScoreStream.Summary, [String]) {
        var bytes: [UInt8] = [], reports: [String] = []
        let summary = try stream.run(path: path, write: { bytes += $0 }, report: { reports.append($0) })
        return (String(decoding: bytes, as: UTF8.self), summary, reports)
    }

    /// Writes `text` into a named pipe from another thread, `pieces` bytes at a time, so the reader sees a stream.
    static func throughFIFO<R>(_ text: String, pieces: Int = 97, _ body: (String) throws -> R) throws -> R {
        let path = TestFiles.uniquePath(suffix: ".fifo")
        guard mkfifo(path, 0o600) == 0 else { throw DataError.unreadable(file: path, reason: "mkfifo failed") }
        defer { TestFiles.remove(path) }
        let bytes = Array(text.utf8)
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            var offset = 0
            while offset < bytes.count {
                let n = min(pieces, bytes.count - offset)
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, n) }
                offset += n
            }
            close(fd)
        }
        writer.start()
        return try body(path)
    }

    @Test("a file and the same bytes through a pipe give byte-identical output", arguments: [
        ScoreStream.Format.csv, .jsonl,
    ])
    func pipeEqualsFile(format: ScoreStream.Format) throws {
        for model in [try ScoringFixture.student(), try ScoringFixture.teacher()] {
            let stream = ScoreStream(model: model, options: ScoreStream.Options(format: format, chunkRows: 50))
            let fromFile = try TestFiles.with(ScoringFixture.csv) { try Self.output(stream, $0).0 }
            let fromPipe = try Self.throughFIFO(ScoringFixture.csv) { try Self.output(stream, $0).0 }
            #expect(fromFile == fromPipe)
            #expect(fromFile.split(separator: "\n").count == 240 + (format == .csv ? 1 : 0))
        }
    }

    @Test("numeric files take the hot path and agree with the table path")
    func numericHotPath() throws {
        // A numeric-only model: the same fixture without the colour column.
        var lines = ScoringFixture.csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let text = lines.indices.map { i in [lines[i][0], lines[i][1], lines[i][3]].joined(separator: ",") }.joined(separator: "\n") + "\n"
        lines = []
        try TestFiles.with(text) { path in
            let table = try Table.read(path)
            let preprocessor = try Preprocessor.fit(table)
            var random = RandomSource(seed: 1)
            let student = try Distiller(epochs: 3, rowsPerEpoch: 500).distill(
                teacher: try IsolationForest(trees: 20).fit(try preprocessor.transform(table), using: &random),
                x: try preprocessor.transform(table), using: &random)
            let model = try ScoringModel(detector: student, preprocessor: preprocessor)
            let (csv, summary, _) = try Self.output(ScoreStream(model: model), path)
            let scored = try model.score(table)
            #expect(summary.rows == 240 && summary.anomalies == scored.anomalies)
            let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
            for (r, fields) in rows.enumerated() {
                #expect(Float(String(fields[0])) == scored.scores[r])
                #expect(fields[2] == (scored.isAnomaly[r] ? "1" : "0"))
            }
            let fromPipe = try Self.throughFIFO(text, pieces: 4096) { try Self.output(ScoreStream(model: model), $0).0 }
            #expect(fromPipe == csv)
        }
    }

    @Test("a live stream is scored as its rows arrive, before the input ends")
    func live() throws {
        let model = try ScoringFixture.student()
        let path = TestFiles.uniquePath(suffix: ".fifo")
        #expect(mkfifo(path, 0o600) == 0)
        defer { TestFiles.remove(path) }
        let lines = ScoringFixture.csv.split(separator: "\n").map { String($0) + "\n" }
        let seen = LockedCounter()
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            func send(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } }
            send(lines[0] + lines[1] + lines[2])
            // Wait (bounded) until both rows came out before sending the rest.
            let deadline = Date().addingTimeInterval(10)
            while seen.value < 2 && Date() < deadline { usleep(2_000) }
            seen.sawEarly = seen.value >= 2
            send(lines[3...].joined())
            close(fd)
        }
        writer.start()
        var rows = 0
        _ = try ScoreStream(model: model).run(path: path, write: { bytes in
            rows += bytes.filter { $0 == UInt8(ascii: "\n") }.count
            seen.value = rows - 1
        })
        #expect(seen.sawEarly)
        #expect(rows == 241)
    }

    @Test("bad records stop with file, line and column; skip reports them and goes on")
    func badRecords() throws {
        let model = try ScoringFixture.student()
        let text = "colour,b,a,label\nred,0.5,100,0\nblue,oops,100,0\nred,0.5\nred,inf,100,0\nnew,,100,0\nred,1,2,0,9\n"
        try TestFiles.with(text) { path in
            let error = #expect(throws: DataError.self) { try Self.output(ScoreStream(model: model), path) }
            #expect(error == .notANumber(FileLocation(file: path, line: 3, column: 2), column: "b", found: "oops"))
            let skip = ScoreStream(model: model, options: ScoreStream.Options(onError: .skip))
            let (csv, summary, reports) = try Self.output(skip, path)
            #expect(summary.rows == 2 && summary.skipped == 4)
            #expect(reports.count == 4)
            #expect(reports[3].contains("\(path):7: expected 4 fields as in the header, found 5"))
            #expect(reports[0].contains("\(path):3:2"))
            #expect(reports[1].contains("\(path):4: expected 4 fields"))
            #expect(reports[2].contains("\(path):5:2") && reports[2].contains("finite"))
            #expect(csv.split(separator: "\n").count == 3)
        }
    }

    @Test("a header without a feature column names it; a long bad value is cut")
    func headerAndLongValues() throws {
        let model = try ScoringFixture.student()
        try TestFiles.with("a,colour\n1,red\n") { path in
            let error = #expect(throws: DataError.self) { try Self.output(ScoreStream(model: model), path) }
            #expect(error == .missingColumn(file: path, name: "b", available: ["a", "colour"]))
        }
        let long = String(repeating: "x", count: 100_000)
        try TestFiles.with("a,b,colour\n1,\(long),red\n") { path in
            let error = #expect(throws: DataError.self) { try Self.output(ScoreStream(model: model), path) }
            #expect(String(describing: error!).count < 300)
        }
    }

    @Test("keep-input echoes the fields (quoted when needed); a byte-order mark is stripped from the header")
    func keepInput() throws {
        let model = try ScoringFixture.student()
        let text = "\u{FEFF}a,b,colour,note\n100,0.5,red,\"x, y\"\n"
        try TestFiles.with(text) { path in
            let options = ScoreStream.Options(columns: [.isAnomaly, .score], keepInput: true)
            let (csv, _, _) = try Self.output(ScoreStream(model: model, options: options), path)
            let lines = csv.split(separator: "\n")
            #expect(lines[0] == "a,b,colour,note,is_anomaly,score")
            #expect(lines[1].hasPrefix("100,0.5,red,\"x, y\","))
            let json = try Self.output(ScoreStream(model: model, options: ScoreStream.Options(format: .jsonl, keepInput: true)), path).0
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(object?["note"] as? String == "x, y")
            #expect(object?["is_anomaly"] is Bool)
        }
    }
}

/// A counter shared between the test and its writer thread.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var early = false
    var value: Int {
        get { lock.withLock { count } }
        set { lock.withLock { count = newValue } }
    }
    var sawEarly: Bool {
        get { lock.withLock { early } }
        set { lock.withLock { early = newValue } }
    }
}
