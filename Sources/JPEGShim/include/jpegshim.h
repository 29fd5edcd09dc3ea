#ifndef JPEGSHIM_H
#define JPEGSHIM_H

#include <stddef.h>
#include <stdint.h>

// Outcome of jpegshim_decode_rgb8.
typedef enum {
    JPEGSHIM_OK = 0,
    JPEGSHIM_LIBJPEG_ERROR = 1,   // libjpeg refused the stream, or warned that its data ended early; `message` holds its words
    JPEGSHIM_TOO_MANY_SCANS = 2,  // the stream holds more scans than `max_scans`; decoding stopped before the extra scan's data
    JPEGSHIM_OUT_OF_MEMORY = 3,
    JPEGSHIM_SIZE_MISMATCH = 4,   // the frame or output size is not the caller's (its header came from other bytes)
} jpegshim_status;

// What the caller has already judged from its own reading of the headers (ImageDecoding's JPEG probe).
typedef struct {
    uint32_t width;        // frame size in pixels, from SOF
    uint32_t height;
    uint32_t scale_denom;  // 1, 2, 4 or 8: libjpeg scales by 1/scale_denom inside the IDCT
    uint32_t max_scans;    // scans the probe counted; libjpeg stops with TOO_MANY_SCANS beyond them
} jpegshim_request;

#define JPEGSHIM_MESSAGE_CAPACITY 256

typedef struct {
    uint32_t output_width;   // pixels, ceil(width / scale_denom)
    uint32_t output_height;
    int32_t scans;           // scans libjpeg read
    int32_t warnings;        // corrupt-data warnings libjpeg recovered from (tolerated, as Pillow tolerates them)
    char message[JPEGSHIM_MESSAGE_CAPACITY]; // NUL-terminated reason when status != JPEGSHIM_OK
} jpegshim_result;

// Decodes a whole baseline, extended or progressive 8-bit JPEG (Huffman or arithmetic) held in memory to
// 8-bit RGB, straight into `destination` (output_height × output_width × 3 bytes, row-major; `capacity` must be
// exactly that): with libjpeg's defaults, as Pillow decodes (JDCT_ISLOW, fancy upsampling); greyscale
// replicated; CMYK and YCCK converted with Pillow's formula, Adobe (inverted) polarity. Every libjpeg error, and
// the warnings that mean the data ended early, unwind by longjmp inside this function and never reach exit()
// or cross into Swift; nothing is printed.
jpegshim_status jpegshim_decode_rgb8(const uint8_t *data, size_t length, const jpegshim_request *request,
                                     uint8_t *destination, size_t capacity, jpegshim_result *out);

#endif
