import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
import MonotonicClock
#endif

/// One client connection, driven by its event loop's readiness events: it moves bytes from the socket into
/// its `RequestReader` (which makes requests of them), acts on the reader's events, applies the timeouts and
/// writes the responses. All mutable state is confined to the loop thread. A client that dawdles costs a file
/// descriptor, never a thread; asynchronous handlers run as tasks elsewhere and post their response back.
final class HTTPConnection: EventLoopHandler, @unchecked Sendable {
    enum Phase {
        case head                                   // waiting for (the rest of) a request head
        case body                                   // the head of `current` is in; its body is being read
        case handling                               // a handler is producing the response
        case lingering(until: Double)               // an error was sent; discard input so the client can read it
        case closed
    }

    struct RequestInProgress {
        let head: HTTPRequestHead
        let framing: BodyFraming
        let match: Router.Match
        let requestID: String
        let started: Double            // seconds, monotonic
        var lastBodyProgress: Double   // seconds, monotonic
        var bodyBytes = 0              // body bytes received so far, framing included
    }

    enum AfterFlush { case nothing, nextRequest, linger }

    let loop: EventLoop
    let remoteAddress: String
    let fd: Int32
    let transport: Transport
    let server: HTTPServer
    var config: ServerConfiguration { server.configuration }

    var reading = false
    var writing = false

    var reader: RequestReader
    var outbound = OutboundBuffer()
    var afterFlush = AfterFlush.nothing
    var phase = Phase.head
    // In its own property rather than in `.body`'s payload: every switch over the phase copied the request
    // (its head, route match and ID: a dozen reference counts) on the per-request path.
    var current: RequestInProgress?      // the request whose body is being read (phase `.body`)
    var processing = false   // `process()` is on the stack: a nested call leaves the work to it
    var headStarted: Double?
    var reservedBodyBytes = 0 // this connection's share of the server's upload budget
    var idleSince: Double
    var requestsServed = 0
    var peerClosed = false
    var draining = false
    // The access facts of the request in progress (one at a time: the next head is parsed only after its
    // response). Here rather than in `RequestInProgress`: a larger request struct, copied along the
    // per-request path, cost more CPU than computing them.
    var trace = TraceContext.none
    var apiKeyFingerprint: String?

    init(fd: Int32, remoteAddress: String, transport: Transport, loop: EventLoop, server: HTTPServer) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.transport = transport
        self.loop = loop
        self.server = server
        reader = RequestReader(limits: server.configuration.limits)
        idleSince = Monotonic.now()
    }

    // MARK: - Lifecycle (on the loop thread)

    /// - Parameter draining: accepted while the server drains: it answers this connection's request, then closes.
    func start(draining: Bool = false) {
        self.draining = draining
        reading = true
        loop.register(fd, self, read: true, write: false)
    }

    /// Stops keep-alive: an idle connection closes now, a busy one after its current response.
    func drain() {
        draining = true
        if case .head = phase, reader.bufferedByteCount == 0, outbound.isEmpty { close() }
    }

    func close() {
        if case .closed = phase { return }
        phase = .closed
        reader = RequestReader(limits: config.limits) // lets go of any body received so far
        releaseBodyBudget()
        loop.unregister(fd)
        transport.close()
        Glibc.close(fd)
        server.connectionClosed(self)
    }

    func setReading(_ on: Bool) {
        guard on != reading else { return }
        reading = on
        if case .closed = phase { return }
        loop.setInterest(fd, read: reading, write: writing)
    }

    func setWriting(_ on: Bool) {
        guard on != writing else { return }
        writing = on
        if case .closed = phase { return }
        loop.setInterest(fd, read: reading, write: writing)
    }

    // MARK: - EventLoopHandler

    func readable() {
        // After end of stream we no longer ask for input; a further event is a hang-up or error.
        if peerClosed { return close() }
        onReadable()
    }

    func writable() {
        if transport.wantsWrite { onReadable() }
        flush()
    }

    // MARK: - Reading

    private func onReadable() {
        var ended = false
        let limits = config.limits
        let bufferCap = limits.maxBodyBytes + limits.maxHeaderBytes + limits.maxRequestLineBytes
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { buffer in
            for _ in 0..<64 { // bounded: other connections on this queue get their turn
                // An accepted Content-Length body goes from the kernel straight into its own storage (one copy);
                // heads, chunked bodies and pipelined bytes through the buffer.
                if case .body = phase, reader.bodyBytesAwaited > 0 {
                    guard let n = reader.receiveBody({ transport.read(into: $0) }) else { break }
                    if n <= 0 { ended = true; break }
                    continue
                }
                guard let n = transport.read(into: buffer) else { break }
                if n <= 0 { ended = true; break }
                if case .lingering = phase { continue } // discard
                reader.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if reader.bufferedByteCount > bufferCap { break }
                // A head is judged as soon as it is in, so that the rest of its body takes the direct path above.
                if case .head = phase {
                    process()
                    guard case .body = phase else { break }
                }
            }
        }
        if transport.wantsWrite { setWriting(true) }
        if ended { peerEnded() }
        // Back-pressure: a client pipelining far ahead of our answers waits in its kernel buffer. Reading is
        // otherwise left armed, because re-arming costs a system call per request.
        if case .handling = phase, reader.bufferedByteCount > Self.pipelineBufferLimit { setReading(false) }
        process()
    }

    static let pipelineBufferLimit = 64 * 1024

    private func peerEnded() {
        peerClosed = true
        setReading(false)
        switch phase {
        case .handling: break // answer first, then close
        case .head where reader.bufferedByteCount > 0: break // a complete head may still be in the buffer
        default: close()
        }
    }

    /// Acts on the reader's events until it needs more input or a request is being handled. Not re-entrant:
    /// an inline handler's response completes inside it, and the loop below goes on with the next request.
    func process() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while true {
            switch phase {
            case .head:
                guard reader.bufferedByteCount > 0 else { return }
                // A connection's first request is timed from the accept, not from its first byte: a client
                // that waits, then dribbles, must not get the header timeout twice.
                if headStarted == nil { headStarted = requestsServed == 0 ? idleSince : Monotonic.now() }
            case .body:
                break
            case .handling, .lingering, .closed:
                return
            }
            guard let event = reader.next() else { return awaitInput() }
            switch event {
            case .head(let head, let framing):
                headStarted = nil
                begin(head, framing)
            case .body(let body):
                guard case .body = phase, let request = current, reserveChunkedGrowth(to: body.count, request) else { return }
                dispatch(request, body: body)
            case .failed(let error, let head, let path):
                fail(error, head: head ?? current?.head, path: path, requestID: current?.requestID, trace: current == nil ? nil : trace)
            }
        }
    }

    /// The reader needs more bytes: note body progress (for the timeouts) and the growth of a chunked body.
    private func awaitInput() {
        if case .body = phase, let bodyBytes = current?.bodyBytes, reader.bodyBytesReceived > bodyBytes {
            current?.lastBodyProgress = Monotonic.now()
            current?.bodyBytes = reader.bodyBytesReceived
            guard let request = current, reserveChunkedGrowth(to: reader.bodyByteCount, request) else { return }
        }
        if peerClosed { close() }
    }

    /// A head has arrived and its framing is valid: check the upload budget, expectations and the route
    /// before any of the body is read.
    private func begin(_ head: HTTPRequestHead, _ framing: BodyFraming) {
        let match = server.router.match(method: head.method, path: head.path)
        let now = Monotonic.now()
        let request = RequestInProgress(head: head, framing: framing, match: match, requestID: RequestID.of(head.headers, header: config.requestIDHeader),
                                        started: now, lastBodyProgress: now)
        (trace, apiKeyFingerprint) = (trace(of: head.headers), nil)
        // Keys and CORS preflight are judged on the head alone: an unauthenticated upload is refused unread.
        if server.access.isActive {
            switch server.access.judge(head, match: match) {
            case .allowed(let fingerprint): apiKeyFingerprint = fingerprint
            case .answer(let response): return answerUnread(response, request)
            case .refused(let error): return answerUnread(server.router.errorResponse(error, path: head.path), request)
            }
        }
        if framing == .none, head.headers["Expect"] == nil { return dispatch(request, body: []) }
        (phase, current) = (.body, request)

        // Uploads held in memory across all connections are bounded: a declared body is reserved up front
        // (before any 100 Continue), so a crowd of large uploads is refused rather than exhausting memory.
        if case .contentLength(let length) = framing, case .found = match, !reserveBodyBudget(length) {
            return fail(ServerError.uploadsOverBudget(limit: config.maxBufferedBodyBytes), request)
        }
        guard let expect = head.headers["Expect"] else { return }
        guard expect.lowercased() == "100-continue" else { return fail(HTTPParseError.expectationFailed(expect), request) }
        guard framing != .none else { return dispatch(request, body: []) }
        // Refuse before the client sends the body: it is waiting for our word.
        if let refusal = match.error {
            (phase, current) = (.handling, nil)
            return respond(server.router.errorResponse(refusal, path: head.path), request: request, forceClose: true)
        }
        if head.version == .http11 && reader.bufferedByteCount == 0 {
            outbound.enqueue(ResponseSerializer.continueResponse)
            flush()
        }
    }

    /// The request's W3C trace context: its `traceparent` continued, or a new trace (ids from this loop's generator).
    func trace(of headers: HTTPHeaders) -> TraceContext {
        // `tracestate` only matters beside a `traceparent`: most requests have neither, and pay for one lookup.
        guard let traceparent = headers["traceparent"] else { return TraceContext.accept(traceparent: nil, tracestate: nil, using: &loop.traceRandom) }
        return TraceContext.accept(traceparent: traceparent, tracestate: headers["tracestate"], using: &loop.traceRandom)
    }

    /// Answers from the head alone. A body, if one is declared, is never read: the connection closes after the
    /// answer (a lingering close, so the client still sending reads it); without one it stays open.
    private func answerUnread(_ response: HTTPResponse, _ request: RequestInProgress) {
        (phase, current) = (.handling, nil)
        respond(response, request: request, forceClose: request.framing != .none)
    }

    private func dispatch(_ request: RequestInProgress, body: [UInt8]) {
        (phase, current) = (.handling, nil)
        if let refusal = request.match.error {
            return respond(server.router.errorResponse(refusal, path: request.head.path), request: request, forceClose: false)
        }
        guard case .found(let handler, let parameters, _) = request.match else { return }
        var full = HTTPRequest(head: request.head, body: body, remoteAddress: remoteAddress)
        full.pathParameters = parameters
        full.requestID = request.requestID
        full.trace = trace
        full.apiKeyFingerprint = apiKeyFingerprint
        switch handler {
        case .inline(let answer):
            respond(answer(full), request: request, forceClose: false)
        case .async(let answer):
            Task { [self] in
                let response = await TraceContext.$current.withValue(full.trace) { await answer(full) }
                loop.execute { [self] in respond(response, request: request, forceClose: false) }
            }
        }
    }

    // MARK: - Upload budget

    private func reserveBodyBudget(_ bytes: Int) -> Bool {
        guard server.reserveBodyBytes(bytes) else { return false }
        reservedBodyBytes += bytes
        return true
    }

    func releaseBodyBudget() {
        guard reservedBodyBytes > 0 else { return }
        server.releaseBodyBytes(reservedBodyBytes)
        reservedBodyBytes = 0
    }

    /// A chunked body's size is learnt as it arrives: its growth is reserved as it comes. False when the
    /// budget is exhausted (the request has then been refused).
    private func reserveChunkedGrowth(to size: Int, _ request: RequestInProgress) -> Bool {
        guard request.framing == .chunked, size > reservedBodyBytes else { return true }
        if reserveBodyBudget(size - reservedBodyBytes) { return true }
        fail(ServerError.uploadsOverBudget(limit: config.maxBufferedBodyBytes), request)
        return false
    }
}
