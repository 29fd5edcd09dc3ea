import PNGShim

/// PNG bytes → 8-bit RGB through libpng.
public enum PNGDecoder: ImageFormatDecoder {
    static let format = ImageFormat.png

    static func probe(_ bytes: UnsafeBufferPointer<UInt8>, limits: DecodeLimits) throws(ImageDecodingError) -> ImageHeader {
        let png = try PNGHeader.parse(bytes)
        return ImageHeader(format: .png, width: png.width, height: png.height, details: .png(png))
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, header: ImageHeader, options: DecodeOptions) throws(ImageDecodingError) -> RGBImage {
        // One allocation of exactly the decoded size (from IHDR), filled by libpng in place. The shim's own pixel
        // check is held to the probed size: the limit itself was judged by the probe.
        let count = header.width * header.height * 3
        var result = pngshim_result()
        var status = PNGSHIM_LIBPNG_ERROR
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = pngshim_decode_rgb8(bytes.baseAddress, bytes.count, UInt64(header.width * header.height),
                                         buffer.baseAddress, count, &result)
            initialized = status == PNGSHIM_OK ? count : 0
        }
        let message = ShimMessage.string(result.message)
        switch status {
        case PNGSHIM_OK:
            return RGBImage(width: header.width, height: header.height, pixels: pixels)
        case PNGSHIM_OUT_OF_MEMORY:
            throw .outOfMemory(reason: message)
        default:
            throw .decodeFailed(format: .png, reason: message)
        }
    }
}
