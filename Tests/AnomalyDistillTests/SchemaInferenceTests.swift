import Foundation
import Testing

@testable import AnomalyDistill

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Schema inference

/// Column kinds inferred from names and values, and the user's overrides.
@Suite struct SchemaInferenceTests {
    private func kinds(_ table: Table) -> [String: ColumnKind] {
        Dictionary(uniqueKeysWithValues: table.schema.columns.map { ($0.name, $0.kind) })
    }

    @Test("date and date-time valued columns are ignored as timestamps", arguments: [
        ["2020-03-09 10:14:33", "2020-03-09 10:14:34", ""],
        ["2013-12-02T21:15:00Z", "NA", "2013-12-03T21:15:00Z"],
        ["2013-12-02", "", "2014-01-01"],
        ["12/02/2013 10:00", "12/03/2013 11:00", "?"],
    ])
    func dateColumns(_ values: [String]) throws {
        let text = "when,x,label\n" + values.enumerated().map { "\($0.element),\($0.offset),\($0.offset % 2)\n" }.joined()
        try TestFiles.with(text) { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns[0] == ColumnSchema(name: "when", kind: .ignored, reason: "timestamp"))
            #expect(table.values[0] == .none)
            #expect(table.schema.features.map(\.name) == ["x"])
            let profile = try DataProfile.profile(path)
            #expect(profile.ignoredColumns == 1)
            #expect(profile.columns[0].missing == 1)
        }
    }

    @Test("columns named like identifiers or times are ignored whatever their values", arguments: [
        ("id", "identifier"), ("ID", "identifier"), ("index", "identifier"), ("row_id", "identifier"),
        ("timestamp", "timestamp"), ("Timestamp", "timestamp"), ("datetime", "timestamp"), ("date", "timestamp"),
        ("time", "timestamp"),
    ])
    func identifierNames(_ name: String, reason: String) throws {
        try TestFiles.with("\(name),x\n1,2\n2,3\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns[0] == ColumnSchema(name: name, kind: .ignored, reason: reason))
            #expect(table.schema.columns[1] == ColumnSchema(name: "x", kind: .numeric))
        }
    }

    @Test("a date column with a non-date value later is categorical with its own text")
    func dateThenText() throws {
        try TestFiles.with("when,x\n2020-01-01,1\n,2\n2020-01-02,3\nsoon,4\n2020-01-01,5\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns[0].kind == .categorical)
            #expect(table.values[0].texts == ["2020-01-01", nil, "2020-01-02", "soon", "2020-01-01"])
            #expect(table.values[0].categoryList == ["2020-01-01", "2020-01-02", "soon"])
        }
    }

    @Test("the label is found in any case", arguments: ["label", "Label", "LABEL"])
    func labelAnyCase(_ name: String) throws {
        try TestFiles.with("x,\(name)\n1.5,0\n2.5,1\n3.5,1\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.labelColumn == name)
            #expect(table.labels == [0, 1, 1])
            #expect(table.schema.features.map(\.name) == ["x"])
            let profile = try DataProfile.profile(path)
            #expect(profile.anomalies == 2)
            #expect(profile.labelColumn == name)
        }
    }

    @Test("without a label column there are no labels")
    func noLabel() throws {
        try TestFiles.with("x,labels\n1,0\n2,1\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.labels == nil)
            #expect(table.schema.labelColumn == nil)
            #expect(try DataProfile.profile(path).anomalyRatio == nil)
        }
    }

    @Test("the user's label, categorical and ignored columns override inference")
    func overrides() throws {
        let text = "label,target,zip,noise,x\n0,1,007,5,1.5\n1,0,010,6,2.5\n0,1,007,7,3.5\n"
        try TestFiles.with(text) { (path: String) throws in
            let options = ReadOptions(labelColumn: "target", categorical: ["zip"], ignore: ["noise"])
            let table = try Table.read(path, options: options)
            #expect(table.schema.columns == [
                ColumnSchema(name: "label", kind: .numeric),
                ColumnSchema(name: "target", kind: .label),
                ColumnSchema(name: "zip", kind: .categorical),
                ColumnSchema(name: "noise", kind: .ignored, reason: "user"),
                ColumnSchema(name: "x", kind: .numeric),
            ])
            #expect(table.labels == [1, 0, 1])
            // Integer-looking categories keep their text: "007", not 7.
            #expect(table.values[2].texts == ["007", "010", "007"])
            #expect(table.values[2].categoryList == ["007", "010"])
            #expect(table.values[0].numbers == [0, 1, 0])
            let profile = try DataProfile.profile(path, options: options)
            #expect(profile.labelColumn == "target")
            #expect(profile.anomalies == 2)
            #expect(profile.categoricalFeatures == 1)
            #expect(profile.numericFeatures == 2)
            #expect(profile.ignoredColumns == 1)
            #expect(profile.columns[2].categories == 2)
        }
    }

    @Test("a column with every value missing stays numeric")
    func allMissing() throws {
        try TestFiles.with("x,empty,label\n1,,0\n2,NA,1\n3,?,0\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns[1] == ColumnSchema(name: "empty", kind: .numeric))
            #expect(table.values[1].numbers?.allSatisfy(\.isNaN) == true)
            #expect(table.values[1].numbers?.count == 3)
            let profile = try DataProfile.profile(path)
            #expect(profile.columns[1].missing == 3)
            #expect(profile.columns[1].min == nil)
            #expect(profile.missingValues == 3)
            #expect(profile.rowsWithMissing == 3)
        }
    }

    @Test("text columns are categorical, categories in order of first appearance, UTF-8 kept")
    func textColumns() throws {
        try TestFiles.with("colour,x\nrot,1\nblå,2\n\"grün, hell\",3\nrot,4\n,5\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns[0].kind == .categorical)
            #expect(table.values[0] == .categorical(codes: [0, 1, 2, 0, -1], categories: ["rot", "blå", "grün, hell"]))
            let profile = try DataProfile.profile(path)
            #expect(profile.columns[0].categories == 3)
            #expect(profile.columns[0].missing == 1)
        }
    }
}

// MARK: - Numbers: hot path and general path

/// The C hot path (plain numeric records) and the general parser (quoted fields) must agree exactly.
@Suite struct NumericReadingTests {
    /// A numeric file of `rows` records: `id`, `a`, `b`, `c`, `label`, with random decimal shapes and
    /// missing tokens; returns the fields of each record.
    private static func numericRecords(rows: Int, seed: UInt64) -> [[String]] {
        var generator = SplitMix64(seed: seed)
        let missing = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "?"]
        return (0..<rows).map { row in
            var fields = [String(row)]
            for _ in 0..<3 {
                if Int.random(in: 0..<20, using: &generator) == 0 {
                    fields.append(missing.randomElement(using: &generator)!)
                } else {
                    // Keep values finite as floats: a random shape, with its exponent bounded.
                    var text = RandomDecimal.string(using: &generator)
                    while !strtof(text, nil).isFinite { text = RandomDecimal.string(using: &generator) }
                    fields.append(text)
                }
            }
            fields.append(String(Int.random(in: 0...1, using: &generator)))
            return fields
        }
    }

    private static func csv(_ records: [[String]], quoted: Bool, lineEnd: String) -> String {
        let header = ["id", "a", "b", "c", "label"]
        return ([header] + records).map { fields in
            fields.map { quoted ? "\"\($0)\"" : $0 }.joined(separator: ",")
        }.joined(separator: lineEnd) + lineEnd
    }

    @Test("plain, quoted, CRLF and CR files give identical tables, equal to strtof", arguments: [1, 2] as [UInt64])
    func fastAndGeneralPathsAgree(seed: UInt64) throws {
        let records = Self.numericRecords(rows: 9000, seed: seed)
        let variants = [
            Self.csv(records, quoted: false, lineEnd: "\n"),
            Self.csv(records, quoted: true, lineEnd: "\n"),
            Self.csv(records, quoted: false, lineEnd: "\r\n"),
            Self.csv(records, quoted: false, lineEnd: "\r"),
        ]
        let tables = try variants.map { text in try TestFiles.with(text) { try Table.read($0) } }
        let profiles = try variants.map { text in try TestFiles.with(text) { try DataProfile.profile($0) } }

        // Independent expectation: each field through strtof, missing tokens as NaN.
        let tokens = ReadOptions.missingTokens
        for (k, name) in ["a", "b", "c"].enumerated() {
            let expected = records.map { tokens.contains($0[k + 1]) ? Float.nan.bitPattern : strtof($0[k + 1], nil).bitPattern }
            for (variant, table) in tables.enumerated() {
                let bits = table.column(named: name)?.numbers?.map(\.bitPattern)
                #expect(bits == expected, "column \(name), variant \(variant)")
            }
        }
        for (variant, table) in tables.enumerated() {
            #expect(table.schema == tables[0].schema, "variant \(variant)")
            #expect(table.labels == records.map { Int($0[4])! }, "variant \(variant)")
            #expect(table.lines == Array(2...(records.count + 1)), "variant \(variant)")
        }
        let missingCounts = (1...3).map { k in records.filter { tokens.contains($0[k]) }.count }
        let rowsWithMissing = records.filter { $0[1...3].contains { tokens.contains($0) } }.count
        for (variant, profile) in profiles.enumerated() {
            #expect(profile.rows == records.count, "variant \(variant)")
            #expect(profile.columns[1...3].map(\.missing) == missingCounts, "variant \(variant)")
            #expect(profile.rowsWithMissing == rowsWithMissing, "variant \(variant)")
            #expect(profile.anomalies == records.filter { $0[4] == "1" }.count, "variant \(variant)")
        }
    }

    @Test("profile statistics match an independent computation on both paths", arguments: [false, true])
    func profileStatistics(quoted: Bool) throws {
        var generator = SplitMix64(seed: 5)
        let values = (0..<10_000).map { _ in Double(Int.random(in: -50_000...50_000, using: &generator)) / 8 }
        let text = "x\n" + values.map { quoted ? "\"\($0)\"" : "\($0)" }.joined(separator: "\n") + "\n"
        let profile = try TestFiles.with(text) { try DataProfile.profile($0) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        let column = profile.columns[0]
        #expect(column.min == values.min())
        #expect(column.max == values.max())
        #expect(abs(column.mean! - mean) <= 1e-9 * max(1, abs(mean)))
        #expect(abs(column.std! - variance.squareRoot()) <= 1e-9 * variance.squareRoot())
    }

    @Test("every missing token reads as NaN and is counted, plain or quoted", arguments:
        ["", "NA", "N/A", "NaN", "nan", "NULL", "null", "?"], [false, true])
    func missingTokens(_ token: String, quoted: Bool) throws {
        var rows = (0..<5000).map { "\($0),\(Double($0) / 4),\($0 % 2)" }
        let field = quoted ? "\"\(token)\"" : token
        rows[1] = "1,\(field),1"
        rows[4500] = "4500,\(field),0"
        let text = "id,x,label\n" + rows.joined(separator: "\n") + "\n"
        try TestFiles.with(text) { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns[1] == ColumnSchema(name: "x", kind: .numeric))
            let numbers = try #require(table.values[1].numbers)
            #expect(numbers.indices.filter { numbers[$0].isNaN } == [1, 4500])
            #expect(numbers[4499] == 4499.0 / 4)
            let profile = try DataProfile.profile(path)
            #expect(profile.columns[1].missing == 2)
            #expect(profile.missingValues == 2)
            #expect(profile.rowsWithMissing == 2)
        }
    }

    @Test("look-alikes of missing tokens are text", arguments: ["none", "-", "n/a", "Na", "NULL ", "nil"])
    func notMissing(_ token: String) throws {
        try TestFiles.with("x\n1\n\(token)\n2\n") { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.values[0].texts == ["1", token, "2"])
        }
    }

    @Test("a text value after thousands of numbers makes the column categorical with the file's own text",
          arguments: [0, 1, 4095, 4096, 4097, 7999])
    func numbersThenText(at switchRow: Int) throws {
        var generator = SplitMix64(seed: UInt64(switchRow))
        let spellings = ["0.00", "1.50", "0.0", "2.25", "", "1e2", "-0", "007"]
        var codes = (0..<8000).map { _ in spellings.randomElement(using: &generator)! }
        codes[switchRow] = "abc"
        let text = "v,code,label\n" + codes.enumerated().map { "\(Double($0.offset) / 2),\($0.element),\($0.offset % 3 == 0 ? 1 : 0)" }
            .joined(separator: "\n") + "\n"
        var firstSeen: [String] = []
        for code in codes where !code.isEmpty && !firstSeen.contains(code) { firstSeen.append(code) }

        try TestFiles.with(text) { (path: String) throws in
            let table = try Table.read(path)
            #expect(table.schema.columns.map(\.kind) == [.numeric, .categorical, .label])
            #expect(table.values[1].texts == codes.map { $0.isEmpty ? nil : $0 })
            #expect(table.values[1].categoryList == firstSeen)
            #expect(table.values[0].numbers == (0..<8000).map { Float($0) / 2 })
            #expect(table.labels?.reduce(0, +) == (0..<8000).filter { $0 % 3 == 0 }.count)
            #expect(table.lines == Array(2...8001))

            let profile = try DataProfile.profile(path)
            #expect(profile.categoricalFeatures == 1)
            #expect(profile.numericFeatures == 1)
            #expect(profile.columns[1].categories == firstSeen.count)
            #expect(profile.columns[1].missing == codes.filter(\.isEmpty).count)
            #expect(profile.rowsWithMissing == codes.filter(\.isEmpty).count)
            #expect(abs(profile.columns[0].mean! - 1999.75) < 1e-9)
        }
    }
}

// MARK: - Bounded memory

/// The running maximum of a sampled quantity, shared with a sampling thread.
private final class PeakSample: @unchecked Sendable {
    let lock = NSLock()
    var value = 0
    var done = false
}

/// A field of `/proc/self/status` (`VmHWM`, `RssAnon`, ...) in bytes.
private func processStatus(_ field: String) -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 512)
    while fgets(&buffer, Int32(buffer.count), file) != nil {
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if line.hasPrefix(field + ":"), let kilobytes = Int(line.dropFirst(field.count + 1).filter(\.isNumber)) {
            return kilobytes * 1024
        }
    }
    return nil
}

/// The peak of anonymous resident memory (heap, stacks; not the page cache of a memory-mapped input
/// file, which the kernel can drop) while `body` runs, sampled every millisecond from another thread.
private func peakAnonymousBytes<R>(during body: () throws -> R) rethrows -> (result: R, peak: Int) {
    let peak = PeakSample()
    peak.value = processStatus("RssAnon") ?? 0
    let sampler = Thread {
        while true {
            let current = processStatus("RssAnon") ?? 0
            peak.lock.lock()
            peak.value = max(peak.value, current)
            let done = peak.done
            peak.lock.unlock()
            if done { break }
            usleep(1000)
        }
    }
    sampler.start()
    let result = try body()
    let current = processStatus("RssAnon") ?? 0
    peak.lock.lock()
    peak.done = true
    peak.value = max(peak.value, current)
    let value = peak.value
    peak.lock.unlock()
    return (result, value)
}

/// Profiling streams: memory does not grow with the file, and category counting is capped.
@Suite(.serialized) struct BoundedMemoryTests {
    @Test("profiling a 2.5-million-row file uses memory far below the file size",
          .enabled(if: processStatus("RssAnon") != nil, "needs RssAnon in /proc/self/status (Linux)"))
    func profileMemory() throws {
        let path = TestFiles.uniquePath()
        defer { TestFiles.remove(path) }
        // 10,000 varied rows, written 250 times in large chunks.
        var generator = SplitMix64(seed: 3)
        var block = ""
        for _ in 0..<10_000 {
            let a = Int.random(in: 0..<100_000, using: &generator)
            let b = Int.random(in: -999...999, using: &generator)
            block += "\(a),\(b).5,0.\(a % 1000),\(a % 97 == 0 ? 1 : 0)\n"
        }
        let blockData = Data(block.utf8)
        _ = FileManager.default.createFile(atPath: path, contents: Data("a,b,c,label\n".utf8))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        for _ in 0..<250 { try handle.write(contentsOf: blockData) }
        try handle.close()
        let fileSize = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(fileSize > 40_000_000)

        // Anonymous memory is process-wide, and other suites run at the same time: their allocations
        // can only add to the growth measured here, so the smallest growth of a few runs is the
        // profile's own (a profile that kept its values would grow by far more on every run).
        var growths: [Int] = []
        for _ in 0..<4 {
            let before = try #require(processStatus("RssAnon"))
            let (profile, after) = try peakAnonymousBytes { try DataProfile.profile(path) }
            #expect(profile.rows == 2_500_000)
            #expect(profile.numericFeatures == 3)
            let perBlock = block.split(separator: "\n").filter { $0.hasSuffix(",1") }.count
            #expect(profile.anomalies == perBlock * 250)
            growths.append(after - before)
            if after - before < fileSize / 4 { break }
        }
        #expect(growths.min()! < fileSize / 4, "anonymous memory grew by \(growths) bytes for a \(fileSize)-byte file")
    }

    @Test("category counting stops at the limit and says so")
    func categoryCap() throws {
        let text = "user,kind,x\n" + (0..<3000).map { "u\($0),k\($0 % 3),\($0)" }.joined(separator: "\n") + "\n"
        try TestFiles.with(text) { (path: String) throws in
            let capped = try DataProfile.profile(path, categoryLimit: 100)
            #expect(capped.columns[0].categories == 100)
            #expect(capped.columns[0].categoriesCapped == true)
            #expect(capped.columns[1].categories == 3)
            #expect(capped.columns[1].categoriesCapped == nil)
            #expect(capped.rows == 3000)
            #expect(capped.columns[0].missing == 0)

            let full = try DataProfile.profile(path)
            #expect(full.columns[0].categories == 3000)
            #expect(full.columns[0].categoriesCapped == nil)
            // A table keeps every value, whatever the limit for profiles.
            let table = try Table.read(path)
            #expect(table.values[0].categoryList?.count == 3000)
        }
    }
}
