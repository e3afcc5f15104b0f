import Foundation
import Testing

@testable import AnomalyDistill

// MARK: - RFC 4180 records

/// ``CSVRecordReader`` against hand-written RFC 4180 inputs, at every chunk size.
@Suite struct CSVReaderTests {
    /// A CSV text and the records (first physical line, fields) it must give.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var records: [CSVTestRecord]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "quoted field with embedded commas", text: "a,b\n\"x,y\",\",\"\n",
             records: [.init(1, ["a", "b"]), .init(2, ["x,y", ","])]),
        Case(name: "doubled quotes", text: "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\"\"\n",
             records: [.init(1, ["a", "b"]), .init(2, ["say \"hi\"", "\"\""])]),
        Case(name: "embedded LF moves the line of later rows", text: "a,b\n\"one\ntwo\nthree\",2\n3,4\n",
             records: [.init(1, ["a", "b"]), .init(2, ["one\ntwo\nthree", "2"]), .init(5, ["3", "4"])]),
        Case(name: "embedded CRLF counts as one line", text: "a,b\r\n\"one\r\ntwo\",2\r\n3,4\r\n",
             records: [.init(1, ["a", "b"]), .init(2, ["one\r\ntwo", "2"]), .init(4, ["3", "4"])]),
        Case(name: "CRLF line ends", text: "a,b\r\n1,2\r\n3,4\r\n",
             records: [.init(1, ["a", "b"]), .init(2, ["1", "2"]), .init(3, ["3", "4"])]),
        Case(name: "bare CR line ends", text: "a,b\r1,2\r3,4\r",
             records: [.init(1, ["a", "b"]), .init(2, ["1", "2"]), .init(3, ["3", "4"])]),
        Case(name: "bare CR inside a quoted field counts as a line", text: "a,b\r\"x\ry\",1\r2,3\r",
             records: [.init(1, ["a", "b"]), .init(2, ["x\ry", "1"]), .init(4, ["2", "3"])]),
        Case(name: "mixed line ends", text: "a\r\nb\rc\nd",
             records: [.init(1, ["a"]), .init(2, ["b"]), .init(3, ["c"]), .init(4, ["d"])]),
        Case(name: "no final newline", text: "a,b\n1,2",
             records: [.init(1, ["a", "b"]), .init(2, ["1", "2"])]),
        Case(name: "no final newline after a quoted field", text: "a,b\n1,\"2\"",
             records: [.init(1, ["a", "b"]), .init(2, ["1", "2"])]),
        Case(name: "trailing comma is an empty last field", text: "a,b,\n1,2,\n",
             records: [.init(1, ["a", "b", ""]), .init(2, ["1", "2", ""])]),
        Case(name: "trailing comma at the end of the file", text: "a,b,\n1,2,",
             records: [.init(1, ["a", "b", ""]), .init(2, ["1", "2", ""])]),
        Case(name: "blank lines are skipped but counted", text: "\na,b\n\n1,2\r\n\r\n\r3,4\n\n",
             records: [.init(2, ["a", "b"]), .init(4, ["1", "2"]), .init(7, ["3", "4"])]),
        Case(name: "empty and quoted-empty fields", text: ",\n\"\",\n,\"\"",
             records: [.init(1, ["", ""]), .init(2, ["", ""]), .init(3, ["", ""])]),
        Case(name: "spaces are kept", text: "a, b \n 1 ,\" 2 \"\n",
             records: [.init(1, ["a", " b "]), .init(2, [" 1 ", " 2 "])]),
        Case(name: "UTF-8 text", text: "name,city\nJosé,\"Zürich, 東京\"\n🙂,ß\n",
             records: [.init(1, ["name", "city"]), .init(2, ["José", "Zürich, 東京"]), .init(3, ["🙂", "ß"])]),
    ]

    @Test("records and their first lines", arguments: cases, [7, 16, 64, 1 << 20])
    func records(_ example: Case, chunkSize: Int) throws {
        #expect(try CSVTestRecord.read(text: example.text, chunkSize: chunkSize) == example.records)
    }

    // MARK: Chunk boundaries

    /// Inputs whose tricky part (a quote, a CRLF, a long record) is pushed across every position of the
    /// first chunks by a header padding of `pad` bytes.
    struct Tricky: Sendable, CustomTestStringConvertible {
        var name: String
        var make: @Sendable (String) -> String
        var testDescription: String { name }
    }

    static let tricky: [Tricky] = [
        Tricky(name: "quote at the chunk end") { pad in
            "\(pad),x\n\"ab\"\"cd\",\"e,f\"\n\"\"\"\",\"\"\n1,\"\n\"\n"
        },
        Tricky(name: "CRLF split across chunks") { pad in
            "\(pad),x\r\n1,2\r\n\"a\r\nb\",c\r\n\r\n3,\"\"\r\n4,5"
        },
        Tricky(name: "record longer than the chunk") { pad in
            let long = String(repeating: "y", count: 300)
            let quoted = String(repeating: "q\"\"\n,", count: 90)
            return "\(pad),x\n\(long),\"\(quoted)\"\n\"\(long)\",1\n"
        },
        Tricky(name: "blank lines and bare CRs") { pad in
            "\(pad),x\r\r\n\n1,2\r\"3\r\",4\r\r5,6"
        },
        Tricky(name: "trailing commas") { pad in
            "\(pad),x,\n1,2,\n,,\n3,4,"
        },
    ]

    @Test("tiny chunks give the same records as one large chunk", arguments: tricky, [1, 7, 16, 64, 65, 100])
    func chunkBoundaries(_ input: Tricky, chunkSize: Int) throws {
        for padding in 0..<140 {
            let text = input.make(String(repeating: "p", count: padding))
            let whole = try CSVTestRecord.read(text: text)
            let chunked = try CSVTestRecord.read(text: text, chunkSize: chunkSize)
            #expect(chunked == whole, "padding \(padding)")
            #expect(whole.first?.fields.first?.count == padding)
        }
    }

    /// Fields drawn from characters that need quoting, serialised with random quoting and line ends.
    private static func randomCSV(seed: UInt64) -> (text: String, records: [CSVTestRecord]) {
        var generator = SplitMix64(seed: seed)
        let alphabet = ["a", "b", "1", ",", " ", "\"", "\n", "\r\n", "\r", "é", "東"]
        var text = ""
        var records: [CSVTestRecord] = []
        var line = 1
        for _ in 0..<400 {
            let width = Int.random(in: 1...5, using: &generator)
            var fields: [String] = []
            var pieces: [String] = []
            for _ in 0..<width {
                let length = Int.random(in: 0...6, using: &generator)
                let field = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                fields.append(field)
                let special = field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
                let mustQuote = special || (width == 1 && field.isEmpty)
                if mustQuote || Int.random(in: 0..<4, using: &generator) == 0 {
                    pieces.append("\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
                } else {
                    pieces.append(field)
                }
            }
            records.append(CSVTestRecord(line, fields))
            let body = pieces.joined(separator: ",")
            let end = ["\n", "\r\n", "\r"].randomElement(using: &generator)!
            text += body + end
            // Physical lines: every LF, CRLF or lone CR ends one, inside quotes too.
            line += lineBreaks(in: body) + 1
        }
        return (text, records)
    }

    /// Line ends in `text`: LF, CRLF and lone CR each count once.
    private static func lineBreaks(in text: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        var count = 0
        for (i, scalar) in scalars.enumerated() {
            if scalar == "\r" || (scalar == "\n" && (i == 0 || scalars[i - 1] != "\r")) { count += 1 }
        }
        return count
    }

    @Test("random quoted records round-trip", arguments: [1, 2, 3] as [UInt64], [7, 64, 1 << 20])
    func randomRoundTrip(seed: UInt64, chunkSize: Int) throws {
        let (text, expected) = Self.randomCSV(seed: seed)
        let records = try CSVTestRecord.read(text: text, chunkSize: chunkSize)
        #expect(records.count == expected.count)
        let mismatch = zip(records, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(mismatch == nil, "first difference: \(mismatch.map { "\(records[$0]) vs \(expected[$0])" } ?? "")")
    }

    @Test("gzip input gives the same records, over several gzip members")
    func gzipMembers() throws {
        let first = "a,b\n\"x,\ny\",1\n"
        let second = "2,3\r\n4,5"
        var bytes = try TestFiles.gzipped(Data(first.utf8))
        bytes.append(try TestFiles.gzipped(Data(second.utf8)))
        try TestFiles.with(bytes: bytes, suffix: ".csv.gz") { (path: String) throws in
            let reader = try CSVRecordReader(path: path, chunkSize: 7)
            #expect(reader.isCompressed)
            #expect(try CSVTestRecord.read(path, chunkSize: 7) == CSVTestRecord.read(text: first + second))
            #expect(try CSVTestRecord.read(path).count == 4)
        }
    }
}

// MARK: - Bad input

/// Every kind of bad file is a typed ``DataError`` naming the file, line and column.
@Suite struct CSVErrorTests {
    /// Table.read keeps values, DataProfile.profile streams: both must report the same errors.
    enum Reader: String, CaseIterable, Sendable {
        case table, profile

        func read(_ path: String, _ options: ReadOptions = ReadOptions()) throws {
            switch self {
            case .table: _ = try Table.read(path, options: options)
            case .profile: _ = try DataProfile.profile(path, options: options)
            }
        }
    }

    /// A bad file and the error it must throw, given the file's path.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var error: @Sendable (String) -> DataError
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ragged row, too few fields", text: "a,b,c\n1,2,3\n4,5\n") {
            .raggedRow(FileLocation(file: $0, line: 3), expected: 3, found: 2)
        },
        Case(name: "ragged row, too many fields", text: "a,b\n1,2\n3,4,5\n") {
            .raggedRow(FileLocation(file: $0, line: 3), expected: 2, found: 3)
        },
        Case(name: "ragged row after a multi-line record", text: "a,b\n\"x\ny\",1\r\n\n2\n") {
            .raggedRow(FileLocation(file: $0, line: 5), expected: 2, found: 1)
        },
        Case(name: "ragged row after 5,000 fast-path rows",
             text: "a,b\n" + String(repeating: "1.5,2\n", count: 5000) + "1,2,3\n") {
            .raggedRow(FileLocation(file: $0, line: 5002), expected: 2, found: 3)
        },
        Case(name: "unterminated quote", text: "a,b\n1,2\n3,\"abc\n4,5\n") {
            .unterminatedQuote(FileLocation(file: $0, line: 3, column: 2))
        },
        Case(name: "character after a closing quote", text: "a,b\n\"x\"y,1\n") {
            .malformedQuote(FileLocation(file: $0, line: 2, column: 1), found: "y")
        },
        Case(name: "space after a closing quote on a later line", text: "a,b\n1,\"x\ny\" \n") {
            .malformedQuote(FileLocation(file: $0, line: 3, column: 2), found: " ")
        },
        Case(name: "duplicate column names", text: "a,b,a\n1,2,3\n") {
            .duplicateColumn(FileLocation(file: $0, line: 1, column: 3), name: "a")
        },
        Case(name: "duplicate column names after blank lines", text: "\n\r\nx,x\n1,2\n") {
            .duplicateColumn(FileLocation(file: $0, line: 3, column: 2), name: "x")
        },
        Case(name: "header only", text: "a,b\n") { .noRows(file: $0) },
        Case(name: "header only, no newline", text: "a,b") { .noRows(file: $0) },
        Case(name: "header and blank lines", text: "a,b\n\n\r\n") { .noRows(file: $0) },
        Case(name: "empty file", text: "") { .emptyFile(file: $0) },
        Case(name: "blank lines only", text: "\n\r\n\r") { .emptyFile(file: $0) },
    ]

    @Test("bad files throw the exact error", arguments: cases, Reader.allCases)
    func badFile(_ example: Case, reader: Reader) throws {
        try TestFiles.with(example.text) { (path: String) throws in
            #expect(throws: example.error(path)) { try reader.read(path) }
        }
    }

    @Test("options naming missing columns throw missingColumn", arguments: [
        ReadOptions(labelColumn: "target"),
        ReadOptions(categorical: ["colour"]),
        ReadOptions(ignore: ["when"]),
    ], Reader.allCases)
    func missingColumns(_ options: ReadOptions, reader: Reader) throws {
        let name = options.labelColumn ?? options.categorical.first ?? options.ignore.first ?? ""
        try TestFiles.with("a,b,label\n1,2,0\n") { (path: String) throws in
            #expect(throws: DataError.missingColumn(file: path, name: name, available: ["a", "b", "label"])) {
                try reader.read(path, options)
            }
        }
    }

    @Test("labels other than 0 and 1 throw invalidLabel at their field", arguments: ["2", "yes", "", "-1", "0.5", "NA"])
    func invalidLabel(_ token: String) throws {
        for rowsBefore in [1, 5000] {
            let text = "x,label\n" + String(repeating: "1.5,0\n", count: rowsBefore) + "2.5,\(token)\n3.5,1\n"
            try TestFiles.with(text) { (path: String) throws in
                let location = FileLocation(file: path, line: rowsBefore + 2, column: 2)
                for reader in Reader.allCases {
                    #expect(throws: DataError.invalidLabel(location, column: "label", found: token)) {
                        try reader.read(path)
                    }
                }
            }
        }
    }

    @Test("labels written as 0.0, 1.0 or quoted are accepted")
    func labelSpellings() throws {
        try TestFiles.with("x,label\n1,0.0\n2,1.0\n3,\"1\"\n4,1e0\n5,0\n") { (path: String) throws in
            #expect(try Table.read(path).labels == [0, 1, 1, 1, 0])
        }
    }

    @Test("non-finite numbers throw nonFinite at their field", arguments: ["inf", "-Infinity", "1e999", "-1e39", "INF"])
    func nonFinite(_ token: String) throws {
        for rowsBefore in [1, 5000] {
            let text = "x,y,label\n" + String(repeating: "1.5,2,0\n", count: rowsBefore) + "2.5,\(token),1\n"
            try TestFiles.with(text) { (path: String) throws in
                let location = FileLocation(file: path, line: rowsBefore + 2, column: 2)
                for reader in Reader.allCases {
                    #expect(throws: DataError.nonFinite(location, column: "y", found: token)) { try reader.read(path) }
                }
            }
        }
    }

    // MARK: Fixed schema (reading new data for a fitted model)

    static let trainedSchema = Schema(columns: [
        ColumnSchema(name: "id", kind: .ignored, reason: "identifier"),
        ColumnSchema(name: "x", kind: .numeric),
        ColumnSchema(name: "colour", kind: .categorical),
        ColumnSchema(name: "label", kind: .label),
    ])

    @Test("text in a numeric column of a fixed schema throws notANumber with its location")
    func textInNumericColumn() throws {
        let text = "id,x,colour,label\n1,1.5,red,0\n2,\"oops\",blue,1\n"
        try TestFiles.with(text) { (path: String) throws in
            let options = ReadOptions(schema: Self.trainedSchema)
            for reader in Reader.allCases {
                #expect(throws: DataError.notANumber(FileLocation(file: path, line: 3, column: 2), column: "x", found: "oops")) {
                    try reader.read(path, options)
                }
            }
            let error = DataError.notANumber(FileLocation(file: path, line: 3, column: 2), column: "x", found: "oops")
            #expect(error.description.hasPrefix("\(path):3:2: "))
        }
    }

    @Test("a fixed schema reads a file with its columns, the label optional, in any order")
    func fixedSchemaReads() throws {
        try TestFiles.with("colour,x,id\nred,7,a\n12,NA,b\n") { (path: String) throws in
            let table = try Table.read(path, options: ReadOptions(schema: Self.trainedSchema))
            #expect(table.schema.columns.map(\.kind) == [.categorical, .numeric, .ignored])
            #expect(table.labels == nil)
            #expect(table.values[0].texts == ["red", "12"])
            #expect(table.values[1].numbers?[0] == 7)
            #expect(table.values[1].numbers?[1].isNaN == true)
        }
    }

    @Test("a file without a column of the fixed schema throws missingColumn")
    func fixedSchemaMissingColumn() throws {
        try TestFiles.with("id,x,label\n1,1.5,0\n") { (path: String) throws in
            #expect(throws: DataError.missingColumn(file: path, name: "colour", available: ["id", "x", "label"])) {
                try Table.read(path, options: ReadOptions(schema: Self.trainedSchema))
            }
        }
    }

    @Test("a file with a column the fixed schema lacks throws schemaMismatch")
    func fixedSchemaExtraColumn() throws {
        try TestFiles.with("id,x,colour,extra,label\n1,1.5,red,9,0\n") { (path: String) throws in
            let error = #expect(throws: DataError.self) {
                try Table.read(path, options: ReadOptions(schema: Self.trainedSchema))
            }
            guard case .schemaMismatch(let file, let reason)? = error else {
                Issue.record("expected schemaMismatch, got \(String(describing: error))")
                return
            }
            #expect(file == path)
            #expect(reason.contains("\"extra\""))
        }
    }

    // MARK: Files and gzip streams

    /// About 120 KB of varied numeric CSV, so that gzip output has a long deflate body.
    private static func numericCSV() -> Data {
        var generator = SplitMix64(seed: 42)
        var text = "a,b,label\n"
        for _ in 0..<6000 {
            text += "\(Int.random(in: 0..<1_000_000, using: &generator)),\(Double.random(in: -1...1, using: &generator)),"
            text += "\(Int.random(in: 0...1, using: &generator))\n"
        }
        return Data(text.utf8)
    }

    @Test("a gzip file reads as its plain text does")
    func gzipMatchesPlain() throws {
        let plain = Self.numericCSV()
        let compressed = try TestFiles.gzipped(plain)
        try TestFiles.with(bytes: plain) { (plainPath: String) throws in
            try TestFiles.with(bytes: compressed, suffix: ".csv.gz") { (gzipPath: String) throws in
                let a = try Table.read(plainPath), b = try Table.read(gzipPath)
                #expect(a.values == b.values)
                #expect(a.labels == b.labels)
                #expect(a.lines == b.lines)
                #expect(try DataProfile.profile(gzipPath).compressed)
                #expect(try !DataProfile.profile(plainPath).compressed)
            }
        }
    }

    enum Damage: String, CaseIterable, Sendable {
        case flippedMiddle, truncatedHalf, missingTrailer, missingLastByte
    }

    @Test("damaged gzip throws corruptCompressedStream", arguments: Damage.allCases, Reader.allCases)
    func damagedGzip(_ damage: Damage, reader: Reader) throws {
        var bytes = try TestFiles.gzipped(Self.numericCSV())
        switch damage {
        case .flippedMiddle:
            for i in (bytes.count / 2)..<(bytes.count / 2 + 8) { bytes[i] ^= 0xA5 }
        case .truncatedHalf: bytes = bytes.prefix(bytes.count / 2)
        case .missingTrailer: bytes = bytes.prefix(bytes.count - 8)
        case .missingLastByte: bytes = bytes.prefix(bytes.count - 1)
        }
        try TestFiles.with(bytes: bytes, suffix: ".csv.gz") { (path: String) throws in
            let error = #expect(throws: DataError.self) { try reader.read(path) }
            guard case .corruptCompressedStream(let file, let reason)? = error else {
                Issue.record("expected corruptCompressedStream, got \(String(describing: error))")
                return
            }
            #expect(file == path)
            #expect(!reason.isEmpty)
        }
    }

    @Test("a path that does not exist throws unreadable", arguments: Reader.allCases)
    func missingFile(reader: Reader) throws {
        let path = TestFiles.uniquePath()
        #expect(throws: DataError.unreadable(file: path, reason: "No such file or directory")) { try reader.read(path) }
    }

    @Test("a directory throws unreadable")
    func directory() throws {
        let path = TestFiles.uniquePath(suffix: "")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { TestFiles.remove(path) }
        let error = #expect(throws: DataError.self) { try Table.read(path) }
        guard case .unreadable(let file, _)? = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(file == path)
    }

    // MARK: Messages

    @Test("descriptions start with FILE:LINE:COLUMN")
    func descriptions() {
        let at = FileLocation(file: "data/x.csv", line: 12, column: 3)
        #expect(DataError.nonFinite(at, column: "y", found: "inf").description
            == "data/x.csv:12:3: expected a finite number in column \"y\", found \"inf\"")
        #expect(DataError.invalidLabel(at, column: "label", found: "yes").description.hasPrefix("data/x.csv:12:3: "))
        #expect(DataError.malformedQuote(at, found: "y").description.hasPrefix("data/x.csv:12:3: "))
        #expect(DataError.raggedRow(FileLocation(file: "f.csv", line: 4), expected: 3, found: 2).description
            == "f.csv:4: expected 3 fields as in the header, found 2")
        #expect(DataError.corruptCompressedStream(file: "f.csv.gz", reason: "r").description.hasPrefix("f.csv.gz: "))
    }
}
