import ImageDecoding
import MonotonicClock
import ShuffleNet

/// One image's answer: what /classify and `shufflenet classify` report.
public struct ClassificationResult: Sendable {
    public let model: String
    public let predictions: [Prediction]
    public let width: Int    // pixels, as decoded
    public let height: Int   // pixels
    public var decodeSeconds: Double
    public var preprocessSeconds: Double
    public var queueSeconds: Double
    public var inferenceSeconds: Double
}

/// Encoded bytes → checked header → decoded RGB → the engine's `ImageClassifier` → ranked classes: the one
/// path every caller takes (the HTTP handlers, `shufflenet classify`, `shufflenet bench --image`).
public enum ClassificationPipeline {
    /// Reads the header only: the format and the pixel budget are judged here, once, before any worker time
    /// or pixel memory is spent.
    public static func probe(_ bytes: [UInt8], maxPixels: Int) -> Result<PNGHeader, ClassificationError> {
        do {
            let header = try PNGHeader.probe(bytes)
            guard header.width * header.height <= maxPixels else {
                return .failure(.tooManyPixels(width: header.width, height: header.height, limit: maxPixels))
            }
            return .success(header)
        } catch {
            return .failure(ClassificationError(error))
        }
    }

    /// Decodes `bytes` (already probed) to 8-bit RGB.
    public static func decode(_ bytes: [UInt8], header: PNGHeader) -> Result<RGBImage, ClassificationError> {
        do {
            return .success(try PNGDecoder.decodeRGB8(bytes, limits: DecodeLimits(maxPixels: header.width * header.height)))
        } catch {
            return .failure(ClassificationError(error))
        }
    }

    /// Decodes `bytes` (already probed) and classifies them with `classifier`, timing each stage.
    public static func classify(_ bytes: [UInt8], header: PNGHeader, classifier: ImageClassifier, topK: Int) -> Result<ClassificationResult, ClassificationError> {
        let start = Monotonic.now()
        return decode(bytes, header: header).map { image in
            let decodeSeconds = Monotonic.since(start)
            let ranked = classifier.classify([.rgb(pixels: image.pixels, width: image.width, height: image.height)], topK: topK)
            return ClassificationResult(
                model: classifier.name, predictions: ranked.images[0].predictions, width: image.width, height: image.height,
                decodeSeconds: decodeSeconds, preprocessSeconds: ranked.preprocessSeconds, queueSeconds: 0, inferenceSeconds: ranked.inferenceSeconds)
        }
    }

    /// `probe` then `classify`, for callers that have no queue between the two (the command line).
    public static func classify(_ bytes: [UInt8], maxPixels: Int, classifier: ImageClassifier, topK: Int) -> Result<ClassificationResult, ClassificationError> {
        probe(bytes, maxPixels: maxPixels).flatMap { classify(bytes, header: $0, classifier: classifier, topK: topK) }
    }
}
