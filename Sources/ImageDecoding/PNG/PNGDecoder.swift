import PNGShim

/// Limits applied before and during decoding.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width × height accepted (pixels). The default, 40 MP, is ~120 MB of RGB.
    public var maxPixels: Int

    public init(maxPixels: Int = 40_000_000) {
        self.maxPixels = maxPixels
    }
}

/// PNG bytes → 8-bit RGB through libpng.
public enum PNGDecoder {
    /// Probes the header (refusing non-PNGs and oversized images without allocating for them), then decodes.
    public static func decodeRGB8(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) throws(ImageDecodingError) -> RGBImage {
        let header = try PNGHeader.probe(bytes)
        guard header.width * header.height <= limits.maxPixels else {
            throw .tooManyPixels(width: header.width, height: header.height, limit: limits.maxPixels)
        }
        // One allocation of exactly the decoded size (from IHDR), filled by libpng in place.
        let count = header.width * header.height * 3
        var result = pngshim_result()
        var status = PNGSHIM_LIBPNG_ERROR
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = bytes.withUnsafeBufferPointer { source in
                pngshim_decode_rgb8(source.baseAddress, source.count, UInt64(limits.maxPixels), buffer.baseAddress, count, &result)
            }
            initialized = status == PNGSHIM_OK ? count : 0
        }
        let message = withUnsafeBytes(of: &result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch status {
        case PNGSHIM_OK:
            return RGBImage(width: header.width, height: header.height, pixels: pixels)
        case PNGSHIM_TOO_MANY_PIXELS:
            throw .tooManyPixels(width: header.width, height: header.height, limit: limits.maxPixels)
        case PNGSHIM_OUT_OF_MEMORY:
            throw .outOfMemory(reason: message)
        default:
            throw .decodeFailed(reason: message)
        }
    }
}
