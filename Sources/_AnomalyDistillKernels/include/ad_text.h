#ifndef AD_TEXT_H
#define AD_TEXT_H

#ifdef __cplusplus
extern "C" {
#endif

/// Result of `ad_parse_float`.
enum {
    AD_PARSE_NOT_A_NUMBER = 0, ///< The bytes are not a decimal number.
    AD_PARSE_FINITE = 1,       ///< A finite number, correctly rounded to float.
    AD_PARSE_NON_FINITE = 2    ///< `inf`, `infinity` or a number too large for float.
};

/// Parses a decimal number (`[+-]digits[.digits][(e|E)[+-]digits]`, or `inf`/`infinity`) from
/// `length` bytes, surrounding spaces allowed, into the nearest float (round-half-even, exactly as
/// `strtof`). Fast paths cover the common cases exactly; the rest fall back to `strtof`.
int ad_parse_float(const unsigned char *bytes, long length, float *out);

/// Same grammar, parsed into the nearest double (exactly as `strtod`).
int ad_parse_double(const unsigned char *bytes, long length, double *out);

/// A JSON number at the start of `length` bytes, by JSON's grammar, into the nearest float, in the common
/// cases only (at most 19 digits, a modest exponent, followed by a JSON delimiter or the end). Returns 1
/// and the bytes used when it decided; 0 when the caller must take its general path (which then also
/// reports what is wrong).
int ad_parse_json_float(const unsigned char *bytes, long length, float *out, long *used);

/// A byte source over a plain file, a gzip file (detected by its magic bytes, any number of
/// members), or standard input (path "-").
typedef struct ad_reader ad_reader;

/// Opens `path`. On failure returns NULL and writes a message into `error`.
ad_reader *ad_reader_open(const char *path, char *error, long error_capacity);

/// Reads up to `capacity` decompressed bytes. Returns the count, 0 at the end, -1 on error
/// (message in `error`: a damaged or truncated gzip stream, an I/O error).
long ad_reader_read(ad_reader *reader, unsigned char *buffer, long capacity, char *error, long error_capacity);

/// The whole file when it is a plain regular file mapped into memory (then `ad_reader_read`
/// returns nothing); NULL otherwise.
const unsigned char *ad_reader_mapped(const ad_reader *reader, long *length);

/// 1 when the source is gzip-compressed.
int ad_reader_is_gzip(const ad_reader *reader);

/// Closes the source and frees the reader.
void ad_reader_close(ad_reader *reader);


/// Column kinds for `ad_csv_fast_rows`.
enum { AD_FAST_SKIP = 0, AD_FAST_NUMERIC = 1, AD_FAST_LABEL = 2 };

/// Why `ad_csv_fast_rows` stopped.
enum {
    AD_FAST_STOP_LIMIT = 0,      ///< `max_rows` records were parsed.
    AD_FAST_STOP_INCOMPLETE = 1, ///< the next record is not complete in the buffer: read more.
    AD_FAST_STOP_OTHER = 2       ///< the next record needs the general parser (quotes, blank line,
                                 ///< wrong field count, text, non-finite value, bad label).
};

/// The hot path of CSV reading: parses consecutive simple records (no quotes, exactly `width`
/// fields, LF or CRLF line ends) whose numeric fields are numbers or missing tokens and whose
/// label field is 0 or 1. Numeric value k of row r goes to `values[k * column_stride + r]`
/// (NaN when missing) and labels into `labels`. Stops before the first record it cannot take,
/// leaving it to the general parser, so every error is still reported there with its location.
/// `missing_per_column` (numeric_count entries) and `rows_with_missing` are incremented.
/// Returns the number of records parsed; `*consumed` is the number of bytes they took.
long ad_csv_fast_rows(const unsigned char *bytes, long length, int at_end, long width,
                      const unsigned char *kinds, long max_rows, float *values, long column_stride,
                      signed char *labels, long *missing_per_column, long *rows_with_missing,
                      long *consumed, int *stop_reason);

/// Rows from the hot path's columns: for r in 0..<rows and k in 0..<column_count,
/// `out[r * width + destination[k]] = columns[k * column_stride + first + r]` (a transposition in blocks that stay
/// in the cache).
void ad_columns_to_rows(const float *columns, long column_stride, long column_count, const long *destination,
                        long first, long rows, float *out, long width);

#ifdef __cplusplus
}
#endif

#endif
