@testable import HTTP
import XCTest

/// Trace context, API keys and CORS as pure functions of header values.
final class TraceContextTests: XCTestCase {
    let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    func testAValidTraceparentIsContinuedWithANewSpan() {
        let context = TraceContext.accept(traceparent: valid, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        XCTAssertEqual(context.traceID, "4bf92f3577b34da6a3ce929d0e0e4736")
        XCTAssertEqual(context.parentID, "00f067aa0ba902b7")
        XCTAssertEqual(context.flags, "01")
        XCTAssertNotEqual(context.spanID, "00f067aa0ba902b7")
        XCTAssertEqual(context.spanID.count, 16)
        XCTAssertEqual(context.traceState, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        XCTAssertEqual(context.traceResponse, "00-4bf92f3577b34da6a3ce929d0e0e4736-\(context.spanID)-01")
    }

    func testMalformedTraceparentsStartANewTraceAndDropTracestate() {
        let malformed = [
            "", "garbage", valid.uppercased(), String(valid.dropLast()), valid + "-extra",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // all-zero parent id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff is invalid
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        ]
        for header in malformed {
            let context = TraceContext.accept(traceparent: header, tracestate: "a=b")
            XCTAssertNil(context.parentID, header)
            XCTAssertNil(context.traceState, "tracestate without a valid traceparent: \(header)")
            XCTAssertNotEqual(context.traceID, "4bf92f3577b34da6a3ce929d0e0e4736", header)
            XCTAssertNotNil(TraceContext.parse(context.traceResponse), "a generated context is itself valid")
            XCTAssertFalse(context.traceResponse.contains(header) && !header.isEmpty, "echoed \(header)")
        }
    }

    func testAFutureVersionIsReadByItsFirstFourFields() {
        XCTAssertNotNil(TraceContext.parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"))
        XCTAssertNil(TraceContext.parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"))
    }

    func testTracestateLimits() {
        let thirtyTwo = (0..<32).map { "k\($0)=v" }.joined(separator: ",")
        XCTAssertEqual(TraceContext.validTraceState(thirtyTwo), thirtyTwo)
        XCTAssertNil(TraceContext.validTraceState(thirtyTwo + ",k32=v"), "33 members")
        XCTAssertNil(TraceContext.validTraceState("k=" + String(repeating: "v", count: 511)), "over 512 characters")
        XCTAssertNil(TraceContext.validTraceState("novalue"))
        XCTAssertNil(TraceContext.validTraceState("=v"))
    }

    func testGeneratedIdsDiffer() {
        let ids = Set((0..<100).map { _ in TraceContext.accept(traceparent: nil, tracestate: nil).traceID })
        XCTAssertEqual(ids.count, 100)
    }

    /// The server's own generator (one per event loop): distinct, valid ids, spread over every hex digit.
    func testTheLoopGeneratorGivesDistinctValidIds() {
        var random = TraceRandom()
        var traces = Set<String>(), spans = Set<String>(), digits = [Character: Int]()
        for _ in 0..<10_000 {
            let context = TraceContext.accept(traceparent: nil, tracestate: nil, using: &random)
            XCTAssertNotNil(TraceContext.parse(context.traceResponse))
            XCTAssertEqual(context.traceResponse.count, 55)
            traces.insert(context.traceID)
            spans.insert(context.spanID)
            for digit in context.traceID { digits[digit, default: 0] += 1 }
        }
        XCTAssertEqual(traces.count, 10_000)
        XCTAssertEqual(spans.count, 10_000)
        XCTAssertEqual(digits.count, 16)
        // 320 000 digits, 20 000 expected of each: a skewed generator would be far off.
        XCTAssertTrue(digits.values.allSatisfy { abs($0 - 20_000) < 1_000 }, "\(digits)")
    }

    func testTheTextFormsAreViewsOfTheNumbers() {
        let context = TraceContext.accept(traceparent: valid, tracestate: nil)
        XCTAssertEqual(context.traceResponse, "00-\(context.traceID)-\(context.spanID)-\(context.flags)")
        XCTAssertNil(TraceContext.accept(traceparent: nil, tracestate: nil).parentID)
    }
}

final class APIKeysTests: XCTestCase {
    let file = """
    # production keys
    key-alpha-0123456789abcdef

      key-beta-0123456789abcdef\t
    """

    func testTheFileSkipsCommentsAndBlankLinesAndTrims() throws {
        let keys = try APIKeys(fileContents: file)
        XCTAssertEqual(keys.keys.count, 2)
        XCTAssertNotNil(keys.match(Array("key-beta-0123456789abcdef".utf8)))
        XCTAssertEqual(keys.keys[0].fingerprint.count, 12)
        XCTAssertNotEqual(keys.keys[0].fingerprint, keys.keys[1].fingerprint)
        XCTAssertFalse(file.contains(keys.keys[0].fingerprint), "the fingerprint is not a piece of the key")
    }

    func testWrongKeysDoNotMatch() throws {
        let keys = try APIKeys(fileContents: file)
        for wrong in ["", "key-alpha-0123456789abcde", "key-alpha-0123456789abcdef0", "KEY-ALPHA-0123456789ABCDEF", "key-alpha-0123456789abcdeF"] {
            XCTAssertNil(keys.match(Array(wrong.utf8)), wrong)
        }
        XCTAssertEqual(keys.match(Array("key-alpha-0123456789abcdef".utf8)), keys.keys[0])
    }

    func testBadFilesAreRefusedWithTheLine() {
        XCTAssertThrowsError(try APIKeys(fileContents: "# only a comment\n\n")) { XCTAssertEqual($0 as? APIKeys.FileError, .empty) }
        XCTAssertThrowsError(try APIKeys(fileContents: "short")) {
            guard case .invalidKey(let line, _) = $0 as? APIKeys.FileError else { return XCTFail("\($0)") }
            XCTAssertEqual(line, 1)
        }
        XCTAssertThrowsError(try APIKeys(fileContents: "# c\nhas a space inside the key\n")) {
            guard case .invalidKey(let line, _) = $0 as? APIKeys.FileError else { return XCTFail("\($0)") }
            XCTAssertEqual(line, 2)
        }
    }

    func testPresentedKeyFromEitherHeader() {
        XCTAssertEqual(APIKeys.presented(in: ["Authorization": "Bearer abc"]), Array("abc".utf8))
        XCTAssertEqual(APIKeys.presented(in: ["Authorization": "bearer  abc"]), Array("abc".utf8))
        XCTAssertEqual(APIKeys.presented(in: ["X-API-Key": "xyz"]), Array("xyz".utf8))
        XCTAssertNil(APIKeys.presented(in: ["Authorization": "Basic dXNlcjpwYXNz"]))
        XCTAssertNil(APIKeys.presented(in: [:]))
    }

    func testConstantTimeEqualIsEquality() {
        XCTAssertTrue(APIKeys.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(APIKeys.constantTimeEqual([1, 2, 3], [1, 2]))
        XCTAssertFalse(APIKeys.constantTimeEqual([1, 2], [1, 2, 0]), "a zero byte past the end is still a difference")
        XCTAssertFalse(APIKeys.constantTimeEqual([], [0]))
        XCTAssertTrue(APIKeys.constantTimeEqual([], []))
    }
}

final class AccessControlTests: XCTestCase {
    func control(public routes: [String]) throws -> AccessControl {
        var configuration = ServerConfiguration()
        configuration.apiKeys = try APIKeys(fileContents: "alpha-key-0123456789abcdef")
        configuration.publicRoutes = routes
        return AccessControl(configuration: configuration)
    }

    func testPublicRoutesArePatternsOverWholeSegments() throws {
        var router = Router()
        router.on("GET", "/v2/models/{name}/ready", inline: { _ in HTTPResponse(status: .ok) })
        router.on("GET", "/healthz", inline: { _ in HTTPResponse(status: .ok) })
        let access = try control(public: ["/healthz", "/v2/models/{m}/ready", "/"])
        func isPublic(_ method: String, _ path: String) -> Bool { access.isPublic(path: path, match: router.match(method: method, path: path)) }
        XCTAssertTrue(isPublic("GET", "/healthz"))
        XCTAssertTrue(isPublic("POST", "/healthz"), "a 405 on a public path needs no key either")
        XCTAssertTrue(isPublic("GET", "/v2/models/g3/ready"), "captures match any segment, whatever their name")
        XCTAssertTrue(isPublic("GET", "/"))
        XCTAssertFalse(isPublic("GET", "/healthz/x"))
        XCTAssertFalse(isPublic("GET", "/v2/models/g3"))
        XCTAssertFalse(isPublic("GET", "/healthzz"))
    }

    func testAKeyIsJudgedOnlyWhereOneIsNeeded() throws {
        let access = try control(public: ["/healthz"])
        var router = Router()
        router.on("POST", "/classify", { _ in HTTPResponse(status: .ok) })
        func head(_ method: String, _ path: String, _ headers: HTTPHeaders) -> HTTPRequestHead {
            HTTPRequestHead(method: method, target: path, path: path, query: [], version: .http11, headers: headers)
        }
        func verdict(_ h: HTTPRequestHead) -> String {
            switch access.judge(h, match: router.match(method: h.method, path: h.path)) {
            case .allowed(let fingerprint): return fingerprint == nil ? "allowed" : "key"
            case .answer: return "answer"
            case .refused(let error): return error.code
            }
        }
        XCTAssertEqual(verdict(head("POST", "/classify", [:])), "api_key_required")
        XCTAssertEqual(verdict(head("POST", "/classify", ["X-API-Key": "alpha-key-0123456789abcdef"])), "key")
        XCTAssertEqual(verdict(head("POST", "/classify", ["X-API-Key": String(repeating: "a", count: 5000)])), "api_key_invalid")
        XCTAssertEqual(verdict(head("OPTIONS", "/classify", ["Access-Control-Request-Method": "POST"])), "allowed", "a preflight never needs a key")
        XCTAssertEqual(verdict(head("GET", "/healthz", [:])), "allowed")
    }
}

final class CORSPolicyTests: XCTestCase {
    func testExactOriginsAndPreflight() throws {
        let policy = try CORSPolicy(originList: "https://app.example.com, http://localhost:3000")
        XCTAssertEqual(policy.allowOrigin("https://app.example.com"), "https://app.example.com")
        XCTAssertNil(policy.allowOrigin("https://evil.example.com"))
        XCTAssertNil(policy.allowOrigin(nil))
        let preflight = policy.preflight(origin: "http://localhost:3000")
        XCTAssertEqual(preflight.status, .noContent)
        XCTAssertEqual(preflight.headers["Access-Control-Allow-Origin"], "http://localhost:3000")
        XCTAssertEqual(preflight.headers["Vary"], "Origin")
        XCTAssertTrue(preflight.headers["Access-Control-Allow-Headers"]?.contains("Authorization") ?? false)
        XCTAssertEqual(preflight.headers["Access-Control-Max-Age"], "600")
        XCTAssertNil(policy.preflight(origin: "https://evil.example.com").headers["Access-Control-Allow-Origin"])
        XCTAssertNil(policy.responseHeaders(origin: "https://evil.example.com")["Access-Control-Allow-Origin"])
    }

    func testEveryAnswerVariesByOriginWhenOriginsAreListed() throws {
        let policy = try CORSPolicy(originList: "https://app.example.com")
        XCTAssertEqual(policy.responseHeaders(origin: nil)["Vary"], "Origin")
        XCTAssertEqual(policy.responseHeaders(origin: "https://evil.example.com")["Vary"], "Origin")
        XCTAssertEqual(policy.preflight(origin: "https://evil.example.com").headers["Vary"], "Origin")
        XCTAssertTrue(policy.responseHeaders(origin: "https://app.example.com")["Access-Control-Expose-Headers"]?.contains("traceresponse") ?? false)
    }

    func testAnyOrigin() throws {
        let policy = try CORSPolicy(originList: "*")
        XCTAssertEqual(policy.responseHeaders(origin: "https://x.example")["Access-Control-Allow-Origin"], "*")
        XCTAssertNil(policy.responseHeaders(origin: "https://x.example")["Vary"])
    }

    func testBadOriginListsAreRefused() {
        for list in ["", " , ", "*, https://a.example", "app.example.com", "https://a.example/"] {
            XCTAssertThrowsError(try CORSPolicy(originList: list), list)
        }
    }
}
