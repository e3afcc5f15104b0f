import Foundation

extension SafeTensors {
    /// Parses and validates the bytes of a `.safetensors` file.
    ///
    /// The checks follow the reference implementation: at least 8 bytes; a header length of at
    /// most ``maximumHeaderSize`` that fits in the file; a UTF-8 JSON object whose
    /// `__metadata__`, if present, maps strings to strings and whose other entries each have a
    /// known `dtype`, a `shape` of non-negative integers and two `data_offsets`; taken in offset
    /// order, each tensor begins where the previous one ended (the first at 0), spans exactly
    /// shape × element size bytes, and the last one ends at the end of the file.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - file: The name to use in errors.
    /// - Throws: ``ModelError/truncated(file:expected:found:)``,
    ///   ``ModelError/headerTooLarge(file:size:limit:)``, ``ModelError/invalidHeader(file:reason:)``,
    ///   ``ModelError/unknownDType(file:tensor:found:)``, ``ModelError/badOffsets(file:tensor:reason:)``,
    ///   ``ModelError/shapeMismatch(file:tensor:dtype:shape:byteCount:)`` or
    ///   ``ModelError/trailingBytes(file:expected:found:)``.
    /// - Complexity: O(n log n) in the number of tensors plus O(m) in the number of bytes.
    public init(decoding bytes: Data, file: String = "<memory>") throws {
        let bytes = bytes.startIndex == 0 ? bytes : Data(bytes)
        guard bytes.count >= 8 else { throw ModelError.truncated(file: file, expected: 8, found: bytes.count) }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderSize) else {
            throw ModelError.headerTooLarge(file: file, size: headerLength, limit: Self.maximumHeaderSize)
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= bytes.count else {
            throw ModelError.truncated(file: file, expected: dataStart, found: bytes.count)
        }
        let header = try RawHeader.decode(bytes[8..<dataStart], file: file)

        var entries: [(name: String, dtype: Tensor.DType, shape: [Int], begin: Int, end: Int)] = []
        entries.reserveCapacity(header.tensors.count)
        for (name, info) in header.tensors {
            guard let dtype = Tensor.DType(rawValue: info.dtype) else {
                throw ModelError.unknownDType(file: file, tensor: name, found: info.dtype)
            }
            guard info.shape.allSatisfy({ $0 >= 0 }) else {
                let reason = "a negative dimension in the shape \(info.shape) of tensor \(name.debugDescription)"
                throw ModelError.invalidHeader(file: file, reason: reason)
            }
            guard info.dataOffsets.count == 2, info.dataOffsets.allSatisfy({ $0 >= 0 }) else {
                throw ModelError.badOffsets(
                    file: file, tensor: name,
                    reason: "expected two non-negative byte offsets [begin, end], found \(info.dataOffsets)")
            }
            entries.append((name, dtype, info.shape, info.dataOffsets[0], info.dataOffsets[1]))
        }
        // Writers may list tensors in any order; the data must still be contiguous in offset order.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }

        let dataCount = bytes.count - dataStart
        var cursor = 0
        var previous: String?
        var tensors: [Tensor] = []
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            guard entry.begin == cursor, entry.end >= entry.begin else {
                let reason: String
                if entry.end < entry.begin {
                    reason = "ends at byte \(entry.end), before it begins at byte \(entry.begin)"
                } else if entry.begin < cursor, let previous {
                    reason = "begins at byte \(entry.begin), inside tensor \(previous.debugDescription) which ends "
                        + "at byte \(cursor); tensors must not overlap"
                } else {
                    reason = "expected it to begin at byte \(cursor) where the previous tensor ends, "
                        + "found \(entry.begin); the data must have no gaps"
                }
                throw ModelError.badOffsets(file: file, tensor: entry.name, reason: reason)
            }
            let byteCount = entry.end - entry.begin
            guard let count = Tensor.elementCount(of: entry.shape),
                  entry.dtype.byteCount(elements: count) == byteCount
            else {
                throw ModelError.shapeMismatch(file: file, tensor: entry.name, dtype: entry.dtype, shape: entry.shape,
                                               byteCount: byteCount)
            }
            cursor = entry.end
            previous = entry.name
            guard cursor <= dataCount else {
                throw ModelError.truncated(file: file, expected: dataStart + cursor, found: bytes.count)
            }
            let slice = bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]
            tensors.append(try Tensor(name: entry.name, dtype: entry.dtype, shape: entry.shape, data: Data(slice)))
        }
        guard cursor == dataCount else {
            throw ModelError.trailingBytes(file: file, expected: dataStart + cursor, found: bytes.count)
        }
        self.init(tensors: tensors, metadata: header.metadata)
    }
}

// MARK: - Header JSON

/// The JSON header as written: tensor entries and the optional metadata map.
struct RawHeader: Decodable {
    struct TensorInfo: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let metadataKey = "__metadata__"

    var metadata: [String: String]?
    var tensors: [(name: String, info: TensorInfo)] = []

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == Self.metadataKey {
                metadata = try container.decodeIfPresent([String: String].self, forKey: key)
            } else {
                tensors.append((key.stringValue, try container.decode(TensorInfo.self, forKey: key)))
            }
        }
    }

    /// Decodes header bytes, turning every failure into ``ModelError/invalidHeader(file:reason:)``.
    static func decode(_ bytes: Data, file: String) throws -> RawHeader {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ModelError.invalidHeader(file: file, reason: "bytes that are not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(RawHeader.self, from: bytes)
        } catch let error as DecodingError {
            throw ModelError.invalidHeader(file: file, reason: reason(for: error, in: bytes))
        } catch {
            throw ModelError.invalidHeader(file: file, reason: "invalid JSON (\(error))")
        }
    }

    private static func reason(for error: DecodingError, in bytes: Data) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            if context.codingPath.first?.stringValue == metadataKey {
                return "a value that is not a string at \(path(context)); metadata values must be strings"
            }
            if context.codingPath.isEmpty {
                return "a JSON value that is not an object"
            }
            return "a value of the wrong type at \(path(context)) (\(context.debugDescription))"
        case let .keyNotFound(key, context):
            return "no \(key.stringValue.debugDescription) in the entry \(path(context))"
        case let .dataCorrupted(context):
            // `JSONDecoder` says little about syntax errors; `JSONSerialization` says where they are.
            do {
                _ = try JSONSerialization.jsonObject(with: bytes)
            } catch {
                let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                return "invalid JSON (\(detail ?? context.debugDescription))"
            }
            let location = context.codingPath.isEmpty ? "" : " at \(path(context))"
            return "a number that is not an integer or is out of range\(location); "
                + "shapes and data_offsets hold non-negative integers"
        @unknown default:
            return "invalid JSON (\(error))"
        }
    }
}
