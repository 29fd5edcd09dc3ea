import ClassifierService
import Foundation
import HTTP
import Logging
import TestSupport
import XCTest

/// API keys, CORS and trace context on `shufflenet serve`: a real process, real sockets, curl.
final class ServiceAccessTests: XCTestCase {
    static let alpha = "alpha-service-key-0123456789", beta = "beta-service-key-0123456789"
    static let origin = "http://localhost:3000"
    nonisolated(unsafe) static var guarded: ServiceProcess?
    nonisolated(unsafe) static var plain: ServiceProcess?
    nonisolated(unsafe) static var folder: URL?

    /// One service with a key file and CORS, for the tests that need them.
    func guardedService() throws -> ServiceProcess {
        if let running = Self.guarded { return running }
        let folder = try Checkpoints.temporaryDirectory()
        Self.folder = folder
        let keys = folder.appendingPathComponent("keys.txt").path
        try "# service test keys\n\(Self.alpha)\n\(Self.beta)\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let started = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "2", "--api-key-file", keys, "--cors-origins", Self.origin])
        Self.guarded = started
        return started
    }

    /// One service without access flags: no key needed, no CORS headers.
    func plainService() throws -> ServiceProcess {
        if let running = Self.plain { return running }
        let started = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "1"])
        Self.plain = started
        return started
    }

    override class func tearDown() {
        guarded?.stop()
        plain?.stop()
        (guarded, plain) = (nil, nil)
        if let folder { try? FileManager.default.removeItem(at: folder) }
        super.tearDown()
    }

    var chelsea: String { get throws { try SharedFixtures.path("images/chelsea.png") } }

    func fingerprint(_ key: String) throws -> String {
        try XCTUnwrap(try APIKeys(fileContents: key).keys.first?.fingerprint)
    }

    // MARK: - Keys

    func testPublicRoutesNeedNoKeyAndTheRestDo() throws {
        let s = try guardedService()
        for path in ["/", "/openapi.yaml", "/healthz", "/readyz", "/v2/health/live", "/v2/health/ready", "/metrics"] {
            XCTAssertEqual(try curl(["\(s.baseURL)\(path)"]).status, 200, path)
        }
        let models = try curl(["\(s.baseURL)/models"])
        XCTAssertEqual(models.status, 401)
        XCTAssertEqual(models.errorCode, "api_key_required")

        let missing = try curl(["-F", "image=@\(try chelsea)", "\(s.baseURL)/classify"])
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.headers["www-authenticate"], "Bearer")
        XCTAssertEqual(missing.errorCode, "api_key_required")
        XCTAssertFalse(missing.errorMessage.isEmpty)

        let wrong = try curl(["-F", "image=@\(try chelsea)", "-H", "Authorization: Bearer \(Self.alpha)-not", "\(s.baseURL)/classify"])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.errorCode, "api_key_invalid")

        for header in ["Authorization: Bearer \(Self.alpha)", "X-API-Key: \(Self.beta)"] {
            let allowed = try curl(["-F", "image=@\(try chelsea)", "-H", header, "\(s.baseURL)/classify"])
            XCTAssertEqual(allowed.status, 200, header)
            XCTAssertEqual(topOne(allowed)?["label"] as? String, "Egyptian cat")
        }
        XCTAssertEqual(try curl(["-H", "X-API-Key: \(Self.alpha)", "\(s.baseURL)/models"]).status, 200)
    }

    func testOnV2PathsThe401HasTheProtocolsShape() throws {
        let s = try guardedService()
        let infer = "\(s.baseURL)/v2/models/shufflenet_v1_g3_0.5x/infer"
        let missing = try curl(["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "{}", infer])
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.headers["www-authenticate"], "Bearer")
        let message = try XCTUnwrap(missing.json["error"] as? String, String(decoding: missing.body, as: UTF8.self))
        XCTAssertTrue(message.contains("API key"), message)
        // With a key the request reaches the protocol, which refuses the empty request on its own terms.
        let past = try curl(["-X", "POST", "-H", "Content-Type: application/json", "-H", "X-API-Key: \(Self.alpha)", "--data-binary", "{}", infer])
        XCTAssertEqual(past.status, 400)
        XCTAssertNotNil(past.json["error"] as? String)
    }

    func testAnUnauthenticatedUploadIsRefusedBeforeItsBodyIsRead() throws {
        let s = try guardedService()
        let client = try RawClient(port: s.port, receiveTimeout: 5)
        let started = Date()
        try client.send("POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 30000000\r\n\r\n")
        let response = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "answered from the head, not after 30 MB")
    }

    func testTheAccessLogNamesTheTraceAndTheKeysFingerprintButNeverTheKey() throws {
        let s = try guardedService()
        let reply = try curl(["-F", "image=@\(try chelsea)", "-H", "X-API-Key: \(Self.beta)", "-H", "X-Request-Id: access-log-1", "\(s.baseURL)/classify"])
        XCTAssertEqual(reply.status, 200)
        let trace = try XCTUnwrap(reply.headers["traceresponse"]?.split(separator: "-").map(String.init))
        var line = ""
        for _ in 0..<100 where line.isEmpty {
            line = s.log.split(separator: "\n").first { $0.contains("request_id=access-log-1") }.map(String.init) ?? ""
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertTrue(line.contains("trace_id=\(trace[1])"), line)
        XCTAssertTrue(line.contains("span_id=\(trace[2])"), line)
        XCTAssertTrue(line.contains("api_key=\(try fingerprint(Self.beta))"), line)
        XCTAssertTrue(s.log.contains("API keys loaded"), "the start names the keys by fingerprint")
        XCTAssertFalse(s.log.contains(Self.alpha) || s.log.contains(Self.beta), "a key reached the log")
    }

    func testABadKeyFileStopsTheStartWithAMessage() throws {
        let folder = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let comments = folder.appendingPathComponent("comments.txt").path
        try "# nothing but a comment\n\n".write(toFile: comments, atomically: true, encoding: .utf8)
        for (file, expected) in [(comments, "holds no key"), (folder.appendingPathComponent("absent.txt").path, "cannot read the API key file")] {
            let result = try runProcess(ServiceProcess.binary, ["serve", "--host", "127.0.0.1", "--port", "0", "--model", try ServiceModels.path("g3"), "--api-key-file", file])
            XCTAssertFalse(result.signalled)
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.stderr.contains(expected), result.stderr)
        }
        let badOrigin = try runProcess(ServiceProcess.binary, ["serve", "--port", "0", "--cors-origins", "app.example.com"])
        XCTAssertNotEqual(badOrigin.status, 0)
        XCTAssertTrue(badOrigin.stderr.contains("scheme://host"), badOrigin.stderr)
    }

    // MARK: - CORS

    func testPreflightAndSimpleRequestsFromAllowedAndRefusedOrigins() throws {
        let s = try guardedService()
        let preflight = try curl(["-X", "OPTIONS", "-H", "Origin: \(Self.origin)", "-H", "Access-Control-Request-Method: POST",
                                  "-H", "Access-Control-Request-Headers: authorization", "\(s.baseURL)/classify"])
        XCTAssertEqual(preflight.status, 204, "no key needed")
        XCTAssertEqual(preflight.headers["access-control-allow-origin"], Self.origin)
        XCTAssertTrue(preflight.headers["access-control-allow-headers"]?.contains("Authorization") ?? false)
        XCTAssertEqual(preflight.headers["access-control-allow-methods"], "GET, POST, OPTIONS")
        XCTAssertNotNil(preflight.headers["access-control-max-age"])

        let refused = try curl(["-X", "OPTIONS", "-H", "Origin: https://elsewhere.example", "-H", "Access-Control-Request-Method: POST", "\(s.baseURL)/classify"])
        XCTAssertEqual(refused.status, 204)
        XCTAssertNil(refused.headers["access-control-allow-origin"])

        let answered = try curl(["-F", "image=@\(try chelsea)", "-H", "Origin: \(Self.origin)", "-H", "X-API-Key: \(Self.alpha)", "\(s.baseURL)/classify"])
        XCTAssertEqual(answered.status, 200)
        XCTAssertEqual(answered.headers["access-control-allow-origin"], Self.origin)
        XCTAssertTrue(answered.headers["access-control-expose-headers"]?.contains("X-Request-Id") ?? false)
        let unauthorised = try curl(["-F", "image=@\(try chelsea)", "-H", "Origin: \(Self.origin)", "\(s.baseURL)/classify"])
        XCTAssertEqual(unauthorised.status, 401)
        XCTAssertEqual(unauthorised.headers["access-control-allow-origin"], Self.origin, "a page can read the 401 and ask for a key")
        XCTAssertNil(try curl(["-H", "Origin: https://elsewhere.example", "\(s.baseURL)/healthz"]).headers["access-control-allow-origin"])
    }

    func testWithoutTheFlagOPTIONSIsRoutedAsBeforeAndNoCORSHeadersAreSent() throws {
        let s = try plainService()
        let options = try curl(["-X", "OPTIONS", "-H", "Origin: \(Self.origin)", "-H", "Access-Control-Request-Method: POST", "\(s.baseURL)/classify"])
        XCTAssertEqual(options.status, 405)
        XCTAssertEqual(options.headers["allow"], "POST")
        let simple = try curl(["-F", "image=@\(try chelsea)", "-H", "Origin: \(Self.origin)", "\(s.baseURL)/classify"])
        XCTAssertEqual(simple.status, 200, "no key needed without --api-key-file")
        XCTAssertTrue(simple.headers.keys.allSatisfy { !$0.hasPrefix("access-control-") }, "\(simple.headers)")
    }

    // MARK: - Trace context

    func testTracesAreContinuedStartedAndReplaced() throws {
        let s = try plainService()
        let caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let continued = try curl(["-F", "image=@\(try chelsea)", "-H", "traceparent: \(caller)", "-H", "tracestate: vendor=opaque", "-H", "X-Request-Id: trace-1", "\(s.baseURL)/classify"])
        let parts = try XCTUnwrap(continued.headers["traceresponse"]?.split(separator: "-").map(String.init))
        XCTAssertEqual(parts.count, 4)
        XCTAssertEqual(parts[1], "0af7651916cd43dd8448eb211c80319c")
        XCTAssertNotEqual(parts[2], "b7ad6b7169203331")
        XCTAssertEqual(parts[3], "01")
        XCTAssertEqual(continued.headers["tracestate"], "vendor=opaque")

        let started = try curl(["\(s.baseURL)/healthz"])
        let fresh = try XCTUnwrap(started.headers["traceresponse"])
        XCTAssertNotNil(fresh.range(of: "^00-[0-9a-f]{32}-[0-9a-f]{16}-02$", options: .regularExpression), fresh)

        let malformed = "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"
        let replaced = try curl(["-H", "traceparent: \(malformed)", "-H", "tracestate: vendor=opaque", "\(s.baseURL)/healthz"])
        let replacement = try XCTUnwrap(replaced.headers["traceresponse"])
        XCTAssertFalse(replacement.lowercased().contains("0af7651916cd43dd8448eb211c80319c"), replacement)
        XCTAssertNil(replaced.headers["tracestate"])
        XCTAssertFalse(replaced.headers.values.contains { $0.contains("0AF7651916") }, "never echoed")

        var logged = false
        for _ in 0..<100 where !logged {
            logged = s.log.split(separator: "\n").contains { $0.contains("request_id=trace-1") && $0.contains("trace_id=\(parts[1])") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertTrue(logged, s.log.suffix(2000).description)
    }
}

/// The key file re-read while serving (what SIGHUP is to do), and the JSON log lines, in process.
final class APIKeyReloadTests: XCTestCase {
    func testReloadSwapsTheKeysAndABadFileKeepsTheOldOnes() async throws {
        let folder = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("keys.txt").path
        let first = "first-rotation-key-0123456789", second = "second-rotation-key-0123456789"
        try "\(first)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let lines = LockedList<String>()
        var configuration = ServiceConfiguration()
        (configuration.host, configuration.port, configuration.workers) = ("127.0.0.1", 0, 1)
        configuration.modelPaths = [try ServiceModels.path("g3")]
        configuration.apiKeyFile = file
        let logger = Logger(label: "access-test") { JSONLogHandler(label: $0) { lines.append(String(decoding: $0, as: UTF8.self)) } }
        let service = ClassifierService(configuration: configuration, logger: logger)
        try service.start()
        let models = "http://127.0.0.1:\(service.port)/models"
        func status(_ key: String) throws -> Int { try curl(["-H", "X-API-Key: \(key)", models]).status }
        XCTAssertEqual(try status(first), 200)
        XCTAssertEqual(try status(second), 401)

        try "# rotated\n\(second)\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertTrue(service.reloadAPIKeys())
        XCTAssertEqual(try status(first), 401)
        XCTAssertEqual(try status(second), 200)

        try "# emptied by mistake\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertFalse(service.reloadAPIKeys())
        XCTAssertEqual(try status(second), 200, "the keys in force stay")
        await service.shutdown()

        let records = lines.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        XCTAssertEqual(records.count, lines.all.count, "every line is one JSON object")
        let secondPrint = try XCTUnwrap(try APIKeys(fileContents: second).keys.first?.fingerprint)
        XCTAssertTrue(records.contains { $0["msg"] == "API keys reloaded" && $0["fingerprints"] == secondPrint })
        XCTAssertTrue(records.contains { $0["msg"] == "API keys not reloaded; the previous keys stay in force" && $0["level"] == "error" })
        let requests = records.filter { $0["msg"] == "request" }
        XCTAssertEqual(requests.count, 5)
        for request in requests {
            XCTAssertNotNil(request["trace_id"].flatMap { $0.range(of: "^[0-9a-f]{32}$", options: .regularExpression) }, "\(request)")
            XCTAssertNotNil(request["span_id"].flatMap { $0.range(of: "^[0-9a-f]{16}$", options: .regularExpression) }, "\(request)")
        }
        XCTAssertEqual(requests.filter { $0["status"] == "200" }.compactMap { $0["api_key"] }.last, secondPrint)
        XCTAssertFalse(lines.all.contains { $0.contains(first) || $0.contains(second) }, "a key reached the log")
    }

    func testLinesLoggedWhileARequestIsHandledCarryItsTrace() throws {
        let lines = LockedList<String>()
        let logger = Logger(label: "trace-test") { JSONLogHandler(label: $0) { lines.append(String(decoding: $0, as: UTF8.self)) } }
        let context = TraceContext.accept(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: nil)
        TraceContext.$current.withValue(context) { logger.info("inside a request") }
        logger.info("outside")
        let records = lines.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        XCTAssertEqual(records.first?["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        XCTAssertEqual(records.first?["span_id"], context.spanID)
        XCTAssertNil(records.last?["trace_id"])
    }
}
