import HTTP
import ShuffleNet

/// The JSON bodies of /classify. Keys in alphabetical order, as the service has always written them.
enum ClassifyResponse {
    /// One image: `image`, `model`, `predictions`, `timings_ms` (with the request's `total`).
    static func single(_ result: ClassificationResult, totalSeconds: Double) -> JSONValue {
        let timings = stageTimings(result) + [(key: "total", value: milliseconds(totalSeconds))]
        return ["image": imageSize(result), "model": .string(result.model), "predictions": predictions(result.predictions),
                "timings_ms": .object(timings)]
    }

    /// Several images: `model`, `results` (one entry per image, in upload order: its predictions or its
    /// error) and the request's `timings_ms.total`.
    static func batch(model: String, filenames: [String?], outcomes: [Result<ClassificationResult, ClassificationError>], totalSeconds: Double) -> JSONValue {
        let entries: [JSONValue] = zip(filenames, outcomes).map { filename, outcome in
            let name: JSONValue = filename.map { .string($0) } ?? .null
            switch outcome {
            case .success(let result):
                return ["filename": name, "image": imageSize(result), "predictions": predictions(result.predictions),
                        "timings_ms": .object(stageTimings(result))]
            case .failure(let error):
                return ["error": ["code": .string(error.code), "message": .string(error.message)], "filename": name]
            }
        }
        return ["model": .string(model), "results": .array(entries), "timings_ms": ["total": milliseconds(totalSeconds)]]
    }

    private static func predictions(_ predictions: [Prediction]) -> JSONValue {
        .array(predictions.map { p in
            ["index": .integer(p.index), "label": .string(p.label?.name ?? "class \(p.index)"),
             "probability": .number((Double(p.probability) * 1e6).rounded() / 1e6), "synset": .string(p.label?.synset ?? "")]
        })
    }

    private static func imageSize(_ result: ClassificationResult) -> JSONValue {
        ["height": .integer(result.height), "width": .integer(result.width)]
    }

    private static func stageTimings(_ result: ClassificationResult) -> [(key: String, value: JSONValue)] {
        [("decode", milliseconds(result.decodeSeconds)), ("inference", milliseconds(result.inferenceSeconds)),
         ("preprocess", milliseconds(result.preprocessSeconds)), ("queue", milliseconds(result.queueSeconds))]
    }

    /// Seconds → milliseconds, to the microsecond.
    private static func milliseconds(_ seconds: Double) -> JSONValue { .number((seconds * 1e6).rounded() / 1e3) }
}
