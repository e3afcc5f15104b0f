import Foundation

@testable import AnomalyDistill

// MARK: - Temporary files

/// Files for the data-ingestion tests, written under the temporary directory with unique names.
enum TestFiles {
    /// A unique path under `FileManager.default.temporaryDirectory`, ending in `suffix`. Nothing is created.
    static func uniquePath(suffix: String = ".csv") -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("anomaly-distill-tests-\(UUID().uuidString)\(suffix)").path
    }

    /// Writes `bytes` to a new unique file and returns its path; remove it with ``remove(_:)``.
    static func write(_ bytes: Data, suffix: String = ".csv") throws -> String {
        let path = uniquePath(suffix: suffix)
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Removes a file written by these helpers (no error when it is already gone).
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Calls `body` with the path of a new file holding `text` (UTF-8), then removes the file.
    @discardableResult
    static func with<R>(_ text: String, suffix: String = ".csv", _ body: (String) throws -> R) throws -> R {
        try with(bytes: Data(text.utf8), suffix: suffix, body)
    }

    /// Calls `body` with the path of a new file holding `bytes`, then removes the file.
    @discardableResult
    static func with<R>(bytes: Data, suffix: String = ".csv", _ body: (String) throws -> R) throws -> R {
        let path = try write(bytes, suffix: suffix)
        defer { remove(path) }
        return try body(path)
    }

    /// `bytes` compressed by the system `gzip` (`-n`: no name or time stamp, so the output is reproducible).
    static func gzipped(_ bytes: Data) throws -> Data {
        let path = try write(bytes, suffix: ".csv")
        defer {
            remove(path)
            remove(path + ".gz")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-f", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "gzip exited with \(process.terminationStatus)"])
        }
        return try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
    }
}

// MARK: - Records

/// One CSV record as ``CSVRecordReader`` returns it: its first physical line and its fields.
struct CSVTestRecord: Equatable, Sendable, CustomStringConvertible {
    var line: Int
    var fields: [String]

    init(_ line: Int, _ fields: [String]) {
        self.line = line
        self.fields = fields
    }

    var description: String { "\(line): \(fields.map(\.debugDescription).joined(separator: ","))" }

    /// Every record of the file at `path`, read with the given chunk size.
    static func read(_ path: String, chunkSize: Int = 1 << 20) throws -> [CSVTestRecord] {
        let reader = try CSVRecordReader(path: path, chunkSize: chunkSize)
        var records: [CSVTestRecord] = []
        while try reader.next() {
            records.append(CSVTestRecord(reader.line, reader.strings()))
        }
        return records
    }

    /// Every record of `text`, written to a temporary file and read with the given chunk size.
    static func read(text: String, chunkSize: Int = 1 << 20) throws -> [CSVTestRecord] {
        try TestFiles.with(text) { try read($0, chunkSize: chunkSize) }
    }
}

// MARK: - Randomness

/// A seeded generator (Steele, Lea & Flood 2014), as in swift-argument-parser's `Examples/roll`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Tables

extension ColumnValues {
    /// The numbers of a numeric column (`nil` for other kinds).
    var numbers: [Float]? {
        if case .numeric(let values) = self { return values }
        return nil
    }

    /// The text of each row of a categorical column, `nil` where missing (`nil` array for other kinds).
    var texts: [String?]? {
        guard case .categorical(let codes, let categories) = self else { return nil }
        return codes.map { $0 < 0 ? nil : categories[Int($0)] }
    }

    /// The categories of a categorical column, in order of first appearance.
    var categoryList: [String]? {
        if case .categorical(_, let categories) = self { return categories }
        return nil
    }
}

/// Random decimal number strings of many shapes: signs, 1–25 significant digits, leading and trailing
/// zeros, a point anywhere (`1.`, `.5`), and exponents (`e`/`E`, signed, zero-padded) from −45 to +40.
enum RandomDecimal {
    static func string<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var text = ""
        switch Int.random(in: 0..<6, using: &generator) {
        case 0, 1: text += "-"
        case 2: text += "+"
        default: break
        }
        var digits = ""
        if Int.random(in: 0..<6, using: &generator) == 0 {
            digits += String(repeating: "0", count: Int.random(in: 1...4, using: &generator))
        }
        let significant = Int.random(in: 1...25, using: &generator)
        for index in 0..<significant {
            let low = index == 0 ? 1 : 0
            digits += String(Int.random(in: low...9, using: &generator))
        }
        if Int.random(in: 0..<5, using: &generator) == 0 {
            digits += String(repeating: "0", count: Int.random(in: 1...6, using: &generator))
        }
        // The decimal point: none, first (".5"), last ("1."), or anywhere inside.
        switch Int.random(in: 0..<8, using: &generator) {
        case 0, 1, 2: text += digits
        case 3: text += "." + digits
        case 4: text += digits + "."
        default:
            let cut = Int.random(in: 0...digits.count, using: &generator)
            let index = digits.index(digits.startIndex, offsetBy: cut)
            text += digits[..<index] + "." + digits[index...]
        }
        if Int.random(in: 0..<5, using: &generator) < 3 {
            text += Bool.random(using: &generator) ? "e" : "E"
            let exponent = Int.random(in: -45...40, using: &generator)
            if exponent < 0 {
                text += "-"
            } else if Bool.random(using: &generator) {
                text += "+"
            }
            if Int.random(in: 0..<8, using: &generator) == 0 { text += "0" }
            text += String(abs(exponent))
        }
        return text
    }
}
