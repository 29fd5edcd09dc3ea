import ImageDecoding
import MonotonicClock
import ShuffleNet

/// One image's answer: what /classify and `shufflenet classify` report.
public struct ClassificationResult: Sendable {
    public let model: String
    public var predictions: [Prediction]
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
    /// Reads the headers only: the format and every limit are judged here, once, before any worker time or
    /// pixel memory is spent.
    public static func probe(_ bytes: [UInt8], limits: DecodeLimits) -> Result<ImageHeader, ClassificationError> {
        do {
            return .success(try ImageDecoder.probe(bytes, limits: limits))
        } catch {
            return .failure(ClassificationError(error))
        }
    }

    /// Decodes `bytes` (already probed) to 8-bit RGB, oriented and scaled as `settings` say for `classifier`'s model.
    public static func decode(_ bytes: [UInt8], header: ImageHeader, settings: DecodeSettings, for classifier: ImageClassifier) -> Result<RGBImage, ClassificationError> {
        do {
            return .success(try ImageDecoder.decode(bytes, header: header, options: settings.options(for: classifier.preprocessing)))
        } catch {
            return .failure(ClassificationError(error))
        }
    }

    /// Decodes `bytes` (already probed) and runs them through `classifier`: the logits, the decoded size and
    /// the stage timings (queue time is the caller's to fill in).
    public static func run(_ bytes: [UInt8], header: ImageHeader, settings: DecodeSettings, classifier: ImageClassifier) -> Result<(logits: [Float], result: ClassificationResult), ClassificationError> {
        let start = Monotonic.now()
        return decode(bytes, header: header, settings: settings, for: classifier).map { image in
            let decodeSeconds = Monotonic.since(start)
            let output = classifier.run([.rgb(pixels: image.pixels, width: image.width, height: image.height)])
            return (output.logits[0], ClassificationResult(
                model: classifier.name, predictions: [], width: image.width, height: image.height,
                decodeSeconds: decodeSeconds, preprocessSeconds: output.preprocessSeconds, queueSeconds: 0, inferenceSeconds: output.inferenceSeconds))
        }
    }

    /// Decodes `bytes` (already probed) and ranks their classes with `classifier`, timing each stage
    /// (ranking counts as inference).
    public static func classify(_ bytes: [UInt8], header: ImageHeader, settings: DecodeSettings, classifier: ImageClassifier, topK: Int) -> Result<ClassificationResult, ClassificationError> {
        run(bytes, header: header, settings: settings, classifier: classifier).map { logits, result in
            let ranking = Monotonic.now()
            var answer = result
            answer.predictions = classifier.rank(logits, topK: topK).predictions
            answer.inferenceSeconds += Monotonic.since(ranking)
            return answer
        }
    }

    /// `probe` then `classify`, for callers that have no queue between the two (the command line).
    public static func classify(_ bytes: [UInt8], settings: DecodeSettings, classifier: ImageClassifier, topK: Int) -> Result<ClassificationResult, ClassificationError> {
        probe(bytes, limits: settings.limits).flatMap { classify(bytes, header: $0, settings: settings, classifier: classifier, topK: topK) }
    }
}
