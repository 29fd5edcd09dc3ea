import Foundation
@testable import HTTP
import TestSupport
import XCTest

/// Errors the server raises itself take the shape registered for the request's path once the path is known:
/// under "/v2" (TestServer registers `{"error": "<message>"}` there), every one of them, over real sockets.
final class ErrorShapeTests: XCTestCase {
    enum Shape: Equatable {
        case v2(String)                       // {"error": "<message>"}
        case standard(code: String)           // {"error": {"code", "message"}}
    }

    func shape(_ response: RawResponse?, file: StaticString = #filePath, line: UInt = #line) throws -> Shape {
        let response = try XCTUnwrap(response, "no response", file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], response.text, file: file, line: line)
        XCTAssertEqual(object.count, 1, response.text, file: file, line: line)
        if let message = object["error"] as? String { return .v2(message) }
        let inner = try XCTUnwrap(object["error"] as? [String: String], response.text, file: file, line: line)
        XCTAssertEqual(Set(inner.keys), ["code", "message"], file: file, line: line)
        return .standard(code: inner["code"] ?? "")
    }

    /// One request on a new connection; the response.
    func exchange(_ server: TestServer, _ raw: String) throws -> RawResponse? {
        let client = try RawClient(port: server.port)
        try? client.send(raw)
        return try client.readResponse()
    }

    func request(_ path: String, _ extra: String = "", method: String = "GET") -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
    }

    func testEveryErrorOnAV2PathHasTheV2Shape() throws {
        let server = try TestServer {
            $0.limits.maxBodyBytes = 100
            $0.limits.maxHeaderBytes = 512
            $0.limits.maxRequestLineBytes = 256
        }
        defer { server.stop() }
        let infer = "/v2/models/m/infer"
        let missing = try XCTUnwrap(try exchange(server, request("/v2/nowhere")))
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try shape(missing), .v2("no such resource"))

        let wrongMethod = try XCTUnwrap(try exchange(server, request("/v2/health/live", "Content-Length: 0\r\n", method: "POST")))
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.header("Allow"), "GET, HEAD", "the error's headers survive a renderer that leaves them out")
        XCTAssertEqual(try shape(wrongMethod), .v2("this resource supports GET, HEAD"))

        let large = try XCTUnwrap(try exchange(server, request(infer, "Content-Length: 101\r\n", method: "POST")))
        XCTAssertEqual(large.status, 413)
        XCTAssertEqual(try shape(large), .v2("the request body exceeds 100 bytes"))

        let chunked = try exchange(server, request(infer, "Transfer-Encoding: chunked\r\n", method: "POST") + "65\r\n")
        XCTAssertEqual(chunked?.status, 413)
        XCTAssertEqual(try shape(chunked), .v2("the request body exceeds 100 bytes"))

        let expectation = try exchange(server, request(infer, "Content-Length: 1\r\nExpect: teapot\r\n", method: "POST"))
        XCTAssertEqual(expectation?.status, 417)
        XCTAssertEqual(try shape(expectation), .v2("cannot meet the expectation 'teapot'"))

        let headers = try exchange(server, request(infer, "X: \(String(repeating: "v", count: 600))\r\n", method: "POST"))
        XCTAssertEqual(headers?.status, 431)
        XCTAssertEqual(try shape(headers), .v2("the header block exceeds 512 bytes"), "the request line named the path")
    }

    func testErrorsOutsideTheV2PrefixOrBeforeThePathIsKnownKeepTheDefaultShape() throws {
        let server = try TestServer {
            $0.limits.maxRequestLineBytes = 256
            $0.limits.maxBodyBytes = 100
        }
        defer { server.stop() }
        XCTAssertEqual(try shape(try exchange(server, request("/nowhere"))), .standard(code: "not_found"))
        XCTAssertEqual(try shape(try exchange(server, request("/v2beta/x"))), .standard(code: "not_found"), "a prefix is whole segments")
        XCTAssertEqual(try shape(try exchange(server, request("/echo", "Content-Length: 101\r\n", method: "POST"))), .standard(code: "body_too_large"))
        let long = try exchange(server, "GET /v2/\(String(repeating: "a", count: 300)) HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(long?.status, 414)
        XCTAssertEqual(try shape(long), .standard(code: "uri_too_long"), "a request line over the limit is not read")
        XCTAssertEqual(try shape(try exchange(server, "GARBAGE /v2 \r\n\r\n")), .standard(code: "bad_request"))
        let ok = try exchange(server, request("/v2/health/live"))
        XCTAssertEqual(ok?.status, 200)
        XCTAssertEqual(ok?.text, "{}", "a handler's own response is not touched")
    }

    func testUploadsOverBudgetOnAV2PathHaveTheV2ShapeAndRetryAfter() throws {
        let server = try TestServer { $0.maxBufferedBodyBytes = 1000 }
        defer { server.stop() }
        let holder = try RawClient(port: server.port)
        try holder.send(request("/v2/models/m/infer", "Content-Length: 900\r\n", method: "POST") + "a")
        let deadline = Date().addingTimeInterval(5)
        while server.server.bufferedBodyByteCount < 900, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let refused = try XCTUnwrap(try exchange(server, request("/v2/models/m/infer", "Content-Length: 200\r\n", method: "POST")))
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "1")
        XCTAssertEqual(try shape(refused), .v2("the server is already holding its limit of 1000 bytes of uploads; retry shortly"))
        _ = holder
    }

    func testTimeoutsTakeThePathsShapeOnceTheRequestLineHasArrived() throws {
        let server = try TestServer {
            $0.headerTimeout = 0.5
            $0.bodyReadTimeout = 0.5
        }
        defer { server.stop() }
        let head = try exchange(server, "GET /v2/health/live HTTP/1.1\r\nHost: t\r\n")
        XCTAssertEqual(head?.status, 408)
        XCTAssertEqual(try shape(head), .v2("the request head was not received within 0.5 s"))
        let body = try exchange(server, request("/v2/models/m/infer", "Content-Length: 10\r\n", method: "POST") + "ab")
        XCTAssertEqual(body?.status, 408)
        XCTAssertEqual(try shape(body), .v2("no request body bytes for 0.5 s"))
        let partial = try exchange(server, "GET /v2/health/li")
        XCTAssertEqual(partial?.status, 408)
        XCTAssertEqual(try shape(partial), .standard(code: "request_timeout"), "no whole request line, no path")
        let silent = try XCTUnwrap(try RawClient(port: server.port).readResponse())
        XCTAssertEqual(try shape(silent), .standard(code: "request_timeout"))
    }

    func testAtTheConnectionLimitThe503TakesThePathsShapeWhenTheRequestLineIsThere() throws {
        let server = try TestServer { $0.maxConnections = 1 }
        defer { server.stop() }
        let holder = try RawClient(port: server.port)
        try holder.send(request("/hello"))
        XCTAssertEqual(try holder.readResponse()?.status, 200)

        // Nothing sent: the server cannot know the path.
        let silent = try XCTUnwrap(try RawClient(port: server.port).readResponse())
        XCTAssertEqual(silent.status, 503)
        XCTAssertEqual(silent.header("Retry-After"), "1")
        XCTAssertEqual(try shape(silent), .standard(code: "too_many_connections"))

        // Sent before the server accepts (its accept queue held for the moment): the one read finds the line.
        server.server.acceptQueue.suspend()
        let client = try RawClient(port: server.port)
        try client.send(request("/v2/health/live"))
        Thread.sleep(forTimeInterval: 0.1) // the request reaches the socket the server has yet to accept
        server.server.acceptQueue.resume()
        let refused = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "1")
        XCTAssertEqual(try shape(refused), .v2("the server is at its connection limit; retry shortly"))
        _ = holder
    }
}
