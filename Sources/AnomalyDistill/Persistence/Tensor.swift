import Foundation

/// A named, typed, n-dimensional array as stored in a `.safetensors` file.
///
/// The elements are kept as raw bytes in the file's encoding: little-endian, row-major ("C" order),
/// no padding. Typed initializers and accessors convert from and to Swift arrays for the element
/// types the library uses (`F32`, `F64`, `I64`, `I32`, `U8`); any other dtype of the format can be
/// carried through unchanged as raw bytes.
public struct Tensor: Sendable, Equatable {
    /// The tensor's key in the file header.
    public var name: String
    /// The element type.
    public let dtype: DType
    /// The dimensions, outermost first; `[]` is a scalar (one element), a `0` makes it empty.
    public let shape: [Int]
    /// The elements as little-endian bytes, row-major.
    public let data: Data

    /// A tensor over raw little-endian bytes.
    ///
    /// - Parameters:
    ///   - name: The tensor's key in the file header.
    ///   - dtype: The element type.
    ///   - shape: The dimensions; all must be non-negative.
    ///   - data: Exactly as many bytes as `shape` and `dtype` need.
    /// - Throws: ``ModelError/shapeMismatch(file:tensor:dtype:shape:byteCount:)`` when the byte
    ///   count does not match the shape and dtype.
    public init(name: String, dtype: DType, shape: [Int], data: Data) throws {
        guard let count = Tensor.elementCount(of: shape), dtype.byteCount(elements: count) == data.count else {
            throw ModelError.shapeMismatch(file: "<memory>", tensor: name, dtype: dtype, shape: shape,
                                           byteCount: data.count)
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        // Re-base slices so that indices start at zero.
        self.data = data.startIndex == 0 ? data : Data(data)
    }

    /// Builds a tensor from values whose count the caller guarantees.
    private init(name: String, dtype: DType, shape: [Int], count: Int, bytes: Data) {
        precondition(Tensor.elementCount(of: shape) == count,
                     "tensor \(name) of shape \(shape) needs another number of values than \(count)")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.data = bytes
    }

    /// An `F32` tensor.
    ///
    /// - Precondition: `floats.count` is the product of `shape` (1 for `[]`).
    public init(name: String, shape: [Int], floats: [Float]) {
        self.init(name: name, dtype: .f32, shape: shape, count: floats.count,
                  bytes: Tensor.encode(floats) { $0.bitPattern })
    }

    /// An `F64` tensor.
    ///
    /// - Precondition: `doubles.count` is the product of `shape` (1 for `[]`).
    public init(name: String, shape: [Int], doubles: [Double]) {
        self.init(name: name, dtype: .f64, shape: shape, count: doubles.count,
                  bytes: Tensor.encode(doubles) { $0.bitPattern })
    }

    /// An `I64` tensor.
    ///
    /// - Precondition: `int64s.count` is the product of `shape` (1 for `[]`).
    public init(name: String, shape: [Int], int64s: [Int64]) {
        self.init(name: name, dtype: .i64, shape: shape, count: int64s.count, bytes: Tensor.encode(int64s) { $0 })
    }

    /// An `I32` tensor.
    ///
    /// - Precondition: `int32s.count` is the product of `shape` (1 for `[]`).
    public init(name: String, shape: [Int], int32s: [Int32]) {
        self.init(name: name, dtype: .i32, shape: shape, count: int32s.count, bytes: Tensor.encode(int32s) { $0 })
    }

    /// A `U8` tensor.
    ///
    /// - Precondition: `uint8s.count` is the product of `shape` (1 for `[]`).
    public init(name: String, shape: [Int], uint8s: [UInt8]) {
        self.init(name: name, dtype: .u8, shape: shape, count: uint8s.count, bytes: Data(uint8s))
    }

    /// The number of elements: the product of `shape`, 1 for a scalar.
    public var elementCount: Int { Tensor.elementCount(of: shape) ?? 0 }

    /// The elements of an `F32` tensor, row-major.
    ///
    /// - Throws: ``ModelError/wrongDType(tensor:expected:found:)`` for another dtype.
    public func floats() throws -> [Float] {
        try checkDType(.f32)
        return Tensor.decode(data, count: elementCount) { (bits: UInt32) in Float(bitPattern: bits) }
    }

    /// The elements of an `F64` tensor, row-major.
    ///
    /// - Throws: ``ModelError/wrongDType(tensor:expected:found:)`` for another dtype.
    public func doubles() throws -> [Double] {
        try checkDType(.f64)
        return Tensor.decode(data, count: elementCount) { (bits: UInt64) in Double(bitPattern: bits) }
    }

    /// The elements of an `I64` tensor, row-major.
    ///
    /// - Throws: ``ModelError/wrongDType(tensor:expected:found:)`` for another dtype.
    public func int64s() throws -> [Int64] {
        try checkDType(.i64)
        return Tensor.decode(data, count: elementCount) { (value: Int64) in value }
    }

    /// The elements of an `I32` tensor, row-major.
    ///
    /// - Throws: ``ModelError/wrongDType(tensor:expected:found:)`` for another dtype.
    public func int32s() throws -> [Int32] {
        try checkDType(.i32)
        return Tensor.decode(data, count: elementCount) { (value: Int32) in value }
    }

    /// The elements of a `U8` tensor, row-major.
    ///
    /// - Throws: ``ModelError/wrongDType(tensor:expected:found:)`` for another dtype.
    public func uint8s() throws -> [UInt8] {
        try checkDType(.u8)
        return [UInt8](data)
    }

    /// The row-major index of the first NaN or infinite element, or `nil` when all are finite or
    /// the dtype is not a floating-point type (`F16`, `BF16`, `F32`, `F64`, `C64` are checked).
    ///
    /// - Complexity: O(n) in the number of elements.
    public func firstNonFiniteIndex() -> Int? {
        switch dtype {
        case .f32:
            let values = Tensor.decode(data, count: elementCount) { (bits: UInt32) in Float(bitPattern: bits) }
            return values.firstIndex { !$0.isFinite }
        case .c64:
            let parts = Tensor.decode(data, count: 2 * elementCount) { (bits: UInt32) in Float(bitPattern: bits) }
            return parts.firstIndex { !$0.isFinite }.map { $0 / 2 }
        case .f64:
            let values = Tensor.decode(data, count: elementCount) { (bits: UInt64) in Double(bitPattern: bits) }
            return values.firstIndex { !$0.isFinite }
        case .f16:
            // IEEE half: exponent bits all ones means infinity or NaN.
            let bits = Tensor.decode(data, count: elementCount) { (bits: UInt16) in bits }
            return bits.firstIndex { $0 & 0x7C00 == 0x7C00 }
        case .bf16:
            let bits = Tensor.decode(data, count: elementCount) { (bits: UInt16) in bits }
            return bits.firstIndex { $0 & 0x7F80 == 0x7F80 }
        default:
            return nil
        }
    }

    private func checkDType(_ expected: DType) throws {
        guard dtype == expected else { throw ModelError.wrongDType(tensor: name, expected: expected, found: dtype) }
    }
}

// MARK: - Little-endian conversion

extension Tensor {
    /// The little-endian bytes of `values`, each converted to its bit pattern by `bits`.
    static func encode<Value: BitwiseCopyable, Bits: FixedWidthInteger>(
        _ values: [Value], _ bits: (Value) -> Bits
    ) -> Data {
        precondition(MemoryLayout<Value>.size == MemoryLayout<Bits>.size)
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        var data = Data(count: values.count * MemoryLayout<Bits>.size)
        data.withUnsafeMutableBytes { raw in
            for (index, value) in values.enumerated() {
                let offset = index * MemoryLayout<Bits>.size
                raw.storeBytes(of: bits(value).littleEndian, toByteOffset: offset, as: Bits.self)
            }
        }
        return data
        #endif
    }

    /// `count` values read from the little-endian bytes of `data`, each built from its bit pattern.
    static func decode<Bits: FixedWidthInteger, Value>(_ data: Data, count: Int, _ make: (Bits) -> Value) -> [Value] {
        precondition(data.count >= count * MemoryLayout<Bits>.size, "tensor data shorter than its shape")
        return data.withUnsafeBytes { raw in
            var values = [Value]()
            values.reserveCapacity(count)
            for index in 0..<count {
                let bits = raw.loadUnaligned(fromByteOffset: index * MemoryLayout<Bits>.size, as: Bits.self)
                values.append(make(Bits(littleEndian: bits)))
            }
            return values
        }
    }
}
