import Foundation

public enum HTTPVersion: String, Sendable, Equatable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"
}

/// What the parser makes of a request head: request line and header fields, nothing interpreted yet
/// beyond what framing needs.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    public var target: String                          // as sent: "/classify?top_k=3"
    public var path: String                            // percent-decoded path, no query
    public var query: [(name: String, value: String)]  // percent-decoded, '+' as space, in order
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public static func == (a: HTTPRequestHead, b: HTTPRequestHead) -> Bool {
        a.method == b.method && a.target == b.target && a.path == b.path && a.version == b.version && a.headers == b.headers
            && a.query.map { [$0.name, $0.value] } == b.query.map { [$0.name, $0.value] }
    }

    /// First value of a query parameter.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let connection = headers.tokens("Connection")
        if connection.contains("close") { return false }
        return version == .http11 || connection.contains("keep-alive")
    }
}

/// A complete request as handlers see it.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    public var pathParameters: [String: String] = [:]  // from route patterns like /models/{name}
    public var remoteAddress: String = ""
    public var requestID: String = ""                  // the client's X-Request-Id, or one the server made
    public var trace: TraceContext? = nil              // W3C trace context: the caller's trace continued, or a new one
    public var apiKeyFingerprint: String? = nil        // which API key authorised it (keys required, route not public)

    public init(head: HTTPRequestHead, body: [UInt8] = [], remoteAddress: String = "") {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public var method: String { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }
}

public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// `{"error": {"code": …, "message": …}}` with the given status: the one error shape of the whole service.
    public static func error(_ status: HTTPStatus, code: String, message: String, headers extra: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        let object: JSONValue = ["error": ["code": .string(code), "message": .string(message)]]
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        for field in extra { headers.add(field.name, field.value) }
        var body = object.bytes
        body.append(0x0A)
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
