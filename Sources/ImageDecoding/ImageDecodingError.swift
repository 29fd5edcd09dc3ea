/// Why a byte string did not become an `RGBImage`. Each case carries what a client needs to fix the input.
public enum ImageDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not an image format this library decodes (PNG, JPEG); `format` says what they look like.
    case unsupportedFormat(ImageFormat)
    /// The format is recognised but its header (PNG IHDR; JPEG markers up to the first scan) is missing,
    /// short or invalid.
    case invalidHeader(format: ImageFormat, reason: String)
    /// A variant of a supported format that is refused by design, e.g. a 12-bit or lossless JPEG.
    case unsupportedVariant(format: ImageFormat, reason: String)
    /// width × height exceeds the configured pixel budget (judged from the header, before decoding).
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// The JPEG holds more scans than allowed (judged before decoding: thousands of progressive scans are a
    /// CPU bomb).
    case tooManyScans(count: Int, limit: Int)
    /// The JPEG holds more marker segments than allowed (judged before decoding).
    case tooManyMarkers(count: Int, limit: Int)
    /// The decoding library refused the stream; `reason` is its own message (libpng's or libjpeg's, e.g.
    /// libjpeg's "Premature end of JPEG file" for truncated data).
    case decodeFailed(format: ImageFormat, reason: String)
    case outOfMemory(reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let format):
            if format == .empty { return "the image is empty (0 bytes)" }
            return "unsupported image format: the data looks like \(format.description); send a PNG or a JPEG"
        case .invalidHeader(let format, let reason):
            return "invalid \(format.name) header: \(reason)"
        case .unsupportedVariant(let format, let reason):
            return "unsupported \(format.name): \(reason)"
        case .tooManyPixels(let width, let height, let limit):
            return "image is \(width)×\(height) = \(width * height) pixels, over the limit of \(limit) pixels"
        case .tooManyScans(let count, let limit):
            return "the JPEG holds \(count) scans, over the limit of \(limit)"
        case .tooManyMarkers(let count, let limit):
            return "the JPEG holds \(count) marker segments, over the limit of \(limit)"
        case .decodeFailed(let format, let reason):
            let library = format == .jpeg ? "libjpeg" : format == .png ? "libpng" : "the decoder"
            return "\(library) cannot decode this \(format.name): \(reason)"
        case .outOfMemory(let reason):
            return "out of memory while decoding: \(reason)"
        }
    }
}
