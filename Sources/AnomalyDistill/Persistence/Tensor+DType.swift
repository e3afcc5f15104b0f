extension Tensor {
    /// The element type of a tensor, spelled as in a safetensors header (`"F32"`, `"I64"`, ...).
    ///
    /// The cases and their order follow the reference implementation (huggingface/safetensors,
    /// `Dtype`), which lists them in increasing alignment; ``SafeTensors`` uses that order to lay
    /// tensors out so that every tensor starts on a multiple of its element size. All of them can
    /// be read and written as raw bytes; typed accessors exist for `F32`, `F64`, `I64`, `I32` and
    /// `U8`.
    public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case bool = "BOOL"
        /// MX FP4 (E2M1), two elements per byte.
        case f4 = "F4"
        /// MX FP6 (E2M3), four elements per three bytes.
        case f6E2M3 = "F6_E2M3"
        /// MX FP6 (E3M2), four elements per three bytes.
        case f6E3M2 = "F6_E3M2"
        case u8 = "U8"
        case i8 = "I8"
        case f8E5M2 = "F8_E5M2"
        case f8E4M3 = "F8_E4M3"
        case f8E8M0 = "F8_E8M0"
        case i16 = "I16"
        case u16 = "U16"
        case f16 = "F16"
        case bf16 = "BF16"
        case i32 = "I32"
        case u32 = "U32"
        case f32 = "F32"
        /// Complex numbers with two `F32` parts.
        case c64 = "C64"
        case f64 = "F64"
        case i64 = "I64"
        case u64 = "U64"

        /// The header spelling, e.g. `F32`.
        public var description: String { rawValue }

        /// Bits per element (4 for `F4`, 6 for the `F6` types, 8 or more for the others).
        public var bitsPerElement: Int {
            switch self {
            case .f4: 4
            case .f6E2M3, .f6E3M2: 6
            case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0: 8
            case .i16, .u16, .f16, .bf16: 16
            case .i32, .u32, .f32: 32
            case .c64, .f64, .i64, .u64: 64
            }
        }

        /// Whether the elements are floating-point numbers whose finiteness can be checked.
        public var isFloatingPoint: Bool {
            switch self {
            case .f16, .bf16, .f32, .f64, .c64: true
            default: false
            }
        }

        /// The rank in the reference implementation's alignment order (higher = laid out first).
        var layoutRank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

        /// The number of bytes `elementCount` elements take, or `nil` when that is not a whole
        /// number of bytes or overflows.
        func byteCount(elements elementCount: Int) -> Int? {
            let (bits, overflow) = elementCount.multipliedReportingOverflow(by: bitsPerElement)
            guard !overflow, bits % 8 == 0 else { return nil }
            return bits / 8
        }
    }

    /// The number of elements a shape holds (1 for the scalar shape `[]`), or `nil` when a
    /// dimension is negative or the product overflows.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
