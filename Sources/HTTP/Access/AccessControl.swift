import Foundation

/// Who may call and from where, judged right after a request head is parsed and before any body is read:
/// API keys (replaceable while serving), the routes that need none, and CORS preflight. Held by the server;
/// without keys and CORS (`isActive` false) a connection never consults it.
final class AccessControl: @unchecked Sendable {
    let cors: CORSPolicy?
    /// Fixed at start: a server started without keys never asks for one, whatever `replace` is told.
    let requiresKeys: Bool
    /// Keys or CORS configured: the per-request checks run at all.
    let isActive: Bool
    private let publicPatterns: Set<String>
    private let publicSegments: [[Router.Segment]]
    private let lock = NSLock()
    private var keys: APIKeys?   // guarded by lock

    enum Verdict {
        case allowed(keyFingerprint: String?)
        case answer(HTTPResponse)       // a CORS preflight, answered without a handler
        case refused(AccessError)
    }

    init(configuration: ServerConfiguration) {
        cors = configuration.cors
        keys = configuration.apiKeys
        requiresKeys = configuration.apiKeys != nil
        isActive = cors != nil || requiresKeys
        publicPatterns = Set(configuration.publicRoutes)
        publicSegments = configuration.publicRoutes.map(Router.segments(of:))
    }

    /// Swaps the key set atomically: a request judged after this returns sees only the new keys. False (and
    /// nothing changes) when the server was started without keys.
    func replace(_ new: APIKeys) -> Bool {
        guard requiresKeys else { return false }
        lock.withLock { keys = new }
        return true
    }

    var currentKeys: APIKeys? { lock.withLock { keys } }

    func judge(_ head: HTTPRequestHead, match: Router.Match) -> Verdict {
        // A preflight carries no credentials (browsers never send them on one), so it never needs a key.
        let preflight = head.method == "OPTIONS" && head.headers["Access-Control-Request-Method"] != nil
        if preflight, let cors {
            if case .notFound = match {} else { return .answer(cors.preflight(origin: head.headers["Origin"])) }
        }
        guard requiresKeys, !preflight, !isPublic(path: head.path, match: match) else { return .allowed(keyFingerprint: nil) }
        guard let presented = APIKeys.presented(in: head.headers) else { return .refused(.missingKey) }
        // No configured key is longer than APIKeys.maxKeyLength: a longer one cannot match, and is not compared.
        guard presented.count <= APIKeys.maxKeyLength, let key = currentKeys?.match(presented) else { return .refused(.invalidKey) }
        return .allowed(keyFingerprint: key.fingerprint)
    }

    /// Whether `path` falls under a route pattern listed as public: the router's own pattern when it found
    /// one, else the path fitted to each public pattern (so a 404 or 405 on a public path needs no key either).
    func isPublic(path: String, match: Router.Match) -> Bool {
        if let pattern = match.pattern, publicPatterns.contains(pattern) { return true }
        let pieces = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return publicSegments.contains { Router.bind($0, pieces) != nil }
    }
}
