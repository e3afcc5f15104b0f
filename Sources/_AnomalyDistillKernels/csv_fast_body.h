// The row loop of ad_csv_fast_rows, compiled once per instruction set by csv_fast.c, which defines
// AD_FAST_ROWS_NAME, AD_FAST_TARGET, AD_USE_SSE41 and AD_USE_AVX2 before each inclusion.

AD_FAST_TARGET
static long AD_FAST_ROWS_NAME(const unsigned char *bytes, long length, int at_end, long width,
                              const unsigned char *kinds, long max_rows, float *values, long column_stride,
                              signed char *labels, long *missing_per_column, long *rows_with_missing,
                              long *consumed, int *stop_reason) {
    long rows = 0, p = 0;
    *stop_reason = AD_FAST_STOP_LIMIT;
    while (rows < max_rows) {
        if (p >= length) { *stop_reason = at_end ? AD_FAST_STOP_OTHER : AD_FAST_STOP_INCOMPLETE; break; }
        if (bytes[p] == '\n' || bytes[p] == '\r') { *stop_reason = AD_FAST_STOP_OTHER; break; } // blank line
        long q = p, field = 0, k = 0;
        int row_missing = 0, ok = 1, complete = 0;
        float *out = values + rows;
        while (1) {
            if (field < width && kinds[field] == AD_FAST_NUMERIC) {
#if AD_USE_AVX2
                // A plain number under 32 bytes, its end found with one 32-byte compare: short ones as below,
                // long ones (full-precision values) read 32 bytes at a time.
                if (q >= 32 && q + 32 <= length) {
                    long n = ad_field_length_avx2(bytes + q);
                    if (n < 16 ? ad_parse_short_sse41(bytes + q, n, &out[k * column_stride])
                               : n < 32 && ad_parse_long_avx2(bytes + q, n, &out[k * column_stride])) {
                        q += n;
                        k++;
                        field++;
                        goto after_field;
                    }
                } else
#endif
#if AD_USE_SSE41
                // Common case: a short plain number, its end found and its digits read 16 bytes at a time.
                if (q + 16 <= length) {
                    long n = ad_field_length_sse41(bytes + q);
                    if (n < 16 && q + n >= 16 && ad_parse_short_sse41(bytes + q, n, &out[k * column_stride])) {
                        q += n;
                        k++;
                        field++;
                        goto after_field;
                    }
                }
#endif
                // Parse the number while scanning, then expect a separator.
                long used = 0;
                if (ad_parse_float_prefix(bytes + q, length - q, &out[k * column_stride], &used)) {
                    long e = q + used;
                    int separated = e < length ? (bytes[e] == ',' || bytes[e] == '\n' || bytes[e] == '\r') : at_end;
                    if (separated) {
                        q = e;
                        k++;
                        field++;
                        goto after_field;
                    }
                }
            }
            long start = q;
            while (q < length) {
                unsigned char c = bytes[q];
                if (c == ',' || c == '\n' || c == '\r') break;
                if (c == '"') { ok = 0; break; }
                q++;
            }
            if (!ok) break;
            if (q >= length && !at_end) { *stop_reason = AD_FAST_STOP_INCOMPLETE; ok = 0; break; }
            if (field >= width) { ok = 0; break; }
            unsigned char kind = kinds[field];
            if (kind == AD_FAST_NUMERIC) {
                const unsigned char *f = bytes + start;
                long n = q - start;
                if (is_missing(f, n)) {
                    out[k * column_stride] = NAN;
                    missing_per_column[k]++;
                    row_missing = 1;
                } else if (ad_parse_float(f, n, &out[k * column_stride]) != AD_PARSE_FINITE) {
                    ok = 0;
                    break;
                }
                k++;
            } else if (kind == AD_FAST_LABEL) {
                if (q - start == 1 && (bytes[start] == '0' || bytes[start] == '1')) {
                    labels[rows] = (signed char)(bytes[start] - '0');
                } else {
                    ok = 0;
                    break;
                }
            }
            field++;
        after_field:
            if (q >= length) { complete = 1; break; } // last record, no line end
            unsigned char c = bytes[q];
            if (c == ',') { q++; continue; }
            if (c == '\n') { q++; complete = 1; break; }
            if (c != '\r') { ok = 0; break; }
            // '\r': must be CRLF here (a bare CR is left to the general parser)
            if (q + 1 >= length && !at_end) { *stop_reason = AD_FAST_STOP_INCOMPLETE; ok = 0; break; }
            if (q + 1 < length && bytes[q + 1] == '\n') { q += 2; complete = 1; break; }
            ok = 0;
            break;
        }
        if (!ok || !complete || field != width) {
            // Undo this record's missing counts; the general parser will count it.
            if (row_missing) {
                for (long i = 0; i < k; i++) if (isnan(out[i * column_stride])) missing_per_column[i]--;
            }
            if (*stop_reason != AD_FAST_STOP_INCOMPLETE) *stop_reason = AD_FAST_STOP_OTHER;
            break;
        }
        if (row_missing) (*rows_with_missing)++;
        rows++;
        p = q;
    }
    *consumed = p;
    return rows;
}
