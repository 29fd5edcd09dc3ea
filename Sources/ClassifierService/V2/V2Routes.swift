import HTTP
import OpenInference

/// The Open Inference Protocol (KServe V2) routes, beside /classify. Every `[/versions/{v}]` form is
/// registered too; our models have version "1". Errors on these paths have the protocol's
/// `{"error": "<message>"}` body (`InferenceErrorBody`), including those the HTTP layer raises.
extension ClassifierAPI {
    var serverMetadata: ServerMetadata {
        ServerMetadata(name: "shufflenet-serve", version: "0.2.0",
                       extensions: ["binary_tensor_data", "classification"] + (configuration.enableModelControl ? ["model_repository"] : []))
    }

    func registerV2(_ router: inout Router) {
        let metadata = serverMetadata.body
        router.on("GET", "/v2", inline: { _ in Self.v2JSON(metadata) })
        router.on("GET", "/v2/health/live", inline: { _ in HTTPResponse(status: .ok, headers: [:], body: []) })
        router.on("GET", "/v2/health/ready", inline: { _ in v2Readiness() })
        for prefix in ["/v2/models/{model}", "/v2/models/{model}/versions/{version}"] {
            router.on("GET", prefix, inline: { request in
                v2Respond { () throws(InferenceProtocolError) in Self.v2JSON(ModelTensors.metadata(try v2Model(request)).body) }
            })
            router.on("GET", prefix + "/ready", inline: { request in
                v2Respond { () throws(InferenceProtocolError) in
                    _ = try v2Model(request)
                    return v2Readiness()
                }
            })
            router.on("POST", prefix + "/infer") { request in await v2Infer(request) }
        }
    }

    /// 200 with an empty body when ready; 400 (the protocol's "false") with the reason otherwise.
    func v2Readiness() -> HTTPResponse {
        switch state.readiness {
        case .ready: HTTPResponse(status: .ok, headers: [:], body: [])
        case .notReady(let reason): InferenceErrorBody.response(for: V2ServiceError.notReady(reason))
        }
    }

    /// The served model a `/v2/models/{model}[/versions/{version}]` path names.
    func v2Model(_ request: HTTPRequest) throws(InferenceProtocolError) -> ServedModel {
        let name = request.pathParameters["model"] ?? ""
        guard let served = models.named(name) else { throw .unknownModel(name) }
        if let version = request.pathParameters["version"], version != ModelTensors.version {
            throw .unknownModelVersion(model: name, version: version)
        }
        return served
    }

    func v2Respond(_ body: () throws(InferenceProtocolError) -> HTTPResponse) -> HTTPResponse {
        do {
            return try body()
        } catch {
            return InferenceErrorBody.response(for: error)
        }
    }

    static func v2JSON(_ body: [UInt8]) -> HTTPResponse {
        var bytes = body
        bytes.append(0x0A)
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: bytes)
    }
}
