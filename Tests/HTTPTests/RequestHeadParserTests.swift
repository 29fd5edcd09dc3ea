import HTTP
import XCTest

final class RequestHeadParserTests: XCTestCase {
    func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) throws -> RequestHeadParser.Outcome {
        try RequestHeadParser.parse(Array(text.utf8)[...], limits: limits)
    }

    func head(_ text: String) throws -> HTTPRequestHead {
        guard case .complete(let head, _) = try parse(text) else { throw XCTSkip("incomplete") }
        return head
    }

    func error(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        do {
            _ = try RequestHeadParser.parse(Array(text.utf8)[...], limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func testSimpleRequest() throws {
        let text = "GET /models/g3%200.5x?top_k=3&name=a+b&x=%41 HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\nTRAILING"
        guard case .complete(let head, let consumed) = try parse(text) else { return XCTFail() }
        XCTAssertEqual(consumed, text.utf8.count - "TRAILING".utf8.count)
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.path, "/models/g3 0.5x")
        XCTAssertEqual(head.query.map(\.name), ["top_k", "name", "x"])
        XCTAssertEqual(head.queryValue("name"), "a b")
        XCTAssertEqual(head.queryValue("x"), "A")
        XCTAssertEqual(head.version, .http11)
        XCTAssertTrue(head.keepAlive)
    }

    func testIncompleteHeadsWait() throws {
        XCTAssertEqual(try parse("GET / HTTP/1.1\r\nHost: h\r\n"), .incomplete)
        XCTAssertEqual(try parse("GET / HT"), .incomplete)
        XCTAssertEqual(try parse(""), .incomplete)
        XCTAssertEqual(try parse("GET / HTTP/1.1\r\nHost: h\r\n\r"), .incomplete)
    }

    func testHeaderNamesAreCaseInsensitiveAndRepeatsKept() throws {
        let h = try head("POST /x HTTP/1.1\r\nhOsT: h\r\nX-A: 1\r\nx-a: 2\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\n")
        XCTAssertEqual(h.headers["HOST"], "h")
        XCTAssertEqual(h.headers.values("X-A"), ["1", "2"])
        XCTAssertEqual(h.headers["x-empty"], "")
        XCTAssertEqual(h.headers["x-pad"], "v")
    }

    func testLeadingEmptyLinesAreIgnored() throws {
        XCTAssertEqual(try head("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").path, "/")
    }

    func testConnectionPersistenceRules() throws {
        XCTAssertFalse(try head("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keepAlive)
        XCTAssertFalse(try head("GET / HTTP/1.0\r\n\r\n").keepAlive)
        XCTAssertTrue(try head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
        XCTAssertFalse(try head("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n").keepAlive)
    }

    func testTargetForms() throws {
        XCTAssertEqual(try head("GET http://example.com/a/b?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n").path, "/a/b")
        XCTAssertEqual(try head("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").path, "*")
        XCTAssertEqual(error("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("'*' is only a target for OPTIONS"))
        XCTAssertEqual(error("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("the request target must start with '/'"))
        XCTAssertEqual(error("GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("malformed percent-encoding in the path"))
        XCTAssertEqual(error("GET /%00 HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("malformed percent-encoding in the path"))
        XCTAssertEqual(error("GET /?a=%G1 HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("malformed percent-encoding in the query"))
        XCTAssertEqual(error("GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("invalid character in the request target"))
    }

    func testMalformedRequestLines() {
        XCTAssertEqual(error("GET  / HTTP/1.1\r\nHost: h\r\n\r\n")?.status.code, 400)
        XCTAssertEqual(error("GET / HTTP/1.1 \r\nHost: h\r\n\r\n")?.status.code, 400)
        XCTAssertEqual(error("G@T / HTTP/1.1\r\nHost: h\r\n\r\n"), .badRequest("invalid character in the method"))
        XCTAssertEqual(error("GET / HTTX/1.1\r\nHost: h\r\n\r\n")?.status.code, 400)
        XCTAssertEqual(error("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), .versionNotSupported("HTTP/2.0"))
        XCTAssertEqual(error("GET / HTTP/0.9\r\n\r\n")?.status.code, 505)
        XCTAssertEqual(error("GET / HTTP/1.10\r\n\r\n")?.status.code, 400)
    }

    func testStrictHeaderSyntax() {
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), .badRequest("whitespace between a header name and its colon"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n"),
                       .badRequest("obsolete line folding (a header line starting with whitespace) is not accepted"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\rX: 1\r\n\r\n"), .badRequest("bare CR in the request head"))
        XCTAssertEqual(error("GET / HTTP/1.1\nHost: h\n\n"), .badRequest("bare LF in the request head (lines must end with CRLF)"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\u{0}\r\n\r\n"), .badRequest("NUL byte in the request head"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHo(st: h\r\n\r\n"), .badRequest("invalid character in a header name"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\n: h\r\n\r\n"), .badRequest("empty header name"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost h\r\n\r\n"), .badRequest("header line without a colon"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}b\r\n\r\n"), .badRequest("control character in the value of header 'X'"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\n\r\n"), .badRequest("HTTP/1.1 requests need a Host header"))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), .badRequest("more than one Host header"))
    }

    func testLimits() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 128
        limits.maxHeaderCount = 3
        let longTarget = "/" + String(repeating: "a", count: 80)
        XCTAssertEqual(error("GET \(longTarget) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits), .requestLineTooLong(limit: 64))
        XCTAssertEqual(error("GET \(longTarget)", limits: limits), .requestLineTooLong(limit: 64), "judged before the line ends")
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "v", count: 200))\r\n\r\n", limits: limits), .headersTooLarge(limit: 128))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "v", count: 200))", limits: limits), .headersTooLarge(limit: 128))
        XCTAssertEqual(error("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits), .tooManyHeaders(limit: 3))
        XCTAssertEqual(HTTPParseError.requestLineTooLong(limit: 1).status.code, 414)
        XCTAssertEqual(HTTPParseError.headersTooLarge(limit: 1).status.code, 431)
        XCTAssertEqual(HTTPParseError.tooManyHeaders(limit: 1).status.code, 431)
    }

    // MARK: - Body framing and smuggling shapes

    func framing(_ headers: String, version: String = "HTTP/1.1") throws -> BodyFraming {
        try BodyFraming.of(try head("POST / \(version)\r\nHost: h\r\n\(headers)\r\n"))
    }

    func framingError(_ headers: String, version: String = "HTTP/1.1") -> HTTPParseError? {
        do {
            _ = try framing(headers, version: version)
            return nil
        } catch let error as HTTPParseError {
            return error
        } catch {
            return nil
        }
    }

    func testBodyFraming() throws {
        XCTAssertEqual(try framing(""), .none)
        XCTAssertEqual(try framing("Content-Length: 0\r\n"), .none)
        XCTAssertEqual(try framing("Content-Length: 12\r\n"), .contentLength(12))
        XCTAssertEqual(try framing("Content-Length: 12\r\nContent-Length: 12\r\n"), .contentLength(12))
        XCTAssertEqual(try framing("Content-Length: 12, 12\r\n"), .contentLength(12))
        XCTAssertEqual(try framing("Transfer-Encoding: chunked\r\n"), .chunked)
        XCTAssertEqual(try framing("Transfer-Encoding: Chunked\r\n"), .chunked)
    }

    func testSmugglingShapesAreRefused() {
        XCTAssertEqual(framingError("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), .badRequest("both Content-Length and Transfer-Encoding are present"))
        XCTAssertEqual(framingError("Content-Length: 5\r\nContent-Length: 6\r\n"), .badRequest("conflicting Content-Length values"))
        XCTAssertEqual(framingError("Content-Length: 5, 6\r\n"), .badRequest("conflicting Content-Length values"))
        XCTAssertEqual(framingError("Content-Length: -5\r\n")?.status.code, 400)
        XCTAssertEqual(framingError("Content-Length: +5\r\n")?.status.code, 400)
        XCTAssertEqual(framingError("Content-Length: 0x10\r\n")?.status.code, 400)
        XCTAssertEqual(framingError("Content-Length: 99999999999999999999999\r\n"), .badRequest("Content-Length overflows"))
        XCTAssertEqual(framingError("Content-Length:\r\n")?.status.code, 400)
        XCTAssertEqual(framingError("Content-Length: 17000000\r\n"), .bodyTooLarge(limit: 16 * 1024 * 1024))
        XCTAssertEqual(framingError("Transfer-Encoding: chunked, chunked\r\n"), .badRequest("chunked must be the one and final transfer coding"))
        XCTAssertEqual(framingError("Transfer-Encoding: gzip, chunked\r\n"), .notImplemented("transfer coding 'gzip' is not supported (only chunked)"))
        XCTAssertEqual(framingError("Transfer-Encoding: xchunked\r\n")?.status.code, 501)
        XCTAssertEqual(framingError("Transfer-Encoding: chunked\r\n", version: "HTTP/1.0"), .badRequest("Transfer-Encoding in an HTTP/1.0 request"))
        XCTAssertEqual(framingError("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n")?.status.code, 501)
    }
}
