import Foundation

extension SafeTensors {
    /// The bytes of a `.safetensors` file holding these tensors and metadata.
    ///
    /// The header is compact JSON with `__metadata__` first (its keys sorted), then one entry per
    /// tensor in data order, each as `{"dtype":…,"shape":[…],"data_offsets":[begin,end]}`, padded
    /// with spaces to a multiple of 8 bytes. Element data is written little-endian.
    ///
    /// - Parameters:
    ///   - layout: The order of the tensors' data; ``Layout/aligned`` (the default) matches the
    ///     reference implementation.
    ///   - file: The name to use in errors.
    /// - Returns: The file's bytes.
    /// - Throws: ``ModelError/invalidTensorName(file:name:reason:)`` for a duplicate name or the
    ///   reserved name `__metadata__`; ``ModelError/headerTooLarge(file:size:limit:)`` when the
    ///   header would exceed ``maximumHeaderSize``.
    /// - Complexity: O(n log n) in the number of tensors plus O(m) in the number of bytes.
    public func encoded(layout: Layout = .aligned, file: String = "<memory>") throws -> Data {
        var seen = Set<String>()
        for tensor in tensors {
            guard tensor.name != RawHeader.metadataKey else {
                throw ModelError.invalidTensorName(file: file, name: tensor.name,
                                                   reason: "the name is reserved for the metadata map")
            }
            guard seen.insert(tensor.name).inserted else {
                throw ModelError.invalidTensorName(file: file, name: tensor.name, reason: "two tensors have this name")
            }
        }
        let ordered: [Tensor]
        switch layout {
        case .given:
            ordered = tensors
        case .aligned:
            // Rust's `str` ordering is bytewise, so compare UTF-8 bytes rather than `String`s.
            ordered = tensors.sorted { left, right in
                if left.dtype.layoutRank != right.dtype.layoutRank {
                    return left.dtype.layoutRank > right.dtype.layoutRank
                }
                return left.name.utf8.lexicographicallyPrecedes(right.name.utf8)
            }
        }

        var header = "{"
        var needsComma = false
        if let metadata {
            header += JSONText.string(RawHeader.metadataKey) + ":{"
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            header += keys.map { key in
                JSONText.string(key) + ":" + JSONText.string(metadata[key] ?? "")
            }.joined(separator: ",")
            header += "}"
            needsComma = true
        }
        var offset = 0
        for tensor in ordered {
            if needsComma { header += "," }
            needsComma = true
            let end = offset + tensor.data.count
            header += JSONText.string(tensor.name)
            header += ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":["
            header += tensor.shape.map(String.init).joined(separator: ",")
            header += "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"

        var headerBytes = Data(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        guard headerBytes.count <= Self.maximumHeaderSize else {
            throw ModelError.headerTooLarge(file: file, size: UInt64(headerBytes.count), limit: Self.maximumHeaderSize)
        }

        var bytes = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(headerBytes)
        for tensor in ordered {
            bytes.append(tensor.data)
        }
        return bytes
    }
}

/// JSON text for header strings, escaped as serde_json (the reference's serializer) escapes them:
/// `"` and `\` with a backslash, `\b \f \n \r \t` by name, other control characters as `\u00XX`
/// (lowercase hex), everything else (non-ASCII included) as UTF-8.
enum JSONText {
    static func string(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
