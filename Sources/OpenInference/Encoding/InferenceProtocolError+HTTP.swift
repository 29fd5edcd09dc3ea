import HTTP

extension InferenceProtocolError: HTTPResponseError {
    public var status: HTTPStatus {
        switch statusCode {
        case 404: .notFound
        case 413: .contentTooLarge
        default: .badRequest
        }
    }
}

/// The protocol's error body, `{"error": "<message>"}`, for every error on a `/v2` path.
public enum InferenceErrorBody {
    public static func bytes(_ message: String) -> [UInt8] {
        var body = JSONValue.object([(key: "error", value: .string(message))]).bytes
        body.append(0x0A)
        return body
    }

    /// Any error that knows its response (ours, the HTTP layer's 408/413/503, the service's queue-full 503 with
    /// `Retry-After`) in the protocol's shape: same status and headers, `{"error": message}` as the body.
    /// Conforms to `HTTPErrorRenderer`: the server registers it for the `/v2` path prefix.
    @Sendable public static func response(for error: any HTTPResponseError) -> HTTPResponse {
        var headers = error.headers
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: error.status, headers: headers, body: bytes(error.message))
    }
}
