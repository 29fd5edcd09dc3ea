import Foundation
@testable import HTTP
import TestSupport
import XCTest

/// API keys, CORS and trace context on a live server over raw sockets: what the client gets, and when.
final class AccessLiveTests: XCTestCase {
    static let keyFile = "# test keys\nalpha-key-0123456789abcdef\nbeta-key-0123456789abcdef\n"
    let alpha = "alpha-key-0123456789abcdef", beta = "beta-key-0123456789abcdef"

    func withKeys(cors: String? = nil, _ configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) throws -> TestServer {
        let keys = try APIKeys(fileContents: Self.keyFile)
        let policy = try cors.map { try CORSPolicy(originList: $0) }
        return try TestServer {
            $0.apiKeys = keys
            $0.publicRoutes = ["/hello", "/v2/health/live"]
            $0.cors = policy
            configure(&$0)
        }
    }

    func exchange(_ server: TestServer, _ raw: String) throws -> RawResponse {
        let client = try RawClient(port: server.port)
        try? client.send(raw)
        return try XCTUnwrap(try client.readResponse(headRequest: raw.hasPrefix("HEAD")), "no response to \(raw.prefix(60))")
    }

    func get(_ path: String, _ headers: String = "", method: String = "GET") -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n"
    }

    func errorCode(_ response: RawResponse) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["code"] as? String }
    }

    // MARK: - API keys

    func testKeysMissingWrongAndRightInEitherHeaderOnPublicAndPrivateRoutes() throws {
        let server = try withKeys()
        defer { server.stop() }
        let missing = try exchange(server, get("/items/7"))
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.header("WWW-Authenticate"), "Bearer")
        XCTAssertEqual(errorCode(missing), "api_key_required")

        for wrong in ["Authorization: Bearer \(alpha)x\r\n", "X-API-Key: \(alpha.uppercased())\r\n", "X-API-Key: short\r\n"] {
            let refused = try exchange(server, get("/items/7", wrong))
            XCTAssertEqual(refused.status, 401, wrong)
            XCTAssertEqual(refused.header("WWW-Authenticate"), #"Bearer error="invalid_token""#, wrong)
            XCTAssertEqual(errorCode(refused), "api_key_invalid", wrong)
            XCTAssertFalse(refused.text.contains(alpha.uppercased()), "the presented key is not echoed")
        }
        XCTAssertEqual(try exchange(server, get("/items/7", "Authorization: Basic dXNlcjpwYXNz\r\n")).status, 401, "another scheme is no key")

        for right in ["Authorization: Bearer \(alpha)\r\n", "authorization: bearer \(alpha)\r\n", "X-API-Key: \(beta)\r\n"] {
            let allowed = try exchange(server, get("/items/7", right))
            XCTAssertEqual(allowed.status, 200, right)
            XCTAssertEqual(allowed.text, "item 7")
        }
        // Public routes need no key, whatever the method's fate; an unknown path is not revealed without one.
        XCTAssertEqual(try exchange(server, get("/hello")).status, 200)
        XCTAssertEqual(try exchange(server, get("/hello", method: "HEAD")).status, 200)
        XCTAssertEqual(try exchange(server, get("/hello", "Content-Length: 0\r\n", method: "POST")).status, 405)
        XCTAssertEqual(try exchange(server, get("/nowhere")).status, 401)
        XCTAssertEqual(try exchange(server, get("/nowhere", "X-API-Key: \(alpha)\r\n")).status, 404)

        // The access events name the key by its fingerprint.
        let keys = try APIKeys(fileContents: Self.keyFile)
        let fingerprints = server.events.filter { $0.path == "/items/7" && $0.status == 200 }.map(\.apiKeyFingerprint)
        XCTAssertEqual(fingerprints, [keys.keys[0].fingerprint, keys.keys[0].fingerprint, keys.keys[1].fingerprint])
        XCTAssertTrue(server.events.filter { $0.status == 401 }.allSatisfy { $0.apiKeyFingerprint == nil })
    }

    func testA401TakesThePathsErrorShape() throws {
        let server = try withKeys()
        defer { server.stop() }
        let v2 = try exchange(server, get("/v2/models/m/infer", "Content-Length: 2\r\n", method: "POST") + "{}")
        XCTAssertEqual(v2.status, 401)
        XCTAssertEqual(v2.header("WWW-Authenticate"), "Bearer")
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(v2.body)) as? [String: String], v2.text)
        XCTAssertEqual(Array(body.keys), ["error"])
        XCTAssertTrue(body["error"]!.contains("API key"), v2.text)
        XCTAssertEqual(try exchange(server, get("/v2/health/live")).status, 200, "public under /v2")
    }

    func testA401WithoutABodyKeepsTheConnection() throws {
        let server = try withKeys()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.send(get("/items/1") + get("/items/2", "X-API-Key: \(alpha)\r\n"))
        XCTAssertEqual(try client.readResponse()?.status, 401)
        let second = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(second.text, "item 2")
    }

    func testAnUnauthenticatedUploadIsRefusedBeforeItsBodyIsRead() throws {
        let server = try withKeys { $0.limits.maxBodyBytes = 64 << 20 }
        defer { server.stop() }
        // 30 MB declared, not one byte sent: the answer comes from the head alone, nothing is reserved.
        let client = try RawClient(port: server.port, receiveTimeout: 5)
        let started = Date()
        try client.send(get("/echo", "Content-Type: application/octet-stream\r\nContent-Length: 30000000\r\n", method: "POST"))
        let response = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(response.header("Connection"), "close", "the unread body is never taken for a next request")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(server.server.bufferedBodyByteCount, 0)
        XCTAssertTrue(client.readToEnd().isEmpty, "closed after the answer")

        // With Expect: 100-continue the client is told 401 instead of 100 and never sends the body.
        let waiting = try RawClient(port: server.port, receiveTimeout: 5)
        try waiting.send(get("/echo", "Content-Length: 30000000\r\nExpect: 100-continue\r\n", method: "POST"))
        XCTAssertEqual(try waiting.readResponse()?.status, 401)
    }

    func testAnOversizedAuthorizationHeaderIsRefusedCleanly() throws {
        let server = try withKeys()
        defer { server.stop() }
        let huge = "Authorization: Bearer " + String(repeating: "k", count: 64 * 1024) + "\r\n"
        XCTAssertEqual(try exchange(server, get("/items/1", huge)).status, 431, "over the 32 KiB header limit")
        XCTAssertEqual(try exchange(server, get("/hello")).status, 200)

        // Under a raised header limit the same key is read, not compared (longer than any key can be): 401.
        let roomy = try withKeys { $0.limits.maxHeaderBytes = 128 * 1024 }
        defer { roomy.stop() }
        let refused = try exchange(roomy, get("/items/1", huge))
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(errorCode(refused), "api_key_invalid")
    }

    func testKeysAreReplacedWhileServing() throws {
        let server = try withKeys()
        defer { server.stop() }
        let gamma = "gamma-key-0123456789abcdef"
        XCTAssertTrue(server.server.replaceAPIKeys(try APIKeys(fileContents: gamma)))
        XCTAssertEqual(try exchange(server, get("/items/1", "X-API-Key: \(alpha)\r\n")).status, 401, "the old key is gone")
        XCTAssertEqual(try exchange(server, get("/items/1", "X-API-Key: \(gamma)\r\n")).status, 200)
        XCTAssertEqual(server.server.apiKeys?.keys.count, 1)

        // A server started without keys stays open: keys are required from the start or never.
        let open = try TestServer()
        defer { open.stop() }
        XCTAssertFalse(open.server.replaceAPIKeys(try APIKeys(fileContents: gamma)))
        XCTAssertEqual(try exchange(open, get("/items/1")).status, 200)
        XCTAssertNil(open.events.last?.apiKeyFingerprint)
    }

    // MARK: - CORS

    func testPreflightNeedsNoKeyAndAllowedOriginsAreNamedOnEveryAnswer() throws {
        let origin = "https://app.example.com"
        let server = try withKeys(cors: "\(origin), http://localhost:3000")
        defer { server.stop() }
        let preflight = try exchange(server, get("/items/1", "Origin: \(origin)\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization\r\n", method: "OPTIONS"))
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.header("Access-Control-Allow-Origin"), origin)
        XCTAssertEqual(preflight.header("Access-Control-Allow-Methods"), "GET, POST, OPTIONS")
        XCTAssertTrue(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") ?? false)
        XCTAssertEqual(preflight.header("Access-Control-Max-Age"), "600")
        XCTAssertEqual(preflight.header("Vary"), "Origin")
        XCTAssertEqual(preflight.headers.filter { $0.0 == "access-control-allow-origin" }.count, 1)

        let refusedPreflight = try exchange(server, get("/items/1", "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n", method: "OPTIONS"))
        XCTAssertEqual(refusedPreflight.status, 204)
        XCTAssertNil(refusedPreflight.header("Access-Control-Allow-Origin"))
        XCTAssertNil(refusedPreflight.header("Access-Control-Allow-Methods"))

        // Simple requests: the allowed origin on answers and errors alike (a page must read its 401 to ask for a key).
        for (request, status) in [(get("/hello", "Origin: \(origin)\r\n"), 200), (get("/items/1", "Origin: \(origin)\r\n"), 401),
                                  (get("/nowhere", "Origin: \(origin)\r\nX-API-Key: \(alpha)\r\n"), 404)] {
            let response = try exchange(server, request)
            XCTAssertEqual(response.status, status)
            XCTAssertEqual(response.header("Access-Control-Allow-Origin"), origin, request)
            XCTAssertTrue(response.header("Access-Control-Expose-Headers")?.contains("traceresponse") ?? false)
            XCTAssertEqual(response.header("Vary"), "Origin")
        }
        let other = try exchange(server, get("/hello", "Origin: https://evil.example\r\n"))
        XCTAssertEqual(other.status, 200, "CORS is the browser's to enforce; the server only withholds the headers")
        XCTAssertNil(other.header("Access-Control-Allow-Origin"))
        XCTAssertEqual(other.header("Vary"), "Origin", "the answer depends on Origin, so caches must know")
        // OPTIONS that is no preflight is routed as before.
        XCTAssertEqual(try exchange(server, get("/hello", "Origin: \(origin)\r\n", method: "OPTIONS")).status, 405)
    }

    func testAnyOriginIsAStar() throws {
        let server = try TestServer { $0.cors = try? CORSPolicy(originList: "*") }
        defer { server.stop() }
        let response = try exchange(server, get("/hello", "Origin: https://anywhere.example\r\n"))
        XCTAssertEqual(response.header("Access-Control-Allow-Origin"), "*")
        XCTAssertNil(response.header("Vary"))
        XCTAssertEqual(try exchange(server, get("/hello", "Origin: null\r\nAccess-Control-Request-Method: GET\r\n", method: "OPTIONS")).status, 204)
    }

    func testWithoutCORSThereAreNoCORSHeadersAndOPTIONSIsRoutedAsBefore() throws {
        let server = try TestServer()
        defer { server.stop() }
        let preflight = try exchange(server, get("/hello", "Origin: https://app.example.com\r\nAccess-Control-Request-Method: GET\r\n", method: "OPTIONS"))
        XCTAssertEqual(preflight.status, 405)
        XCTAssertEqual(preflight.header("Allow"), "GET, HEAD")
        let simple = try exchange(server, get("/hello", "Origin: https://app.example.com\r\n"))
        XCTAssertEqual(simple.status, 200)
        XCTAssertFalse(simple.headers.contains { $0.0.hasPrefix("access-control-") || $0.0 == "vary" }, "\(simple.headers)")
    }

    // MARK: - Trace context

    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    func testATraceIsContinuedWithANewSpanAndTracestateKept() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try exchange(server, get("/trace", "traceparent: \(caller)\r\ntracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE\r\n"))
        let returned = try XCTUnwrap(response.header("traceresponse"))
        let parts = returned.split(separator: "-").map(String.init)
        XCTAssertEqual(parts.count, 4)
        XCTAssertEqual(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace")
        XCTAssertNotEqual(parts[2], "00f067aa0ba902b7", "a span of our own")
        XCTAssertEqual(parts[3], "01", "the caller's flags")
        XCTAssertEqual(response.header("tracestate"), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        // The handler sees the same context, and so does the task it runs in (for its log lines).
        let seen = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])
        XCTAssertEqual(seen["trace_id"], parts[1])
        XCTAssertEqual(seen["span_id"], parts[2])
        XCTAssertEqual(seen["task_trace_id"], parts[1])
        let event = try XCTUnwrap(server.events.last)
        XCTAssertEqual(event.trace?.traceID, parts[1])
        XCTAssertEqual(event.trace?.parentID, "00f067aa0ba902b7")
    }

    func testATraceIsStartedWhenAbsentAndMalformedOnesAreReplacedNotEchoed() throws {
        let server = try TestServer()
        defer { server.stop() }
        var traces = Set<String>()
        for header in ["", "traceparent: garbage-\(String(repeating: "z", count: 60))\r\ntracestate: a=b\r\n",
                       "traceparent: \(caller.uppercased())\r\n", "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n"] {
            for path in ["/hello", "/nowhere"] {
                let response = try exchange(server, get(path, header))
                let returned = try XCTUnwrap(response.header("traceresponse"), "\(path) \(header)")
                XCTAssertNotNil(TraceContext.parse(returned), returned)
                XCTAssertTrue(returned.hasPrefix("00-") && returned.hasSuffix("-02"), "a new trace, random flag: \(returned)")
                XCTAssertNil(response.header("tracestate"), "dropped with an invalid traceparent")
                XCTAssertFalse(returned.contains("4bf92f3577b34da6a3ce929d0e0e4736") || returned.contains("4BF92F"), returned)
                XCTAssertFalse(response.headers.contains { $0.1.contains("garbage") }, "never echoed")
                traces.insert(String(returned.split(separator: "-")[1]))
            }
        }
        XCTAssertEqual(traces.count, 8, "each request its own trace")
    }

    func testErrorsTheServerRaisesCarryATraceToo() throws {
        let server = try TestServer()
        defer { server.stop() }
        // A head that was read but whose body cannot be accepted: its trace is continued.
        let declared = try exchange(server, get("/echo", "traceparent: \(caller)\r\nContent-Length: 1000000000000\r\n", method: "POST"))
        XCTAssertEqual(declared.status, 413)
        XCTAssertTrue(declared.header("traceresponse")?.contains("4bf92f3577b34da6a3ce929d0e0e4736") ?? false, "continued from the head that was read")
        // A head the parser refuses is not read for its traceparent: a new trace.
        let noHost = try exchange(server, "GET /hello HTTP/1.1\r\ntraceparent: \(caller)\r\n\r\n")
        XCTAssertEqual(noHost.status, 400)
        XCTAssertNotNil(noHost.header("traceresponse").flatMap(TraceContext.parse))
        let tooLong = try exchange(server, "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(tooLong.status, 414)
        XCTAssertNotNil(tooLong.header("traceresponse").flatMap(TraceContext.parse))
    }

    func testTracestateBeyondItsLimitsIsDropped() throws {
        let server = try TestServer()
        defer { server.stop() }
        let members = (0..<33).map { "k\($0)=v" }.joined(separator: ",")
        let response = try exchange(server, get("/hello", "traceparent: \(caller)\r\ntracestate: \(members)\r\n"))
        XCTAssertTrue(response.header("traceresponse")?.contains("4bf92f3577b34da6a3ce929d0e0e4736") ?? false)
        XCTAssertNil(response.header("tracestate"))
    }
}
