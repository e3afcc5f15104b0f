import Foundation
import Testing

@testable import AnomalyDistill

// MARK: - Helpers

/// A `.safetensors` file assembled by hand: the given header text (padded with spaces to a
/// multiple of 8 unless `pad` is false), preceded by its little-endian length, then `data`.
private func rawFile(header: String, data: [UInt8] = [], pad: Bool = true, length: UInt64? = nil) -> Data {
    var headerBytes = Array(header.utf8)
    if pad {
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
    }
    let n = length ?? UInt64(headerBytes.count)
    return Data((0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + headerBytes + data)
}

/// The error a throwing expression throws, as a `ModelError`.
private func modelError<T>(_ body: () throws -> T) -> ModelError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? ModelError
    }
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Minimal model metadata for tests.
private func metadata(kind: String = "student_mlp", version: Int = ModelMetadata.currentFormatVersion) -> ModelMetadata
{
    ModelMetadata(formatVersion: version, kind: kind, createdBy: "tests")
}

/// The bytes of a file with the given tensors and an `anomaly_distill` entry of the given JSON text.
private func modelBytes(_ tensors: [Tensor], anomalyDistill json: String?) throws -> Data {
    try SafeTensors(tensors: tensors, metadata: json.map { [ModelFile.metadataKey: $0] }).encoded()
}

// MARK: - SafeTensors

@Suite struct SafeTensorsTests {
    /// One tensor of each writable dtype, including scalar (`[]`) and empty shapes.
    static let roundTripTensors: [Tensor] = [
        Tensor(
            name: "f32", shape: [2, 3], floats: [1, -2.5, 0.1, .greatestFiniteMagnitude, -0.0, .leastNonzeroMagnitude]),
        Tensor(name: "f32 scalar", shape: [], floats: [3.25]),
        Tensor(name: "f32 empty", shape: [0, 4], floats: []),
        Tensor(name: "f64", shape: [3], doubles: [0.1, -1e-300, .pi]),
        Tensor(name: "f64 scalar", shape: [], doubles: [-7.5]),
        Tensor(name: "i64", shape: [2, 2], int64s: [.min, .max, 0, -1]),
        Tensor(name: "i64 empty", shape: [0], int64s: []),
        Tensor(name: "i32", shape: [3, 1], int32s: [.min, .max, 42]),
        Tensor(name: "i32 scalar", shape: [], int32s: [-7]),
        Tensor(name: "u8", shape: [4], uint8s: [0, 1, 128, 255]),
        Tensor(name: "u8 empty", shape: [2, 0], uint8s: []),
    ]

    @Test("each dtype and shape survives a write and a read", arguments: roundTripTensors)
    func roundTrip(tensor: Tensor) throws {
        let bytes = try SafeTensors(tensors: [tensor]).encoded()
        let read = try SafeTensors(decoding: bytes)
        #expect(read.tensors == [tensor])
        #expect(read.metadata == nil)
        let back = try #require(read[tensor.name])
        switch tensor.dtype {
        case .f32: #expect(try back.floats().map(\.bitPattern) == tensor.floats().map(\.bitPattern))
        case .f64: #expect(try back.doubles().map(\.bitPattern) == tensor.doubles().map(\.bitPattern))
        case .i64: #expect(try back.int64s() == tensor.int64s())
        case .i32: #expect(try back.int32s() == tensor.int32s())
        case .u8: #expect(try back.uint8s() == tensor.uint8s())
        default: Issue.record("unexpected dtype \(tensor.dtype)")
        }
        #expect(back.elementCount == tensor.shape.reduce(1, *))
    }

    @Test(
        "all tensors and the metadata survive together, whatever the layout",
        arguments: [SafeTensors.Layout.aligned, .given])
    func roundTripAll(layout: SafeTensors.Layout) throws {
        let original = SafeTensors(
            tensors: Self.roundTripTensors,
            metadata: ["note": "é \"quoted\" \\ \n\t\u{01}", "empty": ""])
        let read = try SafeTensors(decoding: original.encoded(layout: layout))
        #expect(read.metadata == original.metadata)
        #expect(read.tensorsByName == original.tensorsByName)
        if layout == .given {
            #expect(read.tensors.map(\.name) == original.tensors.map(\.name))
        }
    }

    @Test("typed values are stored little-endian")
    func littleEndian() throws {
        let tensor = Tensor(name: "x", shape: [2], int32s: [1, -2])
        #expect([UInt8](tensor.data) == [1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF])
        let float = Tensor(name: "y", shape: [], floats: [1])
        #expect([UInt8](float.data) == [0, 0, 0x80, 0x3F])
        let double = Tensor(name: "z", shape: [], doubles: [-2])
        #expect([UInt8](double.data) == [0, 0, 0, 0, 0, 0, 0, 0xC0])
    }

    @Test("a tiny file matches the bytes derived by hand from the format")
    func byteExact() throws {
        let container = SafeTensors(tensors: [Tensor(name: "a", shape: [2], floats: [1, -2])], metadata: ["k": "v"])
        // 79 bytes of compact JSON, one space of padding to reach 80 = 0x50.
        let header = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let expected: [UInt8] =
            [0x50, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [0x20]
            + [0x00, 0x00, 0x80, 0x3F]  // 1.0f = 0x3F800000
            + [0x00, 0x00, 0x00, 0xC0]  // -2.0f = 0xC0000000
        #expect([UInt8](try container.encoded()) == expected)
        #expect(try SafeTensors(decoding: Data(expected)) == container)
    }

    @Test("files without tensors match the reference implementation's bytes")
    func emptyFiles() throws {
        // `{}` padded to 8 bytes.
        #expect([UInt8](try SafeTensors(tensors: []).encoded()) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        // 35 bytes of JSON padded to 40.
        let withMetadata = try SafeTensors(tensors: [], metadata: ["framework": "pt"]).encoded()
        #expect(
            [UInt8](withMetadata) == [40, 0, 0, 0, 0, 0, 0, 0]
                + Array(#"{"__metadata__":{"framework":"pt"}}     "#.utf8))
        #expect(try SafeTensors(decoding: withMetadata).metadata == ["framework": "pt"])
    }

    @Test("the aligned layout orders by decreasing alignment, then by name, as the reference does")
    func alignedLayout() throws {
        let tensors = [
            Tensor(name: "b", shape: [3], uint8s: [1, 2, 3]),
            Tensor(name: "a", shape: [1], floats: [1]),
            Tensor(name: "f", shape: [1], int32s: [1]),
            Tensor(name: "c", shape: [1], int64s: [1]),
            Tensor(name: "d", shape: [], doubles: [2]),
            Tensor(name: "e", shape: [1], floats: [1]),
        ]
        let read = try SafeTensors(decoding: SafeTensors(tensors: tensors).encoded())
        #expect(read.tensors.map(\.name) == ["c", "d", "a", "e", "f", "b"])
        let given = try SafeTensors(decoding: SafeTensors(tensors: tensors).encoded(layout: .given))
        #expect(given.tensors.map(\.name) == tensors.map(\.name))
    }

    @Test("the header is padded so the data starts at a multiple of 8")
    func headerPadding() throws {
        for length in 1...9 {
            let bytes = try SafeTensors(tensors: [
                Tensor(name: String(repeating: "w", count: length), shape: [], floats: [1])
            ])
            .encoded()
            let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(headerLength % 8 == 0)
            #expect(bytes.count == 8 + headerLength + 4)
        }
    }

    @Test("tensors in any header order with offsets in any order are read")
    func unorderedHeader() throws {
        let header =
            #"{"second":{"dtype":"U8","shape":[1],"data_offsets":[4,5]},"first":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}"#
        let read = try SafeTensors(decoding: rawFile(header: header, data: [7, 0, 0, 0, 9]))
        #expect(read.tensors.map(\.name) == ["first", "second"])
        #expect(try read["first"]?.int32s() == [7])
        #expect(try read["second"]?.uint8s() == [9])
    }

    @Test("other dtypes are carried as raw bytes")
    func rawDTypes() throws {
        let bf16 = try Tensor(name: "h", dtype: .bf16, shape: [2], data: Data([0x80, 0x3F, 0x00, 0xC0]))
        let f4 = try Tensor(name: "q", dtype: .f4, shape: [4], data: Data([0x12, 0x34]))
        let read = try SafeTensors(decoding: SafeTensors(tensors: [bf16, f4]).encoded())
        #expect(read["h"] == bf16)
        #expect(read["q"] == f4)
        #expect(throws: ModelError.wrongDType(tensor: "h", expected: .f32, found: .bf16)) { try bf16.floats() }
        // Three 4-bit elements are not a whole number of bytes.
        #expect(throws: ModelError.self) { try Tensor(name: "q", dtype: .f4, shape: [3], data: Data([0, 0])) }
    }

    @Test("matrices convert to F32 tensors of shape [rows, columns] and back")
    func matrices() throws {
        let matrix = Matrix([[1, 2, 3], [4, 5, 6]])
        let tensor = Tensor(name: "w", matrix: matrix)
        #expect(tensor.dtype == .f32)
        #expect(tensor.shape == [2, 3])
        #expect(try tensor.matrix() == matrix)
        #expect(throws: ModelError.wrongRank(tensor: "v", expected: 2, shape: [3])) {
            try Tensor(name: "v", vector: [1, 2, 3]).matrix()
        }
        #expect(throws: ModelError.wrongDType(tensor: "i", expected: .f32, found: .i64)) {
            try Tensor(name: "i", shape: [1, 1], int64s: [1]).matrix()
        }
    }

    @Test("reading and writing real files")
    func files() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("t.safetensors")
        let container = SafeTensors(tensors: Self.roundTripTensors, metadata: ["a": "b"])
        try container.write(to: url)
        #expect(try SafeTensors(contentsOf: url).tensorsByName == container.tensorsByName)
        let missing = directory.appendingPathComponent("missing.safetensors")
        guard case .unreadable(let file, _)? = modelError({ try SafeTensors(contentsOf: missing) }) else {
            Issue.record("expected an unreadable error")
            return
        }
        #expect(file == missing.path)
    }
}

// MARK: - Corrupt input

@Suite struct SafeTensorsCorruptInputTests {
    static let valid = rawFile(
        header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])

    @Test("the valid base file reads")
    func baseline() throws {
        #expect(try SafeTensors(decoding: Self.valid)["a"]?.floats() == [1, 2])
    }

    @Test("a file shorter than the 8-byte header length is truncated")
    func tooShort() {
        #expect(throws: ModelError.truncated(file: "f", expected: 8, found: 5)) {
            try SafeTensors(decoding: Data([1, 2, 3, 4, 5]), file: "f")
        }
        #expect(throws: ModelError.truncated(file: "f", expected: 8, found: 0)) {
            try SafeTensors(decoding: Data(), file: "f")
        }
    }

    @Test("a header length larger than the file is truncation")
    func headerLongerThanFile() {
        let bytes = rawFile(header: "{}", pad: false, length: 1000)
        #expect(throws: ModelError.truncated(file: "f", expected: 1008, found: 10)) {
            try SafeTensors(decoding: bytes, file: "f")
        }
    }

    @Test("tensor data cut short is truncation")
    func truncatedData() {
        let cut = Self.valid.prefix(Self.valid.count - 3)
        #expect(throws: ModelError.truncated(file: "f", expected: Self.valid.count, found: cut.count)) {
            try SafeTensors(decoding: cut, file: "f")
        }
    }

    @Test("a header over 100 MB is rejected before reading it")
    func headerTooLarge() {
        let bytes = rawFile(header: "{}", pad: false, length: 100_000_001)
        #expect(throws: ModelError.headerTooLarge(file: "f", size: 100_000_001, limit: 100_000_000)) {
            try SafeTensors(decoding: bytes, file: "f")
        }
        let huge = rawFile(header: "{}", pad: false, length: .max)
        #expect(throws: ModelError.headerTooLarge(file: "f", size: .max, limit: 100_000_000)) {
            try SafeTensors(decoding: huge, file: "f")
        }
    }

    @Test(
        "invalid headers",
        arguments: [
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#,  // unbalanced
            "not json",
            "[]",
            #"{"a":{"shape":[2],"data_offsets":[0,8]}}"#,  // no dtype
            #"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#,
            #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
            #"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#,
            #"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        ])
    func invalidHeader(header: String) {
        let bytes = rawFile(header: header, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
        guard case .invalidHeader(let file, let reason)? = modelError({ try SafeTensors(decoding: bytes, file: "f") })
        else {
            Issue.record("expected invalidHeader for \(header)")
            return
        }
        #expect(file == "f")
        #expect(!reason.isEmpty)
    }

    @Test("metadata values must be strings")
    func metadataNotString() {
        let bytes = rawFile(header: #"{"__metadata__":{"version":1}}"#)
        guard case .invalidHeader(_, let reason)? = modelError({ try SafeTensors(decoding: bytes) }) else {
            Issue.record("expected invalidHeader")
            return
        }
        #expect(reason.contains("must be strings"))
    }

    @Test("a header that is not UTF-8 is invalid")
    func notUTF8() {
        var bytes = [UInt8](rawFile(header: #"{"x":1}"#))
        bytes[10] = 0xFF
        #expect(throws: ModelError.invalidHeader(file: "f", reason: "bytes that are not valid UTF-8")) {
            try SafeTensors(decoding: Data(bytes), file: "f")
        }
    }

    @Test("overlapping offsets")
    func overlap() {
        let header =
            #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#
        let error = modelError {
            try SafeTensors(decoding: rawFile(header: header, data: [UInt8](repeating: 0, count: 6)), file: "f")
        }
        guard case .badOffsets(let file, let tensor, let reason)? = error else {
            Issue.record("expected badOffsets, got \(String(describing: error))")
            return
        }
        #expect(file == "f" && tensor == "b")
        #expect(reason.contains("overlap"))
    }

    @Test(
        "a gap between tensors, a first tensor not at 0, and an end before the beginning",
        arguments: [
            #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}"#,
            #"{"b":{"dtype":"U8","shape":[5],"data_offsets":[1,5]}}"#,
            #"{"b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"c":{"dtype":"U8","shape":[0],"data_offsets":[5,0]}}"#,
            #"{"b":{"dtype":"U8","shape":[5],"data_offsets":[0]}}"#,
        ])
    func badOffsets(header: String) {
        let error = modelError { try SafeTensors(decoding: rawFile(header: header, data: [1, 2, 3, 4, 5]), file: "f") }
        guard case .badOffsets(file: "f", tensor: _, reason: _)? = error else {
            Issue.record("expected badOffsets, got \(String(describing: error))")
            return
        }
    }

    @Test("bytes after the last tensor")
    func trailingBytes() {
        let bytes = Self.valid + Data([0])
        #expect(throws: ModelError.trailingBytes(file: "f", expected: Self.valid.count, found: bytes.count)) {
            try SafeTensors(decoding: bytes, file: "f")
        }
    }

    @Test("an unknown dtype")
    func unknownDType() {
        let bytes = rawFile(
            header: #"{"a":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        #expect(throws: ModelError.unknownDType(file: "f", tensor: "a", found: "F128")) {
            try SafeTensors(decoding: bytes, file: "f")
        }
    }

    @Test("a shape that does not match the byte length")
    func shapeMismatch() {
        let bytes = rawFile(
            header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        #expect(throws: ModelError.shapeMismatch(file: "f", tensor: "a", dtype: .f32, shape: [3], byteCount: 8)) {
            try SafeTensors(decoding: bytes, file: "f")
        }
        let overflow = rawFile(
            header: #"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        #expect(throws: ModelError.self) { try SafeTensors(decoding: overflow, file: "f") }
    }

    @Test("duplicate and reserved names are refused on write")
    func invalidNames() {
        let twice = SafeTensors(tensors: [
            Tensor(name: "a", shape: [], floats: [1]), Tensor(name: "a", shape: [], floats: [2]),
        ])
        #expect(throws: ModelError.invalidTensorName(file: "<memory>", name: "a", reason: "two tensors have this name"))
        {
            try twice.encoded()
        }
        let reserved = SafeTensors(tensors: [Tensor(name: "__metadata__", shape: [], floats: [1])])
        #expect(throws: ModelError.self) { try reserved.encoded() }
    }

    @Test("descriptions name the file and say what was expected and found")
    func descriptions() {
        let truncated = ModelError.truncated(file: "model.safetensors", expected: 1008, found: 10)
        #expect(
            truncated.description == "model.safetensors: the file is truncated: expected at least 1008 bytes, found 10")
        let shape = ModelError.wrongShape(file: "m.safetensors", tensor: "w0", expected: [4, 8], found: [8, 4])
        #expect(shape.description == #"m.safetensors: tensor "w0": expected shape [4, 8], found [8, 4]"#)
        let mismatch = ModelError.shapeMismatch(file: "m", tensor: "a", dtype: .f32, shape: [3], byteCount: 8)
        #expect(mismatch.description == #"m: tensor "a" of dtype F32 and shape [3] needs 12 bytes, found 8"#)
        let version = ModelError.unsupportedFormatVersion(file: "m", found: 2, supported: 1)
        #expect(version.description.hasPrefix("m: expected model format version 1, found 2"))
    }
}

// MARK: - Model files

@Suite struct ModelFileTests {
    struct ExampleSchema: Codable, Equatable {
        var columns: [String]
        var categories: [String: [String]]
    }

    static let weights = [
        Tensor(name: "layer0.weight", matrix: Matrix([[1, 2], [3, 4], [5, 6]])),
        Tensor(name: "layer0.bias", vector: [0.5, -0.5]),
        Tensor(name: "steps", shape: [], int64s: [1234]),
    ]

    @Test("a model survives a write and a read, metadata included")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let schema = ExampleSchema(columns: ["a", "b/c"], categories: ["b/c": ["x", "y"]])
        let metadata = ModelMetadata(
            kind: "student_mlp", createdBy: "AnomalyDistill 0.1.0", schema: try JSONValue(encoding: schema),
            preprocessing: ["mean": [1.5, 2], "scale": [1, 0.25]], architecture: ["hidden": [2], "activation": "relu"],
            training: ["teacher": "isolation_forest", "auc": 0.97, "rows": 569], threshold: 0.25,
            calibration: ["a": -1.5, "b": 0.5, "method": nil]
        )
        try ModelFile.write(tensors: Self.weights, metadata: metadata, to: url)

        let model = try ModelFile.read(from: url, kind: "student_mlp")
        #expect(model.metadata == metadata)
        #expect(model.file == url.path)
        #expect(try model.metadata.schema?.decode(ExampleSchema.self) == schema)
        #expect(try model.matrix(named: "layer0.weight", rows: 3, columns: 2) == Matrix([[1, 2], [3, 4], [5, 6]]))
        #expect(try model.tensor(named: "layer0.bias", shape: [2]).floats() == [0.5, -0.5])
        #expect(try model.tensor(named: "steps").int64s() == [1234])
        #expect(model == ModelFile(metadata: metadata, tensors: Self.weights))
    }

    @Test("the metadata is one snake_case JSON document under anomaly_distill")
    func metadataLayout() throws {
        let bytes = try ModelFile.encoded(
            tensors: Self.weights, metadata: ModelMetadata(kind: "autoencoder", threshold: 2))
        let container = try SafeTensors(decoding: bytes)
        let text = try #require(container.metadata?["anomaly_distill"])
        #expect(container.metadata?.count == 1)
        #expect(text == #"{"created_by":"AnomalyDistill","format_version":1,"kind":"autoencoder","threshold":2}"#)
    }

    @Test("missing tensors and wrong shapes name the tensor")
    func lookup() throws {
        let model = try ModelFile(decoding: ModelFile.encoded(tensors: Self.weights, metadata: metadata()), file: "m")
        #expect(throws: ModelError.missingTensor(file: "m", name: "layer1.weight")) {
            try model.tensor(named: "layer1.weight")
        }
        #expect(throws: ModelError.wrongShape(file: "m", tensor: "layer0.weight", expected: [2, 3], found: [3, 2])) {
            try model.matrix(named: "layer0.weight", rows: 2, columns: 3)
        }
    }

    @Test("NaN and infinite weights are refused with the tensor and element index")
    func nonFinite() throws {
        let nan = Tensor(name: "w", shape: [2, 2], floats: [1, 2, .nan, 4])
        let bytes = try modelBytes(
            [Self.weights[0], nan], anomalyDistill: #"{"format_version":1,"kind":"k","created_by":"t"}"#)
        #expect(throws: ModelError.nonFiniteWeight(file: "m", tensor: "w", index: 2)) {
            try ModelFile(decoding: bytes, file: "m")
        }
        let infinity = Tensor(name: "d", shape: [3], doubles: [0, 1, -.infinity])
        #expect(throws: ModelError.nonFiniteWeight(file: "<memory>", tensor: "d", index: 2)) {
            try ModelFile.encoded(tensors: [infinity], metadata: metadata())
        }
        let half = try Tensor(name: "h", dtype: .f16, shape: [2], data: Data([0x00, 0x3C, 0x00, 0x7E]))
        #expect(half.firstNonFiniteIndex() == 1)
        #expect(Tensor(name: "i", shape: [1], int32s: [.max]).firstNonFiniteIndex() == nil)
    }

    @Test("a file from a future format version is refused before its structure is read")
    func futureVersion() throws {
        let bytes = try modelBytes(Self.weights, anomalyDistill: #"{"format_version":2,"layout":"new"}"#)
        #expect(throws: ModelError.unsupportedFormatVersion(file: "m", found: 2, supported: 1)) {
            try ModelFile(decoding: bytes, file: "m")
        }
        #expect(throws: ModelError.unsupportedFormatVersion(file: "<memory>", found: 2, supported: 1)) {
            try ModelFile.encoded(tensors: [], metadata: metadata(version: 2))
        }
        let zero = try modelBytes([], anomalyDistill: #"{"format_version":0,"kind":"k","created_by":"t"}"#)
        #expect(throws: ModelError.unsupportedFormatVersion(file: "m", found: 0, supported: 1)) {
            try ModelFile(decoding: zero, file: "m")
        }
    }

    @Test("a safetensors file without anomaly_distill metadata is not a model")
    func notAModel() throws {
        #expect(throws: ModelError.notAnAnomalyDistillModel(file: "m")) {
            try ModelFile(decoding: modelBytes(Self.weights, anomalyDistill: nil), file: "m")
        }
        let other = try SafeTensors(tensors: Self.weights, metadata: ["format": "pt"]).encoded()
        #expect(throws: ModelError.notAnAnomalyDistillModel(file: "m")) { try ModelFile(decoding: other, file: "m") }
    }

    @Test(
        "malformed anomaly_distill documents",
        arguments: [
            "not json",
            #"{"kind":"k","created_by":"t"}"#,
            #"{"format_version":1.5,"kind":"k","created_by":"t"}"#,
            #"{"format_version":1,"created_by":"t"}"#,
            #"{"format_version":1,"kind":3,"created_by":"t"}"#,
        ])
    func invalidMetadata(json: String) throws {
        let bytes = try modelBytes(Self.weights, anomalyDistill: json)
        guard case .invalidMetadata(file: "m", reason: _)? = modelError({ try ModelFile(decoding: bytes, file: "m") })
        else {
            Issue.record("expected invalidMetadata for \(json)")
            return
        }
    }

    @Test("asking for another kind of model fails")
    func wrongKind() throws {
        let bytes = try ModelFile.encoded(tensors: Self.weights, metadata: metadata(kind: "autoencoder"))
        #expect(throws: ModelError.wrongModelKind(file: "m", expected: "student_mlp", found: "autoencoder")) {
            try ModelFile(decoding: bytes, file: "m", kind: "student_mlp")
        }
    }

    @Test("JSONValue round-trips every kind of value and Codable types")
    func jsonValue() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": false], "d": -0.125]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(value["d"] == .number(-0.125))
        #expect(try JSONValue(encoding: [3, 4]).decode([Int].self) == [3, 4])
        #expect(throws: DecodingError.self) { try JSONValue.string("x").decode(Int.self) }
    }
}

// MARK: - Python cross-check

/// Runs `Scripts/check_safetensors.py` (located from this file) with the reference implementation.
enum PythonSafeTensors {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Scripts/check_safetensors.py").standardized

    /// Whether `python3` with `safetensors` and `numpy` and the script are available.
    static let isAvailable: Bool = {
        guard FileManager.default.fileExists(atPath: script.path) else { return false }
        return (try? run(["-c", "import safetensors, numpy"]).status) == 0
    }()

    /// Runs `python3` with the arguments; returns its exit status and its stdout and stderr.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Runs the script with the arguments.
    static func runScript(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try run([script.path] + arguments)
    }
}

@Suite(
    .enabled(
        if: PythonSafeTensors.isAvailable,
        "needs python3 with the safetensors and numpy packages, and Scripts/check_safetensors.py"))
struct SafeTensorsPythonTests {
    /// The expected-values document `check_safetensors.py` compares a file with.
    struct Expected: Encodable {
        struct Spec: Encodable {
            var dtype: String
            var shape: [Int]
            var values: [Number]
        }

        /// An exact value: floats as the shortest decimal text that reads back to the same `Double`
        /// (a string, so that `-0.0` keeps its sign), integers as JSON integers.
        enum Number: Encodable {
            case float(Double)
            case integer(Int64)

            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .float(let value): try container.encode(value.description)
                case .integer(let value): try container.encode(value)
                }
            }
        }

        var metadata: [String: String]?
        var tensors: [String: Spec]

        init(_ container: SafeTensors) throws {
            metadata = container.metadata
            tensors = [:]
            for tensor in container.tensors {
                let values: [Number] =
                    switch tensor.dtype {
                    case .f32: try tensor.floats().map { .float(Double($0)) }
                    case .f64: try tensor.doubles().map { .float($0) }
                    case .i64: try tensor.int64s().map { .integer($0) }
                    case .i32: try tensor.int32s().map { .integer(Int64($0)) }
                    case .u8: try tensor.uint8s().map { .integer(Int64($0)) }
                    default: []
                    }
                tensors[tensor.name] = Spec(dtype: tensor.dtype.rawValue, shape: tensor.shape, values: values)
            }
        }
    }

    /// Writes `container` and its expected values, and runs the checker on them.
    private func check(_ container: SafeTensors, expected: Expected? = nil) throws -> (status: Int32, output: String) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("swift.safetensors")
        let json = directory.appendingPathComponent("expected.json")
        try container.write(to: file)
        try JSONEncoder().encode(expected ?? Expected(container)).write(to: json)
        return try PythonSafeTensors.runScript([file.path, json.path])
    }

    @Test("Python's safetensors reads every tensor and the metadata the Swift writer wrote")
    func swiftToPython() throws {
        let model = try ModelFile.encoded(
            tensors: SafeTensorsTests.roundTripTensors.filter { $0.dtype != .f32 || $0.shape != [2, 3] }
                + [Tensor(name: "f32", shape: [2, 3], floats: [1, -2.5, 0.1, 3e38, -0.0, .leastNonzeroMagnitude])],
            metadata: ModelMetadata(kind: "student_mlp", threshold: 0.5)
        )
        let result = try check(SafeTensors(decoding: model))
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("the Python checker notices a wrong value")
    func checkerDetectsMismatch() throws {
        let container = SafeTensors(tensors: [Tensor(name: "w", shape: [2], floats: [1, 2])], metadata: ["k": "v"])
        var expected = try Expected(container)
        expected.tensors["w"]?.values[1] = .float(2.0000002)
        let result = try check(container, expected: expected)
        #expect(result.status != 0)
        #expect(result.output.contains("w: expected values"))
    }

    @Test("the Swift reader reads what Python's safetensors wrote, and writes the same bytes back")
    func pythonToSwift() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("python.safetensors")
        let result = try PythonSafeTensors.runScript(["--write", file.path])
        try #require(result.status == 0, "\(result.output)")

        let container = try SafeTensors(contentsOf: file)
        #expect(Set(container.tensors.map(\.name)) == ["weight", "bias", "counts", "index", "mask", "empty"])
        let weight = try #require(container["weight"])
        #expect(weight.shape == [2, 3])
        #expect(
            try weight.floats().map(\.bitPattern)
                == [1.5, -2.25, 3.0e-8, 1.0e30, -0.0, 7.0].map { Float($0).bitPattern })
        #expect(try container["bias"]?.doubles() == [0.1, -1.0e-300])
        #expect(try container["counts"]?.int64s() == [.min, .max, 0])
        #expect(container["index"]?.shape == [])
        #expect(try container["index"]?.int32s() == [-7])
        #expect(try container["mask"]?.uint8s() == [0, 255, 1])
        #expect(container["empty"]?.shape == [0, 4])
        #expect(container["empty"]?.elementCount == 0)

        // Same tensors and the one-key metadata map: the Swift writer must produce identical bytes.
        #expect(
            try SafeTensors(tensors: container.tensors, metadata: container.metadata).encoded()
                == Data(contentsOf: file))

        let model = try ModelFile.read(from: file, kind: "student_mlp")
        #expect(model.metadata.createdBy == "check_safetensors.py")
        #expect(model.metadata.threshold == 0.5)
        #expect(model.metadata.architecture == ["hidden": [8, 4], "activation": "relu"])
    }
}
