import _AnomalyDistillKernels

/// Which micro-kernel set a product runs on; tests use it to check every path the CPU can run.
enum GEMMKernelChoice: Sendable, CaseIterable, CustomStringConvertible {
    /// The fastest set this CPU supports (``Matrix/gemmKernel`` names it).
    case automatic
    /// Plain C that compilers auto-vectorise; the only set off x86-64.
    case portable
    /// 6 × 16 tiles with AVX2 and FMA.
    case avx2FMA
    /// 24 × 16 tiles with AVX-512F.
    case avx512F

    var code: Int32 {
        switch self {
        case .automatic: Int32(AD_GEMM_KERNEL_AUTOMATIC)
        case .portable: Int32(AD_GEMM_KERNEL_PORTABLE)
        case .avx2FMA: Int32(AD_GEMM_KERNEL_AVX2_FMA)
        case .avx512F: Int32(AD_GEMM_KERNEL_AVX512F)
        }
    }

    /// Whether this CPU can run the set (probes with an empty product).
    var isSupported: Bool {
        ad_sgemm_using(code, 0, 0, 0, 0, 0, 1, nil, 0, nil, 0, 0, nil, 0) == 0
    }

    var description: String {
        switch self {
        case .automatic: "automatic"
        case .portable: "portable"
        case .avx2FMA: "avx2-fma"
        case .avx512F: "avx512f"
        }
    }
}

extension Matrix {
    /// The matrix product `op(self) · op(other)`, where `op` optionally transposes.
    ///
    /// Runs the packed, cache-blocked single-precision GEMM of the kernels module (the GotoBLAS
    /// scheme of Goto & van de Geijn 2008, "Anatomy of High-Performance Matrix Multiplication"),
    /// with an AVX2 + FMA micro-kernel where the CPU has one. The transposes are never
    /// materialised: they only change how panels are read. This is NumPy's
    /// `op(self) @ op(other)`.
    ///
    /// - Parameters:
    ///   - other: The right-hand factor.
    ///   - transposeSelf: Multiply by the transpose of `self` instead of `self`.
    ///   - transposeOther: Multiply by the transpose of `other` instead of `other`.
    /// - Returns: A matrix of `op(self).rows` rows and `op(other).columns` columns.
    /// - Precondition: `op(self).columns == op(other).rows`.
    /// - Complexity: O(*m* · *n* · *k*) for an *m* × *k* by *k* × *n* product; allocates only
    ///   the result (packing buffers are kept per thread).
    public func matmul(_ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let rows = transposeSelf ? columns : self.rows
        let columns = transposeOther ? other.rows : other.columns
        var result = Matrix(rows: rows, columns: columns)
        Matrix.gemm(self, other, into: &result, transposeA: transposeSelf, transposeB: transposeOther)
        return result
    }

    /// General matrix multiply-accumulate in place: `c = alpha · op(a) · op(b) + beta · c`.
    ///
    /// The BLAS `sgemm` operation on row-major matrices, with `op` optionally transposing. When
    /// `beta` is zero, `c` is only written, never read, so whatever it held (NaN included) is
    /// ignored. Results are deterministic: the same inputs give bitwise the same `c` on every call
    /// on the same machine.
    ///
    /// - Parameters:
    ///   - a: The left factor, `op(a)` being *m* × *k*.
    ///   - b: The right factor, `op(b)` being *k* × *n*.
    ///   - c: The *m* × *n* accumulator, updated in place.
    ///   - transposeA: Use the transpose of `a`.
    ///   - transposeB: Use the transpose of `b`.
    ///   - alpha: Scale of the product.
    ///   - beta: Scale of the previous contents of `c`; `0` overwrites them.
    /// - Precondition: the shapes agree as stated above.
    /// - Complexity: O(*m* · *n* · *k*); no allocation after the first call on a thread.
    public static func gemm(
        _ a: Matrix,
        _ b: Matrix,
        into c: inout Matrix,
        transposeA: Bool = false,
        transposeB: Bool = false,
        alpha: Float = 1,
        beta: Float = 0
    ) {
        gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
             kernel: .automatic)
    }

    /// ``gemm(_:_:into:transposeA:transposeB:alpha:beta:)`` on a chosen kernel set.
    static func gemm(
        _ a: Matrix,
        _ b: Matrix,
        into c: inout Matrix,
        transposeA: Bool,
        transposeB: Bool,
        alpha: Float,
        beta: Float,
        kernel: GEMMKernelChoice
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kB = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kB, "gemm: op(a) is \(m)×\(k) but op(b) is \(kB)×\(n)")
        precondition(c.rows == m && c.columns == n, "gemm: result must be \(m)×\(n), got \(c.rows)×\(c.columns)")
        let ldc = c.columns
        a.scalars.withUnsafeBufferPointer { aBuffer in
            b.scalars.withUnsafeBufferPointer { bBuffer in
                c.scalars.withUnsafeMutableBufferPointer { cBuffer in
                    let status = ad_sgemm_using(
                        kernel.code, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha,
                        aBuffer.baseAddress, a.columns, bBuffer.baseAddress, b.columns,
                        beta, cBuffer.baseAddress, ldc)
                    precondition(status == 0, "gemm: this CPU cannot run the \(kernel) kernels")
                }
            }
        }
    }

    /// The micro-kernel set the products run on for this CPU: `"avx512f"`, `"avx2-fma"` or `"portable"`.
    ///
    /// - Complexity: O(1); the CPU is probed once per process.
    public static var gemmKernel: String {
        String(cString: ad_gemm_kernel())
    }
}
