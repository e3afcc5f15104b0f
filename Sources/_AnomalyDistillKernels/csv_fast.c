// Hot path of CSV reading for numeric files; everything unusual is left to the general parser.
//
// The row loop (csv_fast_body.h) is compiled three times: portable; with SSE4.1, where a short number
// is found and read 16 bytes at a time (its end with one compare, its digits with two
// multiply-adds, as simdjson does); and with AVX2, which also reads a number of 16–31 bytes (a
// full-precision value such as Python writes) 32 bytes at a time. The version is chosen once from the
// CPU's features.
#include "ad_text.h"
#include "parse_fast.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static int is_missing(const unsigned char *p, long n) {
    switch (n) {
    case 0: return 1;
    case 1: return p[0] == '?';
    case 2: return p[0] == 'N' && p[1] == 'A';
    case 3: return (p[0] == 'N' && p[1] == '/' && p[2] == 'A') || (p[0] == 'N' && p[1] == 'a' && p[2] == 'N') ||
                   (p[0] == 'n' && p[1] == 'a' && p[2] == 'n') || (p[0] == 'N' && p[1] == 'A' && p[2] == 'N');
    case 4: return memcmp(p, "NULL", 4) == 0 || memcmp(p, "null", 4) == 0;
    default: return 0;
    }
}

#if defined(__x86_64__)
// 0xFF in the last n of 16 bytes: load 16 bytes at ad_window + n.
static const unsigned char ad_window[32] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// Shuffles that close the gap a decimal point at byte i leaves, keeping the digits right-aligned.
static unsigned char ad_close_gap[16][16];

__attribute__((constructor)) static void ad_build_close_gap(void) {
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            ad_close_gap[i][j] = j == 0 ? 0x80 : (j <= i ? (unsigned char)(j - 1) : (unsigned char)j);
        }
    }
}

/// Bytes before the first ',', '\n', '\r' or '"' in the 16 bytes at p (16 when none).
__attribute__((target("sse4.1")))
static inline long ad_field_length_sse41(const unsigned char *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));
    unsigned mask = (unsigned)_mm_movemask_epi8(hits) | 0x10000u;
    long n = __builtin_ctz(mask);
    if (n < 16 && p[n] == '"') return 16; // a quote: not for this path
    return n;
}

/// Parses a field of n bytes (n < 16, and the 16 bytes ending at p + n readable) of the form
/// [+-]digits[.digits] exactly; 0 when the field has another form or the rounding is in doubt.
__attribute__((target("sse4.1")))
static inline int ad_parse_short_sse41(const unsigned char *p, long n, float *out) {
    int negative = 0;
    const unsigned char *end = p + n;
    if (n > 0 && (p[0] == '-' || p[0] == '+')) { negative = p[0] == '-'; p++; n--; }
    if (n <= 0) return 0;
    __m128i v = _mm_loadu_si128((const __m128i *)(end - 16));
    __m128i keep = _mm_loadu_si128((const __m128i *)(ad_window + n));
    __m128i dot = _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')), keep);
    unsigned dots = (unsigned)_mm_movemask_epi8(dot);
    __m128i x = _mm_and_si128(_mm_sub_epi8(v, _mm_set1_epi8('0')), _mm_andnot_si128(dot, keep));
    // Every kept byte must now be a digit value 0..9.
    __m128i nine = _mm_set1_epi8(9);
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(x, nine), nine)) != 0xFFFF) return 0;
    long fraction = 0;
    if (dots) {
        if (dots & (dots - 1)) return 0; // two points
        int at = __builtin_ctz(dots);
        fraction = 15 - at;
        if (n == 1) return 0; // "." alone
        x = _mm_shuffle_epi8(x, _mm_loadu_si128((const __m128i *)ad_close_gap[at]));
    }
    __m128i pairs = _mm_maddubs_epi16(x, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    __m128i packed = _mm_packus_epi32(quads, quads);
    __m128i eights = _mm_madd_epi16(packed, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    uint64_t m = (uint64_t)(uint32_t)_mm_cvtsi128_si32(eights) * 100000000ull +
                 (uint32_t)_mm_extract_epi32(eights, 1);
    if (m == 0) { *out = negative ? -0.0f : 0.0f; return 1; }
    double d = (double)(int64_t)m; // m < 10^16: a signed conversion is one instruction
    float result;
    if (fraction == 0) {
        if (ad_midpoint_distance(d) == 0 || m > (1ull << 53)) return 0;
        result = (float)d;
    } else {
        // Within 2 double ulps of m / 10^fraction (m < 2^53 here is exact; otherwise one more ulp).
        d *= ad_double_reciprocals[fraction];
        if (!(d >= 1.1754943508222875e-38) || ad_midpoint_distance(d) <= 8) return 0;
        result = (float)d;
    }
    *out = negative ? -result : result;
    return 1;
}

// 0xFF in the last n of 32 bytes: load 32 bytes at ad_window32 + n.
static const unsigned char ad_window32[64] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static const uint64_t ad_powers64[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
    10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
    10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
    100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};

/// Bytes before the first ',', '\n', '\r' or '"' in the 32 bytes at p (32 when none, and for a quote).
__attribute__((target("avx2")))
static inline long ad_field_length_avx2(const unsigned char *p) {
    __m256i v = _mm256_loadu_si256((const __m256i *)p);
    __m256i hits = _mm256_or_si256(
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(',')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))));
    uint64_t mask = (uint64_t)(uint32_t)_mm256_movemask_epi8(hits) | (1ull << 32);
    long n = __builtin_ctzll(mask);
    if (n < 32 && p[n] == '"') return 32; // a quote: not for this path
    return n;
}

/// The value of the n (≤ 24) digits ending at `end` (the 32 bytes before `end` readable): 1 and `*value`, or 0
/// when a byte is not a digit or the value needs more than 64 bits.
__attribute__((target("avx2")))
static inline int ad_digits_avx2(const unsigned char *end, long n, uint64_t *value) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(end - 32));
    __m256i keep = _mm256_loadu_si256((const __m256i *)(ad_window32 + n));
    __m256i x = _mm256_and_si256(_mm256_sub_epi8(v, _mm256_set1_epi8('0')), keep);
    __m256i nine = _mm256_set1_epi8(9);
    if ((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(x, nine), nine)) != 0xFFFFFFFFu) return 0;
    // Pairs of digits, then groups of four (each 128-bit lane keeps its order): q[j] holds bytes 4j..4j+3.
    __m256i pairs = _mm256_maddubs_epi16(x, _mm256_set1_epi16(0x010A)); // bytes (10, 1): 10·first + second
    __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00010064)); // (100, 1)
    uint32_t q[8];
    _mm256_storeu_si256((__m256i *)q, quads);
    uint64_t high = (uint64_t)q[2] * 10000u + q[3], middle = (uint64_t)q[4] * 10000u + q[5],
             low = (uint64_t)q[6] * 10000u + q[7];
    if (high > 1843) return 0; // high · 10^16 + (< 10^16) might not fit in 64 bits (2^64 ≈ 1844.67 · 10^16)
    *value = (high * 100000000ull + middle) * 100000000ull + low;
    return 1;
}

/// Parses a field of n bytes (16 ≤ n < 32, and the 32 bytes before the field readable) of the form
/// [+-]digits[.digits] exactly; 0 when the field has another form or the rounding is in doubt.
///
/// Written without branches on the value (its sign, whether it is below 1, how many significant bits it has):
/// full-precision columns take each way about half the time, and the mispredictions cost more than the rest of
/// the field.
__attribute__((target("avx2")))
static inline int ad_parse_long_avx2(const unsigned char *p, long n, float *out) {
    const unsigned char *end = p + n;
    const unsigned negative = p[0] == '-';
    n -= negative | (p[0] == '+');
    __m256i v = _mm256_loadu_si256((const __m256i *)(end - 32));
    __m256i keep = _mm256_loadu_si256((const __m256i *)(ad_window32 + n));
    unsigned dots = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('.')), keep));
    uint64_t integer = 0, fraction = 0, m;
    long fraction_digits = 0;
    if (dots) {
        if (dots & (dots - 1)) return 0; // two points
        fraction_digits = 31 - __builtin_ctz(dots);
        long integer_digits = n - fraction_digits - 1;
        if (integer_digits > 24 || fraction_digits > 24) return 0;
        if (!ad_digits_avx2(end, fraction_digits, &fraction)) return 0;
        if (!ad_digits_avx2(end - fraction_digits - 1, integer_digits, &integer)) return 0;
    } else {
        if (n > 24 || !ad_digits_avx2(end, n, &integer)) return 0;
    }
    // m = integer · 10^fraction_digits + fraction (just the fraction when the integer part is 0, whatever its length).
    uint64_t scaled;
    int overflow = __builtin_mul_overflow(integer, ad_powers64[fraction_digits > 19 ? 19 : fraction_digits], &scaled);
    overflow |= __builtin_add_overflow(scaled, fraction, &m);
    if ((integer != 0) & ((fraction_digits > 19) | overflow)) return 0;
    if (fraction_digits > 22 || m == 0) return ad_decimal_to_float(m, -fraction_digits, (int)negative, out);
    // m · 10^-f through doubles: the conversion of m (exact up to 2^53), the rounded reciprocal and the product each
    // err by half a double ulp at most, so v is within 2 ulps of the true value; a float rounding midpoint further than
    // 8 ulps away cannot change the rounding. Closer (about 1 value in 30 million), or below the normal range: the
    // careful path.
    double value = (double)m * ad_double_reciprocals[fraction_digits];
    if (ad_midpoint_distance(value) <= 8 || !(value >= 1.1754943508222875e-38))
        return ad_decimal_to_float(m, -fraction_digits, (int)negative, out);
    float result = (float)value;
    uint32_t bits;
    memcpy(&bits, &result, sizeof bits);
    bits |= negative << 31;
    memcpy(out, &bits, sizeof bits);
    return 1;
}

#define AD_FAST_ROWS_NAME fast_rows_avx2
#define AD_FAST_TARGET __attribute__((target("avx2,sse4.1")))
#define AD_USE_SSE41 1
#define AD_USE_AVX2 1
#include "csv_fast_body.h"
#undef AD_FAST_ROWS_NAME
#undef AD_FAST_TARGET
#undef AD_USE_SSE41
#undef AD_USE_AVX2

#define AD_FAST_ROWS_NAME fast_rows_sse41
#define AD_FAST_TARGET __attribute__((target("sse4.1")))
#define AD_USE_SSE41 1
#define AD_USE_AVX2 0
#include "csv_fast_body.h"
#undef AD_FAST_ROWS_NAME
#undef AD_FAST_TARGET
#undef AD_USE_SSE41
#undef AD_USE_AVX2
#endif

#define AD_FAST_ROWS_NAME fast_rows_portable
#define AD_FAST_TARGET
#define AD_USE_SSE41 0
#define AD_USE_AVX2 0
#include "csv_fast_body.h"

long ad_csv_fast_rows(const unsigned char *bytes, long length, int at_end, long width,
                      const unsigned char *kinds, long max_rows, float *values, long column_stride,
                      signed char *labels, long *missing_per_column, long *rows_with_missing,
                      long *consumed, int *stop_reason) {
#if defined(__x86_64__)
    static int level = -1; // 0 portable, 1 SSE4.1, 2 AVX2
    if (level < 0) {
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx2") ? 2 : __builtin_cpu_supports("sse4.1") ? 1 : 0;
    }
    if (level == 2) {
        return fast_rows_avx2(bytes, length, at_end, width, kinds, max_rows, values, column_stride, labels,
                              missing_per_column, rows_with_missing, consumed, stop_reason);
    }
    if (level == 1) {
        return fast_rows_sse41(bytes, length, at_end, width, kinds, max_rows, values, column_stride, labels,
                               missing_per_column, rows_with_missing, consumed, stop_reason);
    }
#endif
    return fast_rows_portable(bytes, length, at_end, width, kinds, max_rows, values, column_stride, labels,
                              missing_per_column, rows_with_missing, consumed, stop_reason);
}

void ad_columns_to_rows(const float *columns, long column_stride, long column_count, const long *destination,
                        long first, long rows, float *out, long width) {
    enum { BLOCK = 256 };
    for (long start = 0; start < rows; start += BLOCK) {
        long end = start + BLOCK < rows ? start + BLOCK : rows;
        for (long k = 0; k < column_count; k++) {
            const float *column = columns + k * column_stride + first;
            float *target = out + destination[k];
            for (long r = start; r < end; r++) target[r * width] = column[r];
        }
    }
}
