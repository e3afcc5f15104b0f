// Exact decimal-to-binary conversion for CSV fields.
//
// Fast paths (Clinger 1990): a mantissa that fits the significand and a power of ten that is exact
// give a correctly rounded result with one multiplication or division. Converting through double
// could round twice, so the result is checked against the float midpoints and handed to strtof when
// it lies too close to one; everything unusual (long exponents, subnormals, overflow) goes to strtof.
#include "ad_text.h"
#include "parse_fast.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const float float_powers[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
static const double double_powers[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct {
    uint64_t mantissa;    // first 19 significant digits
    int exponent;         // value = mantissa * 10^exponent (before truncated digits)
    int truncated;        // 1 when nonzero digits beyond the 19th were dropped
    int negative;
    int digits;           // significant digits seen (capped use)
} decimal;

static int is_space(unsigned char c) { return c == ' ' || c == '\t'; }

static int lower_equals(const unsigned char *p, long n, const char *word) {
    long w = (long)strlen(word);
    if (n != w) return 0;
    for (long i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        if (c != (unsigned char)word[i]) return 0;
    }
    return 1;
}

// Scans the grammar. Returns 1 on a well-formed number, 2 for inf/infinity, 0 otherwise.
static int scan(const unsigned char *p, long n, decimal *d) {
    while (n > 0 && is_space(p[0])) { p++; n--; }
    while (n > 0 && is_space(p[n - 1])) n--;
    memset(d, 0, sizeof *d);
    if (n == 0) return 0;
    long i = 0;
    if (p[i] == '+' || p[i] == '-') { d->negative = p[i] == '-'; i++; }
    if (i < n && (p[i] == 'i' || p[i] == 'I')) {
        if (lower_equals(p + i, n - i, "inf") || lower_equals(p + i, n - i, "infinity")) return 2;
        return 0;
    }
    int any_digit = 0, significant = 0, dropped_exponent = 0;
    uint64_t m = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        any_digit = 1;
        if (m == 0 && p[i] == '0') continue;
        if (significant < 19) { m = m * 10 + (uint64_t)(p[i] - '0'); significant++; }
        else { dropped_exponent++; if (p[i] != '0') d->truncated = 1; }
    }
    int fraction_exponent = 0;
    if (i < n && p[i] == '.') {
        i++;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            any_digit = 1;
            if (m == 0 && p[i] == '0') { fraction_exponent--; continue; }
            if (significant < 19) { m = m * 10 + (uint64_t)(p[i] - '0'); significant++; fraction_exponent--; }
            else if (p[i] != '0') d->truncated = 1;
        }
    }
    if (!any_digit) return 0;
    long exponent = 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        int negative_exponent = 0;
        if (i < n && (p[i] == '+' || p[i] == '-')) { negative_exponent = p[i] == '-'; i++; }
        if (i >= n || p[i] < '0' || p[i] > '9') return 0;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            if (exponent < 100000) exponent = exponent * 10 + (p[i] - '0');
        }
        if (negative_exponent) exponent = -exponent;
    }
    if (i != n) return 0;
    d->mantissa = m;
    d->exponent = (int)(exponent + fraction_exponent + dropped_exponent);
    d->digits = significant;
    return 1;
}

static double slow_double(const unsigned char *p, long n) {
    char local[128];
    char *text = n < (long)sizeof local ? local : malloc((size_t)n + 1);
    if (!text) return NAN;
    memcpy(text, p, (size_t)n);
    text[n] = 0;
    double v = strtod(text, NULL);
    if (text != local) free(text);
    return v;
}

static float slow_float(const unsigned char *p, long n) {
    char local[128];
    char *text = n < (long)sizeof local ? local : malloc((size_t)n + 1);
    if (!text) return NAN;
    memcpy(text, p, (size_t)n);
    text[n] = 0;
    float v = strtof(text, NULL);
    if (text != local) free(text);
    return v;
}

// Distance, in double ulps, from `value` to the nearest float rounding midpoint; large means safe.
static uint64_t midpoint_distance(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    uint64_t low = bits & ((1ull << 29) - 1); // the 29 mantissa bits a float drops
    uint64_t half = 1ull << 28;
    return low > half ? low - half : half - low;
}

int ad_parse_float(const unsigned char *bytes, long length, float *out) {
    if (ad_parse_float_fast(bytes, length, out)) return AD_PARSE_FINITE;
    decimal d;
    int kind = scan(bytes, length, &d);
    if (kind == 0) return AD_PARSE_NOT_A_NUMBER;
    if (kind == 2) { *out = d.negative ? -INFINITY : INFINITY; return AD_PARSE_NON_FINITE; }
    if (d.mantissa == 0) { *out = d.negative ? -0.0f : 0.0f; return AD_PARSE_FINITE; }
    float result;
    if (!d.truncated && d.mantissa < (1ull << 24) && d.exponent >= -10 && d.exponent <= 10) {
        float m = (float)d.mantissa;
        result = d.exponent >= 0 ? m * float_powers[d.exponent] : m / float_powers[-d.exponent];
    } else if (d.exponent >= -22 && d.exponent <= 22) {
        int exact = !d.truncated && d.mantissa <= (1ull << 53);
        double m = (double)d.mantissa;
        double v = d.exponent >= 0 ? m * double_powers[d.exponent] : m / double_powers[-d.exponent];
        // exact: v is correctly rounded, so only an exact midpoint is ambiguous;
        // otherwise v is within a few double ulps of the true value.
        uint64_t margin = exact ? 0 : 16;
        if (v >= 1.1754943508222875e-38 && v <= 3.4028234663852886e38 && midpoint_distance(v) > margin) {
            result = (float)v;
        } else {
            result = slow_float(bytes, length);
        }
        if (d.negative) result = -result;
        goto done;
    } else {
        result = slow_float(bytes, length);
        goto done;
    }
    if (d.negative) result = -result;
done:
    *out = result;
    return isfinite(result) ? AD_PARSE_FINITE : AD_PARSE_NON_FINITE;
}

int ad_parse_double(const unsigned char *bytes, long length, double *out) {
    decimal d;
    int kind = scan(bytes, length, &d);
    if (kind == 0) return AD_PARSE_NOT_A_NUMBER;
    if (kind == 2) { *out = d.negative ? -INFINITY : INFINITY; return AD_PARSE_NON_FINITE; }
    double result;
    if (d.mantissa == 0) {
        result = 0.0;
        if (d.negative) result = -result;
    } else if (!d.truncated && d.mantissa <= (1ull << 53) && d.exponent >= -22 && d.exponent <= 22) {
        double m = (double)d.mantissa;
        result = d.exponent >= 0 ? m * double_powers[d.exponent] : m / double_powers[-d.exponent];
        if (d.negative) result = -result;
    } else {
        result = slow_double(bytes, length);
    }
    *out = result;
    return isfinite(result) ? AD_PARSE_FINITE : AD_PARSE_NON_FINITE;
}
