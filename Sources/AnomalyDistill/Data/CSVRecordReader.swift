import Dispatch
import Foundation
import _AnomalyDistillKernels

/// Reads CSV records (RFC 4180) from a plain file, a gzip file or standard input, in chunks.
///
/// Quoted fields may hold commas, doubled quotes and line breaks; lines end in LF, CRLF or CR;
/// blank lines are skipped, as pandas does. Memory is bounded by the chunk size plus the longest
/// record. Fields are exposed as byte ranges of an internal buffer that stays valid until the next
/// call to ``next()``.
///
/// - Complexity: O(bytes) for the whole file.
final class CSVRecordReader {
    /// The file as the user named it (for messages).
    let path: String
    /// Whether the source was gzip-compressed.
    let isCompressed: Bool
    /// Physical 1-based line number where the current record starts.
    private(set) var line = 0
    /// Number of fields in the current record.
    private(set) var fieldCount = 0

    private var reader: OpaquePointer?
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var length = 0
    private var position = 0
    private var endOfInput = false
    private var nextLine = 1
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    private var escaped: UnsafeMutablePointer<Bool>
    private var fieldCapacity = 64
    private var scratch: [UInt8] = []
    /// The buffer is the memory-mapped file, owned by the C reader.
    private var isMapped = false

    /// Size of the input when it is known in advance (a plain file), for sizing the columns.
    var knownSize: Int? { isMapped ? length : nil }

    /// Opens `path` ("-" for standard input).
    /// - Throws: `DataError.unreadable` when the file cannot be opened.
    init(path: String, chunkSize: Int = 1 << 22) throws {
        self.path = path
        var message = [CChar](repeating: 0, count: 256)
        guard let opened = ad_reader_open(path, &message, 256) else {
            throw DataError.unreadable(file: path, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        reader = opened
        isCompressed = ad_reader_is_gzip(opened) != 0
        var mappedLength = 0
        if let mapped = ad_reader_mapped(opened, &mappedLength) {
            // The whole file is in memory already: parse it in place.
            buffer = UnsafeMutablePointer(mutating: mapped)
            capacity = mappedLength
            length = mappedLength
            endOfInput = true
            isMapped = true
        } else {
            capacity = max(chunkSize, 64)
            buffer = .allocate(capacity: capacity)
        }
        starts = .allocate(capacity: fieldCapacity)
        ends = .allocate(capacity: fieldCapacity)
        escaped = .allocate(capacity: fieldCapacity)
    }

    deinit {
        if !isMapped { buffer.deallocate() }
        if let reader { ad_reader_close(reader) }
        starts.deallocate()
        ends.deallocate()
        escaped.deallocate()
    }

    /// Location of field `index` (0-based) of the current record.
    func location(field index: Int) -> FileLocation {
        FileLocation(file: path, line: line, column: index + 1)
    }

    /// Advances to the next record.
    /// - Returns: `false` at the end of the input.
    /// - Throws: `DataError` for an unterminated or malformed quote, a damaged gzip stream or a read error.
    func next() throws -> Bool {
        while true {
            if position >= length {
                if endOfInput { return false }
                try fill()
                continue
            }
            switch try parseRecord() {
            case .record: return true
            case .blank: continue
            case .needMore: try fill()
            }
        }
    }

    /// Calls `body` with the bytes of field `index` (quotes removed, doubled quotes undone).
    @inline(__always)
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = starts[index], end = ends[index]
        if !escaped[index] {
            return try body(UnsafeBufferPointer(start: buffer + start, count: end - start))
        }
        scratch.removeAll(keepingCapacity: true)
        var i = start
        while i < end {
            scratch.append(buffer[i])
            i += (buffer[i] == UInt8(ascii: "\"")) ? 2 : 1
        }
        return try scratch.withUnsafeBufferPointer(body)
    }

    /// Field `index` as a number: `NaN` for a missing token, `nil` for text that is not a number.
    ///
    /// - Throws: `DataError.nonFinite` (the value cut to a readable length) for `inf` or a number beyond the
    ///   float range.
    func number(_ index: Int, column: String) throws -> Float? {
        try withField(index) { bytes in
            if TokenClass.isMissing(bytes) { return .nan }
            var value: Float = 0
            let status = ad_parse_float(bytes.baseAddress, bytes.count, &value)
            if status == Int32(AD_PARSE_FINITE) { return value }
            if status == Int32(AD_PARSE_NON_FINITE) {
                throw DataError.nonFinite(location(field: index), column: column, found: Self.excerpt(bytes))
            }
            return nil
        }
    }

    /// Field `index`'s text cut to 64 bytes with a note of its full length, for messages.
    func excerpt(_ index: Int) -> String {
        withField(index) { Self.excerpt($0) }
    }

    static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count > 64 else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<64]), as: UTF8.self) + "… (\(bytes.count) bytes)"
    }

    /// Field `index` as a string.
    func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// All fields of the current record as strings.
    func strings() -> [String] {
        (0..<fieldCount).map(string)
    }

    /// The fields of a header record, a UTF-8 byte-order mark (as spreadsheet exports write) dropped from
    /// the first name.
    func headerStrings() -> [String] {
        var names = strings()
        if let first = names.first, first.unicodeScalars.first == "\u{FEFF}" {
            names[0] = String(String.UnicodeScalarView(first.unicodeScalars.dropFirst()))
        }
        return names
    }

    /// Parses runs of simple numeric records with the C hot path (see `ad_csv_fast_rows`) into
    /// `batches`, using a second thread for the second half of a large buffer.
    ///
    /// The buffer is cut at a line feed near its middle. The first half is parsed up to the cut
    /// and the second from it, at once; the second half counts only when the first reached the cut
    /// without meeting anything unusual, which proves the cut is a record boundary (a quote
    /// before it would have stopped the first half).
    /// - Returns: the number of batches filled (0 when the next record needs ``next()``).
    func fastBatches(width: Int, kinds: [UInt8], numericCount: Int, into batches: inout [NumericBatch]) throws -> Int {
        while true {
            if position >= length && !endOfInput { try fill(); continue }
            let available = length - position
            let region = min(available, parallelRegion)
            // Room for the rows a region holds at the average length seen so far (a batch that
            // fills up just stops early); before any row, at the shortest possible length.
            func rowsIn(_ bytes: Int) -> Int {
                guard let rowBytes = averageRowBytes else { return bytes / max(width, 1) + 1 }
                return Int(Double(bytes) / rowBytes * 1.25) + 64
            }
            if region >= 2 * Self.parallelMinimum, batches.count >= 2,
               let cut = lineEnd(after: position + region / 2), let last = lastLineEnd(before: position + region), cut < last {
                let regions = [(position, cut), (cut, last)]
                for (index, region) in regions.enumerated() {
                    batches[index].prepare(rows: rowsIn(region.1 - region.0), numericCount: numericCount)
                }
                let base = UnsafePointer(buffer)
                batches.withUnsafeMutableBufferPointer { parts in
                    Parallel.forEachPart(2, sharing: (parts, base)) { index, shared in
                        let (parts, base) = shared
                        parts[index].parse(base + regions[index].0, count: regions[index].1 - regions[index].0,
                                           atEnd: true, width: width, kinds: kinds)
                    }
                }
                let first = batches[0]
                guard first.rows > 0 else { return 0 }
                averageRowBytes = Double(first.consumed) / Double(first.rows)
                batches[0].firstLine = nextLine
                if first.consumed == cut - position, batches[1].rows > 0 {
                    batches[1].firstLine = nextLine + first.rows
                    position = cut + batches[1].consumed
                    nextLine += first.rows + batches[1].rows
                    line = nextLine - 1
                    return 2
                }
                position += first.consumed
                nextLine += first.rows
                line = nextLine - 1
                return 1
            }
            batches[0].prepare(rows: rowsIn(region), numericCount: numericCount)
            let stop = batches[0].parse(UnsafePointer(buffer) + position, count: available, atEnd: endOfInput,
                                        width: width, kinds: kinds)
            if batches[0].rows > 0 {
                averageRowBytes = Double(batches[0].consumed) / Double(batches[0].rows)
                batches[0].firstLine = nextLine
                position += batches[0].consumed
                nextLine += batches[0].rows
                line = nextLine - 1
                return 1
            }
            if stop == Int32(AD_FAST_STOP_INCOMPLETE) && !endOfInput { try fill(); continue }
            return 0
        }
    }

    /// Bytes below which a buffer is parsed on one thread.
    static let parallelMinimum = 1 << 18
    /// Bytes parsed by one call on two threads; bounds the batches' memory (a profile, which keeps
    /// no values, uses smaller regions).
    var parallelRegion = 1 << 23
    private var averageRowBytes: Double?

    private func lineEnd(after offset: Int) -> Int? {
        var i = offset
        while i < length {
            if buffer[i] == UInt8(ascii: "\n") { return i + 1 }
            i += 1
        }
        return nil
    }

    private func lastLineEnd(before limit: Int) -> Int? {
        var i = limit - 1
        while i >= position {
            if buffer[i] == UInt8(ascii: "\n") { return i + 1 }
            i -= 1
        }
        return nil
    }

    // MARK: - Reading

    /// Lets the system drop the pages of a memory-mapped file that were parsed already, so a streaming reader's
    /// resident memory stays bounded on a file of any size (nothing before the current record is read again).
    func releaseParsedPages() {
        guard isMapped else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = (position / page) * page
        guard end > releasedUpTo else { return }
        madvise(UnsafeMutableRawPointer(buffer + releasedUpTo), end - releasedUpTo, Int32(MADV_DONTNEED))
        releasedUpTo = end
    }
    private var releasedUpTo = 0

    /// Called before reading more input from a stream (not a mapped file), that is, before a read that may
    /// wait: a live consumer (`score -` on a pipe) emits what it has parsed so far.
    var willRead: (() throws -> Void)?

    private func fill() throws {
        try willRead?()
        if position > 0 {
            let remaining = length - position
            if remaining > 0 { buffer.update(from: buffer + position, count: remaining) }
            length = remaining
            position = 0
        }
        if length == capacity {
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            larger.update(from: buffer, count: length)
            buffer.deallocate()
            buffer = larger
            capacity *= 2
        }
        var message = [CChar](repeating: 0, count: 256)
        let count = ad_reader_read(reader, buffer + length, capacity - length, &message, 256)
        if count < 0 {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if isCompressed { throw DataError.corruptCompressedStream(file: path, reason: reason) }
            throw DataError.unreadable(file: path, reason: reason)
        }
        if count == 0 { endOfInput = true }
        length += count
    }

    private enum Outcome { case record, blank, needMore }

    @inline(__always)
    private func addField(_ count: inout Int, _ start: Int, _ end: Int, _ hasEscapes: Bool) {
        if count == fieldCapacity { growFields() }
        starts[count] = start
        ends[count] = end
        escaped[count] = hasEscapes
        count += 1
    }

    private func growFields() {
        let newCapacity = fieldCapacity * 2
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let newEscaped = UnsafeMutablePointer<Bool>.allocate(capacity: newCapacity)
        newStarts.update(from: starts, count: fieldCapacity)
        newEnds.update(from: ends, count: fieldCapacity)
        newEscaped.update(from: escaped, count: fieldCapacity)
        starts.deallocate(); ends.deallocate(); escaped.deallocate()
        starts = newStarts; ends = newEnds; escaped = newEscaped
        fieldCapacity = newCapacity
    }

    private func parseRecord() throws -> Outcome {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let end = length
        var p = position
        var count = 0
        var linesInside = 0
        let b = buffer
        // A blank line is skipped.
        if b[p] == lf { position = p + 1; nextLine += 1; return .blank }
        if b[p] == cr {
            if p + 1 >= end && !endOfInput { return .needMore }
            position = (p + 1 < end && b[p + 1] == lf) ? p + 2 : p + 1
            nextLine += 1
            return .blank
        }
        while true {
            if p < end && b[p] == quote {
                let openedAt = p
                p += 1
                let contentStart = p
                var hasEscapes = false
                while true {
                    while p < end && b[p] != quote {
                        // A line ends at LF, CRLF or a lone CR, inside quotes as outside (b[p - 1] is in the record).
                        if b[p] == cr || (b[p] == lf && b[p - 1] != cr) { linesInside += 1 }
                        p += 1
                    }
                    if p >= end {
                        if endOfInput {
                            line = nextLine
                            throw DataError.unterminatedQuote(FileLocation(file: path, line: nextLine, column: count + 1))
                        }
                        _ = openedAt
                        return .needMore
                    }
                    // b[p] is a quote: doubled (escaped) or closing.
                    if p + 1 >= end && !endOfInput { return .needMore }
                    if p + 1 < end && b[p + 1] == quote {
                        hasEscapes = true
                        p += 2
                        continue
                    }
                    break
                }
                addField(&count, contentStart, p, hasEscapes)
                p += 1
                if p < end && b[p] != comma && b[p] != lf && b[p] != cr {
                    line = nextLine
                    let found = String(decoding: [b[p]], as: UTF8.self)
                    throw DataError.malformedQuote(FileLocation(file: path, line: nextLine + linesInside, column: count), found: found)
                }
            } else {
                let start = p
                while p < end {
                    let c = b[p]
                    if c == comma || c == lf || c == cr { break }
                    p += 1
                }
                if p >= end && !endOfInput { return .needMore }
                addField(&count, start, p, false)
            }
            // p is at a comma, a line end, or the end of the input.
            if p >= end {
                if !endOfInput { return .needMore }
                break
            }
            let c = b[p]
            if c == comma {
                p += 1
                if p >= end {
                    if !endOfInput { return .needMore }
                    addField(&count, p, p, false) // trailing comma at the very end: one empty field
                    break
                }
                continue
            }
            if c == lf { p += 1; break }
            // CR or CRLF
            if p + 1 >= end && !endOfInput { return .needMore }
            p += (p + 1 < end && b[p + 1] == lf) ? 2 : 1
            break
        }
        line = nextLine
        nextLine += 1 + linesInside
        position = p
        fieldCount = count
        return .record
    }
}
