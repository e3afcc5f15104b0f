import Foundation
import Testing
@testable import AnomalyDistill

/// The CSV hot path (C, with an SSE4.1 variant) must read every number exactly as `strtof` does.
@Suite struct FastPathTests {
    /// Random decimal strings of the shapes real files hold: signs, leading and trailing zeros,
    /// 1–20 significant digits, points anywhere, exponents.
    static func randomNumber(_ random: inout RandomSource) -> String {
        let digits = 1 + random.index(below: 20)
        var text = random.index(below: 3) == 0 ? "-" : ""
        if random.index(below: 8) == 0 { text += "0" }
        var body = ""
        for i in 0..<digits {
            body += String(i == 0 && random.index(below: 4) != 0 ? 1 + random.index(below: 9) : random.index(below: 10))
        }
        switch random.index(below: 4) {
        case 0: text += body
        case 1: text += "0." + String(repeating: "0", count: random.index(below: 6)) + body
        default:
            let point = random.index(below: digits + 1)
            let cut = body.index(body.startIndex, offsetBy: point)
            text += String(body[..<cut]) + "." + String(body[cut...])
        }
        if text.hasSuffix(".") && random.index(below: 2) == 0 { text += "0" }
        if text == "." || text == "-." { text = "0.5" }
        // Exponents keep every value inside the float range (the reader rejects overflow).
        if random.index(below: 10) == 0 { text += "e" + String(random.index(below: 36) - 20) }
        return text
    }

    @Test("every value read through the hot path equals strtof's", arguments: [1, 2, 3] as [UInt64])
    func exactness(seed: UInt64) throws {
        var random = RandomSource(seed: seed)
        let columns = 7, rows = 6000
        var texts: [String] = []
        var csv = (0..<columns).map { "c\($0)" }.joined(separator: ",") + "\n"
        for _ in 0..<rows {
            let row = (0..<columns).map { _ in Self.randomNumber(&random) }
            texts += row
            csv += row.joined(separator: ",") + (random.index(below: 5) == 0 ? "\r\n" : "\n")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fast-\(seed)-\(UUID().uuidString).csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let table = try Table.read(url.path)
        #expect(table.rowCount == rows)
        var mismatches: [String] = []
        for c in 0..<columns {
            guard case .numeric(let values) = table.values[c] else {
                Issue.record("column \(c) is not numeric")
                continue
            }
            for r in 0..<rows {
                let text = texts[r * columns + c]
                let expected = strtof(text, nil)
                if values[r].bitPattern != expected.bitPattern && mismatches.count < 10 {
                    mismatches.append("\(text): read \(values[r]), strtof \(expected)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    /// Fields of 16–31 bytes (full-precision values, read 32 bytes at a time on AVX2 machines), including
    /// mantissas at the edge of 64 bits, where the fast path must hand over to the general parser.
    static let longFields = [
        "0.6931907749193863", "-0.20364048566636067", "0.004912314661768384", "+0.35318960912538361",
        "0.18446744073709551615", "0.18446744073709551616", "0.18439999999999999999", "-0.18449522214219682414",
        "-0.99999999999999999999", "1844674407370955.1615", "12345678901234567.89", "123456789012345678901",
        "0.0000000000000000000000001", "-1234567.8901234567890", "00000000000000000000012.5",
        "3.4028234663852886e38", "0.1234567890123456789e3", "1.00000005960464477539", "16777217.000000000000",
        "0.333333333333333333333333333", "-0.000000000000000000000001",
    ]

    @Test("full-precision and 64-bit-edge numbers read as strtof does, wherever they sit in a file")
    func longFields() throws {
        // Several rows, so that most fields lie more than 32 bytes into the buffer (where the long path runs).
        var csv = "first_column_with_a_long_name,value,last\n"
        for (r, text) in Self.longFields.enumerated() { csv += "\(r),\(text),1.5\n" }
        for (r, text) in Self.longFields.enumerated() { csv += "\(r),\(text),-2\n" }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID().uuidString).csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let table = try Table.read(url.path)
        guard case .numeric(let values) = table.values[1] else {
            Issue.record("the value column is not numeric")
            return
        }
        #expect(values.count == 2 * Self.longFields.count)
        for (r, value) in values.enumerated() {
            let text = Self.longFields[r % Self.longFields.count]
            let expected = strtof(text, nil)
            #expect(value.bitPattern == expected.bitPattern, "\(text): read \(value), strtof \(expected)")
        }
    }
}
