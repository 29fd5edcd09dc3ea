import JPEGShim

/// JPEG bytes → 8-bit RGB through libjpeg-turbo, as Pillow decodes them (see jpegshim.h).
enum JPEGDecoder: ImageFormatDecoder {
    static let format = ImageFormat.jpeg

    static func probe(_ bytes: UnsafeBufferPointer<UInt8>, limits: DecodeLimits) throws(ImageDecodingError) -> ImageHeader {
        let jpeg = try JPEGHeaderParser.parse(bytes, limits: limits)
        return ImageHeader(format: .jpeg, width: jpeg.width, height: jpeg.height, orientation: jpeg.orientation ?? .topLeft,
                           details: .jpeg(jpeg))
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, header: ImageHeader, options: DecodeOptions) throws(ImageDecodingError) -> RGBImage {
        guard case .jpeg(let jpeg) = header.details else {
            throw .decodeFailed(format: .jpeg, reason: "the header passed in is not a JPEG's")
        }
        let denominator = options.jpegScaling.denominator(width: header.width, height: header.height)
        let (width, height) = options.jpegScaling.outputSize(width: header.width, height: header.height)
        let count = width * height * 3
        // libjpeg may read no more scans than the probe counted (and judged against the limit): the bytes decoded
        // are the bytes probed, whatever header a caller passes.
        var request = jpegshim_request(width: UInt32(header.width), height: UInt32(header.height),
                                       scale_denom: UInt32(denominator), max_scans: UInt32(jpeg.scans))
        var result = jpegshim_result()
        var status = JPEGSHIM_LIBJPEG_ERROR
        // One allocation of exactly the decoded size, filled by libjpeg in place.
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = jpegshim_decode_rgb8(bytes.baseAddress, bytes.count, &request, buffer.baseAddress, count, &result)
            initialized = status == JPEGSHIM_OK ? count : 0
        }
        let message = ShimMessage.string(result.message)
        switch status {
        case JPEGSHIM_OK:
            return RGBImage(width: width, height: height, pixels: pixels)
        case JPEGSHIM_TOO_MANY_SCANS:
            throw .tooManyScans(count: Int(result.scans), limit: jpeg.scans)
        case JPEGSHIM_OUT_OF_MEMORY:
            throw .outOfMemory(reason: message)
        default:
            throw .decodeFailed(format: .jpeg, reason: message)
        }
    }
}
