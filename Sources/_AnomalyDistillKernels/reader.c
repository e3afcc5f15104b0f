// Byte sources for the CSV reader: plain files, gzip files (zlib, any number of members) and stdin.
#include "ad_text.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define AD_INPUT_CAPACITY (1 << 18)

struct ad_reader {
    FILE *file;
    int owns_file;
    int gzip;
    int stream_open;   // inflate is inside a member
    int finished;
    z_stream z;
    unsigned char *input;
    long input_length;
    const unsigned char *mapped;  // a plain regular file, memory-mapped whole
    long mapped_length;
};

// One read(2) of at most `capacity` bytes, retried when interrupted: what has arrived, 0 at the end, -1 on error.
static long ad_read_some(ad_reader *r, unsigned char *buffer, long capacity) {
    for (;;) {
        ssize_t n = read(fileno(r->file), buffer, (size_t)capacity);
        if (n >= 0) return (long)n;
        if (errno != EINTR) return -1;
    }
}

static void set_error(char *error, long capacity, const char *message) {
    if (error && capacity > 0) {
        strncpy(error, message, (size_t)capacity - 1);
        error[capacity - 1] = 0;
    }
}

ad_reader *ad_reader_open(const char *path, char *error, long error_capacity) {
    ad_reader *r = calloc(1, sizeof *r);
    if (!r) { set_error(error, error_capacity, "out of memory"); return NULL; }
    if (strcmp(path, "-") == 0) {
        r->file = stdin;
    } else {
        r->file = fopen(path, "rb");
        r->owns_file = 1;
    }
    if (!r->file) {
        set_error(error, error_capacity, strerror(errno));
        free(r);
        return NULL;
    }
    if (r->owns_file) {
        // A plain regular file is mapped whole: no copies, and the parser may split it across threads.
        struct stat info;
        if (fstat(fileno(r->file), &info) == 0 && S_ISREG(info.st_mode) && info.st_size >= 2) {
            void *map = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fileno(r->file), 0);
            if (map != MAP_FAILED) {
                const unsigned char *bytes = map;
                if (bytes[0] == 0x1f && bytes[1] == 0x8b) {
                    munmap(map, (size_t)info.st_size);
                } else {
                    madvise(map, (size_t)info.st_size, MADV_SEQUENTIAL);
                    madvise(map, (size_t)info.st_size, MADV_WILLNEED);
                    r->mapped = bytes;
                    r->mapped_length = (long)info.st_size;
                    return r;
                }
            }
        }
    }
    r->input = malloc(AD_INPUT_CAPACITY);
    if (!r->input) { set_error(error, error_capacity, "out of memory"); ad_reader_close(r); return NULL; }
    // Sniff the first bytes with read(2), not fread: a pipe hands over what has arrived (a live stream must
    // not wait for a full buffer), and the stdio buffer is never used, so nothing is read twice.
    r->input_length = 0;
    while (r->input_length < 2) {
        long n = ad_read_some(r, r->input + r->input_length, AD_INPUT_CAPACITY - r->input_length);
        if (n < 0) { set_error(error, error_capacity, strerror(errno)); ad_reader_close(r); return NULL; }
        if (n == 0) break;
        r->input_length += n;
    }
    r->gzip = r->input_length >= 2 && r->input[0] == 0x1f && r->input[1] == 0x8b;
    if (r->gzip) {
        memset(&r->z, 0, sizeof r->z);
        if (inflateInit2(&r->z, 15 + 16) != Z_OK) {
            set_error(error, error_capacity, "cannot start the gzip decoder");
            ad_reader_close(r);
            return NULL;
        }
        r->stream_open = 1;
        r->z.next_in = r->input;
        r->z.avail_in = (uInt)r->input_length;
    }
    return r;
}

int ad_reader_is_gzip(const ad_reader *r) { return r->gzip; }

const unsigned char *ad_reader_mapped(const ad_reader *r, long *length) {
    *length = r->mapped_length;
    return r->mapped;
}

static long read_plain(ad_reader *r, unsigned char *buffer, long capacity, char *error, long error_capacity) {
    long written = 0;
    if (r->input_length > 0) { // bytes read while sniffing the format
        long n = r->input_length < capacity ? r->input_length : capacity;
        memcpy(buffer, r->input, (size_t)n);
        memmove(r->input, r->input + n, (size_t)(r->input_length - n));
        r->input_length -= n;
        written = n;
    }
    if (written == 0) {
        // One read: a pipe returns what has arrived, so a live stream is parsed as its lines come in.
        long n = ad_read_some(r, buffer, capacity);
        if (n < 0) { set_error(error, error_capacity, strerror(errno)); return -1; }
        written = n;
    }
    return written;
}

static long read_gzip(ad_reader *r, unsigned char *buffer, long capacity, char *error, long error_capacity) {
    r->z.next_out = buffer;
    r->z.avail_out = (uInt)capacity;
    while (r->z.avail_out > 0 && !r->finished) {
        // Hand over what is decoded before waiting on a live stream for more.
        if (r->z.avail_in == 0 && r->z.avail_out < (uInt)capacity) break;
        if (r->z.avail_in == 0) {
            long n = ad_read_some(r, r->input, AD_INPUT_CAPACITY);
            if (n < 0) { set_error(error, error_capacity, strerror(errno)); return -1; }
            if (n == 0) {
                if (r->stream_open) {
                    set_error(error, error_capacity, "the stream ends before its end marker (truncated file)");
                    return -1;
                }
                r->finished = 1;
                break;
            }
            r->z.next_in = r->input;
            r->z.avail_in = (uInt)n;
        }
        if (!r->stream_open) { // another gzip member follows
            if (inflateReset(&r->z) != Z_OK) { set_error(error, error_capacity, "cannot restart the decoder"); return -1; }
            r->stream_open = 1;
        }
        int status = inflate(&r->z, Z_NO_FLUSH);
        if (status == Z_STREAM_END) {
            r->stream_open = 0;
        } else if (status == Z_BUF_ERROR) {
            continue; // needs more input
        } else if (status != Z_OK) {
            set_error(error, error_capacity, r->z.msg ? r->z.msg : "invalid compressed data");
            return -1;
        }
    }
    return capacity - (long)r->z.avail_out;
}

long ad_reader_read(ad_reader *r, unsigned char *buffer, long capacity, char *error, long error_capacity) {
    if (capacity <= 0 || r->mapped) return 0;
    return r->gzip ? read_gzip(r, buffer, capacity, error, error_capacity)
                   : read_plain(r, buffer, capacity, error, error_capacity);
}

void ad_reader_close(ad_reader *r) {
    if (!r) return;
    if (r->gzip) inflateEnd(&r->z);
    if (r->mapped) munmap((void *)r->mapped, (size_t)r->mapped_length);
    if (r->owns_file && r->file) fclose(r->file);
    free(r->input);
    free(r);
}
