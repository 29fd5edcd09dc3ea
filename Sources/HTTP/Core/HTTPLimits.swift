/// Size limits on what a client may send. Defaults follow common production servers.
public struct HTTPLimits: Sendable, Equatable {
    public var maxRequestLineBytes = 8 * 1024         // → 414
    public var maxHeaderBytes = 32 * 1024             // the header block after the request line → 431
    public var maxHeaderCount = 100                   // → 431
    public var maxBodyBytes = 16 * 1024 * 1024        // Content-Length or decoded chunked size → 413
    public var maxChunkLineBytes = 4 * 1024           // a chunk-size line with its extensions → 400

    public init() {}
}
