#include "pngshim.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// State libpng hands back to our callbacks: the input cursor and where to put the error text.
typedef struct {
    const uint8_t *data;
    size_t length;
    size_t offset;
    char *message; // out->message, 256 bytes
} reader_state;

static void on_error(png_structp png, png_const_charp text) {
    reader_state *state = (reader_state *)png_get_error_ptr(png);
    snprintf(state->message, 256, "%s", text ? text : "unknown libpng error");
    png_longjmp(png, 1);
}

// Warnings (bad ancillary CRCs, unknown chunks, ...) do not stop decoding; they are not errors for us.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void on_read(png_structp png, png_bytep into, png_size_t count) {
    reader_state *state = (reader_state *)png_get_io_ptr(png);
    if (count > state->length - state->offset) {
        png_error(png, "unexpected end of data (the PNG stream is truncated)");
    }
    memcpy(into, state->data + state->offset, count);
    state->offset += count;
}

pngshim_status pngshim_decode_rgb8(const uint8_t *data, size_t length, uint64_t max_pixels,
                                   uint8_t *destination, size_t capacity, pngshim_result *out) {
    memset(out, 0, sizeof(*out));
    reader_state state = {data, length, 0, out->message};

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!png) {
        snprintf(out->message, sizeof(out->message), "libpng could not allocate its read structure");
        return PNGSHIM_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(out->message, sizeof(out->message), "libpng could not allocate its info structure");
        return PNGSHIM_OUT_OF_MEMORY;
    }

    // Written after setjmp and read after a longjmp: volatile so the compiler keeps them in memory.
    png_bytep *volatile rows = NULL;
    volatile pngshim_status status = PNGSHIM_LIBPNG_ERROR;

    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }

    png_set_read_fn(png, &state, on_read);
    // Ancillary chunks other than tRNS are skipped unread: we apply no gamma or colour profile, and libpng would
    // otherwise inflate and check iCCP profiles and zTXt/iTXt text (time, and a place for decompression bombs).
    // Their CRCs are still checked.
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
#ifdef PNG_IGNORE_ADLER32
    // zlib's Adler-32 over the inflated rows re-checks bytes that each IDAT chunk's CRC-32 has already checked
    // (a corrupted or truncated stream still fails on the CRC or in inflate); skipping it saves ~3 % of a decode.
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    // libpng's own ceiling on dimensions; our pixel budget is checked below, before any allocation.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        snprintf(out->message, sizeof(out->message), "%u x %u pixels is over the limit of %llu",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        status = PNGSHIM_TOO_MANY_PIXELS;
        png_longjmp(png, 1);
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16) png_set_strip_16(png); // high byte, no gamma arithmetic
    png_set_strip_alpha(png);                   // also drops alpha that tRNS expansion adds
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t row_bytes = png_get_rowbytes(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 || row_bytes != (size_t)width * 3) {
        png_error(png, "internal: libpng did not produce 8-bit RGB rows");
    }

    if (row_bytes * (size_t)height != capacity || destination == NULL) {
        snprintf(out->message, sizeof(out->message), "%u x %u RGB is %zu bytes; the buffer holds %zu",
                 (unsigned)width, (unsigned)height, row_bytes * (size_t)height, capacity);
        status = PNGSHIM_SIZE_MISMATCH;
        png_longjmp(png, 1);
    }
    status = PNGSHIM_OUT_OF_MEMORY;
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) {
        snprintf(out->message, sizeof(out->message), "cannot allocate %u row pointers", (unsigned)height);
        png_longjmp(png, 1);
    }
    status = PNGSHIM_LIBPNG_ERROR;
    for (png_uint_32 y = 0; y < height; y++) rows[y] = destination + (size_t)y * row_bytes;

    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = width;
    out->height = height;
    return PNGSHIM_OK;
}
