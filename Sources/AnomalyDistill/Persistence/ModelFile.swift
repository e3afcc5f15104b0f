import Foundation

/// A model bundle: one `.safetensors` file whose tensors hold the weights and whose header's
/// `__metadata__` holds one key, `anomaly_distill`, with a JSON ``ModelMetadata`` document.
///
/// Python's `safetensors` reads the tensors of such a file unchanged; the metadata is a plain
/// string to it. Loading checks, in order: the safetensors structure, the presence of the
/// `anomaly_distill` entry, its format version, its structure, the model kind (when asked), and
/// that every floating-point weight is finite.
public struct ModelFile: Sendable {
    /// The `__metadata__` key that marks a file as an AnomalyDistill model.
    public static let metadataKey = "anomaly_distill"

    /// What the file says about its model.
    public var metadata: ModelMetadata
    /// The weights, keyed by tensor name.
    public var tensors: [String: Tensor]
    /// Where the model was read from (`<memory>` otherwise); used in errors.
    public var file: String

    /// A model bundle in memory.
    public init(metadata: ModelMetadata, tensors: [Tensor], file: String = "<memory>") {
        self.metadata = metadata
        self.tensors = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.file = file
    }

    // MARK: Reading

    /// Reads and validates a model file.
    ///
    /// - Parameters:
    ///   - url: The `.safetensors` file.
    ///   - kind: The model kind the caller needs (`"student_mlp"`, ...); `nil` accepts any.
    /// - Returns: The metadata and the tensors by name.
    /// - Throws: ``ModelError``: every error of ``SafeTensors/init(decoding:file:)``, then
    ///   ``ModelError/notAnAnomalyDistillModel(file:)``,
    ///   ``ModelError/unsupportedFormatVersion(file:found:supported:)``,
    ///   ``ModelError/invalidMetadata(file:reason:)``,
    ///   ``ModelError/wrongModelKind(file:expected:found:)`` or
    ///   ``ModelError/nonFiniteWeight(file:tensor:index:)``.
    public static func read(from url: URL, kind: String? = nil) throws -> ModelFile {
        try ModelFile(decoding: bytes(of: url), file: url.path, kind: kind)
    }

    /// The bytes of a model file, undecoded.
    /// - Throws: ``ModelError/unreadable(file:reason:)``.
    public static func bytes(of url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ModelError.unreadable(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Parses and validates the bytes of a model file; see ``read(from:kind:)``.
    public init(decoding bytes: Data, file: String = "<memory>", kind: String? = nil) throws {
        let container = try SafeTensors(decoding: bytes, file: file)
        guard let text = container.metadata?[Self.metadataKey] else {
            throw ModelError.notAnAnomalyDistillModel(file: file)
        }
        let metadata = try Self.decodeMetadata(text, file: file)
        if let kind, metadata.kind != kind {
            throw ModelError.wrongModelKind(file: file, expected: kind, found: metadata.kind)
        }
        try Self.checkFinite(container.tensors, file: file)
        self.init(metadata: metadata, tensors: container.tensors, file: file)
    }

    /// Decodes the `anomaly_distill` document, checking the version before the structure so that
    /// a file from a newer library is reported as such rather than as malformed.
    private static func decodeMetadata(_ text: String, file: String) throws -> ModelMetadata {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            let shown = text.prefix(40).debugDescription
            throw ModelError.invalidMetadata(file: file, reason: "expected a JSON document, found \(shown)")
        }
        guard case let .number(version)? = document[ModelMetadata.CodingKeys.formatVersion.rawValue],
              let formatVersion = Int(exactly: version)
        else {
            throw ModelError.invalidMetadata(file: file, reason: "expected an integer \"format_version\", found none")
        }
        guard (1...ModelMetadata.currentFormatVersion).contains(formatVersion) else {
            throw ModelError.unsupportedFormatVersion(file: file, found: formatVersion,
                                                      supported: ModelMetadata.currentFormatVersion)
        }
        do {
            return try document.decode(ModelMetadata.self)
        } catch let error as DecodingError {
            throw ModelError.invalidMetadata(file: file, reason: describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, _):
            return "expected a \(key.stringValue.debugDescription) entry, found none"
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return "expected a value of type \(type) at \(path(context).debugDescription)"
        case let .dataCorrupted(context):
            return context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }

    private static func checkFinite(_ tensors: [Tensor], file: String) throws {
        for tensor in tensors {
            if let index = tensor.firstNonFiniteIndex() {
                throw ModelError.nonFiniteWeight(file: file, tensor: tensor.name, index: index)
            }
        }
    }

    // MARK: Writing

    /// Writes a model file, replacing any file at `url` atomically.
    ///
    /// - Parameters:
    ///   - tensors: The weights; names must be unique.
    ///   - metadata: The model description, stored as the `anomaly_distill` metadata entry.
    ///   - url: The destination.
    /// - Throws: ``ModelError/nonFiniteWeight(file:tensor:index:)`` for a NaN or infinite
    ///   weight, ``ModelError/unsupportedFormatVersion(file:found:supported:)`` for a version this
    ///   library could not read back, ``ModelError/invalidMetadata(file:reason:)`` when the
    ///   metadata cannot be encoded, the errors of ``SafeTensors/encoded(layout:file:)``, and
    ///   ``ModelError/unwritable(file:reason:)``.
    public static func write(tensors: [Tensor], metadata: ModelMetadata, to url: URL) throws {
        let file = try OutputFile.opening(url.path)
        try write(tensors: tensors, metadata: metadata, to: file)
        try file.committing()
    }

    /// Writes a model file's bytes into an output opened beforehand (a command checks its outputs before
    /// the work starts and commits them together after it); ``OutputFile/commit()`` makes it visible.
    public static func write(tensors: [Tensor], metadata: ModelMetadata, to file: OutputFile) throws {
        let bytes = try encoded(tensors: tensors, metadata: metadata, file: file.path)
        do {
            try bytes.withUnsafeBytes { try file.write($0) }
        } catch let DataError.unwritable(_, reason) {
            throw ModelError.unwritable(file: file.path, reason: reason)
        }
    }

    /// The bytes of a model file; see ``write(tensors:metadata:to:)``.
    public static func encoded(tensors: [Tensor], metadata: ModelMetadata, file: String = "<memory>") throws -> Data {
        guard (1...ModelMetadata.currentFormatVersion).contains(metadata.formatVersion) else {
            throw ModelError.unsupportedFormatVersion(file: file, found: metadata.formatVersion,
                                                      supported: ModelMetadata.currentFormatVersion)
        }
        try checkFinite(tensors, file: file)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: Data
        do {
            json = try encoder.encode(metadata)
        } catch {
            throw ModelError.invalidMetadata(file: file, reason: "cannot encode the metadata as JSON: \(error)")
        }
        let container = SafeTensors(tensors: tensors, metadata: [metadataKey: String(decoding: json, as: UTF8.self)])
        return try container.encoded(file: file)
    }

    // MARK: Lookup

    /// The tensor with the given name, checked against the shape the caller expects.
    ///
    /// - Parameters:
    ///   - name: The tensor's name.
    ///   - shape: The expected shape, or `nil` to accept any.
    /// - Throws: ``ModelError/missingTensor(file:name:)`` or
    ///   ``ModelError/wrongShape(file:tensor:expected:found:)``.
    public func tensor(named name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let tensor = tensors[name] else { throw ModelError.missingTensor(file: file, name: name) }
        if let shape, tensor.shape != shape {
            throw ModelError.wrongShape(file: file, tensor: name, expected: shape, found: tensor.shape)
        }
        return tensor
    }

    /// The `F32` matrix with the given name and shape.
    ///
    /// - Throws: the errors of ``tensor(named:shape:)`` and of ``Tensor/matrix()``.
    public func matrix(named name: String, rows: Int, columns: Int) throws -> Matrix {
        try tensor(named: name, shape: [rows, columns]).matrix()
    }
}

extension ModelFile: Equatable {
    /// Two bundles are equal when their metadata and tensors are; where they came from does not count.
    public static func == (lhs: ModelFile, rhs: ModelFile) -> Bool {
        lhs.metadata == rhs.metadata && lhs.tensors == rhs.tensors
    }
}
