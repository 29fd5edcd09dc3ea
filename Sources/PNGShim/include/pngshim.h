#ifndef PNGSHIM_H
#define PNGSHIM_H

#include <stddef.h>
#include <stdint.h>

// Outcome of pngshim_decode_rgb8.
typedef enum {
    PNGSHIM_OK = 0,
    PNGSHIM_LIBPNG_ERROR = 1,   // libpng refused the stream; `message` holds its words
    PNGSHIM_TOO_MANY_PIXELS = 2, // width × height over max_pixels; nothing was allocated for pixels
    PNGSHIM_OUT_OF_MEMORY = 3,
    PNGSHIM_SIZE_MISMATCH = 4,  // the image is not `capacity` bytes of RGB (the caller's header differs from libpng's)
} pngshim_status;

typedef struct {
    uint32_t width;      // pixels
    uint32_t height;     // pixels
    char message[256];   // NUL-terminated reason when status != PNGSHIM_OK
} pngshim_result;

// Decodes a whole PNG held in memory to 8-bit RGB, straight into `destination` (height × width × 3 bytes,
// row-major; `capacity` must be exactly that, from the caller's own reading of IHDR): palette expanded,
// grey replicated, alpha (and tRNS) dropped, 16-bit samples reduced to their high byte, gamma chunks
// ignored, interlacing undone. Decoding into the caller's buffer keeps a single copy of the pixels
// (a 36-megapixel upload is 108 MB of RGB). Every libpng error (it reports them by longjmp) is caught
// here and never crosses into Swift.
pngshim_status pngshim_decode_rgb8(const uint8_t *data, size_t length, uint64_t max_pixels,
                                   uint8_t *destination, size_t capacity, pngshim_result *out);

#endif
