// Internal: the common-case decimal parser shared by parse_float.c and csv_fast.c.
#ifndef AD_PARSE_FAST_H
#define AD_PARSE_FAST_H

#include <stdint.h>
#include <string.h>

static const double ad_double_powers[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const double ad_double_reciprocals[] = {
    1e-0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
    1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22};

/// Distance, in double ulps, from `value` to the nearest float rounding midpoint.
static inline uint64_t ad_midpoint_distance(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    uint64_t low = bits & ((1ull << 29) - 1); // the 29 mantissa bits a float drops
    uint64_t half = 1ull << 28;
    return low > half ? low - half : half - low;
}

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` with at most 19 digits and no spaces, exactly.
/// Returns 1 and writes `*out` when it could decide the correctly rounded float, 0 when the caller
/// must use the general parser (other forms, long mantissas, extreme exponents, near-midpoints).
/// Number of leading ASCII digits in the 8 bytes of `word` (little-endian: first byte lowest),
/// and in `*digits` the word with those digits as values 0–9 (other bytes cleared).
static inline int ad_leading_digits(uint64_t word, uint64_t *digits) {
    uint64_t x = word ^ 0x3030303030303030ull;                  // digit bytes become 0..9
    uint64_t high = x & 0xF0F0F0F0F0F0F0F0ull;                   // nonzero high nibble: not a digit
    uint64_t over = ((x & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0x1010101010101010ull; // >= 10
    uint64_t other = high | over;
    int n = other ? __builtin_ctzll(other) >> 3 : 8;
    *digits = n == 8 ? x : (x & ((1ull << (8 * n)) - 1));
    return n;
}

/// The value of 8 digit bytes (values 0–9, first digit in the lowest byte); SWAR, no branches.
static inline uint64_t ad_eight_digits(uint64_t x) {
    x = (x * 10) + (x >> 8);
    x = (((x & 0x000000FF000000FFull) * 0x000F424000000064ull) +
         (((x >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >> 32;
    return x;
}

static const uint64_t ad_integer_powers[] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
    10000000ull, 100000000ull};

/// Reads a run of digits into `*m` (m = m * 10^n + digits) eight at a time. Bytes up to `readable`
/// may be loaded (past `end`, the field's end, when the buffer goes on); digits count up to `end`.
/// Returns the number of digits, or -1 when more than 19 digits would be needed.
static inline long ad_digit_run(const unsigned char **cursor, const unsigned char *end,
                                const unsigned char *readable, uint64_t *m) {
    const unsigned char *p = *cursor;
    long total = 0;
    while (readable - p >= 8 && p < end) {
        uint64_t word, digits;
        memcpy(&word, p, 8);
        int n = ad_leading_digits(word, &digits);
        if (n > end - p) {
            n = (int)(end - p);
            digits &= (1ull << (8 * n)) - 1;
        }
        if (n == 0) break;
        if (total + n > 19) return -1;
        uint64_t value = ad_eight_digits(digits << (8 * (8 - n)));
        *m = *m * ad_integer_powers[n] + value;
        p += n;
        total += n;
        if (n < 8) { *cursor = p; return total; }
    }
    while (p < end && (unsigned)(*p - '0') < 10u) {
        if (total >= 19) return -1;
        *m = *m * 10 + (uint64_t)(*p - '0');
        p++;
        total++;
    }
    *cursor = p;
    return total;
}

/// The correctly rounded float of (−1)^negative · m · 10^exponent, when it can be decided cheaply (Clinger's fast
/// path, the double result checked against the float rounding midpoints): 1 and `*out`; 0 when the caller must use
/// the general parser (extreme exponents, near-midpoints, overflow).
static inline int ad_decimal_to_float(uint64_t m, long exponent, int negative, float *out) {
    if (m == 0) { *out = negative ? -0.0f : 0.0f; return 1; }
    float result;
    if (m <= (1ull << 53) && exponent >= -22 && exponent <= 22) {
        double v = (double)(int64_t)m; // m <= 2^53: a signed conversion is one instruction
        if (exponent >= 0) {
            // m and 10^e are exact, so the product is correctly rounded: only an exact midpoint is ambiguous.
            v *= ad_double_powers[exponent];
            if (!(v <= 3.4028234663852886e38) || ad_midpoint_distance(v) == 0) return 0;
        } else {
            // Multiplying by the rounded reciprocal is within 2 double ulps of m / 10^-e; a float
            // midpoint further away than that cannot change the rounding (no division on the hot path).
            v *= ad_double_reciprocals[-exponent];
            if (!(v >= 1.1754943508222875e-38) || ad_midpoint_distance(v) <= 4) {
                v = (double)m / ad_double_powers[-exponent];
                if (!(v >= 1.1754943508222875e-38) || ad_midpoint_distance(v) == 0) return 0;
            }
        }
        result = (float)v;
    } else if (exponent >= -22 && exponent <= 22) {
        double v = (double)m;
        v = exponent >= 0 ? v * ad_double_powers[exponent] : v / ad_double_powers[-exponent];
        // m has more than 53 bits: v is within an ulp or two of the true value.
        if (!(v >= 1.1754943508222875e-38 && v <= 3.4028234663852886e38) || ad_midpoint_distance(v) <= 8) return 0;
        result = (float)v;
    } else {
        return 0;
    }
    *out = negative ? -result : result;
    return 1;
}


static inline int ad_parse_float_bounded(const unsigned char *p, long n, const unsigned char *readable,
                                         float *out, long *used) {
    const unsigned char *begin = p;
    const unsigned char *end = p + n;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+')) { negative = *p == '-'; p++; }
    uint64_t m = 0;
    long count = ad_digit_run(&p, end, readable, &m);
    if (count < 0) return 0;
    long fraction = 0;
    if (p < end && *p == '.') {
        p++;
        fraction = ad_digit_run(&p, end, readable, &m);
        if (fraction < 0 || count + fraction > 19) return 0;
        count += fraction;
    }
    if (count == 0 || count > 19) return 0;
    long exponent = 0;
    if (p < end && (*p | 0x20) == 'e') {
        p++;
        int negative_exponent = 0;
        if (p < end && (*p == '-' || *p == '+')) { negative_exponent = *p == '-'; p++; }
        const unsigned char *first = p;
        while (p < end && (unsigned)(*p - '0') < 10u && p - first < 4) { exponent = exponent * 10 + (*p - '0'); p++; }
        if (p == first) return 0;
        if (negative_exponent) exponent = -exponent;
    }
    *used = p - begin;
    exponent -= fraction;
    return ad_decimal_to_float(m, exponent, negative, out);
}

/// Parses the longest number at the start of the `n` bytes (see `ad_parse_float_bounded`).
static inline int ad_parse_float_prefix(const unsigned char *p, long n, float *out, long *used) {
    return ad_parse_float_bounded(p, n, p + n, out, used);
}

/// `ad_parse_float_prefix` over the whole field: 0 also when bytes follow the number.
static inline int ad_parse_float_fast(const unsigned char *p, long n, float *out) {
    long used = 0;
    return ad_parse_float_prefix(p, n, out, &used) && used == n;
}

#endif
