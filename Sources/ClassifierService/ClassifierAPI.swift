import Foundation
import HTTP
import ImageDecoding
import MonotonicClock
import OpenInference
import ShuffleNet

/// The HTTP surface of the service: turns requests into pool jobs and domain errors into statuses.
struct ClassifierAPI: Sendable {
    let models: ModelRegistry
    let manager: ModelManager
    let pool: InferencePool<Int>
    let metrics: ServiceMetrics
    let configuration: ServiceConfiguration
    let state: ServiceState

    func router() -> Router {
        var router = Router()
        router.on("POST", "/classify") { request in await classify(request) }
        router.on("GET", "/healthz", inline: { _ in json(.ok, ["status": "ok"]) })
        router.on("GET", "/readyz", inline: { _ in readiness() })
        router.on("GET", "/models", inline: { _ in json(.ok, ["models": .array(models.all.map { ModelDescription.json($0.model) })]) })
        router.on("GET", "/models/{name}", inline: { request in
            let name = request.pathParameters["name"] ?? ""
            guard let served = models.named(name) else { return HTTPResponse(error: ModelLookupError(name: name, known: models.names)) }
            return json(.ok, ModelDescription.json(served.model))
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
        registerV2(&router)
        if configuration.enableModelControl { registerRepository(&router) }
        // Every error on a /v2 path, the HTTP layer's included, has the protocol's {"error": "..."} body.
        router.renderErrors(under: "/v2", with: InferenceErrorBody.response)
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
}

/// A JSON response, one line.
func json(_ status: HTTPStatus, _ value: JSONValue) -> HTTPResponse {
    var body = value.bytes
    body.append(0x0A)
    return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
}
