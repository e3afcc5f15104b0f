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

/// A byte source over a plain file, a gzip file (detected by its magic bytes, any number of
/// members), or standard input (path "-").
typedef struct ad_reader ad_reader;

/// Opens `path`. On failure returns NULL and writes a message into `error`.
ad_reader *ad_reader_open(const char *path, char *error, long error_capacity);

/// Reads up to `capacity` decompressed bytes. Returns the count, 0 at the end, -1 on error
/// (message in `error`: a damaged or truncated gzip stream, an I/O error).
long ad_reader_read(ad_reader *reader, unsigned char *buffer, long capacity, char *error, long error_capacity);

/// 1 when the source is gzip-compressed.
int ad_reader_is_gzip(const ad_reader *reader);

/// Closes the source and frees the reader.
void ad_reader_close(ad_reader *reader);

#ifdef __cplusplus
}
#endif

#endif
