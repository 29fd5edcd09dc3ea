import HTTP

/// A service error on a `/v2` path, with the status the protocol gives it: an image that is not one we
/// decode, or that does not decode, is a bad request (400) there, where /classify says 415 or 422; a
/// service that is not ready answers 503 with Retry-After on both.
struct V2ServiceError: HTTPResponseError {
    let status: HTTPStatus
    let code: String
    let message: String
    let headers: HTTPHeaders

    init(_ error: ClassificationError, image index: Int? = nil) {
        switch error.status {
        case .unsupportedMediaType, .unprocessableContent: status = .badRequest
        default: status = error.status
        }
        code = error.code
        message = index.map { "image \($0): " } .map { $0 + error.message } ?? error.message
        headers = error.headers
    }

    /// A health or readiness route that is false: the protocol wants a 4xx and an empty body.
    static func notReady(_ reason: String) -> V2ServiceError {
        V2ServiceError(status: .badRequest, code: "not_ready", message: reason, headers: HTTPHeaders())
    }

    private init(status: HTTPStatus, code: String, message: String, headers: HTTPHeaders) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }
}
