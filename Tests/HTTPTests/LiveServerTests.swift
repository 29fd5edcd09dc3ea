import Foundation
import HTTP
import TestSupport
import XCTest

/// The server over real sockets on port 0.
final class LiveServerTests: XCTestCase {
    func request(_ path: String, _ extra: String = "", method: String = "GET") -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
    }

    func testKeepAliveAndPipelinedRequestsAnswerInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.send(request("/items/1") + request("/items/2") + request("/items/3", "Connection: close\r\n"))
        for i in 1...3 {
            let response = try XCTUnwrap(try client.readResponse())
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "item \(i)")
            XCTAssertNotNil(response.header("Date"))
            XCTAssertEqual(response.header("Connection"), i == 3 ? "close" : nil)
        }
        XCTAssertEqual(client.readToEnd(), [], "closed after Connection: close")
    }

    func testHTTP10ClosesUnlessAskedToKeepAlive() throws {
        let server = try TestServer()
        defer { server.stop() }
        let plain = try RawClient(port: server.port)
        try plain.send("GET /hello HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try plain.readResponse()?.header("Connection"), "close")
        XCTAssertEqual(plain.readToEnd(), [])

        let kept = try RawClient(port: server.port)
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try kept.readResponse()?.header("Connection"), "keep-alive")
        try kept.send("GET /hello HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try kept.readResponse()?.status, 200)
    }

    func testHeadNotFoundAndMethodNotAllowed() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.send(request("/hello", method: "HEAD"))
        let head = try XCTUnwrap(try client.readResponse(headRequest: true))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), "6")
        XCTAssertEqual(head.body, [])
        try client.send(request("/nowhere"))
        let missing = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.header("Content-Type"), "application/json")
        XCTAssertTrue(missing.text.contains("\"code\":\"not_found\""), missing.text)
        try client.send(request("/hello", "Content-Length: 0\r\n", method: "POST"))
        let wrongMethod = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.header("Allow"), "GET, HEAD")
        try client.send(request("/hello"))
        XCTAssertEqual(try client.readResponse()?.status, 200, "the connection survives 404 and 405")
    }

    func testContentLengthAndChunkedBodies() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.send(request("/echo", "Content-Length: 11\r\n", method: "POST") + "hello world")
        XCTAssertEqual(try client.readResponse()?.text, "hello world")
        try client.send(request("/echo", "Transfer-Encoding: chunked\r\n", method: "POST") + "5;x=y\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer-A: 1\r\n\r\n")
        XCTAssertEqual(try client.readResponse()?.text, "hello world")
        // A body split across many writes.
        try client.send(request("/echo", "Content-Length: 6\r\n", method: "POST") + "ab")
        Thread.sleep(forTimeInterval: 0.05)
        try client.send("cdef")
        XCTAssertEqual(try client.readResponse()?.text, "abcdef")
    }

    func testExpectContinueBothOutcomes() throws {
        let server = try TestServer { $0.limits.maxBodyBytes = 1000 }
        defer { server.stop() }
        let accepted = try RawClient(port: server.port)
        try accepted.send(request("/echo", "Content-Length: 4\r\nExpect: 100-continue\r\n", method: "POST"))
        XCTAssertEqual(try accepted.readResponse()?.status, 100)
        try accepted.send("data")
        let final = try XCTUnwrap(try accepted.readResponse())
        XCTAssertEqual(final.status, 200)
        XCTAssertEqual(final.text, "data")

        // Unknown route: the final status at once, without the body.
        let unknown = try RawClient(port: server.port)
        try unknown.send(request("/nowhere", "Content-Length: 500\r\nExpect: 100-continue\r\n", method: "POST"))
        XCTAssertEqual(try unknown.readResponse()?.status, 404)
        // Too large: 413 at once.
        let large = try RawClient(port: server.port)
        try large.send(request("/echo", "Content-Length: 5000\r\nExpect: 100-continue\r\n", method: "POST"))
        let refused = try XCTUnwrap(try large.readResponse())
        XCTAssertEqual(refused.status, 413)
        XCTAssertEqual(refused.header("Connection"), "close")
        // An expectation we cannot meet.
        let odd = try RawClient(port: server.port)
        try odd.send(request("/echo", "Content-Length: 1\r\nExpect: teapot\r\n", method: "POST"))
        XCTAssertEqual(try odd.readResponse()?.status, 417)
    }

    func testLimitsAnswerWithTheirStatus() throws {
        let server = try TestServer {
            $0.limits.maxRequestLineBytes = 256
            $0.limits.maxHeaderBytes = 512
            $0.limits.maxHeaderCount = 10
            $0.limits.maxBodyBytes = 100
        }
        defer { server.stop() }
        func status(_ raw: String) throws -> Int? {
            let client = try RawClient(port: server.port)
            try? client.send(raw)
            return try client.readResponse()?.status
        }
        XCTAssertEqual(try status("GET /\(String(repeating: "a", count: 300)) HTTP/1.1\r\nHost: t\r\n\r\n"), 414)
        XCTAssertEqual(try status(request("/hello", "X: \(String(repeating: "v", count: 600))\r\n")), 431)
        XCTAssertEqual(try status(request("/hello", (0..<12).map { "X-\($0): 1\r\n" }.joined())), 431)
        XCTAssertEqual(try status(request("/echo", "Content-Length: 101\r\n", method: "POST") + String(repeating: "x", count: 101)), 413)
        XCTAssertEqual(try status(request("/echo", "Transfer-Encoding: chunked\r\n", method: "POST") + "65\r\n" + String(repeating: "x", count: 101) + "\r\n0\r\n\r\n"), 413)
        XCTAssertEqual(try status(request("/echo", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", method: "POST")), 400)
        XCTAssertEqual(try status(request("/echo", "Transfer-Encoding: gzip\r\n", method: "POST")), 501)
        XCTAssertEqual(try status("GET /hello HTTP/3.0\r\nHost: t\r\n\r\n"), 505)
        XCTAssertEqual(try status("GARBAGE\r\n\r\n"), 400)
        // After all that, the server still serves.
        XCTAssertEqual(try status(request("/hello")), 200)
    }

    func testTimeouts() throws {
        let server = try TestServer {
            $0.headerTimeout = 0.5
            $0.idleTimeout = 0.4
            $0.bodyReadTimeout = 0.5
        }
        defer { server.stop() }
        // Slow head → 408 and close.
        let slowHead = try RawClient(port: server.port)
        try slowHead.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
        let timedOut = try XCTUnwrap(try slowHead.readResponse())
        XCTAssertEqual(timedOut.status, 408)
        XCTAssertEqual(slowHead.readToEnd(), [])
        // Slow body → 408.
        let slowBody = try RawClient(port: server.port)
        try slowBody.send(request("/echo", "Content-Length: 10\r\n", method: "POST") + "ab")
        XCTAssertEqual(try slowBody.readResponse()?.status, 408)
        // Idle keep-alive → closed without a response.
        let idle = try RawClient(port: server.port)
        try idle.send(request("/hello"))
        XCTAssertEqual(try idle.readResponse()?.status, 200)
        let started = Date()
        XCTAssertEqual(idle.readToEnd(), [])
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testWriteTimeoutDropsClientsThatStopReading() throws {
        let server = try TestServer { $0.writeTimeout = 0.5 }
        defer { server.stop() }
        let before = server.server.connectionCount
        let client = try RawClient(port: server.port)
        var small: Int32 = 4096
        setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        try client.send(request("/big", "", method: "GET").replacingOccurrences(of: "/big", with: "/big?bytes=16000000"))
        // The server accepts on its own loop, possibly after the send above returned (under ThreadSanitizer it
        // did, and the wait below then ended before the connection existed): first wait for the accept.
        let accepted = Date().addingTimeInterval(10)
        while server.server.connectionCount == before, Date() < accepted { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertGreaterThan(server.server.connectionCount, before, "the server never accepted the connection")
        // Never read. The server must give up and close rather than hold the connection forever.
        let deadline = Date().addingTimeInterval(10)
        while server.server.connectionCount > before, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertEqual(server.server.connectionCount, before)
    }

    func testHalfClosedAndResetClients() throws {
        let server = try TestServer()
        defer { server.stop() }
        let half = try RawClient(port: server.port)
        try half.send(request("/hello"))
        half.shutdownWrite()
        XCTAssertEqual(try half.readResponse()?.status, 200, "a half-closed client still gets its answer")
        XCTAssertEqual(half.readToEnd(), [])

        for i in 0..<20 {
            let rude = try RawClient(port: server.port)
            try rude.send(i % 2 == 0 ? "GET /hel" : request("/slow?ms=50"))
            rude.reset()
        }
        let polite = try RawClient(port: server.port)
        try polite.send(request("/hello"))
        XCTAssertEqual(try polite.readResponse()?.status, 200)
        let deadline = Date().addingTimeInterval(5)
        while server.server.connectionCount > 1, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(server.server.connectionCount, 1, "reset connections are cleaned up")
    }

    func testManyConcurrentConnections() throws {
        let server = try TestServer()
        defer { server.stop() }
        let failed = LockedList<String>()
        let port = server.port
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            do {
                let client = try RawClient(port: port)
                for j in 0..<3 {
                    try client.send("GET /items/\(i)-\(j) HTTP/1.1\r\nHost: t\r\n\r\n")
                    guard let response = try client.readResponse(), response.text == "item \(i)-\(j)" else {
                        throw RawClientError.failed("wrong answer on \(i)-\(j)")
                    }
                }
            } catch {
                failed.append("\(error)")
            }
        }
        XCTAssertEqual(failed.all, [])
    }

    func testConnectionLimitAnswers503() throws {
        let server = try TestServer { $0.maxConnections = 2 }
        defer { server.stop() }
        let a = try RawClient(port: server.port), b = try RawClient(port: server.port)
        try a.send(request("/hello"))
        try b.send(request("/hello"))
        XCTAssertEqual(try a.readResponse()?.status, 200)
        XCTAssertEqual(try b.readResponse()?.status, 200)
        let third = try RawClient(port: server.port)
        let refused = try XCTUnwrap(try third.readResponse())
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "1")
    }

    func testUploadsBeyondTheBufferedBudgetGet503UntilMemoryIsFreed() throws {
        let server = try TestServer { $0.maxBufferedBodyBytes = 100_000 }
        defer { server.stop() }
        // A holds 80 000 bytes of budget while its body trickles in.
        let a = try RawClient(port: server.port)
        try a.send(request("/echo", "Content-Length: 80000\r\n", method: "POST") + String(repeating: "a", count: 1000))
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(server.server.bufferedBodyByteCount, 80_000)
        // B's 50 000 would exceed the budget: refused before its body is read, with Retry-After.
        let b = try RawClient(port: server.port)
        try b.send(request("/echo", "Content-Length: 50000\r\nExpect: 100-continue\r\n", method: "POST"))
        let refused = try XCTUnwrap(try b.readResponse())
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "1")
        XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("uploads_over_budget"))
        // A chunked upload is charged as it grows: refused once it passes what is left.
        let chunked = try RawClient(port: server.port)
        let chunk = String(repeating: "c", count: 15_000)
        try chunked.send(request("/echo", "Transfer-Encoding: chunked\r\n", method: "POST") + "3a98\r\n\(chunk)\r\n3a98\r\n\(chunk)\r\n0\r\n\r\n")
        XCTAssertEqual(try chunked.readResponse()?.status, 503)
        // What fits still goes through.
        let c = try RawClient(port: server.port)
        try c.send(request("/echo", "Content-Length: 10000\r\n", method: "POST") + String(repeating: "c", count: 10_000))
        XCTAssertEqual(try c.readResponse()?.status, 200)
        // A completes; its budget is returned, and B's size now fits.
        try a.send(String(repeating: "a", count: 79_000))
        XCTAssertEqual(try a.readResponse()?.body.count, 80_000)
        let d = try RawClient(port: server.port)
        try d.send(request("/echo", "Content-Length: 50000\r\n", method: "POST") + String(repeating: "d", count: 50_000))
        XCTAssertEqual(try d.readResponse()?.status, 200)
        XCTAssertEqual(server.server.bufferedBodyByteCount, 0, "every reservation was released")
    }

    func testGracefulShutdownFinishesInFlightAndLeaksNoDescriptors() throws {
        // libdispatch opens a timerfd on the first timer of the process (Task.sleep in /slow uses one):
        // make it exist before the baseline so the count sees only the server's own descriptors.
        let slept = DispatchSemaphore(value: 0)
        Task { try? await Task.sleep(nanoseconds: 1_000_000); slept.signal() }
        slept.wait()
        let baseline = openFileDescriptorCount()
        let before = openFileDescriptors()
        let server = try TestServer()
        let idle = try RawClient(port: server.port)
        try idle.send(request("/hello"))
        XCTAssertEqual(try idle.readResponse()?.status, 200)
        let busy = try RawClient(port: server.port)
        try busy.send(request("/slow?ms=600"))
        Thread.sleep(forTimeInterval: 0.1)
        let started = Date()
        server.stop(grace: 5)
        XCTAssertLessThan(Date().timeIntervalSince(started), 4)
        let finished = try XCTUnwrap(try busy.readResponse())
        XCTAssertEqual(finished.status, 200, "the in-flight request completed")
        XCTAssertEqual(finished.header("Connection"), "close")
        XCTAssertEqual(idle.readToEnd(), [], "idle keep-alive connection closed")
        XCTAssertThrowsError(try RawClient(port: server.port), "no longer accepting")
        XCTAssertEqual(server.server.connectionCount, 0)
        _ = (idle, busy)
        let extra = openFileDescriptors().filter { before[$0.key] != $0.value }
        XCTAssertEqual(openFileDescriptorCount() - 2, baseline, "only the two test clients' descriptors remain; new: \(extra)")
    }

    func testGzipRequestIDsAndIPv6() throws {
        let server = try TestServer(host: "::1")
        defer { server.stop() }
        let client = try RawClient(port: server.port, host: "::1")
        try client.send(request("/big", "Accept-Encoding: br;q=1, gzip;q=0.8\r\nX-Request-Id: abc-123\r\n"))
        let zipped = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(zipped.header("Content-Encoding"), "gzip")
        XCTAssertEqual(zipped.header("X-Request-Id"), "abc-123")
        XCTAssertEqual(Array(zipped.body.prefix(2)), [0x1F, 0x8B])
        XCTAssertLessThan(zipped.body.count, 65536 / 10)
        try client.send(request("/big", "Accept-Encoding: gzip;q=0\r\n"))
        let plain = try XCTUnwrap(try client.readResponse())
        XCTAssertNil(plain.header("Content-Encoding"))
        XCTAssertEqual(plain.body.count, 65536)
        XCTAssertEqual(plain.header("X-Request-Id")?.count, 32, "generated when absent")
        try client.send(request("/hello", "Accept-Encoding: gzip\r\n"))
        XCTAssertNil(try client.readResponse()?.header("Content-Encoding"), "small bodies are not compressed")
    }
}
