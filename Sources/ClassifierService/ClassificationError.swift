import HTTP
import ImageDecoding

/// Why a classification failed. Each case knows its HTTP status, error code and message; decoding errors
/// become classification errors in one place (`init(_: ImageDecodingError)`).
public enum ClassificationError: HTTPResponseError, Equatable {
    case missingImage(String)
    case badMultipart(String)
    case badTopK(String)
    case badOrientation(String)
    case tooManyImages(count: Int, limit: Int)
    case unknownModel(String, known: [String])
    case unsupportedFormat(ImageFormat)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case undecodable(String)
    case queueFull(capacity: Int)
    case deadlineExceeded(seconds: Double)
    case unavailable(String)

    /// The one mapping from the decoder's errors to the service's.
    public init(_ error: ImageDecodingError) {
        switch error {
        case .unsupportedFormat(let format): self = .unsupportedFormat(format)
        case .tooManyPixels(let width, let height, let limit): self = .tooManyPixels(width: width, height: height, limit: limit)
        case .invalidHeader, .unsupportedVariant, .tooManyScans, .tooManyMarkers, .decodeFailed, .outOfMemory:
            self = .undecodable(error.description)
        }
    }

    /// The one mapping from the pool's refusals.
    public init(_ rejection: PoolRejection) {
        switch rejection {
        case .queueFull(let capacity): self = .queueFull(capacity: capacity)
        case .deadlineExceeded(let waited): self = .deadlineExceeded(seconds: waited)
        case .shuttingDown: self = .unavailable("the service is shutting down")
        }
    }

    public var status: HTTPStatus {
        switch self {
        case .missingImage, .badMultipart, .badTopK, .badOrientation, .unknownModel: .badRequest
        case .tooManyPixels, .tooManyImages: .contentTooLarge
        case .unsupportedFormat: .unsupportedMediaType
        case .undecodable: .unprocessableContent
        case .queueFull, .deadlineExceeded, .unavailable: .serviceUnavailable
        }
    }

    public var code: String {
        switch self {
        case .missingImage: "missing_image"
        case .badMultipart: "malformed_multipart"
        case .badTopK: "invalid_top_k"
        case .badOrientation: "invalid_orientation"
        case .unknownModel: "unknown_model"
        case .unsupportedFormat: "unsupported_media_type"
        case .tooManyPixels: "image_too_large"
        case .tooManyImages: "too_many_images"
        case .undecodable: "undecodable_image"
        case .queueFull: "queue_full"
        case .deadlineExceeded: "deadline_exceeded"
        case .unavailable: "unavailable"
        }
    }

    public var message: String {
        switch self {
        case .missingImage(let why), .badMultipart(let why), .badTopK(let why), .badOrientation(let why), .unavailable(let why): why
        case .unknownModel(let name, let known): "no model named '\(name)'; loaded: \(known.joined(separator: ", "))"
        case .unsupportedFormat(let format): ImageDecodingError.unsupportedFormat(format).description
        case .tooManyPixels(let width, let height, let limit):
            ImageDecodingError.tooManyPixels(width: width, height: height, limit: limit).description
        case .undecodable(let reason): reason
        case .tooManyImages(let count, let limit): "\(count) images in one request; the limit is \(limit) (--max-batch)"
        case .queueFull(let capacity): "all workers are busy and \(capacity) requests are already waiting; retry shortly"
        case .deadlineExceeded(let seconds): "no worker became free within \(String(format: "%.1f", seconds)) s; retry shortly"
        }
    }

    /// A 503 tells the client when to come back (seconds).
    public var headers: HTTPHeaders {
        status == .serviceUnavailable ? ["Retry-After": "1"] : HTTPHeaders()
    }
}

/// `GET /models/{name}` for a name that is not loaded: 404 (on /classify the same mistake is a 400, a bad
/// parameter of an existing resource).
struct ModelLookupError: HTTPResponseError {
    let name: String
    let known: [String]
    var status: HTTPStatus { .notFound }
    var code: String { "unknown_model" }
    var message: String { ClassificationError.unknownModel(name, known: known).message }
}
