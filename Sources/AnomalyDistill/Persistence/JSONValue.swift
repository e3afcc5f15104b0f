import Foundation

/// A JSON document as a value: what model metadata stores where later layers put their own types.
///
/// Model files keep their schema, preprocessing statistics, architecture, calibration and
/// training summary as JSON inside the header. Each layer encodes its own `Codable` type into a
/// `JSONValue` with ``init(encoding:)`` and gets it back with ``decode(_:)``, so the file
/// format does not depend on those types.
///
/// Numbers are `Double`s: integers are exact up to 2^53.
public enum JSONValue: Sendable, Hashable {
    /// `text` as a JSON string literal, quotes included, escaped as the model files' headers are.
    public static func literal(_ text: String) -> String { JSONText.string(text) }

    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON form of an `Encodable` value.
    ///
    /// - Throws: `EncodingError` when the value cannot be encoded (for example a NaN `Double`).
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes a `Decodable` value from this JSON.
    ///
    /// - Throws: `DecodingError` when the JSON does not have the structure `T` expects.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let data = try JSONEncoder().encode(self)
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// The value for `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { members[key] } else { nil }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }
}
