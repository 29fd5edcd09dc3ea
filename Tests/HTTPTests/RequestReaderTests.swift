import HTTP
import XCTest

/// The request reader from byte literals, without sockets: the events a connection acts on.
final class RequestReaderTests: XCTestCase {
    typealias Event = RequestReader.Event

    /// Small limits, so that inputs a few dozen bytes long reach every one of them.
    static let small: HTTPLimits = {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 32
        limits.maxHeaderBytes = 64
        limits.maxHeaderCount = 4
        limits.maxBodyBytes = 40
        limits.maxChunkLineBytes = 8
        return limits
    }()

    /// Feeds `chunks` one at a time, taking every event each makes possible.
    static func events(_ chunks: [ArraySlice<UInt8>], limits: HTTPLimits) -> [Event] {
        var reader = RequestReader(limits: limits)
        var events: [Event] = []
        for chunk in chunks {
            reader.append(contentsOf: chunk)
            while let event = reader.next() { events.append(event) }
        }
        return events
    }

    func events(_ text: String, limits: HTTPLimits = HTTPLimits()) -> [Event] {
        Self.events([Array(text.utf8)[...]], limits: limits)
    }

    func head(_ text: String) throws -> HTTPRequestHead {
        guard case .complete(let head, _) = try RequestHeadParser.parse(Array(text.utf8)[...]) else { throw XCTSkip("incomplete head") }
        return head
    }

    func testPipelinedRequestsComeOutInOrderEachHeadThenItsBody() throws {
        let a = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        let b = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"
        let c = "GET /c HTTP/1.0\r\n\r\n"
        XCTAssertEqual(events(a + b + "hello" + c + "GET /partial HTTP/1.1\r\nHo"), [
            .head(try head(a), .none),
            .head(try head(b), .contentLength(5)), .body(Array("hello".utf8)),
            .head(try head(c), .none),
        ], "a request framed .none is complete with its head")
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let h = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        XCTAssertEqual(events(h + "5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nChecksum: 1\r\n\r\n"),
                       [.head(try head(h), .chunked), .body(Array("hello world".utf8))])
    }

    func testTheHeadComesWhileItsBodyIsStillUnread() throws {
        var reader = RequestReader()
        let h = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n"
        reader.append(contentsOf: Array((h + "abc").utf8))
        XCTAssertEqual(reader.next(), .head(try head(h), .contentLength(6)))
        // The caller decides (route, budget, 100-continue) before a body byte is consumed.
        XCTAssertEqual(reader.bufferedByteCount, 3)
        XCTAssertEqual(reader.bodyBytesReceived, 0)
        XCTAssertNil(reader.next(), "half a body is not an event")
        XCTAssertEqual(reader.bufferedByteCount, 0)
        XCTAssertEqual(reader.bodyBytesReceived, 3)
        XCTAssertEqual(reader.bodyByteCount, 3)
        reader.append(contentsOf: Array("defGET".utf8))
        XCTAssertEqual(reader.next(), .body(Array("abcdef".utf8)))
        XCTAssertEqual(reader.bufferedByteCount, 3, "the next request's first bytes stay buffered")
        XCTAssertNil(reader.next())
    }

    /// A Content-Length body read straight into place (as the connection reads it from its socket) gives the
    /// same event as one fed through `append`; reads that would block, end or fail change nothing.
    func testABodyReadStraightIntoPlaceGivesTheSameEvent() throws {
        var reader = RequestReader()
        let h = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"
        XCTAssertEqual(reader.receiveBody { _ in XCTFail("no body is awaited before a head"); return 1 }, nil)
        reader.append(contentsOf: Array((h + "ab").utf8))
        XCTAssertEqual(reader.next(), .head(try head(h), .contentLength(10)))
        XCTAssertEqual(reader.bodyBytesAwaited, 0, "bytes still buffered are taken first")
        XCTAssertNil(reader.next())
        XCTAssertEqual(reader.bodyBytesAwaited, 8)
        for outcome in [nil, 0, -1] as [Int?] {
            XCTAssertEqual(reader.receiveBody { _ in outcome }, outcome)
        }
        XCTAssertEqual(reader.bodyByteCount, 2)
        // A short read, then one offered more room than the body has left.
        XCTAssertEqual(reader.receiveBody { space in
            XCTAssertEqual(space.count, 8)
            space.copyBytes(from: Array("cde".utf8))
            return 3
        }, 3)
        XCTAssertNil(reader.next(), "7 of 10 bytes")
        XCTAssertEqual(reader.receiveBody { space in
            XCTAssertEqual(space.count, 5, "never room beyond the declared length")
            space.copyBytes(from: Array("fghij".utf8))
            return 5
        }, 5)
        XCTAssertEqual(reader.bodyBytesAwaited, 0)
        XCTAssertEqual(reader.bodyBytesReceived, 10)
        XCTAssertEqual(reader.next(), .body(Array("abcdefghij".utf8)))
        // The next request reads through the buffer again.
        reader.append(contentsOf: Array("GET /y HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        XCTAssertEqual(reader.next(), .head(try head("GET /y HTTP/1.1\r\nHost: h\r\n\r\n"), .none))
    }

    func testExpectContinueLeavesNothingBufferedUntilTheClientSendsTheBody() throws {
        var reader = RequestReader()
        let h = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        reader.append(contentsOf: Array(h.utf8))
        XCTAssertEqual(reader.next(), .head(try head(h), .contentLength(4)))
        // Nothing of the body has arrived: the connection may answer 100 Continue (or refuse at once).
        XCTAssertEqual(reader.bufferedByteCount, 0)
        XCTAssertNil(reader.next())
        reader.append(contentsOf: Array("data".utf8))
        XCTAssertEqual(reader.next(), .body(Array("data".utf8)))
    }

    func testLimitsFailWithTheirErrorAndWhatIsKnownOfTheRequest() throws {
        let limits = Self.small
        XCTAssertEqual(events("GET /\(String(repeating: "a", count: 40)) HTTP/1.1\r\n", limits: limits),
                       [.failed(.requestLineTooLong(limit: 32), head: nil, path: nil)])
        XCTAssertEqual(events("GET /v2/m HTTP/1.1\r\nX: \(String(repeating: "v", count: 70))\r\n", limits: limits),
                       [.failed(.headersTooLarge(limit: 64), head: nil, path: "/v2/m")], "the request line names the path")
        XCTAssertEqual(events("GET /v2 HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: limits),
                       [.failed(.tooManyHeaders(limit: 4), head: nil, path: "/v2")])
        let large = "POST /v2 HTTP/1.1\r\nHost: h\r\nContent-Length: 41\r\n\r\n"
        XCTAssertEqual(events(large, limits: limits), [.failed(.bodyTooLarge(limit: 40), head: try head(large), path: "/v2")])
        let chunked = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        XCTAssertEqual(events(chunked + "29\r\n", limits: limits),
                       [.head(try head(chunked), .chunked), .failed(.bodyTooLarge(limit: 40), head: try head(chunked), path: "/c")])
        XCTAssertEqual(events(chunked + "123456789\r\n", limits: limits),
                       [.head(try head(chunked), .chunked), .failed(.badRequest("chunk-size line too long"), head: try head(chunked), path: "/c")])
    }

    func testALineOfExactlyTheLimitIsReadAndOneByteMoreIsNot() {
        let limits = Self.small
        func failure(_ text: String) -> HTTPParseError? {
            guard case .failed(let error, _, _)? = events(text, limits: limits).last else { return nil }
            return error
        }
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let cases: [(fits: String, over: String, error: HTTPParseError)] = [
            ("GET /\(String(repeating: "a", count: 18)) HTTP/1.1\r\nHost: h\r\n\r\n",           // request line: 32 bytes
             "GET /\(String(repeating: "a", count: 19)) HTTP/1.1\r\nHost: h\r\n\r\n", .requestLineTooLong(limit: 32)),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "v", count: 48))\r\n\r\n",      // header block: 64 bytes
             "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "v", count: 49))\r\n\r\n", .headersTooLarge(limit: 64)),
            (chunked + "4;a=bcde\r\nabcd\r\n0\r\n\r\n",                                           // chunk-size line: 8 bytes
             chunked + "4;a=bcdef\r\nabcd\r\n0\r\n\r\n", .badRequest("chunk-size line too long")),
            (chunked + "1\r\nq\r\n0\r\nT: \(String(repeating: "t", count: 57))\r\n\r\n",          // trailer block: 64 bytes
             chunked + "1\r\nq\r\n0\r\nT: \(String(repeating: "t", count: 58))\r\n\r\n", .headersTooLarge(limit: 64)),
        ]
        for (fits, over, error) in cases {
            switch events(fits, limits: limits).last {
            case .head(_, .none)?, .body?: break
            default: XCTFail("not read: \(fits.debugDescription)")
            }
            XCTAssertEqual(failure(over), error, over.debugDescription)
        }
    }

    func testFramingErrorsCarryTheHeadAndNothingFollowsAFailure() throws {
        let smuggle = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        var reader = RequestReader()
        reader.append(contentsOf: Array((smuggle + "abcGET / HTTP/1.1\r\nHost: h\r\n\r\n").utf8))
        XCTAssertEqual(reader.next(), .failed(.badRequest("both Content-Length and Transfer-Encoding are present"), head: try head(smuggle), path: "/x"))
        XCTAssertNil(reader.next(), "no request is read after a failure")
        reader.append(contentsOf: Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        XCTAssertNil(reader.next())
        XCTAssertEqual(events("GARBAGE\r\n\r\n"), [.failed(.badRequest("malformed request line (expected 'METHOD target HTTP/1.1' separated by single spaces)"), head: nil, path: nil)])
    }

    func testPendingPathIsKnownOnceTheRequestLineIs() throws {
        var reader = RequestReader()
        reader.append(contentsOf: Array("GET /v2/mo".utf8))
        XCTAssertNil(reader.pendingPath)
        reader.append(contentsOf: Array("dels HTTP/1.1\r\nHost:".utf8))
        XCTAssertNil(reader.next())
        XCTAssertEqual(reader.pendingPath, "/v2/models")
        reader.append(contentsOf: Array(" h\r\nContent-Length: 9\r\n\r\nabc".utf8))
        guard case .head = reader.next() else { return XCTFail("a head") }
        XCTAssertNil(reader.next())
        XCTAssertEqual(reader.pendingPath, "/v2/models", "while its body arrives")
    }

    /// Inputs that reach every state and limit of the reader with `small` limits, boundaries included.
    static let corpus: [String] = [
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /d HTTP/1.0\r\n\r\nGET /e",
        "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
        "GET /\(String(repeating: "a", count: 18)) HTTP/1.1\r\nHost: h\r\n\r\n",          // request line of exactly 32 bytes
        "GET /\(String(repeating: "a", count: 19)) HTTP/1.1\r\nHost: h\r\n\r\n",          // 33 bytes
        "GET /\(String(repeating: "a", count: 40))\nHost: h\r\n\r\n",                     // bare LF past the limit
        "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "v", count: 48))\r\n\r\n",   // header block of exactly 64 bytes
        "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "v", count: 49))\r\n\r\n",   // 65 bytes
        "GET / HTTP/1.1\r\nX: \(String(repeating: "v", count: 70))\n\r\n",               // bare LF past the limit
        "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;a=bcde\r\nabcd\r\n0\r\n\r\n",  // size line of 8 bytes
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;a=bcdef\r\nabcd\r\n0\r\n\r\n", // 9 bytes
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcdX\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n\(String(repeating: "z", count: 20))\r\n15\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\nT: \(String(repeating: "t", count: 57))\r\n\r\n",   // trailers of exactly 64 bytes
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\nT: \(String(repeating: "t", count: 58))\r\n\r\n",   // 65 bytes
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 40\r\n\r\n\(String(repeating: "b", count: 40))GET / HTTP/1.1\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET /x HTTP/2.0\r\nHost: h\r\n\r\n",
    ]

    func testEverySplitOfTheInputGivesTheSameEvents() {
        let limits = Self.small
        for text in Self.corpus {
            let bytes = Array(text.utf8)
            let whole = Self.events([bytes[...]], limits: limits)
            XCTAssertFalse(whole.isEmpty, text.debugDescription)
            for cut in 1..<bytes.count {
                XCTAssertEqual(Self.events([bytes[..<cut], bytes[cut...]], limits: limits), whole, "cut at \(cut): \(text.debugDescription)")
            }
            XCTAssertEqual(Self.events(bytes.indices.map { bytes[$0...$0] }, limits: limits), whole, "byte by byte: \(text.debugDescription)")
        }
    }

    func testRandomChunkingsGiveTheSameEvents() {
        var random = SeededRandom(test: "RequestReaderTests.testRandomChunkingsGiveTheSameEvents")
        let limits = Self.small
        for text in Self.corpus {
            let bytes = Array(text.utf8)
            let whole = Self.events([bytes[...]], limits: limits)
            for _ in 0..<50 {
                var chunks: [ArraySlice<UInt8>] = [], start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + Int.random(in: 1...12, using: &random))
                    chunks.append(bytes[start..<end])
                    start = end
                }
                XCTAssertEqual(Self.events(chunks, limits: limits), whole, "chunks \(chunks.map(\.count)) (seed \(random.seed)): \(text.debugDescription)")
            }
        }
    }
}
