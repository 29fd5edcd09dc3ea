/// A request refused for want of a valid API key: 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3), in the
/// path's error shape. The message never repeats what the client presented.
public enum AccessError: HTTPResponseError, Equatable {
    case missingKey     // neither `Authorization: Bearer …` nor `X-API-Key`
    case invalidKey     // a key was presented and is not one of the configured keys

    public var status: HTTPStatus { .unauthorized }

    public var code: String {
        switch self {
        case .missingKey: return "api_key_required"
        case .invalidKey: return "api_key_invalid"
        }
    }

    public var message: String {
        switch self {
        case .missingKey: return "this resource needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
        case .invalidKey: return "the API key presented is not valid"
        }
    }

    public var headers: HTTPHeaders {
        switch self {
        case .missingKey: return ["WWW-Authenticate": "Bearer"]
        case .invalidKey: return ["WWW-Authenticate": #"Bearer error="invalid_token""#]
        }
    }
}
