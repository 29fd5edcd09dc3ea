/// Cross-origin resource sharing for browsers on other origins: which origins may call, and the headers that
/// say so. Without a policy the server sends no CORS headers and answers `OPTIONS` as any other method.
public struct CORSPolicy: Sendable, Equatable {
    public enum Origins: Sendable, Equatable {
        case any                 // "*": every origin, without credentials
        case exactly(Set<String>) // "https://app.example.com" — scheme, host and port, as browsers send them
    }

    public let origins: Origins
    public let allowedMethods = "GET, POST, OPTIONS"
    /// Request headers a page may send: those the API reads.
    public let allowedHeaders = "Authorization, Content-Type, X-API-Key, X-Request-Id, Inference-Header-Content-Length, traceparent, tracestate"
    /// Response headers a page may read.
    public let exposedHeaders = "X-Request-Id, Retry-After, Inference-Header-Content-Length, traceresponse"
    /// Seconds a browser may cache a preflight answer.
    public let maxAge: Int

    /// From `--cors-origins`: a comma-separated list of origins, or `*`.
    public init(originList: String, maxAge: Int = 600) throws(HTTPParseError) {
        let items = originList.split(separator: ",").map { $0.trimmingCharacters(in: [" ", "\t"]) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw .badRequest("--cors-origins names no origin") }
        if items == ["*"] {
            origins = .any
        } else {
            for item in items where item == "*" || !(item.hasPrefix("http://") || item.hasPrefix("https://")) || item.hasSuffix("/") {
                throw .badRequest("CORS origin '\(item)' must be '*' alone or scheme://host[:port] without a path")
            }
            origins = .exactly(Set(items))
        }
        self.maxAge = maxAge
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or nil if it may not call.
    public func allowOrigin(_ origin: String?) -> String? {
        guard let origin else { return nil }
        switch origins {
        case .any: return "*"
        case .exactly(let allowed): return allowed.contains(origin) ? origin : nil
        }
    }

    /// Headers for an actual (non-preflight) response to a request from `origin`. With a list of origins
    /// every response says `Vary: Origin` (a cache must not hand one origin's answer to another), whether or
    /// not this origin was allowed.
    public func responseHeaders(origin: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if case .exactly = origins { headers.add("Vary", "Origin") }
        guard let allowed = allowOrigin(origin) else { return headers }
        headers.add("Access-Control-Allow-Origin", allowed)
        headers.add("Access-Control-Expose-Headers", exposedHeaders)
        return headers
    }

    /// The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`): 204 with the allowed
    /// methods and headers for an allowed origin; 204 without CORS headers otherwise (the browser then refuses).
    public func preflight(origin: String?) -> HTTPResponse {
        var headers = HTTPHeaders()
        if case .exactly = origins { headers.add("Vary", "Origin") }
        if let allowed = allowOrigin(origin) {
            headers.add("Access-Control-Allow-Origin", allowed)
            headers.add("Access-Control-Allow-Methods", allowedMethods)
            headers.add("Access-Control-Allow-Headers", allowedHeaders)
            headers.add("Access-Control-Max-Age", String(maxAge))
        }
        return HTTPResponse(status: .noContent, headers: headers, body: [])
    }
}
