/// Errors in model files: reading, validating and writing `.safetensors` files and model bundles.
///
/// Each case names the file (or `<memory>` for bytes that never were a file) and the tensor or
/// field concerned, so that its description can be printed as `Error: FILE: what was expected,
/// what was found`.
public enum ModelError: Error, Sendable, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// The file ends before the bytes its header promises (or before the 8-byte header length).
    case truncated(file: String, expected: Int, found: Int)
    /// The header length is over the limit of the reference implementation (100 MB).
    case headerTooLarge(file: String, size: UInt64, limit: Int)
    /// The header is not valid UTF-8 JSON of the expected structure.
    case invalidHeader(file: String, reason: String)
    /// A tensor's `data_offsets` do not follow the previous tensor's end, or bytes are left over.
    case badOffsets(file: String, tensor: String, reason: String)
    /// A tensor's `dtype` is not one the format defines.
    case unknownDType(file: String, tensor: String, found: String)
    /// Bytes are left after the end of the last tensor's data.
    case trailingBytes(file: String, expected: Int, found: Int)
    /// A tensor's shape and dtype need a different number of bytes than it has.
    case shapeMismatch(file: String, tensor: String, dtype: Tensor.DType, shape: [Int], byteCount: Int)
    /// Two tensors to be written have the same name, or a name is reserved.
    case invalidTensorName(file: String, name: String, reason: String)
    /// A typed accessor was used on a tensor of another element type.
    case wrongDType(tensor: String, expected: Tensor.DType, found: Tensor.DType)
    /// A tensor does not have the rank an operation needs (2 for a matrix).
    case wrongRank(tensor: String, expected: Int, shape: [Int])
    /// A tensor the model needs is not in the file.
    case missingTensor(file: String, name: String)
    /// A tensor the model needs has another shape than expected.
    case wrongShape(file: String, tensor: String, expected: [Int], found: [Int])
    /// A weight is NaN or infinite; `index` is the element's position in row-major order.
    case nonFiniteWeight(file: String, tensor: String, index: Int)
    /// The file has no `anomaly_distill` entry in its `__metadata__`.
    case notAnAnomalyDistillModel(file: String)
    /// The `anomaly_distill` entry is not a JSON document of the expected structure.
    case invalidMetadata(file: String, reason: String)
    /// The model was written by a format version this library cannot read.
    case unsupportedFormatVersion(file: String, found: Int, supported: Int)
    /// The model is of another kind than the caller asked for.
    case wrongModelKind(file: String, expected: String, found: String)
    /// The model reads windows of past readings (state between rows), and the caller scores rows one at a time.
    case windowed(file: String, length: Int, use: String)
}

extension ModelError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the model file: \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write the model file: \(reason)"
        case let .truncated(file, expected, found):
            return "\(file): the file is truncated: expected at least \(expected) bytes, found \(found)"
        case let .headerTooLarge(file, size, limit):
            return "\(file): expected a safetensors header of at most \(limit) bytes, found a header length of \(size)"
        case let .invalidHeader(file, reason):
            return "\(file): expected a safetensors JSON header, found \(reason)"
        case let .badOffsets(file, tensor, reason):
            return "\(file): invalid data_offsets for tensor \(tensor.debugDescription): \(reason)"
        case let .unknownDType(file, tensor, found):
            let known = Tensor.DType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(file): tensor \(tensor.debugDescription) has unknown dtype \(found.debugDescription); "
                + "expected one of \(known)"
        case let .trailingBytes(file, expected, found):
            return "\(file): expected the file to end after the last tensor at byte \(expected), found \(found) bytes; "
                + "every byte must belong to a tensor"
        case let .shapeMismatch(file, tensor, dtype, shape, byteCount):
            let subject = "\(file): tensor \(tensor.debugDescription) of dtype \(dtype) and shape \(shape)"
            guard let count = Tensor.elementCount(of: shape) else {
                return "\(subject) has too many elements to count, found \(byteCount) bytes"
            }
            guard let expected = dtype.byteCount(elements: count) else {
                return "\(subject): \(count) elements of \(dtype.bitsPerElement) bits are not a whole number of bytes"
            }
            return "\(subject) needs \(expected) bytes, found \(byteCount)"
        case let .invalidTensorName(file, name, reason):
            return "\(file): invalid tensor name \(name.debugDescription): \(reason)"
        case let .wrongDType(tensor, expected, found):
            return "tensor \(tensor.debugDescription): expected dtype \(expected), found \(found)"
        case let .wrongRank(tensor, expected, shape):
            return "tensor \(tensor.debugDescription): expected \(expected) dimensions, found shape \(shape)"
        case let .missingTensor(file, name):
            return "\(file): expected a tensor named \(name.debugDescription), found none"
        case let .wrongShape(file, tensor, expected, found):
            return "\(file): tensor \(tensor.debugDescription): expected shape \(expected), found \(found)"
        case let .nonFiniteWeight(file, tensor, index):
            return "\(file): tensor \(tensor.debugDescription): expected finite weights, "
                + "found NaN or infinity at element \(index)"
        case let .notAnAnomalyDistillModel(file):
            return "\(file): not an AnomalyDistill model: expected an \"anomaly_distill\" entry in the __metadata__ "
                + "of the header, found none"
        case let .invalidMetadata(file, reason):
            return "\(file): invalid \"anomaly_distill\" metadata: \(reason)"
        case let .unsupportedFormatVersion(file, found, supported):
            let hint = found > supported ? "; a newer AnomalyDistill wrote it, upgrade to read it" : ""
            let range = supported == 1 ? "1" : "1 to \(supported)"
            return "\(file): expected model format version \(range), found \(found)\(hint)"
        case let .wrongModelKind(file, expected, found):
            return "\(file): expected a model of kind \(expected.debugDescription), found \(found.debugDescription)"
        case let .windowed(file, length, use):
            return "\(file): the model reads windows of \(length) readings, so it keeps state from row to row and \(use) cannot take it; score its streams with `anomaly-distill score` (a file or standard input)"
        }
    }
}
