#include "jpegshim.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

_Static_assert(JMSG_LENGTH_MAX <= JPEGSHIM_MESSAGE_CAPACITY, "libjpeg's messages must fit jpegshim_result.message");

// libjpeg casts cinfo->err to this: `pub` first. The jump target and what to report live beside it.
// What the callbacks learn is written through `out` at once, and the status travels as longjmp's value: after
// a longjmp this function may not read its own locals that changed since setjmp (C11 7.13.2.1), and `cinfo`
// is one of them.
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    jpegshim_result *out;
} shim_error_mgr;

typedef struct {
    struct jpeg_progress_mgr pub;
    int max_scans;
    jpegshim_result *out;
} shim_progress_mgr;

static void fail(j_common_ptr cinfo, jpegshim_status status) {
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    longjmp(err->jump, (int)status); // never JPEGSHIM_OK (0)
}

static void on_error_exit(j_common_ptr cinfo) {
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->out->message);
    fail(cinfo, err->pub.msg_code == JERR_OUT_OF_MEMORY ? JPEGSHIM_OUT_OF_MEMORY : JPEGSHIM_LIBJPEG_ERROR);
}

// msg_level −1 is a warning: corrupt data libjpeg recovers from. Data that ends early (the memory source's
// "Premature end of JPEG file", or a marker in the middle of entropy-coded data) is an error for us, as a
// truncated file is for Pillow; the other warnings (extraneous bytes before a marker, a bad Huffman code, …)
// are tolerated as Pillow tolerates them. Trace messages (msg_level ≥ 0) are dropped; nothing is printed.
static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    if (msg_level >= 0) return;
    if (err->pub.msg_code == JWRN_JPEG_EOF || err->pub.msg_code == JWRN_HIT_MARKER) {
        (*cinfo->err->format_message)(cinfo, err->out->message);
        fail(cinfo, JPEGSHIM_LIBJPEG_ERROR);
    }
    err->out->warnings++;
}

static void on_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

// libjpeg calls this before consuming each piece of input while it buffers a multi-scan image; the scan
// number has already moved on when a new scan's header has been read, so an extra scan is refused before its
// data is decoded (thousands of tiny progressive scans each walk every block of the image: a CPU bomb).
static void on_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    shim_progress_mgr *progress = (shim_progress_mgr *)cinfo->progress;
    progress->out->scans = dinfo->input_scan_number;
    if (dinfo->input_scan_number > progress->max_scans) {
        snprintf(progress->out->message, JPEGSHIM_MESSAGE_CAPACITY, "the stream holds more than the %d scans its header walk counted",
                 progress->max_scans);
        fail(cinfo, JPEGSHIM_TOO_MANY_SCANS);
    }
}

// Pillow's reading of CMYK JPEGs: libjpeg's samples are Adobe polarity (255 = no ink) and Pillow inverts them
// ("CMYK;I") into ink amounts c, k; convert("RGB") is then r = (255 − k) − c·(255 − k)/255, the division
// rounded as Pillow's MULDIV255 rounds it. With nk = 255 − k = libjpeg's K sample and c = 255 − libjpeg's C.
static inline uint8_t cmyk_channel(unsigned ink, unsigned nk) {
    unsigned t = ink * nk + 128;
    return (uint8_t)(nk - (((t >> 8) + t) >> 8));
}

static void cmyk_row_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, JDIMENSION count) {
    for (JDIMENSION x = 0; x < count; x++, cmyk += 4, rgb += 3) {
        unsigned nk = cmyk[3];
        rgb[0] = cmyk_channel(255u - cmyk[0], nk);
        rgb[1] = cmyk_channel(255u - cmyk[1], nk);
        rgb[2] = cmyk_channel(255u - cmyk[2], nk);
    }
}

static jpegshim_status destroyed(j_decompress_ptr cinfo, jpegshim_status status) {
    jpeg_destroy_decompress(cinfo);
    return status;
}

jpegshim_status jpegshim_decode_rgb8(const uint8_t *data, size_t length, const jpegshim_request *request,
                                     uint8_t *destination, size_t capacity, jpegshim_result *out) {
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct cinfo;
    shim_error_mgr err;
    shim_progress_mgr progress;
    // Zeroed first, so that jpeg_destroy_decompress after a jump is safe whatever step failed.
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error_exit;
    err.pub.emit_message = on_emit_message;
    err.pub.output_message = on_output_message;
    err.out = out;
    progress.out = out;

    // setjmp may only be a whole controlling expression (C11 7.13.1.1); it returns the status fail() jumped with.
    switch (setjmp(err.jump)) {
    case 0:
        break;
    case JPEGSHIM_TOO_MANY_SCANS:
        return destroyed(&cinfo, JPEGSHIM_TOO_MANY_SCANS);
    case JPEGSHIM_OUT_OF_MEMORY:
        return destroyed(&cinfo, JPEGSHIM_OUT_OF_MEMORY);
    case JPEGSHIM_SIZE_MISMATCH:
        return destroyed(&cinfo, JPEGSHIM_SIZE_MISMATCH);
    default:
        return destroyed(&cinfo, JPEGSHIM_LIBJPEG_ERROR);
    }

    jpeg_create_decompress(&cinfo);
    progress.pub.progress_monitor = on_progress;
    progress.max_scans = (int)request->max_scans;
    cinfo.progress = &progress.pub;
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);

    if (cinfo.image_width != request->width || cinfo.image_height != request->height) {
        snprintf(out->message, sizeof(out->message), "libjpeg reads a %u x %u frame; the header said %u x %u",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height, (unsigned)request->width,
                 (unsigned)request->height);
        fail((j_common_ptr)&cinfo, JPEGSHIM_SIZE_MISMATCH);
    }
    // Four components are CMYK or YCCK (libjpeg turns YCCK into CMYK); everything else is asked for as RGB
    // (libjpeg replicates greyscale and converts YCbCr).
    int cmyk = cinfo.num_components == 4;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = request->scale_denom;
    // libjpeg's defaults, stated because Pillow's pixels depend on them: the accurate integer IDCT and the
    // triangle-filter ("fancy") chroma upsampling.
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_calc_output_dimensions(&cinfo);

    size_t row_bytes = (size_t)cinfo.output_width * 3;
    if (destination == NULL || row_bytes * (size_t)cinfo.output_height != capacity) {
        snprintf(out->message, sizeof(out->message), "%u x %u RGB is %zu bytes; the buffer holds %zu",
                 (unsigned)cinfo.output_width, (unsigned)cinfo.output_height, row_bytes * (size_t)cinfo.output_height,
                 capacity);
        fail((j_common_ptr)&cinfo, JPEGSHIM_SIZE_MISMATCH);
    }

    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != (cmyk ? 4 : 3)) {
        snprintf(out->message, sizeof(out->message), "internal: libjpeg produced %d components per pixel",
                 cinfo.output_components);
        fail((j_common_ptr)&cinfo, JPEGSHIM_LIBJPEG_ERROR);
    }

    // libjpeg hands over up to rec_outbuf_height rows per call (the largest vertical sampling factor, ≤ 4).
    enum { MAX_ROWS = 16 };
    int batch = cinfo.rec_outbuf_height < MAX_ROWS ? cinfo.rec_outbuf_height : MAX_ROWS;
    if (batch < 1) batch = 1;
    JSAMPARRAY cmyk_rows = NULL;
    if (cmyk) {
        // Freed with the decompressor (JPOOL_IMAGE), also after a jump.
        cmyk_rows = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, cinfo.output_width * 4,
                                               (JDIMENSION)batch);
    }
    JSAMPROW rows[MAX_ROWS];
    while (cinfo.output_scanline < cinfo.output_height) {
        JDIMENSION first = cinfo.output_scanline;
        JDIMENSION count = cinfo.output_height - first;
        if (count > (JDIMENSION)batch) count = (JDIMENSION)batch;
        JDIMENSION got;
        if (cmyk) {
            got = jpeg_read_scanlines(&cinfo, cmyk_rows, count);
            for (JDIMENSION i = 0; i < got; i++) {
                cmyk_row_to_rgb(cmyk_rows[i], destination + (size_t)(first + i) * row_bytes, cinfo.output_width);
            }
        } else {
            for (JDIMENSION i = 0; i < count; i++) rows[i] = destination + (size_t)(first + i) * row_bytes;
            got = jpeg_read_scanlines(&cinfo, rows, count);
        }
        if (got == 0) {
            // A memory source never suspends; no progress would loop forever.
            snprintf(out->message, sizeof(out->message), "internal: libjpeg returned no scanline at row %u",
                     (unsigned)first);
            fail((j_common_ptr)&cinfo, JPEGSHIM_LIBJPEG_ERROR);
        }
    }
    // Reads on to EOI: a file cut after its last scanline is still truncated (Pillow refuses it too).
    jpeg_finish_decompress(&cinfo);

    out->output_width = cinfo.output_width;
    out->output_height = cinfo.output_height;
    out->scans = cinfo.input_scan_number;
    jpeg_destroy_decompress(&cinfo);
    return JPEGSHIM_OK;
}
