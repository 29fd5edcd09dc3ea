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
        var result = pngshim_result()
        let status = bytes.withUnsafeBufferPointer { buffer in
            pngshim_decode_rgb8(buffer.baseAddress, buffer.count, UInt64(limits.maxPixels), &result)
        }
        let message = withUnsafeBytes(of: &result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch status {
        case PNGSHIM_OK:
            defer { pngshim_free(result.pixels) }
            let width = Int(result.width), height = Int(result.height)
            let pixels = [UInt8](UnsafeBufferPointer(start: result.pixels, count: width * height * 3))
            return RGBImage(width: width, height: height, pixels: pixels)
        case PNGSHIM_TOO_MANY_PIXELS:
            throw .tooManyPixels(width: header.width, height: header.height, limit: limits.maxPixels)
        case PNGSHIM_OUT_OF_MEMORY:
            throw .outOfMemory(reason: message)
        default:
            throw .decodeFailed(reason: message)
        }
    }
}
