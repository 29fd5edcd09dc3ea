/// Why a byte string did not become an `RGBImage`. Each case carries what a client needs to fix the input.
public enum ImageDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a PNG; `format` says what they look like instead.
    case notPNG(format: ImageFormat)
    /// The PNG signature is there but the IHDR chunk is missing, short or invalid.
    case invalidHeader(reason: String)
    /// width × height exceeds the configured pixel budget (judged from IHDR before decoding).
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// libpng refused the stream; `reason` is libpng's own message.
    case decodeFailed(reason: String)
    case outOfMemory(reason: String)

    public var description: String {
        switch self {
        case .notPNG(let format):
            return format == .empty ? "the image is empty (0 bytes)" : "not a PNG: the data looks like \(format.description)"
        case .invalidHeader(let reason):
            return "invalid PNG header: \(reason)"
        case .tooManyPixels(let width, let height, let limit):
            return "image is \(width)×\(height) = \(width * height) pixels, over the limit of \(limit) pixels"
        case .decodeFailed(let reason):
            return "libpng cannot decode this PNG: \(reason)"
        case .outOfMemory(let reason):
            return "out of memory while decoding: \(reason)"
        }
    }
}
