/// Maps (method, path) to handlers. Patterns are literal segments and `{name}` captures:
/// `/models/{name}`. HEAD is served by GET routes. The server asks the router before reading a body,
/// so 404/405 go out without waiting for an upload.
public struct Router: Sendable {
    public typealias AsyncHandler = @Sendable (HTTPRequest) async -> HTTPResponse
    public typealias InlineHandler = @Sendable (HTTPRequest) -> HTTPResponse

    /// How a route runs. `.inline` handlers run on the connection's I/O queue with no thread hop: only for
    /// answers that are cheap and never block (health, metrics, static pages). Everything else is `.async`.
    public enum Handler: Sendable {
        case inline(InlineHandler)
        case async(AsyncHandler)
    }

    enum Segment: Sendable, Equatable { case literal(String), capture(String) }

    struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: Handler
    }

    public enum Match: Sendable {
        case found(Handler, parameters: [String: String], pattern: String)
        case methodNotAllowed(allowed: [String])
        case notFound

        /// The matched route pattern (for metrics labels), nil when nothing matched.
        public var pattern: String? {
            if case .found(_, _, let pattern) = self { return pattern }
            return nil
        }

        /// Why nothing matched (404 or 405 with `Allow`), nil when a route was found.
        public var error: ServerError? {
            switch self {
            case .found: return nil
            case .methodNotAllowed(let allowed): return .methodNotAllowed(allowed: allowed)
            case .notFound: return .notFound
            }
        }
    }

    private var routes: [Route] = []
    /// Longest prefix first, so the first that matches a path is the most specific.
    private var errorRenderers: [(prefix: String, render: HTTPErrorRenderer)] = []

    public init() {}

    /// Every error the server raises for a request under `prefix` (404, 405, 408, 413, 417, 503, …), once it
    /// knows the path, gets its body from `renderer`. A prefix is whole segments: "/v2" covers "/v2" and
    /// "/v2/models/m", not "/v2beta"; "/" covers every path. The longest matching prefix wins; a path under
    /// none, or an error before the path is known, gets the default shape (`HTTPResponse(error:)`).
    public mutating func renderErrors(under prefix: String, with renderer: @escaping HTTPErrorRenderer) {
        var prefix = prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        errorRenderers.removeAll { $0.prefix == prefix }
        errorRenderers.append((prefix, renderer))
        errorRenderers.sort { $0.prefix.utf8.count > $1.prefix.utf8.count }
    }

    /// `error` as a response in the shape registered for `path` (nil: not known yet). The error's headers
    /// (`Allow`, `Retry-After`, …) are added when the renderer left them out: they are protocol, not shape.
    public func errorResponse(_ error: any HTTPResponseError, path: String?) -> HTTPResponse {
        guard let path, let renderer = errorRenderers.first(where: { Self.covers($0.prefix, path) })?.render else {
            return HTTPResponse(error: error)
        }
        var response = renderer(error)
        for field in error.headers where !response.headers.contains(field.name) { response.headers.add(field.name, field.value) }
        return response
    }

    private static func covers(_ prefix: String, _ path: String) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/") || prefix.isEmpty
    }

    public mutating func on(_ method: String, _ pattern: String, _ handler: @escaping AsyncHandler) {
        add(method, pattern, .async(handler))
    }

    /// A route answered on the I/O queue itself (see `Handler.inline`).
    public mutating func on(_ method: String, _ pattern: String, inline handler: @escaping InlineHandler) {
        add(method, pattern, .inline(handler))
    }

    private mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        routes.append(Route(method: method.uppercased(), pattern: pattern, segments: Self.segments(of: pattern), handler: handler))
    }

    /// "/models/{name}" → [.literal("models"), .capture("name")].
    static func segments(of pattern: String) -> [Segment] {
        pattern.split(separator: "/").map { piece -> Segment in
            piece.hasPrefix("{") && piece.hasSuffix("}") ? .capture(String(piece.dropFirst().dropLast())) : .literal(String(piece))
        }
    }

    public func match(method: String, path: String) -> Match {
        let pieces = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.bind(route.segments, pieces) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route.handler, parameters: parameters, pattern: route.pattern)
            }
            allowed.append(route.method)
            if route.method == "GET" { allowed.append("HEAD") }
        }
        if allowed.isEmpty { return .notFound }
        return .methodNotAllowed(allowed: Array(Set(allowed)).sorted())
    }

    /// The captures of `pieces` (a path split at "/") under `segments`, nil when the path does not fit.
    static func bind(_ segments: [Segment], _ pieces: [String]) -> [String: String]? {
        guard segments.count == pieces.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, piece) in zip(segments, pieces) {
            switch segment {
            case .literal(let text): if text != piece { return nil }
            case .capture(let name): parameters[name] = piece
            }
        }
        return parameters
    }
}
