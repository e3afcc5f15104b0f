import Foundation

/// Checks and parallel loops shared by the classical detectors (isolation forest, ECOD, k-nearest
/// neighbours).
enum ClassicDetectorSupport {
    /// The number of threads detectors use when none is set: the active processors, at most 8.
    static var defaultThreads: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    /// Throws for the first NaN or infinite element of `x`, naming its 1-based row and column.
    ///
    /// - Throws: `DataError.nonFinite` with the row as the location's line and the column as its column.
    static func checkFinite(_ x: Matrix, context: String = "input") throws {
        let columns = x.columns
        let bad: Int? = x.scalars.withUnsafeBufferPointer { values in
            for index in 0..<values.count where !values[index].isFinite { return index }
            return nil
        }
        if let bad {
            let row = bad / max(columns, 1), column = bad % max(columns, 1)
            throw DataError.nonFinite(FileLocation(file: context, line: row + 1, column: column + 1),
                                      column: "feature \(column + 1)", found: "\(x.scalars[bad])")
        }
    }

    /// Checks that there are training rows and at least one feature, all finite.
    static func checkTraining(_ x: Matrix, minimumRows: Int = 1) throws {
        guard x.rows > 0 else { throw TrainingError.noTrainingRows }
        guard x.columns > 0 else {
            throw DataError.invalidInput(name: "features", reason: "expected at least one feature, found none")
        }
        guard x.rows >= minimumRows else {
            throw DataError.invalidInput(name: "rows", reason: "expected at least \(minimumRows) training rows, found \(x.rows)")
        }
        try checkFinite(x, context: "training data")
    }

    /// Runs `body` on the chunks of `0..<count`, on up to `threads` threads; each chunk has at least
    /// `minimumChunk` elements (except a shorter last one). Chunk boundaries depend only on `count`
    /// and `chunk`, so results written per index do not depend on the thread count.
    static func forEachChunk(count: Int, chunk: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
        Parallel.forEachChunk(count: count, chunk: chunk, threads: threads, body)
    }


    /// Decodes a tensor's integer values, checking its shape.
    static func int32s(_ file: ModelFile, _ name: String, shape: [Int]) throws -> [Int32] {
        try file.tensor(named: name, shape: shape).int32s()
    }

    /// Decodes a tensor's float values, checking its shape.
    static func floats(_ file: ModelFile, _ name: String, shape: [Int]) throws -> [Float] {
        try file.tensor(named: name, shape: shape).floats()
    }

    /// The integer `key` of an architecture document.
    static func integer(_ architecture: JSONValue?, _ key: String, file: String) throws -> Int {
        guard case let .number(value)? = architecture?[key], let integer = Int(exactly: value) else {
            throw ModelError.invalidMetadata(file: file, reason: "expected an integer architecture entry \(key.debugDescription), found none")
        }
        return integer
    }

    /// The string `key` of an architecture document.
    static func string(_ architecture: JSONValue?, _ key: String, file: String) throws -> String {
        guard case let .string(value)? = architecture?[key] else {
            throw ModelError.invalidMetadata(file: file, reason: "expected a string architecture entry \(key.debugDescription), found none")
        }
        return value
    }
}
