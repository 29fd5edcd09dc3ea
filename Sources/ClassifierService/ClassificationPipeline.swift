import Foundation
import ImageDecoding
import ShuffleNet
import MonotonicClock

/// What /classify answers.
public struct ClassificationResult: Sendable {
    public let model: String
    public let predictions: [Prediction]
    public let width: Int
    public let height: Int
    public var decodeSeconds: Double
    public var preprocessSeconds: Double
    public var queueSeconds: Double
    public var inferenceSeconds: Double
}

/// Why a classification failed; each case knows its HTTP status and error code.
public enum ClassificationError: Error, Sendable, Equatable {
    case missingImage(String)
    case badMultipart(String)
    case badTopK(String)
    case unknownModel(String, known: [String])
    case notPNG(ImageFormat)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case undecodable(String)
    case queueFull(capacity: Int)
    case deadlineExceeded(seconds: Double)
    case unavailable(String)

    public var status: Int {
        switch self {
        case .missingImage, .badMultipart, .badTopK, .unknownModel: return 400
        case .tooManyPixels: return 413
        case .notPNG: return 415
        case .undecodable: return 422
        case .queueFull, .deadlineExceeded, .unavailable: return 503
        }
    }

    public var code: String {
        switch self {
        case .missingImage: return "missing_image"
        case .badMultipart: return "malformed_multipart"
        case .badTopK: return "invalid_top_k"
        case .unknownModel: return "unknown_model"
        case .notPNG: return "unsupported_media_type"
        case .tooManyPixels: return "image_too_large"
        case .undecodable: return "undecodable_image"
        case .queueFull: return "queue_full"
        case .deadlineExceeded: return "deadline_exceeded"
        case .unavailable: return "unavailable"
        }
    }

    public var message: String {
        switch self {
        case .missingImage(let why), .badMultipart(let why), .badTopK(let why), .unavailable(let why): return why
        case .unknownModel(let name, let known): return "no model named '\(name)'; loaded: \(known.joined(separator: ", "))"
        case .notPNG(let format): return ImageDecodingError.notPNG(format: format).description + "; send a PNG"
        case .tooManyPixels(let width, let height, let limit):
            return ImageDecodingError.tooManyPixels(width: width, height: height, limit: limit).description
        case .undecodable(let reason): return "the PNG cannot be decoded: \(reason)"
        case .queueFull(let capacity): return "all workers are busy and \(capacity) requests are already waiting; retry shortly"
        case .deadlineExceeded(let seconds): return String(format: "no worker became free within %.1f s; retry shortly", seconds)
        }
    }

    /// Seconds a client should wait before retrying a 503.
    public var retryAfter: Int? { status == 503 ? 1 : nil }
}

/// Decode → preprocess → infer → rank, run on a pool worker with that worker's session.
enum ClassificationPipeline {
    static func run(bytes: [UInt8], model: ShuffleNetModel, session: InferenceSession, topK: Int, maxPixels: Int) -> Result<ClassificationResult, ClassificationError> {
        let start = Monotonic.now()
        let image: RGBImage
        do {
            image = try PNGDecoder.decodeRGB8(bytes, limits: DecodeLimits(maxPixels: maxPixels))
        } catch {
            switch error {
            case .notPNG(let format): return .failure(.notPNG(format))
            case .tooManyPixels(let width, let height, let limit): return .failure(.tooManyPixels(width: width, height: height, limit: limit))
            case .invalidHeader(let reason), .decodeFailed(let reason), .outOfMemory(let reason): return .failure(.undecodable(reason))
            }
        }
        let decoded = Monotonic.now()
        // Straight into the session's NHWC input buffer: no intermediate tensor.
        ImagePreprocessor.write(rgb: image.pixels, width: image.width, height: image.height, spec: model.preprocessing,
                                layout: .nhwc, into: session.inputBuffer(image: 0).baseAddress!)
        let preprocessed = Monotonic.now()
        let probabilities = Classification.softmax(Array(session.forward()))
        let predictions = Classification.topK(probabilities, k: topK, labels: model.labels)
        let inferred = Monotonic.now()
        return .success(ClassificationResult(
            model: model.name, predictions: predictions, width: image.width, height: image.height,
            decodeSeconds: decoded - start, preprocessSeconds: preprocessed - decoded, queueSeconds: 0, inferenceSeconds: inferred - preprocessed))
    }

}
