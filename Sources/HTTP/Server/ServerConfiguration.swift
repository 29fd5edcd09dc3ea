/// Everything the server can be told; defaults are what a production deployment would start with.
public struct ServerConfiguration: Sendable {
    public var host = "0.0.0.0"                 // "::" listens on IPv6 and IPv4; "localhost" binds both loopbacks
    public var port: UInt16 = 8080              // 0 picks a free port (tests); `HTTPServer.port` reports it
    public var limits = HTTPLimits()
    public var maxConnections = 1024            // beyond it new connections get 503 and are closed
    public var maxBufferedBodyBytes = 256 << 20 // request bodies held at once across connections; beyond it 503 + Retry-After
    public var backlog: Int32 = 1024

    public var headerTimeout = 10.0             // seconds to receive a complete request head → 408
    public var idleTimeout = 5.0                // seconds a keep-alive connection may wait for its next request
    public var bodyReadTimeout = 10.0           // seconds without a single body byte → 408
    public var minBodyBytesPerSecond = 1024.0   // average body rate after `bodyRateGrace` seconds → 408 if slower
    public var bodyRateGrace = 10.0
    public var writeTimeout = 30.0              // seconds a response write may make no progress before the connection is dropped
    public var lingerTimeout = 2.0              // seconds to drain an unread body after an error response, so the client sees it

    public var gzipMinimumBytes = 1024          // smaller bodies are sent as they are
    public var requestIDHeader = "X-Request-Id" // echoed or generated on every response ("" disables)
    public var ioQueues = 2                     // event-loop threads running socket I/O (only inline handlers run there)
    public var tls: TLSConfiguration? = nil

    // Access (see AccessControl): all off by default, and then no request pays for them.
    public var apiKeys: APIKeys? = nil          // every request needs one of these keys unless its route is public; swap with HTTPServer.replaceAPIKeys
    public var publicRoutes: [String] = []      // route patterns ("/healthz", "/v2/models/{m}/ready") that need no key
    public var cors: CORSPolicy? = nil          // cross-origin callers; nil: no CORS headers, OPTIONS routed as any method

    public init() {}
}

/// PEM files for HTTPS on the same code path.
public struct TLSConfiguration: Sendable, Equatable {
    public var certificatePath: String
    public var privateKeyPath: String

    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}

/// What the server reports after each response: for access logs and metrics.
public struct ResponseEvent: Sendable {
    public let method: String       // "" when the request line could not be parsed
    public let path: String
    public let route: String?       // the matched route pattern, nil for 404 and protocol errors
    public let status: Int
    public let durationSeconds: Double
    public let requestID: String
    public let remoteAddress: String
    /// The request's trace context (nil when the server answered before reading a request: at the connection limit).
    public var trace: TraceContext? = nil
    /// `APIKeys.Key.fingerprint` of the key the request presented, when keys are required and it was valid.
    public var apiKeyFingerprint: String? = nil
}
