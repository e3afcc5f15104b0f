import Foundation
import Testing

@testable import AnomalyDistill

/// The JSON body of a scoring request, parsed straight into rows (the HTTP service's input).
@Suite struct ScoreRequestTests {
    static func parse(_ body: String, maxRows: Int = 10_000) throws -> RawRows {
        try ScoringFixture.student().parseScoreRequest(Array(body.utf8), limits: ScoreRequestLimits(maxRows: maxRows))
    }

    /// Rows compared by their bits, so that missing values (NaN) compare equal.
    static func same(_ a: RawRows, _ b: RawRows) -> Bool {
        a.count == b.count && a.categories == b.categories && a.numeric.map(\.bitPattern) == b.numeric.map(\.bitPattern)
    }

    @Test("arrays and objects give the rows rows(arrays:) and rows(objects:) give")
    func matchesJSONValueRows() throws {
        let model = try ScoringFixture.student()
        let body = """
            {"rows": [[100.5, -0.25, "red"], [null, 3, "green"], [1e2, 0, null],
                      {"a": 101, "b": null, "colour": "purple", "id": 7},
                      [100.5, -0.25, "blue", 1]], "request_id": {"nested": [1, 2]}}
            """
        let rows = try Self.parse(body)
        let arrays = try model.rows(arrays: [[.number(100.5), .number(-0.25), .string("red")],
                                             [.null, .number(3), .string("green")],
                                             [.number(100), .number(0), .null]])
        let objects = try model.rows(objects: [["a": .number(101), "b": .null, "colour": .string("purple")]])
        let everyColumn = try model.rows(arrays: [[.number(100.5), .number(-0.25), .string("blue"), .number(1)]])
        var expected = arrays
        for part in [objects, everyColumn] {
            expected.numeric += part.numeric
            expected.categories += part.categories
            expected.count += part.count
        }
        #expect(rows.count == 5)
        #expect(Self.same(rows, expected))
        #expect(try model.scores(rows).count == 5)
    }

    @Test("numbers are read exactly as CSV values are (correctly rounded to Float)",
          arguments: ["0.1", "-0", "1e-3", "123456789.123456789", "3.4028234e38", "1.17549435E-38", "7E+2", "-2.5e-7",
                      "0.30000001192092896", "16777217"])
    func numbersLikeCSV(_ text: String) throws {
        let rows = try Self.parse("{\"rows\": [[\(text), 0, \"red\"]]}")
        let expected = try #require(Float(text))
        #expect(rows.numeric[0].bitPattern == expected.bitPattern)
    }

    @Test("categorical values: text, escapes, numbers as text, unseen and missing")
    func categories() throws {
        let model = try ScoringFixture.student()
        let colour = try #require(model.categoricalFeatures.first)
        let rows = try Self.parse(#"{"rows": [[1,2,"gr\u0065en"],[1,2,"NA"],[1,2,"mauve"],[1,2,null],[1,2,"r\"ed"]]}"#)
        #expect(rows.categories == [colour.slot(of: "green"), -1, Int32(colour.categories.count), -1,
                                    Int32(colour.categories.count)])
        #expect(colour.slot(of: "green") < Int32(colour.categories.count))
    }

    /// A body, the error code it must get, and the row and field named.
    struct BadBody: CustomTestStringConvertible, Sendable {
        var name: String
        var body: String
        var code: String
        var row: Int? = nil
        var field: String? = nil
        var testDescription: String { name }
    }

    static let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)

    static let badBodies: [BadBody] = [
        BadBody(name: "empty body", body: "", code: "malformed_json"),
        BadBody(name: "whitespace only", body: " \n ", code: "malformed_json"),
        BadBody(name: "unterminated object", body: "{", code: "malformed_json"),
        BadBody(name: "unterminated array", body: #"{"rows": [[1,2"#, code: "malformed_json"),
        BadBody(name: "trailing bytes", body: #"{"rows": []} x"#, code: "malformed_json"),
        BadBody(name: "NaN literal", body: #"{"rows": [[NaN, 2, "red"]]}"#, code: "malformed_json"),
        BadBody(name: "Infinity literal", body: #"{"rows": [[-Infinity, 2, "red"]]}"#, code: "malformed_json"),
        BadBody(name: "leading zero", body: #"{"rows": [[01, 2, "red"]]}"#, code: "malformed_json"),
        BadBody(name: "bare decimal point", body: #"{"rows": [[1., 2, "red"]]}"#, code: "malformed_json"),
        BadBody(name: "plus sign", body: #"{"rows": [[+1, 2, "red"]]}"#, code: "malformed_json"),
        BadBody(name: "single quotes", body: #"{'rows': []}"#, code: "malformed_json"),
        BadBody(name: "trailing comma", body: #"{"rows": [[1, 2, "red"],]}"#, code: "malformed_json"),
        BadBody(name: "bad escape", body: #"{"rows": [[1, 2, "r\qd"]]}"#, code: "malformed_json"),
        BadBody(name: "short unicode escape", body: #"{"rows": [[1, 2, "\u12"]]}"#, code: "malformed_json"),
        BadBody(name: "raw control character", body: "{\"rows\": [[1, 2, \"r\u{1}d\"]]}", code: "malformed_json"),
        BadBody(name: "unterminated string", body: #"{"rows": [[1, 2, "red"#, code: "malformed_json"),
        BadBody(name: "nested 200 deep", body: "{\"rows\": \(deep)}", code: "malformed_json"),
        BadBody(name: "nested 200 deep in an ignored key", body: "{\"x\": \(deep), \"rows\": []}", code: "malformed_json"),
        BadBody(name: "a wrong row, then not JSON", body: #"{"rows": [["x", 2, "red"]], "#, code: "malformed_json"),
        BadBody(name: "not an object", body: #"[[1, 2, "red"]]"#, code: "invalid_request"),
        BadBody(name: "no rows key", body: #"{"row": [[1, 2, "red"]]}"#, code: "invalid_request"),
        BadBody(name: "rows not an array", body: #"{"rows": 3}"#, code: "invalid_request"),
        BadBody(name: "rows twice", body: #"{"rows": [], "rows": []}"#, code: "invalid_request"),
        BadBody(name: "text for a number", body: #"{"rows": [["1", 2, "red"]]}"#, code: "invalid_field", row: 0, field: "a"),
        BadBody(name: "boolean for a number", body: #"{"rows": [[1, 2, "red"], [1, true, "red"]]}"#, code: "invalid_field",
                row: 1, field: "b"),
        BadBody(name: "number beyond Float", body: #"{"rows": [[1e39, 2, "red"]]}"#, code: "invalid_field", row: 0, field: "a"),
        BadBody(name: "number beyond Double", body: #"{"rows": [[1, -1e999, "red"]]}"#, code: "invalid_field", row: 0, field: "b"),
        BadBody(name: "array for a category", body: #"{"rows": [[1, 2, ["red"]]]}"#, code: "invalid_field", row: 0, field: "colour"),
        BadBody(name: "too few values", body: #"{"rows": [[1, 2, "red"], [1, 2]]}"#, code: "invalid_field", row: 1),
        BadBody(name: "too many values", body: #"{"rows": [[1, 2, "red", 0, 9]]}"#, code: "invalid_field", row: 0),
        BadBody(name: "a row that is a number", body: #"{"rows": [7]}"#, code: "invalid_field", row: 0),
        BadBody(name: "missing key", body: #"{"rows": [{"a": 1, "b": 2}]}"#, code: "invalid_field", row: 0, field: "colour"),
        BadBody(name: "duplicate key", body: #"{"rows": [{"a": 1, "a": 2, "b": 2, "colour": "red"}]}"#, code: "invalid_field",
                row: 0, field: "a"),
    ]

    @Test("every malformed or wrong body gets its own error, naming the row and field", arguments: badBodies)
    func badBody(_ bad: BadBody) throws {
        do {
            _ = try Self.parse(bad.body)
            Issue.record("expected \(bad.code), parsed")
        } catch let error as ScoreRequestError {
            #expect(error.code == bad.code, "\(error)")
            if case let .invalidField(row, field, _) = error {
                #expect(row == bad.row)
                if let expected = bad.field { #expect(field == expected) }
            }
            #expect(!error.description.isEmpty)
        }
    }

    @Test("more rows than the limit: 413's error, found without reading on")
    func tooManyRows() throws {
        #expect(throws: ScoreRequestError.tooManyRows(limit: 2)) {
            try Self.parse(#"{"rows": [[1,2,"red"],[1,2,"red"],[1,2,"red"]]}"#, maxRows: 2)
        }
        #expect(try Self.parse(#"{"rows": [[1,2,"red"],[1,2,"red"]]}"#, maxRows: 2).count == 2)
    }

    @Test("a huge bad value is quoted cut to a readable length")
    func longValuesAreCut() throws {
        let long = String(repeating: "9", count: 1_000_000)
        for body in ["{\"rows\": [[\"\(long)\", 2, \"red\"]]}", "{\"rows\": [[1e\(long), 2, \"red\"]]}"] {
            do {
                _ = try Self.parse(body)
                Issue.record("expected an error")
            } catch let error as ScoreRequestError {
                #expect(error.description.count < 300, "\(error.description.prefix(300))")
            }
        }
    }

    @Test("empty rows and an empty object")
    func emptyRows() throws {
        #expect(try Self.parse(#"{"rows": []}"#).count == 0)
        #expect(throws: ScoreRequestError.self) { try Self.parse("{}") }
    }
}

@Suite struct SHA256Tests {
    @Test("FIPS 180-4 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func vectors(_ text: String, _ digest: String) {
        #expect(SHA256.hex(Array(text.utf8)) == digest)
    }

    @Test("a loaded model's id is its file's SHA-256")
    func modelID() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try DetectorFile.write(ScoringFixture.models.teacher, preprocessor: ScoringFixture.models.preprocessor, to: url)
        let model = try ScoringModel(contentsOf: url)
        let digest = SHA256.hex(Array(try Data(contentsOf: url)))
        #expect(model.sha256 == digest)
        #expect(model.id == String(digest.prefix(16)))
        #expect(try model.withThreshold(1).id == model.id)
        #expect(try ScoringFixture.teacher().id == "in-memory")
    }
}
