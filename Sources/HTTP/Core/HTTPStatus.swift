/// A response status: code and reason phrase. The reason phrases exist here and nowhere else: code that has
/// only a number gets the canonical status with `HTTPStatus(code:)`.
public struct HTTPStatus: Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let reason: String

    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The registered status for `code` (RFC 9110 §15) when it is one listed below; otherwise the code with
    /// its class's name ("Client Error", …): clients read the number, the phrase is for people.
    public init(code: Int) {
        if let known = Self.registered[code] {
            self = known
            return
        }
        let classes = [1: "Informational", 2: "Success", 3: "Redirection", 4: "Client Error", 5: "Server Error"]
        self.init(code, classes[code / 100] ?? "Unknown")
    }

    public var description: String { "\(code) \(reason)" }

    public static let `continue` = HTTPStatus(100, "Continue")
    public static let ok = HTTPStatus(200, "OK")
    public static let created = HTTPStatus(201, "Created")
    public static let accepted = HTTPStatus(202, "Accepted")
    public static let noContent = HTTPStatus(204, "No Content")
    public static let notModified = HTTPStatus(304, "Not Modified")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let forbidden = HTTPStatus(403, "Forbidden")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let notAcceptable = HTTPStatus(406, "Not Acceptable")
    public static let requestTimeout = HTTPStatus(408, "Request Timeout")
    public static let conflict = HTTPStatus(409, "Conflict")
    public static let lengthRequired = HTTPStatus(411, "Length Required")
    public static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    public static let uriTooLong = HTTPStatus(414, "URI Too Long")
    public static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    public static let expectationFailed = HTTPStatus(417, "Expectation Failed")
    public static let unprocessableContent = HTTPStatus(422, "Unprocessable Content")
    public static let tooManyRequests = HTTPStatus(429, "Too Many Requests")
    public static let requestHeaderFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    public static let badGateway = HTTPStatus(502, "Bad Gateway")
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    public static let gatewayTimeout = HTTPStatus(504, "Gateway Timeout")
    public static let httpVersionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")

    /// Every status above, by code.
    static let registered: [Int: HTTPStatus] = Dictionary(uniqueKeysWithValues: [
        HTTPStatus.continue, .ok, .created, .accepted, .noContent, .notModified, .badRequest, .unauthorized, .forbidden,
        .notFound, .methodNotAllowed, .notAcceptable, .requestTimeout, .conflict, .lengthRequired, .contentTooLarge,
        .uriTooLong, .unsupportedMediaType, .expectationFailed, .unprocessableContent, .tooManyRequests,
        .requestHeaderFieldsTooLarge, .internalServerError, .notImplemented, .badGateway, .serviceUnavailable,
        .gatewayTimeout, .httpVersionNotSupported,
    ].map { ($0.code, $0) })
}
