import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
import MonotonicClock
#endif

/// An HTTP/1.1 server on POSIX sockets and Dispatch. It owns listening sockets and connections; what
/// a request means is the router's business.
public final class HTTPServer: @unchecked Sendable {
    // Mutable state below `lock` is touched from the accept queue, the I/O queues and callers.
    public let configuration: ServerConfiguration
    let router: Router
    let access: AccessControl
    private let onResponse: (@Sendable (ResponseEvent) -> Void)?
    private let tlsContext: TLSContext?

    private let lock = NSLock()
    private var listeners: [DispatchSourceRead] = []
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    private var draining = false
    private var bufferedBodyBytes = 0 // request bodies held across all connections (guarded by lock)
    private var nextQueue = 0
    let acceptQueue = DispatchQueue(label: "http.accept") // internal: tests hold it to order accepts
    private let listenersClosed = DispatchGroup() // left by each listener's cancel handler
    private var loops: [EventLoop] = []
    public private(set) var port: UInt16 = 0

    public init(configuration: ServerConfiguration, router: Router, onResponse: (@Sendable (ResponseEvent) -> Void)? = nil) throws {
        self.configuration = configuration
        self.router = router
        self.access = AccessControl(configuration: configuration)
        self.onResponse = onResponse
        self.tlsContext = try configuration.tls.map { try TLSContext(configuration: $0) }
    }

    /// Binds and starts accepting. The bound port is in `port` afterwards (useful with port 0).
    public func start() throws(SocketError) {
        signal(SIGPIPE, SIG_IGN) // a peer that vanished must not kill the process
        let (fds, bound) = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        port = bound
        do throws(SocketError) {
            for i in 0..<max(1, configuration.ioQueues) { loops.append(try EventLoop(name: "http-io-\(i)")) }
        } catch {
            fds.forEach { Glibc.close($0) }
            loops.forEach { $0.stop() }
            throw error
        }
        lock.withLock {
            for fd in fds {
                let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
                source.setEventHandler { [self] in acceptPending(fd) }
                // Connections already in the kernel's backlog were accepted as far as their clients know:
                // take them in (each answers one request, then closes) rather than resetting them on close.
                source.setCancelHandler { [self] in
                    acceptPending(fd, finalDrain: true)
                    Glibc.close(fd)
                    listenersClosed.leave()
                }
                listenersClosed.enter()
                listeners.append(source)
                source.resume()
            }
        }
    }

    /// Replaces the API keys while serving (e.g. on SIGHUP after re-reading the key file): every request
    /// judged afterwards is checked against `keys` only; requests already admitted are not judged again.
    /// Returns false, changing nothing, when the server was started without keys (`configuration.apiKeys`
    /// nil): requiring keys is decided at start.
    @discardableResult
    public func replaceAPIKeys(_ keys: APIKeys) -> Bool {
        access.replace(keys)
    }

    /// The keys requests are checked against now (nil: none required).
    public var apiKeys: APIKeys? { access.currentKeys }

    public var connectionCount: Int { lock.withLock { connections.count } }

    private func acceptPending(_ listener: Int32, finalDrain: Bool = false) {
        while let (fd, peer) = Socket.accept(listener) {
            let (admitted, drainingNow): (Bool, Bool) = lock.withLock {
                ((!draining || finalDrain) && connections.count < configuration.maxConnections, draining)
            }
            guard admitted else {
                refuse(fd)
                continue
            }
            let transport: Transport
            if let tlsContext {
                guard let tls = TLSTransport(context: tlsContext, fd: fd) else { Glibc.close(fd); continue }
                transport = tls
            } else {
                transport = PlainTransport(fd: fd)
            }
            let connection: HTTPConnection = lock.withLock {
                let loop = loops[nextQueue % loops.count]
                nextQueue += 1
                let connection = HTTPConnection(fd: fd, remoteAddress: peer, transport: transport, loop: loop, server: self)
                connections[ObjectIdentifier(connection)] = connection
                return connection
            }
            connection.loop.execute { connection.start(draining: drainingNow) }
        }
    }

    /// Over the connection limit (or draining): a short 503 and close. One non-blocking read first: when the
    /// request line is already there, the 503 takes the shape registered for its path; otherwise the default.
    /// (Over TLS nothing can be said in plaintext: the socket is closed.)
    private func refuse(_ fd: Int32) {
        if tlsContext == nil {
            var path: String? = nil
            withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { buffer in
                let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
                guard n > 0 else { return }
                let bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                path = RequestHeadParser.requestLinePath(bytes[...], limits: configuration.limits)
            }
            let response = router.errorResponse(ServerError.tooManyConnections, path: path)
            let bytes = ResponseSerializer.serialize(response, headOnly: false, keepAlive: false, version: .http11)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        Glibc.close(fd)
        report(ResponseEvent(method: "", path: "", route: nil, status: 503, durationSeconds: 0, requestID: "", remoteAddress: ""))
    }

    /// Takes `bytes` of the upload budget (`maxBufferedBodyBytes`); false when it would be exceeded.
    func reserveBodyBytes(_ bytes: Int) -> Bool {
        lock.withLock {
            guard bufferedBodyBytes + bytes <= configuration.maxBufferedBodyBytes else { return false }
            bufferedBodyBytes += bytes
            return true
        }
    }

    func releaseBodyBytes(_ bytes: Int) {
        lock.withLock { bufferedBodyBytes -= bytes }
    }

    /// Bytes of request bodies the server holds right now (being received or handled).
    public var bufferedBodyByteCount: Int { lock.withLock { bufferedBodyBytes } }

    func connectionClosed(_ connection: HTTPConnection) {
        lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    func report(_ event: ResponseEvent) {
        onResponse?(event)
    }

    /// Graceful stop: stop accepting, close idle keep-alive connections, let in-flight requests finish
    /// until `gracePeriod` seconds have passed, then close whatever remains. Returns when every socket is closed.
    public func shutdown(gracePeriod: Double = 10) async {
        let (sources, open): ([DispatchSourceRead], [HTTPConnection]) = lock.withLock {
            draining = true
            defer { listeners.removeAll() }
            return (listeners, Array(connections.values))
        }
        sources.forEach { $0.cancel() }
        // Wait for the listeners to take in their backlogs and close before counting connections.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in listenersClosed.notify(queue: acceptQueue) { done.resume() } }
        for connection in open { connection.loop.execute { connection.drain() } }
        let deadline = Monotonic.now() + gracePeriod
        while connectionCount > 0, Monotonic.now() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        for connection in lock.withLock({ Array(connections.values) }) { connection.loop.execute { connection.close() } }
        while connectionCount > 0 { try? await Task.sleep(nanoseconds: 5_000_000) }
        let stopped = lock.withLock { defer { loops.removeAll() }; return loops }
        stopped.forEach { $0.stop() }
    }
}
