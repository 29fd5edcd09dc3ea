// The PNG-only API of before JPEG support, kept unchanged (names, error cases, messages) only so that the
// service and the CLI build and behave as before until they move to `ImageDecoder` (issue 15, next phase).
// Delete this file then.

/// The errors of the PNG-only API, as they were.
public enum PNGDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case notPNG(format: ImageFormat)
    case invalidHeader(reason: String)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case decodeFailed(reason: String)
    case outOfMemory(reason: String)

    init(_ error: ImageDecodingError) {
        switch error {
        case .unsupportedFormat(let format): self = .notPNG(format: format)
        case .invalidHeader(_, let reason): self = .invalidHeader(reason: reason)
        case .tooManyPixels(let width, let height, let limit): self = .tooManyPixels(width: width, height: height, limit: limit)
        case .outOfMemory(let reason): self = .outOfMemory(reason: reason)
        case .decodeFailed(_, let reason): self = .decodeFailed(reason: reason)
        case .unsupportedVariant, .tooManyScans, .tooManyMarkers: self = .decodeFailed(reason: error.description)
        }
    }

    public var description: String {
        switch self {
        case .notPNG(let format):
            return format == .empty ? "the image is empty (0 bytes)" : "not a PNG: the data looks like \(format.description)"
        case .invalidHeader(let reason): return "invalid PNG header: \(reason)"
        case .tooManyPixels(let width, let height, let limit):
            return ImageDecodingError.tooManyPixels(width: width, height: height, limit: limit).description
        case .decodeFailed(let reason): return "libpng cannot decode this PNG: \(reason)"
        case .outOfMemory(let reason): return "out of memory while decoding: \(reason)"
        }
    }
}

extension ImageDecodingError {
    @available(*, deprecated, message: "PNG-only API; use ImageDecodingError.unsupportedFormat")
    public static func notPNG(format: ImageFormat) -> PNGDecodingError { .notPNG(format: format) }
}

extension PNGHeader {
    @available(*, deprecated, message: "PNG-only API; use ImageDecoder.probe")
    public static func probe(_ bytes: [UInt8]) throws(PNGDecodingError) -> PNGHeader {
        let format = ImageFormat.sniff(bytes)
        guard format == .png else { throw .notPNG(format: format) }
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(ImageDecodingError) in try PNGHeader.parse(buffer) }
        } catch {
            throw PNGDecodingError(error)
        }
    }
}

extension PNGDecoder {
    @available(*, deprecated, message: "PNG-only API; use ImageDecoder.probe and ImageDecoder.decode")
    public static func decodeRGB8(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) throws(PNGDecodingError) -> RGBImage {
        let format = ImageFormat.sniff(bytes)
        guard format == .png else { throw .notPNG(format: format) }
        do {
            return try ImageDecoder.decode(bytes, limits: limits)
        } catch {
            throw PNGDecodingError(error)
        }
    }
}
