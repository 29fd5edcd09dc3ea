/// The errors the server raises itself, beyond a malformed request (`HTTPParseError`): routing, timeouts and
/// its own capacity limits. Each becomes its response through the path's `HTTPErrorRenderer`.
public enum ServerError: HTTPResponseError, Equatable {
    case notFound
    case methodNotAllowed(allowed: [String])
    /// The client took too long; says what it was waiting for ("no request body bytes for 10.0 s").
    case requestTimeout(String)
    /// Request bodies held across all connections would exceed `ServerConfiguration.maxBufferedBodyBytes`.
    case uploadsOverBudget(limit: Int)
    /// `ServerConfiguration.maxConnections` are open (or the server is draining).
    case tooManyConnections

    public var status: HTTPStatus {
        switch self {
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .requestTimeout: return .requestTimeout
        case .uploadsOverBudget, .tooManyConnections: return .serviceUnavailable
        }
    }

    public var code: String {
        switch self {
        case .notFound: return "not_found"
        case .methodNotAllowed: return "method_not_allowed"
        case .requestTimeout: return "request_timeout"
        case .uploadsOverBudget: return "uploads_over_budget"
        case .tooManyConnections: return "too_many_connections"
        }
    }

    public var message: String {
        switch self {
        case .notFound: return "no such resource"
        case .methodNotAllowed(let allowed): return "this resource supports \(allowed.joined(separator: ", "))"
        case .requestTimeout(let what): return what
        case .uploadsOverBudget(let limit):
            return "the server is already holding its limit of \(limit) bytes of uploads; retry shortly"
        case .tooManyConnections: return "the server is at its connection limit; retry shortly"
        }
    }

    public var headers: HTTPHeaders {
        switch self {
        case .methodNotAllowed(let allowed): return ["Allow": allowed.joined(separator: ", ")]
        case .uploadsOverBudget, .tooManyConnections: return ["Retry-After": "1"]
        case .notFound, .requestTimeout: return HTTPHeaders()
        }
    }
}
