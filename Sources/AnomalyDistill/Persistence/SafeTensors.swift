import Foundation

/// The contents of a `.safetensors` file: named tensors plus an optional string-to-string metadata map.
///
/// The format (Hugging Face, <https://github.com/huggingface/safetensors>) is, in order:
/// 1. 8 bytes: `N`, the header length, an unsigned 64-bit little-endian integer;
/// 2. `N` bytes: a UTF-8 JSON object mapping each tensor name to
///    `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`, plus an optional
///    `"__metadata__"` object whose values are all strings; writers pad it with spaces to a
///    multiple of 8 bytes so that the tensor data that follows is aligned;
/// 3. the tensor data: each tensor's little-endian, row-major bytes, at offsets relative to the
///    first byte after the header, one after the other with no gap and no overlap, covering the
///    rest of the file exactly.
///
/// Reading validates what the reference implementation validates (header at most 100 MB, valid
/// UTF-8 JSON, known dtypes, contiguous offsets, byte lengths matching shape × element size,
/// nothing left over) and throws a ``ModelError`` naming the file and the tensor otherwise.
/// Writing produces the same bytes the reference implementation (Python's
/// `safetensors.numpy.save_file`) does for the same tensors and a metadata map of one key.
public struct SafeTensors: Sendable, Equatable {
    /// The largest header the reference implementation accepts, in bytes.
    public static let maximumHeaderSize = 100_000_000

    /// How ``encoded(layout:file:)`` orders the tensors' data.
    public enum Layout: Sendable, Hashable {
        /// As the reference implementation does: by decreasing element alignment (`U64`, `I64`,
        /// `F64`, ..., `F32`, ..., `U8`, `BOOL`), then by name, so that every tensor starts at a
        /// multiple of its element size.
        case aligned
        /// In the order of ``SafeTensors/tensors``.
        case given
    }

    /// The tensors, in the order of their data in the file when read.
    public var tensors: [Tensor]
    /// The header's `__metadata__` map, `nil` when the header has none.
    public var metadata: [String: String]?

    /// Tensors and metadata to be written.
    public init(tensors: [Tensor], metadata: [String: String]? = nil) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor with the given name, if there is one.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    /// The tensors keyed by name.
    public var tensorsByName: [String: Tensor] {
        Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads and validates a `.safetensors` file.
    ///
    /// - Parameter url: The file.
    /// - Throws: ``ModelError/unreadable(file:reason:)`` when the file cannot be read, and the
    ///   errors of ``init(decoding:file:)`` when its contents are invalid.
    public init(contentsOf url: URL) throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw ModelError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(decoding: bytes, file: url.path)
    }

    /// Writes the tensors and metadata to a file, replacing it atomically.
    ///
    /// - Throws: the errors of ``encoded(layout:file:)``, and
    ///   ``ModelError/unwritable(file:reason:)`` when the file cannot be written.
    public func write(to url: URL, layout: Layout = .aligned) throws {
        let bytes = try encoded(layout: layout, file: url.path)
        let file = try OutputFile.opening(url.path)
        do {
            try bytes.withUnsafeBytes { try file.write($0) }
        } catch let DataError.unwritable(_, reason) {
            throw ModelError.unwritable(file: url.path, reason: reason)
        }
        try file.committing()
    }
}
