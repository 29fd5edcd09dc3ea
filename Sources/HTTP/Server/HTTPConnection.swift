import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
import MonotonicClock
#endif

/// One client connection: a state machine driven by its event loop's readiness events.
/// All mutable state is confined to the loop thread. A client that dawdles costs a file descriptor,
/// never a thread; asynchronous handlers run as tasks elsewhere and post their response back to the loop.
final class HTTPConnection: EventLoopHandler, @unchecked Sendable {
    private enum Phase {
        case head                                   // waiting for (the rest of) a request head
        case body(RequestInProgress)                // reading a body into `bodyReader`
        case handling                               // a handler is producing the response
        case lingering(until: Double)               // an error was sent; discard input so the client can read it
        case closed
    }

    /// The body being received. Kept in its own stored property rather than in `Phase`'s payload: a payload
    /// bound in a `switch` keeps a second reference to the bytes alive, so every append copied the whole body
    /// received so far (copy-on-write) — a 15 MB upload arriving at 8 MB/s cost the event loop 0.9 s of CPU
    /// instead of 0.03 s. Stored properties are appended to in place.
    private enum BodyReader {
        case none
        case length(remaining: Int)
        case chunked(ChunkedDecoder)
    }

    private struct RequestInProgress {
        let head: HTTPRequestHead
        let match: Router.Match
        let requestID: String
        let started: Double            // seconds, monotonic
        var lastBodyProgress: Double
        var bodyBytes = 0
    }

    private enum AfterFlush { case nothing, nextRequest, linger }

    let loop: EventLoop
    let remoteAddress: String
    private let fd: Int32
    private let transport: Transport
    private let server: HTTPServer
    private var config: ServerConfiguration { server.configuration }

    private var reading = false
    private var writing = false

    private var inbound: [UInt8] = []
    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var afterFlush = AfterFlush.nothing
    private var phase = Phase.head
    private var bodyReader = BodyReader.none
    private var receivedBody: [UInt8] = [] // a Content-Length body so far (a chunked one lives in its decoder)
    private var headStarted: Double?
    private var reservedBodyBytes = 0 // this connection's share of the server's upload budget
    private var idleSince: Double
    private var lastWriteProgress: Double
    private var requestsServed = 0
    private var peerClosed = false
    private var draining = false

    init(fd: Int32, remoteAddress: String, transport: Transport, loop: EventLoop, server: HTTPServer) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.transport = transport
        self.loop = loop
        self.server = server
        idleSince = Monotonic.now()
        lastWriteProgress = idleSince
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
        if case .head = phase, inbound.isEmpty, outbound.isEmpty { close() }
    }

    func close() {
        if case .closed = phase { return }
        phase = .closed
        bodyReader = .none
        receivedBody = []
        releaseBodyBudget()
        loop.unregister(fd)
        transport.close()
        Glibc.close(fd)
        server.connectionClosed(self)
    }

    private func setReading(_ on: Bool) {
        guard on != reading else { return }
        reading = on
        if case .closed = phase { return }
        loop.setInterest(fd, read: reading, write: writing)
    }

    private func setWriting(_ on: Bool) {
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

    func writable() { onWritable() }

    // MARK: - Reading

    private func onReadable() {
        var ended = false
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { buffer in
            for _ in 0..<64 { // bounded: other connections on this queue get their turn
                guard let n = transport.read(into: buffer) else { break }
                if n <= 0 { ended = true; break }
                if case .lingering = phase { continue } // discard
                inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if inbound.count > config.limits.maxBodyBytes + config.limits.maxHeaderBytes + config.limits.maxRequestLineBytes { break }
            }
        }
        if transport.wantsWrite { setWriting(true) }
        if ended { peerEnded() }
        // Back-pressure: a client pipelining far ahead of our answers waits in its kernel buffer. Reading is
        // otherwise left armed, because re-arming a Dispatch source costs a wake-up of the manager thread.
        if case .handling = phase, inbound.count > Self.pipelineBufferLimit { setReading(false) }
        process()
    }

    static let pipelineBufferLimit = 64 * 1024

    private func peerEnded() {
        peerClosed = true
        setReading(false)
        switch phase {
        case .handling: break // answer first, then close
        case .head where !inbound.isEmpty: break // a complete head may still be in the buffer
        default: close()
        }
    }

    /// Parses what has arrived and advances the state machine as far as it can.
    private func process() {
        while true {
            switch phase {
            case .head:
                guard !inbound.isEmpty else { return }
                // A connection's first request is timed from the accept, not from its first byte: a client
                // that waits, then dribbles, must not get the header timeout twice.
                if headStarted == nil { headStarted = requestsServed == 0 ? idleSince : Monotonic.now() }
                let outcome: RequestHeadParser.Outcome
                do {
                    outcome = try RequestHeadParser.parse(inbound[...], limits: config.limits)
                } catch {
                    return fail(error, head: nil, requestID: nil)
                }
                guard case .complete(let head, let consumed) = outcome else {
                    if peerClosed { close() }
                    return
                }
                inbound.removeFirst(consumed)
                headStarted = nil
                begin(head)
            case .body(var request):
                let now = Monotonic.now()
                switch bodyReader {
                case .none:
                    return
                case .length(let remaining):
                    let n = min(remaining, inbound.count)
                    if n > 0 {
                        receivedBody.append(contentsOf: inbound[0..<n])
                        inbound.removeFirst(n)
                        request.lastBodyProgress = now
                        request.bodyBytes += n
                    }
                    if remaining == n {
                        let body = receivedBody
                        (receivedBody, bodyReader) = ([], .none)
                        return dispatch(request, body: body)
                    }
                    bodyReader = .length(remaining: remaining - n)
                    phase = .body(request)
                case .chunked:
                    let consumed: Int
                    do {
                        consumed = try feedChunked()
                    } catch {
                        bodyReader = .none
                        return fail(error, head: request.head, requestID: request.requestID)
                    }
                    if consumed > 0 {
                        inbound.removeFirst(consumed)
                        request.lastBodyProgress = now
                        request.bodyBytes += consumed
                    }
                    guard case .chunked(let decoder) = bodyReader else { return }
                    // A chunked body's size is learnt as it arrives: reserve its growth as it comes.
                    if decoder.body.count > reservedBodyBytes, !reserveBodyBudget(decoder.body.count - reservedBodyBytes) {
                        bodyReader = .none
                        return refuseOverBudget(request.head, requestID: request.requestID)
                    }
                    if decoder.isComplete {
                        bodyReader = .none
                        return dispatch(request, body: decoder.body)
                    }
                    phase = .body(request)
                }
                if peerClosed { close() }
                return
            default:
                return
            }
        }
    }

    /// Feeds `inbound` to the chunked decoder in `bodyReader`, mutating it in place: the decoder is moved out
    /// (leaving `.none`) so that its body buffer has one owner while it grows. Returns the bytes consumed.
    private func feedChunked() throws(HTTPParseError) -> Int {
        guard case .chunked(var decoder) = bodyReader else { return 0 }
        bodyReader = .none
        defer { bodyReader = .chunked(decoder) }
        return try decoder.feed(inbound[...])
    }

    /// A head has arrived: check framing, expectations and the route before any body is read.
    private func begin(_ head: HTTPRequestHead) {
        let requestID = Self.requestID(from: head.headers, header: config.requestIDHeader)
        let framing: BodyFraming
        do {
            framing = try BodyFraming.of(head, limits: config.limits)
        } catch {
            return fail(error, head: head, requestID: requestID)
        }
        let match = server.router.match(method: head.method, path: head.path)
        let now = Monotonic.now()
        let request = RequestInProgress(head: head, match: match, requestID: requestID, started: now, lastBodyProgress: now)

        // Uploads held in memory across all connections are bounded: a declared body is reserved up front
        // (before any 100 Continue), so a crowd of large uploads is refused rather than exhausting memory.
        if case .contentLength(let length) = framing, case .found = match, length > 0, !reserveBodyBudget(length) {
            return refuseOverBudget(head, requestID: requestID)
        }

        if let expect = head.headers["Expect"] {
            guard expect.lowercased() == "100-continue" else {
                return fail(.expectationFailed(expect), head: head, requestID: requestID)
            }
            if framing != .none {
                // Refuse before the client sends the body: it is waiting for our word.
                if case .found = match {
                    if head.version == .http11 && inbound.isEmpty {
                        enqueue(ResponseSerializer.continueResponse)
                        flush()
                    }
                } else {
                    return respond(Self.routingResponse(match), request: request, forceClose: true)
                }
            }
        }
        switch framing {
        case .none: dispatch(request, body: [])
        case .contentLength(let length):
            receivedBody = []
            bodyReader = .length(remaining: length)
            phase = .body(request)
        case .chunked:
            bodyReader = .chunked(ChunkedDecoder(limits: config.limits))
            phase = .body(request)
        }
    }

    private func dispatch(_ request: RequestInProgress, body: [UInt8]) {
        phase = .handling
        guard case .found(let handler, let parameters, _) = request.match else {
            return respond(Self.routingResponse(request.match), request: request, forceClose: false)
        }
        var full = HTTPRequest(head: request.head, body: body, remoteAddress: remoteAddress)
        full.pathParameters = parameters
        full.requestID = request.requestID
        switch handler {
        case .inline(let answer):
            respond(answer(full), request: request, forceClose: false)
        case .async(let answer):
            Task { [self] in
                let response = await answer(full)
                loop.execute { [self] in respond(response, request: request, forceClose: false) }
            }
        }
    }

    static func routingResponse(_ match: Router.Match) -> HTTPResponse {
        switch match {
        case .methodNotAllowed(let allowed):
            return HTTPResponse.error(.methodNotAllowed, code: "method_not_allowed",
                                      message: "this resource supports \(allowed.joined(separator: ", "))",
                                      headers: ["Allow": allowed.joined(separator: ", ")])
        default:
            return HTTPResponse.error(.notFound, code: "not_found", message: "no such resource")
        }
    }

    // MARK: - Responding

    private func respond(_ response: HTTPResponse, request: RequestInProgress, forceClose: Bool) {
        if case .closed = phase { return }
        releaseBodyBudget() // the handler is done with the body
        var response = response
        if !config.requestIDHeader.isEmpty { response.headers.set(config.requestIDHeader, request.requestID) }
        compressIfWorthwhile(&response, request: request.head)
        let keepAlive = request.head.keepAlive && !forceClose && !draining && !peerClosed
        enqueue(ResponseSerializer.serialize(response, headOnly: request.head.method == "HEAD", keepAlive: keepAlive, version: request.head.version))
        requestsServed += 1
        server.report(ResponseEvent(
            method: request.head.method, path: request.head.path, route: request.match.pattern, status: response.status.code,
            durationSeconds: Monotonic.now() - request.started, requestID: request.requestID, remoteAddress: remoteAddress))
        // Closing after a response is always a lingering close, so a client still sending sees the answer, not a reset.
        afterFlush = keepAlive ? .nextRequest : .linger
        flush()
    }

    /// Protocol errors: a JSON error with the status that says what happened, then the connection closes.
    private func fail(_ error: HTTPParseError, head: HTTPRequestHead?, requestID: String?) {
        fail(error.status, code: error.code, message: error.description, head: head, requestID: requestID)
    }

    private func fail(_ status: HTTPStatus, code: String, message: String, head: HTTPRequestHead?, requestID: String?,
                      headers: HTTPHeaders = HTTPHeaders()) {
        releaseBodyBudget()
        let id = requestID ?? Self.requestID(from: head?.headers ?? HTTPHeaders(), header: config.requestIDHeader)
        var response = HTTPResponse.error(status, code: code, message: message, headers: headers)
        if !config.requestIDHeader.isEmpty { response.headers.set(config.requestIDHeader, id) }
        enqueue(ResponseSerializer.serialize(response, headOnly: head?.method == "HEAD", keepAlive: false, version: head?.version ?? .http11))
        server.report(ResponseEvent(method: head?.method ?? "", path: head?.path ?? "", route: nil, status: status.code,
                                    durationSeconds: 0, requestID: id, remoteAddress: remoteAddress))
        inbound.removeAll()
        phase = .lingering(until: Monotonic.now() + config.lingerTimeout)
        afterFlush = .linger
        if !peerClosed { setReading(true) }
        flush()
    }

    // MARK: - Upload budget

    private func reserveBodyBudget(_ bytes: Int) -> Bool {
        guard server.reserveBodyBytes(bytes) else { return false }
        reservedBodyBytes += bytes
        return true
    }

    private func releaseBodyBudget() {
        guard reservedBodyBytes > 0 else { return }
        server.releaseBodyBytes(reservedBodyBytes)
        reservedBodyBytes = 0
    }

    private func refuseOverBudget(_ head: HTTPRequestHead, requestID: String) {
        fail(.serviceUnavailable, code: "uploads_over_budget",
             message: "the server is already holding its limit of \(config.maxBufferedBodyBytes) bytes of uploads; retry shortly",
             head: head, requestID: requestID, headers: ["Retry-After": "1"])
    }

    private func compressIfWorthwhile(_ response: inout HTTPResponse, request: HTTPRequestHead) {
        guard response.body.count >= config.gzipMinimumBytes, response.headers["Content-Encoding"] == nil,
              Gzip.isCompressible(response.headers["Content-Type"]), Gzip.accepted(request.headers.values("Accept-Encoding").flatMap { $0.split(separator: ",").map(String.init) }),
              let compressed = Gzip.compress(response.body), compressed.count < response.body.count else { return }
        response.body = compressed
        response.headers.set("Content-Encoding", "gzip")
        response.headers.add("Vary", "Accept-Encoding")
    }

    // MARK: - Writing

    private func enqueue(_ bytes: [UInt8]) {
        if outbound.isEmpty { lastWriteProgress = Monotonic.now() }
        outbound.append(contentsOf: bytes)
    }

    private func onWritable() {
        if transport.wantsWrite { onReadable() }
        flush()
    }

    private func flush() {
        if case .closed = phase { return }
        while outboundOffset < outbound.count {
            let result = outbound.withUnsafeBytes { transport.write(UnsafeRawBufferPointer(rebasing: $0[outboundOffset...])) }
            guard let n = result else { return setWriting(true) }
            guard n > 0 else { return close() }
            outboundOffset += n
            lastWriteProgress = Monotonic.now()
        }
        outbound.removeAll(keepingCapacity: outbound.count <= 64 * 1024)
        outboundOffset = 0
        if !transport.wantsWrite { setWriting(false) }
        let action = afterFlush
        afterFlush = .nothing
        switch action {
        case .nothing: break
        case .linger:
            // Half-close so the client reads our response and EOF, then drain what it still sends.
            transport.shutdownWrite()
            if case .lingering = phase {} else { phase = .lingering(until: Monotonic.now() + config.lingerTimeout) }
            if peerClosed { close() } else { setReading(true) }
        case .nextRequest:
            phase = .head
            idleSince = Monotonic.now()
            if draining && inbound.isEmpty { return close() }
            setReading(true)
            process()
        }
    }

    // MARK: - Timeouts

    func tick() {
        let now = Monotonic.now()
        if outboundOffset < outbound.count, now - lastWriteProgress > config.writeTimeout { return close() }
        switch phase {
        case .head:
            if let started = headStarted {
                if now - started > config.headerTimeout { timeout("the request head was not received within \(config.headerTimeout) s") }
            } else if requestsServed > 0 {
                if now - idleSince > config.idleTimeout, outbound.isEmpty { close() }
            } else if now - idleSince > config.headerTimeout {
                timeout("no request was received within \(config.headerTimeout) s")
            }
        case .body(let request):
            let elapsed = now - request.started
            if now - request.lastBodyProgress > config.bodyReadTimeout {
                timeout("no request body bytes for \(config.bodyReadTimeout) s")
            } else if elapsed > config.bodyRateGrace, Double(request.bodyBytes) / elapsed < config.minBodyBytesPerSecond {
                timeout("the request body arrives slower than \(Int(config.minBodyBytesPerSecond)) bytes/s")
            }
        case .lingering(let until):
            if now > until { close() }
        case .handling, .closed:
            break
        }
    }

    private func timeout(_ message: String) {
        var head: HTTPRequestHead? = nil
        if case .body(let request) = phase { head = request.head }
        fail(.requestTimeout, code: "request_timeout", message: message, head: head, requestID: nil)
    }

    // MARK: - Request IDs

    /// The client's request ID if it is short and printable, else a new random one.
    static func requestID(from headers: HTTPHeaders, header: String) -> String {
        if header.isEmpty { return "" } // request IDs are switched off
        if let given = headers[header], !given.isEmpty, given.utf8.count <= 128,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        var random = SystemRandomNumberGenerator()
        return String(format: "%016llx%016llx", random.next() as UInt64, random.next() as UInt64)
    }
}
