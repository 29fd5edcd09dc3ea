import Foundation
import HTTP
import OpenInference

/// The model-repository extension (the shape of Triton's, not part of the KServe text), for automation:
/// index, load and unload. Registered only with `--enable-model-control`; with `--api-key-file` these
/// routes need a key like every non-public route.
extension ClassifierAPI {
    /// Repository request bodies are small JSON objects; anything larger is refused unread.
    static let maxRepositoryBody = 64 * 1024

    func registerRepository(_ router: inout Router) {
        router.on("POST", "/v2/repository/index") { request in await repositoryIndex(request) }
        router.on("POST", "/v2/repository/models/{model}/load") { request in await repositoryLoad(request) }
        router.on("POST", "/v2/repository/models/{model}/unload") { request in await repositoryUnload(request) }
    }

    /// `[{"name","version","state","reason"}]`: served models READY, unloaded or failed ones UNAVAILABLE.
    /// `{"ready": true}` lists only the ready ones.
    private func repositoryIndex(_ request: HTTPRequest) async -> HTTPResponse {
        let body: [String: Any]
        switch Self.repositoryBody(request) {
        case .success(let object): body = object
        case .failure(let error): return InferenceErrorBody.response(for: error)
        }
        let readyOnly = body["ready"] as? Bool ?? false
        let entries = manager.index().filter { !readyOnly || $0.state == "READY" }
        return Self.v2JSON(JSONValue.array(entries.map { entry in
            ["name": .string(entry.name), "version": .string(ModelTensors.version), "state": .string(entry.state), "reason": .string(entry.reason)]
        }).bytes)
    }

    private func repositoryLoad(_ request: HTTPRequest) async -> HTTPResponse {
        let name = request.pathParameters["model"] ?? ""
        let body: [String: Any]
        switch Self.repositoryBody(request) {
        case .success(let object): body = object
        case .failure(let error): return InferenceErrorBody.response(for: error)
        }
        let requested = (body["parameters"] as? [String: Any])?["path"]
        if requested != nil, !(requested is String) { return InferenceErrorBody.response(for: RepositoryError.badRequest("parameters.path must be a string")) }
        switch await manager.load(name: name, requestedPath: requested as? String) {
        case .success: return HTTPResponse(status: .ok, headers: [:], body: [])
        case .failure(let error): return InferenceErrorBody.response(for: error)
        }
    }

    private func repositoryUnload(_ request: HTTPRequest) async -> HTTPResponse {
        let name = request.pathParameters["model"] ?? ""
        switch await manager.unload(name) {
        case .success: return HTTPResponse(status: .ok, headers: [:], body: [])
        case .failure(.unknown): return InferenceErrorBody.response(for: InferenceProtocolError.unknownModel(name))
        case .failure(.lastModel): return InferenceErrorBody.response(for: RepositoryError.conflict("'\(name)' is the last model served; load another before unloading it"))
        }
    }

    /// The request's JSON object (an empty body is `{}`).
    private static func repositoryBody(_ request: HTTPRequest) -> Result<[String: Any], RepositoryError> {
        guard !request.body.isEmpty else { return .success([:]) }
        guard request.body.count <= maxRepositoryBody else { return .failure(.tooLarge(request.body.count)) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .failure(.badRequest("the body must be a JSON object"))
        }
        return .success(object)
    }
}

/// Why a repository request was refused.
enum RepositoryError: HTTPResponseError {
    case badRequest(String)
    case conflict(String)
    case tooLarge(Int)
    case loadFailed(String)

    var status: HTTPStatus {
        switch self {
        case .badRequest, .loadFailed: .badRequest
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        }
    }

    var code: String {
        switch self {
        case .badRequest: "bad_request"
        case .conflict: "conflict"
        case .tooLarge: "body_too_large"
        case .loadFailed: "load_failed"
        }
    }

    var message: String {
        switch self {
        case .badRequest(let why), .conflict(let why), .loadFailed(let why): why
        case .tooLarge(let bytes): "a repository request body is at most \(ClassifierAPI.maxRepositoryBody) bytes (got \(bytes))"
        }
    }
}
