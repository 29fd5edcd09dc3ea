/// A request the server refuses while reading it; each maps to the status the client gets.
public enum HTTPParseError: HTTPResponseError, Equatable, CustomStringConvertible {
    case badRequest(String)
    case requestLineTooLong(limit: Int)
    case headersTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case versionNotSupported(String)
    case notImplemented(String)
    case bodyTooLarge(limit: Int)
    case expectationFailed(String)

    public var status: HTTPStatus {
        switch self {
        case .badRequest: return .badRequest
        case .requestLineTooLong: return .uriTooLong
        case .headersTooLarge, .tooManyHeaders: return .requestHeaderFieldsTooLarge
        case .versionNotSupported: return .httpVersionNotSupported
        case .notImplemented: return .notImplemented
        case .bodyTooLarge: return .contentTooLarge
        case .expectationFailed: return .expectationFailed
        }
    }

    /// A short machine-readable code for the JSON error body.
    public var code: String {
        switch self {
        case .badRequest: return "bad_request"
        case .requestLineTooLong: return "uri_too_long"
        case .headersTooLarge, .tooManyHeaders: return "header_fields_too_large"
        case .versionNotSupported: return "http_version_not_supported"
        case .notImplemented: return "not_implemented"
        case .bodyTooLarge: return "body_too_large"
        case .expectationFailed: return "expectation_failed"
        }
    }

    public var message: String { description }

    public var description: String {
        switch self {
        case .badRequest(let why): return why
        case .requestLineTooLong(let limit): return "the request line exceeds \(limit) bytes"
        case .headersTooLarge(let limit): return "the header block exceeds \(limit) bytes"
        case .tooManyHeaders(let limit): return "more than \(limit) header fields"
        case .versionNotSupported(let version): return "\(version) is not supported; use HTTP/1.1 or HTTP/1.0"
        case .notImplemented(let what): return what
        case .bodyTooLarge(let limit): return "the request body exceeds \(limit) bytes"
        case .expectationFailed(let what): return "cannot meet the expectation '\(what)'"
        }
    }
}
