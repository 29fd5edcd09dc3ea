import HTTP
import ImageDecoding
import MonotonicClock
import ShuffleNet

/// `POST /classify`: one image answers with its predictions; several `image` parts answer one entry each,
/// where a bad image fails its own entry and not the request. The images of one request are one queue entry;
/// each image is a part that any free worker takes, so they are decoded and classified in parallel.
extension ClassifierAPI {
    func classify(_ request: HTTPRequest) async -> HTTPResponse {
        let started = Monotonic.now()
        metrics.inflight(1)
        defer { metrics.inflight(-1) }
        guard state.acceptsWork else { return HTTPResponse(error: ClassificationError.unavailable("the service is starting: models are loading and warming up")) }
        let parsed: ClassifyRequest
        switch ClassifyRequest.parse(request, models: models, maxImages: configuration.maxBatch) {
        case .success(let value): parsed = value
        case .failure(let error): return HTTPResponse(error: error)
        }
        let outcomes: [Result<ClassificationResult, ClassificationError>]
        switch await classifyEach(parsed) {
        case .success(let each): outcomes = each
        case .failure(let error): return HTTPResponse(error: error)   // the queue or the deadline: the whole request
        }
        for outcome in outcomes { record(outcome, model: parsed.model.name) }
        let total = Monotonic.since(started)
        guard parsed.isBatch else {
            switch outcomes[0] {
            case .success(let result): return json(.ok, ClassifyResponse.single(result, totalSeconds: total))
            case .failure(let error): return HTTPResponse(error: error)
            }
        }
        let filenames = parsed.uploads.map(\.filename)
        return json(.ok, ClassifyResponse.batch(model: parsed.model.name, filenames: filenames, outcomes: outcomes, totalSeconds: total))
    }

    /// Every image's outcome, in upload order; fails only when the request as a whole could not be run.
    private func classifyEach(_ request: ClassifyRequest) async -> Result<[Result<ClassificationResult, ClassificationError>], ClassificationError> {
        // Headers are judged here, before queueing: a non-image or a pixel bomb costs no worker time.
        var outcomes: [Result<ClassificationResult, ClassificationError>?] = request.uploads.map { upload in
            upload.bytes.isEmpty ? .failure(.missingImage("the 'image' part is empty")) : nil
        }
        var admitted: [(index: Int, bytes: [UInt8], header: ImageHeader)] = []
        let settings = configuration.decodeSettings(orientation: request.orientation)
        for (i, upload) in request.uploads.enumerated() where outcomes[i] == nil {
            switch ClassificationPipeline.probe(upload.bytes, limits: settings.limits) {
            case .success(let header): admitted.append((i, upload.bytes, header))
            case .failure(let error): outcomes[i] = .failure(error)
            }
        }
        if !admitted.isEmpty {
            let (model, topK) = (request.model, request.topK)
            do {
                let results = try await pool.submit(parts: admitted.count, timeout: configuration.requestTimeout) { worker, part, waited in
                    let image = admitted[part]
                    return ClassificationPipeline.classify(image.bytes, header: image.header, settings: settings, classifier: model.classifier(worker: worker), topK: topK).map {
                        var result = $0
                        result.queueSeconds = max(0, waited)
                        return result
                    }
                }
                for (image, result) in zip(admitted, results) { outcomes[image.index] = result }
            } catch {
                return .failure(ClassificationError(error))
            }
        }
        return .success(outcomes.map { $0! })
    }

    private func record(_ outcome: Result<ClassificationResult, ClassificationError>, model: String) {
        switch outcome {
        case .success(let result):
            metrics.decoded(seconds: result.decodeSeconds)
            metrics.queued(seconds: result.queueSeconds)
            metrics.inference(model: result.model, seconds: result.inferenceSeconds)
            metrics.image(model: model, result: "ok")
        case .failure(let error):
            metrics.image(model: model, result: error.code)
        }
    }
}
