import Foundation
import Testing
@testable import AnomalyDistill

@Suite struct OutputFileTests {
    /// A fresh path holding `text` (the target an output file replaces).
    static func existing(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("output-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("pieces written in the background land in order, past several disk flushes, and only at commit")
    func orderedAndAtomic() throws {
        let path = try Self.existing("old\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try OutputFile(path: path)
        var expected: [UInt8] = []
        // 40 pieces of 1 MiB: more than the four that may wait, and past two 16 MiB flushes.
        for piece in 0..<40 {
            let bytes = [UInt8](repeating: UInt8(ascii: "a") + UInt8(piece % 26), count: 1 << 20)
            try file.write(bytes)
            expected += bytes
            // Raw-buffer writes go after every piece handed over before.
            if piece == 20 {
                let marker = Array("|marker|".utf8)
                try marker.withUnsafeBytes { try file.write($0) }
                expected += marker
            }
        }
        // Nothing is visible before the commit.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old\n".utf8))
        try file.commit()
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }

    @Test("discard after background writes leaves the target and no temporary file")
    func discard() throws {
        let path = try Self.existing("keep\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try OutputFile(path: path)
        for _ in 0..<8 { try file.write([UInt8](repeating: 1, count: 1 << 20)) }
        file.discard()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("keep\n".utf8))
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".\(name).tmp-") }
        #expect(leftovers.isEmpty)
        #expect(throws: DataError.self) { try file.write([1]) }
    }
}
