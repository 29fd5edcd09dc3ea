import Foundation
import HTTP
import ImageDecoding
import MonotonicClock
import ShuffleNet
import MonotonicClock

/// The HTTP surface of the service: turns requests into pool jobs and domain errors into statuses.
struct ClassifierAPI: Sendable {
    let models: LoadedModels
    let pool: InferencePool<Workbench>
    let metrics: ServiceMetrics
    let configuration: ServiceConfiguration
    let state: ServiceState

    func router() -> Router {
        var router = Router()
        router.on("POST", "/classify") { request in await classify(request) }
        router.on("GET", "/healthz", inline: { _ in json(.ok, ["status": "ok"]) })
        router.on("GET", "/readyz", inline: { _ in readiness() })
        router.on("GET", "/models", inline: { _ in json(.ok, ["models": .array(models.all.map(ModelDescription.json))]) })
        router.on("GET", "/models/{name}", inline: { request in
            guard let model = models.all.first(where: { $0.name == request.pathParameters["name"] }) else {
                return HTTPResponse.error(.notFound, code: "unknown_model", message: "no model named '\(request.pathParameters["name"] ?? "")'; loaded: \(models.names.joined(separator: ", "))")
            }
            return json(.ok, ModelDescription.json(model))
        })
        router.on("GET", "/metrics", inline: { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: metrics.exposition(queueDepth: pool.depth))
        })
        router.on("GET", "/", inline: { _ in
            // The page's script and style are inline; nothing else may load, and it may call only this origin.
            HTTPResponse(status: .ok, headers: [
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-cache",
            ], body: Array(WebPage.html.utf8))
        })
        router.on("GET", "/openapi.yaml", inline: { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/yaml"], body: Array(OpenAPISpec.yaml.utf8))
        })
        return router
    }

    private func readiness() -> HTTPResponse {
        switch state.readiness {
        case .ready: return json(.ok, ["status": "ready"])
        case .notReady(let reason):
            var response = json(.serviceUnavailable, ["reason": .string(reason), "status": "not_ready"])
            response.headers.add("Retry-After", "1")
            return response
        }
    }

    // MARK: - /classify

    func classify(_ request: HTTPRequest) async -> HTTPResponse {
        let started = Monotonic.now()
        metrics.inflight(1)
        defer { metrics.inflight(-1) }
        switch await classifyResult(request) {
        case .success(let result):
            metrics.decoded(seconds: result.decodeSeconds)
            metrics.queued(seconds: result.queueSeconds)
            metrics.inference(model: result.model, seconds: result.inferenceSeconds)
            return json(.ok, body(result, totalSeconds: Monotonic.since(started)))
        case .failure(let error):
            return HTTPResponse(error: error)
        }
    }

    private func classifyResult(_ request: HTTPRequest) async -> Result<ClassificationResult, ClassificationError> {
        guard state.acceptsWork else { return .failure(.unavailable("the service is starting: models are loading and warming up")) }
        let modelName = request.head.queryValue("model")
        guard let model = models.named(modelName) else { return .failure(.unknownModel(modelName ?? "", known: models.names)) }
        let topK: Int
        switch Self.parseTopK(request.head.queryValue("top_k"), classes: model.config.classes) {
        case .success(let k): topK = k
        case .failure(let error): return .failure(error)
        }
        let bytes: [UInt8]
        switch Self.imageBytes(request) {
        case .success(let image): bytes = image
        case .failure(let error): return .failure(error)
        }
        // Judge the header before queueing: a non-image or a pixel bomb costs no worker time.
        let header: PNGHeader
        switch ClassificationPipeline.probe(bytes, maxPixels: configuration.maxPixels) {
        case .success(let probed): header = probed
        case .failure(let error): return .failure(error)
        }
        do {
            return try await pool.submit(timeout: configuration.requestTimeout) { workbench, waited in
                ClassificationPipeline.classify(bytes, header: header, classifier: workbench.classifier(model.name), topK: topK).map {
                    var result = $0
                    result.queueSeconds = max(0, waited)
                    return result
                }
            }
        } catch {
            return .failure(ClassificationError(error))
        }
    }

    static func parseTopK(_ text: String?, classes: Int) -> Result<Int, ClassificationError> {
        guard let text else { return .success(min(5, classes)) }
        guard let k = Int(text), (1...classes).contains(k) else {
            return .failure(.badTopK("top_k must be an integer from 1 to \(classes) (got '\(text.prefix(32))')"))
        }
        return .success(k)
    }

    /// The image: the `image` part of a multipart/form-data body, or the whole body otherwise.
    static func imageBytes(_ request: HTTPRequest) -> Result<[UInt8], ClassificationError> {
        let contentType = request.headers["Content-Type"] ?? ""
        if contentType.lowercased().hasPrefix("multipart/") {
            do {
                let boundary = try MultipartParser.boundary(contentType: contentType)
                let parts = try MultipartParser.parse(request.body, boundary: boundary)
                guard let image = parts.first(where: { $0.name == "image" }) else {
                    let names = parts.compactMap(\.name)
                    return .failure(.missingImage("no part named 'image' in the form (parts: \(names.isEmpty ? "none" : names.joined(separator: ", "))); send curl -F image=@photo.png"))
                }
                guard !image.body.isEmpty else { return .failure(.missingImage("the 'image' part is empty")) }
                return .success(image.body)
            } catch {
                return .failure(.badMultipart("\(error)"))
            }
        }
        guard !request.body.isEmpty else {
            return .failure(.missingImage("the request has no image: send multipart/form-data with an 'image' part, or a PNG body with Content-Type: image/png"))
        }
        return .success(request.body)
    }

    /// Keys in alphabetical order, as the service has always written them.
    private func body(_ result: ClassificationResult, totalSeconds: Double) -> JSONValue {
        func ms(_ seconds: Double) -> JSONValue { .number((seconds * 1e6).rounded() / 1e3) }
        return [
            "image": ["height": .integer(result.height), "width": .integer(result.width)],
            "model": .string(result.model),
            "predictions": .array(result.predictions.map { p in
                ["index": .integer(p.index), "label": .string(p.label?.name ?? "class \(p.index)"),
                 "probability": .number((Double(p.probability) * 1e6).rounded() / 1e6), "synset": .string(p.label?.synset ?? "")]
            }),
            "timings_ms": ["decode": ms(result.decodeSeconds), "inference": ms(result.inferenceSeconds), "preprocess": ms(result.preprocessSeconds),
                           "queue": ms(result.queueSeconds), "total": ms(totalSeconds)],
        ]
    }
}

/// A JSON response, one line.
func json(_ status: HTTPStatus, _ value: JSONValue) -> HTTPResponse {
    var body = value.bytes
    body.append(0x0A)
    return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
}
