/// Reads the requests of one connection from its bytes: fed chunks as they arrive, it yields events in order
/// — a head with its body framing, then (unless the framing is `.none`) that request's whole body, then the
/// next head, … — or one failure, after which it yields nothing. Pure: no sockets, no clock. The connection moves the bytes, keeps time and
/// answers; how the input is split into chunks never changes the events.
///
/// After `.head` the reader consumes nothing until `next()` is called again, so the caller decides on the
/// head (route, `Expect: 100-continue`, upload budget) while the body is still unread in the buffer.
public struct RequestReader: Sendable {
    public enum Event: Sendable, Equatable {
        case head(HTTPRequestHead, BodyFraming)
        /// The whole body of the request whose head came last (none for a head framed `.none`).
        case body([UInt8])
        /// The input cannot be read as a request. `head` when it was parsed (a framing or body error); `path`
        /// when at least a valid request line was (so the error can take the path's shape).
        case failed(HTTPParseError, head: HTTPRequestHead?, path: String?)
    }

    private enum State: Sendable { case head, length(Int), chunked, failed }  // length: the declared Content-Length

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []        // received, not yet consumed
    private var state = State.head
    private var head: HTTPRequestHead?      // a request with a body: its head, from `.head` until `.body`
    // The body so far, in stored properties written in place: a payload bound in a `switch` keeps a second
    // reference, and every write then copied the whole body received so far (copy-on-write) — a 15 MB
    // upload arriving at 8 MB/s cost the event loop 0.9 s of CPU instead of 0.03 s.
    // A Content-Length body is allocated once at its declared length when its first byte is taken (the
    // connection has then judged the head and reserved the upload budget) and filled up to `bodyFilled`,
    // from the buffer or straight from the socket (`receiveBody`): no growing, no second copy.
    private var body: [UInt8] = []
    private var bodyFilled = 0
    private var chunked: ChunkedDecoder?    // a chunked body, in its decoder

    /// Bytes of the current body consumed from the input so far, framing included (for rate timeouts).
    public private(set) var bodyBytesReceived = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed: a head still arriving, unread body, pipelined requests.
    public var bufferedByteCount: Int { buffer.count }

    /// Payload bytes of the current body so far (a chunked body's size is learnt only as it arrives).
    public var bodyByteCount: Int { chunked?.body.count ?? bodyFilled }

    /// Bytes of a Content-Length body still to come while nothing is buffered (else 0): the caller may then
    /// read them from the socket straight into the body with `receiveBody`.
    public var bodyBytesAwaited: Int {
        guard case .length(let total) = state, buffer.isEmpty else { return 0 }
        return total - bodyFilled
    }

    /// Reads the next bytes of a Content-Length body straight into its storage: `read` gets the unfilled rest
    /// of the body (at most `bodyBytesAwaited` bytes) and returns as a socket read does (> 0 bytes read, 0 end
    /// of stream, nil would block, negative an error); that outcome is returned. The `.body` event comes from
    /// the next `next()`. Nil, without calling `read`, when no body bytes are awaited.
    public mutating func receiveBody(_ read: (UnsafeMutableRawBufferPointer) -> Int?) -> Int? {
        guard case .length(let total) = state, buffer.isEmpty, bodyFilled < total else { return nil }
        allocateBody(total)
        let result = body.withUnsafeMutableBytes { [bodyFilled] in read(UnsafeMutableRawBufferPointer(rebasing: $0[bodyFilled..<total])) }
        if let n = result, n > 0 {
            bodyFilled += min(n, total - bodyFilled)
            bodyBytesReceived += n
        }
        return result
    }

    /// The path of the request being read, if known: from its head, or from a whole request line while the
    /// rest of the head is still arriving (for a head timeout's error shape).
    public var pendingPath: String? {
        if let head { return head.path }
        guard case .head = state else { return nil }
        return RequestHeadParser.requestLinePath(buffer[...], limits: limits)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Forgets buffered input: after an error response, what the client still sends is drained unread.
    public mutating func discardBuffered() {
        buffer.removeAll()
    }

    /// The next event the buffered input makes, or nil until more bytes arrive (or after a failure).
    public mutating func next() -> Event? {
        switch state {
        case .failed: return nil
        case .head: return readHead()
        case .length(let total): return readLength(total)
        case .chunked: return readChunked()
        }
    }

    private mutating func readHead() -> Event? {
        guard !buffer.isEmpty else { return nil }
        let outcome: RequestHeadParser.Outcome
        do {
            outcome = try RequestHeadParser.parse(buffer[...], limits: limits)
        } catch {
            return fail(error, path: RequestHeadParser.requestLinePath(buffer[...], limits: limits))
        }
        guard case .complete(let parsed, let consumed) = outcome else { return nil }
        buffer.removeFirst(consumed)
        let framing: BodyFraming
        do {
            framing = try BodyFraming.of(parsed, limits: limits)
        } catch {
            head = parsed
            return fail(error, path: parsed.path)
        }
        bodyBytesReceived = 0
        // A bodiless request is complete with its head: the next bytes are the next request's.
        switch framing {
        case .none: break
        case .contentLength(let length): (state, head) = (.length(length), parsed)
        case .chunked: (state, head, chunked) = (.chunked, parsed, ChunkedDecoder(limits: limits))
        }
        return .head(parsed, framing)
    }

    private mutating func readLength(_ total: Int) -> Event? {
        let n = min(total - bodyFilled, buffer.count)
        if n > 0 {
            allocateBody(total)
            body.withUnsafeMutableBytes { [bodyFilled] destination in
                buffer.withUnsafeBytes { (destination.baseAddress! + bodyFilled).copyMemory(from: $0.baseAddress!, byteCount: n) }
            }
            buffer.removeFirst(n)
            bodyFilled += n
            bodyBytesReceived += n
        }
        guard bodyFilled == total else { return nil }
        let complete = body
        (body, bodyFilled) = ([], 0)
        return finish(complete)
    }

    /// The body's storage at its full declared length, uninitialised: only `bodyFilled` bytes of it are
    /// written, and it is handed out only once all are.
    private mutating func allocateBody(_ total: Int) {
        guard body.isEmpty else { return }
        body = [UInt8](unsafeUninitializedCapacity: total) { _, initialized in initialized = total }
    }

    private mutating func readChunked() -> Event? {
        // Moved out while it grows, so that its body buffer has one owner (see `body`).
        guard var decoder = chunked else { return nil }
        chunked = nil
        let consumed: Int
        do {
            consumed = try decoder.feed(buffer[...])
        } catch {
            return fail(error, path: head?.path)
        }
        buffer.removeFirst(consumed)
        bodyBytesReceived += consumed
        if decoder.isComplete { return finish(decoder.body) }
        chunked = decoder
        return nil
    }

    private mutating func finish(_ complete: [UInt8]) -> Event {
        (state, head) = (.head, nil)
        return .body(complete)
    }

    private mutating func fail(_ error: HTTPParseError, path: String?) -> Event {
        let failed = Event.failed(error, head: head, path: path)
        (state, head, body, bodyFilled, chunked) = (.failed, nil, [], 0, nil)
        return failed
    }
}
