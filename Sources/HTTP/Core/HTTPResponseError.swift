/// An error that knows the response it becomes: status, a machine-readable code, a message for people, and
/// any headers the client needs (e.g. `Retry-After` on a 503). The HTTP layer's own errors and every
/// service's domain errors conform, so one function turns any of them into a response.
public protocol HTTPResponseError: Error, Sendable {
    var status: HTTPStatus { get }
    /// Short, stable, snake_case: what a client branches on (`body_too_large`, `queue_full`).
    var code: String { get }
    /// One sentence a person can act on; never includes secrets or raw bodies.
    var message: String { get }
    /// Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. Default: none.
    var headers: HTTPHeaders { get }
}

extension HTTPResponseError {
    public var headers: HTTPHeaders { HTTPHeaders() }
}

/// How an error becomes a body. Routes pick their shape by path: `/classify` answers
/// `{"error": {"code", "message"}}`; a protocol with its own convention (the Open Inference Protocol's
/// `{"error": "<message>"}`) registers its own shape for its path prefix with the server.
public typealias HTTPErrorRenderer = @Sendable (any HTTPResponseError) -> HTTPResponse

extension HTTPResponse {
    /// The default error shape: `{"error": {"code": …, "message": …}}` plus the error's headers.
    public init(error: any HTTPResponseError) {
        self = HTTPResponse.error(error.status, code: error.code, message: error.message, headers: error.headers)
    }
}
