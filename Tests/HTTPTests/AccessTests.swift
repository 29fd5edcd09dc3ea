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
