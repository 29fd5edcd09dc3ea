#if canImport(Glibc)
import Glibc
import MonotonicClock
#endif

/// How a connection answers: responses, error responses in the path's shape, writing, and the timeouts.
extension HTTPConnection {
    // MARK: - Responding

    func respond(_ response: HTTPResponse, request: RequestInProgress, forceClose: Bool) {
        if case .closed = phase { return }
        releaseBodyBudget() // the handler is done with the body
        var response = response
        if !config.requestIDHeader.isEmpty { response.headers.set(config.requestIDHeader, request.requestID) }
        if server.access.cors != nil { addCORSHeaders(&response, requestHeaders: request.head.headers) }
        Gzip.compressIfWorthwhile(&response, request: request.head, minimumBytes: config.gzipMinimumBytes)
        let keepAlive = request.head.keepAlive && !forceClose && !draining && !peerClosed
        outbound.enqueue(ResponseSerializer.serialize(response, headOnly: request.head.method == "HEAD", keepAlive: keepAlive, version: request.head.version,
                                                      trace: trace))
        requestsServed += 1
        server.report(ResponseEvent(
            method: request.head.method, path: request.head.path, route: request.match.pattern, status: response.status.code,
            durationSeconds: Monotonic.now() - request.started, requestID: request.requestID, remoteAddress: remoteAddress,
            trace: trace, apiKeyFingerprint: apiKeyFingerprint))
        // Closing after a response is always a lingering close, so a client still sending sees the answer, not a reset.
        afterFlush = keepAlive ? .nextRequest : .linger
        flush()
    }

    func fail(_ error: any HTTPResponseError, _ request: RequestInProgress) {
        fail(error, head: request.head, path: request.head.path, requestID: request.requestID, trace: trace)
    }

    /// The server refuses the request: the error in the shape registered for its path (when known), then
    /// the connection closes.
    func fail(_ error: any HTTPResponseError, head: HTTPRequestHead?, path: String?, requestID: String?, trace: TraceContext? = nil) {
        releaseBodyBudget()
        let id = requestID ?? RequestID.of(head?.headers ?? HTTPHeaders(), header: config.requestIDHeader)
        let trace = trace ?? self.trace(of: head?.headers ?? HTTPHeaders())
        var response = server.router.errorResponse(error, path: path ?? head?.path)
        if !config.requestIDHeader.isEmpty { response.headers.set(config.requestIDHeader, id) }
        if server.access.cors != nil { addCORSHeaders(&response, requestHeaders: head?.headers ?? HTTPHeaders()) }
        outbound.enqueue(ResponseSerializer.serialize(response, headOnly: head?.method == "HEAD", keepAlive: false, version: head?.version ?? .http11, trace: trace))
        server.report(ResponseEvent(method: head?.method ?? "", path: head?.path ?? "", route: nil, status: response.status.code,
                                    durationSeconds: 0, requestID: id, remoteAddress: remoteAddress, trace: trace))
        reader.discardBuffered()
        phase = .lingering(until: Monotonic.now() + config.lingerTimeout)
        afterFlush = .linger
        if !peerClosed { setReading(true) }
        flush()
    }

    /// The CORS headers for an allowed origin on every response, errors included, unless the response (a
    /// preflight) already has them. (`traceresponse` is written by the serializer.)
    private func addCORSHeaders(_ response: inout HTTPResponse, requestHeaders: HTTPHeaders) {
        guard let cors = server.access.cors, !response.headers.contains("Access-Control-Allow-Origin") else { return }
        for field in cors.responseHeaders(origin: requestHeaders["Origin"]) where !(field.name == "Vary" && response.headers.values("Vary").contains("Origin")) {
            response.headers.add(field.name, field.value)
        }
    }

    // MARK: - Writing

    func flush() {
        if case .closed = phase { return }
        switch outbound.flush(to: transport) {
        case .wouldBlock: return setWriting(true)
        case .failed: return close()
        case .done: break
        }
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
            if draining && reader.bufferedByteCount == 0 { return close() }
            setReading(true)
            process()
        }
    }

    // MARK: - Timeouts

    func tick() {
        let now = Monotonic.now()
        if outbound.hasUnwritten, now - outbound.lastProgress > config.writeTimeout { return close() }
        switch phase {
        case .head:
            if let started = headStarted {
                if now - started > config.headerTimeout { timeout("the request head was not received within \(config.headerTimeout) s") }
            } else if requestsServed > 0 {
                if now - idleSince > config.idleTimeout, outbound.isEmpty { close() }
            } else if now - idleSince > config.headerTimeout {
                timeout("no request was received within \(config.headerTimeout) s")
            }
        case .body:
            guard let request = current else { return }
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

    /// 408 in the path's shape: the request's path, or a request line's that has arrived without its head.
    private func timeout(_ message: String) {
        let error = ServerError.requestTimeout(message)
        if case .body = phase, let request = current { return fail(error, request) }
        fail(error, head: nil, path: reader.pendingPath, requestID: nil)
    }
}
