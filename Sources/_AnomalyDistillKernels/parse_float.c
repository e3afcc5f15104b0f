// Exact decimal-to-binary conversion for CSV fields.
//
// The common case (at most 19 digits, a modest exponent) is decided exactly in parse_fast.h
// (Clinger's fast path, with the double result checked against the float rounding midpoints);
// everything else is validated here and handed to the C library's correctly rounded strtof/strtod.
#include "ad_text.h"
#include "parse_fast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_space(unsigned char c) { return c == ' ' || c == '\t'; }

static int lower_equals(const unsigned char *p, long n, const char *word) {
    if (n != (long)strlen(word)) return 0;
    for (long i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        if (c != (unsigned char)word[i]) return 0;
    }
    return 1;
}

// Checks the grammar `[+-]digits[.digits][(e|E)[+-]digits]` (surrounding spaces allowed).
// Returns 1 for a number, 2 for inf/infinity, 0 otherwise; *negative is the sign.
static int classify(const unsigned char *p, long n, int *negative) {
    while (n > 0 && is_space(p[0])) { p++; n--; }
    while (n > 0 && is_space(p[n - 1])) n--;
    long i = 0;
    *negative = 0;
    if (i < n && (p[i] == '+' || p[i] == '-')) { *negative = p[i] == '-'; i++; }
    if (lower_equals(p + i, n - i, "inf") || lower_equals(p + i, n - i, "infinity")) return 2;
    int digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') { i++; digits = 1; }
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9') { i++; digits = 1; }
    }
    if (!digits) return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= n || p[i] < '0' || p[i] > '9') return 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    }
    return i == n;
}

// strtof or strtod over a copy terminated by NUL.
static double library_parse(const unsigned char *p, long n, int single) {
    char local[128];
    char *text = n < (long)sizeof local ? local : malloc((size_t)n + 1);
    if (!text) return NAN;
    memcpy(text, p, (size_t)n);
    text[n] = 0;
    double value = single ? (double)strtof(text, NULL) : strtod(text, NULL);
    if (text != local) free(text);
    return value;
}

int ad_parse_float(const unsigned char *bytes, long length, float *out) {
    if (ad_parse_float_fast(bytes, length, out)) return AD_PARSE_FINITE;
    int negative;
    int kind = classify(bytes, length, &negative);
    if (kind == 0) return AD_PARSE_NOT_A_NUMBER;
    if (kind == 2) { *out = negative ? -INFINITY : INFINITY; return AD_PARSE_NON_FINITE; }
    *out = (float)library_parse(bytes, length, 1);
    return isfinite(*out) ? AD_PARSE_FINITE : AD_PARSE_NON_FINITE;
}

int ad_parse_double(const unsigned char *bytes, long length, double *out) {
    int negative;
    int kind = classify(bytes, length, &negative);
    if (kind == 0) return AD_PARSE_NOT_A_NUMBER;
    if (kind == 2) { *out = negative ? -INFINITY : INFINITY; return AD_PARSE_NON_FINITE; }
    *out = library_parse(bytes, length, 0);
    return isfinite(*out) ? AD_PARSE_FINITE : AD_PARSE_NON_FINITE;
}

int ad_parse_json_float(const unsigned char *bytes, long length, float *out, long *used) {
    long n = 0;
    if (!ad_parse_float_bounded(bytes, length, bytes + length, out, &n) || n == 0) return 0;
    // JSON's grammar is stricter than CSV's: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    long i = bytes[0] == '-' ? 1 : 0;
    if (i >= n || (unsigned)(bytes[i] - '0') >= 10u) return 0;               // '+', '.5', '-.5'
    if (bytes[i] == '0' && i + 1 < n && (unsigned)(bytes[i + 1] - '0') < 10u) return 0; // leading zero
    for (long j = i; j < n; j++) {
        if (bytes[j] == '.' && (j + 1 >= n || (unsigned)(bytes[j + 1] - '0') >= 10u)) return 0; // '1.'
    }
    if (n < length) {  // the number must end where JSON says a value ends
        unsigned char next = bytes[n];
        if (!(next == ',' || next == ']' || next == '}' || next == ' ' || next == '\n' || next == '\r' || next == '\t')) return 0;
    }
    *used = n;
    return 1;
}
