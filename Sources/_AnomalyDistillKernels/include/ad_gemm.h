/// Single-precision dense linear algebra kernels (row-major), chosen at run time by CPU features.
#ifndef AD_GEMM_H
#define AD_GEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// C = alpha * op(A) * op(B) + beta * C, all matrices row-major.
///
/// op(A) is M x K: A itself (M x K, row stride lda) when transA == 0, or the transpose of A
/// (stored K x M, row stride lda) otherwise; likewise op(B) is K x N. When beta == 0, C is only
/// written, never read, so NaN or garbage in C is ignored. Single-threaded and deterministic: the
/// same inputs give bitwise the same C on every call (on the same machine).
void ad_sgemm(int transA, int transB, long M, long N, long K, float alpha, const float *A, long lda,
              const float *B, long ldb, float beta, float *C, long ldc);

/// Kernel sets for ad_sgemm_using.
enum {
    AD_GEMM_KERNEL_AUTOMATIC = 0, ///< the one ad_sgemm runs (see ad_gemm_kernel)
    AD_GEMM_KERNEL_PORTABLE = 1,  ///< plain C, any CPU
    AD_GEMM_KERNEL_AVX2_FMA = 2,  ///< x86-64 with AVX2 and FMA
    AD_GEMM_KERNEL_AVX512F = 3,   ///< x86-64 with AVX-512F (plus AVX2 and FMA)
};

/// ad_sgemm on a chosen kernel set (for tests of every path); returns -1, touching nothing, when
/// this CPU cannot run that set, and 0 otherwise.
int ad_sgemm_using(int kernel, int transA, int transB, long M, long N, long K, float alpha, const float *A,
                   long lda, const float *B, long ldb, float beta, float *C, long ldc);

/// y += a * x over n contiguous elements.
void ad_saxpy(long n, float a, const float *x, float *y);

/// The dot product of n contiguous elements (fixed summation order, so deterministic).
float ad_sdot(long n, const float *x, const float *y);

/// The name of the kernel set chosen for this CPU: "avx512f", "avx2-fma" or "portable".
const char *ad_gemm_kernel(void);

#ifdef __cplusplus
}
#endif

#endif
