import HTTP
import XCTest

final class RouterTests: XCTestCase {
    func testMatchingCapturesAndMethods() {
        var router = Router()
        router.on("GET", "/models") { _ in HTTPResponse(status: .ok) }
        router.on("GET", "/models/{name}") { _ in HTTPResponse(status: .ok) }
        router.on("POST", "/classify") { _ in HTTPResponse(status: .ok) }
        guard case .found(_, let parameters, let pattern) = router.match(method: "GET", path: "/models/g3") else { return XCTFail() }
        XCTAssertEqual(parameters, ["name": "g3"])
        XCTAssertEqual(pattern, "/models/{name}")
        guard case .found = router.match(method: "HEAD", path: "/models") else { return XCTFail("HEAD is served by GET") }
        guard case .methodNotAllowed(let allowed) = router.match(method: "GET", path: "/classify") else { return XCTFail() }
        XCTAssertEqual(allowed, ["POST"])
        guard case .methodNotAllowed(let getOnly) = router.match(method: "DELETE", path: "/models") else { return XCTFail() }
        XCTAssertEqual(getOnly, ["GET", "HEAD"])
        guard case .notFound = router.match(method: "GET", path: "/models/a/b") else { return XCTFail() }
        guard case .found = router.match(method: "GET", path: "/models/") else { return XCTFail("trailing slash") }
    }

    func testErrorShapesGoByTheLongestWholeSegmentPrefix() throws {
        func tagged(_ tag: String) -> HTTPErrorRenderer {
            { error in HTTPResponse(status: error.status, headers: ["Shape": tag], body: Array(error.message.utf8)) }
        }
        var router = Router()
        router.renderErrors(under: "/v2", with: tagged("v2"))
        router.renderErrors(under: "/v2/models/", with: tagged("models"))
        let shapes = ["/v2", "/v2/", "/v2/health", "/v2/models", "/v2/models/m/infer", "/v2beta", "/v", "/", "*"].map {
            router.errorResponse(ServerError.notFound, path: $0).headers["Shape"] ?? "default"
        }
        XCTAssertEqual(shapes, ["v2", "v2", "v2", "models", "models", "default", "default", "default", "default"])
        XCTAssertNil(router.errorResponse(ServerError.notFound, path: nil).headers["Shape"], "path not known yet")
        let standard = router.errorResponse(HTTPParseError.bodyTooLarge(limit: 9), path: "/other")
        XCTAssertEqual(String(decoding: standard.body, as: UTF8.self),
                       #"{"error":{"code":"body_too_large","message":"the request body exceeds 9 bytes"}}"# + "\n")
        XCTAssertEqual(standard.status, .contentTooLarge)

        // The error's own headers are protocol, not shape: kept even when the renderer leaves them out.
        let refused = router.errorResponse(ServerError.methodNotAllowed(allowed: ["GET", "HEAD"]), path: "/v2/x")
        XCTAssertEqual(refused.headers["Allow"], "GET, HEAD")
        XCTAssertEqual(refused.headers["Shape"], "v2")
        router.renderErrors(under: "/", with: tagged("root"))
        XCTAssertEqual(router.errorResponse(ServerError.tooManyConnections, path: "/anything").headers["Shape"], "root")
        XCTAssertEqual(router.errorResponse(ServerError.tooManyConnections, path: "/anything").headers["Retry-After"], "1")
    }

    func testAStatusCodeAloneFindsItsOneReasonPhrase() {
        XCTAssertEqual(HTTPStatus(code: 404), .notFound)
        XCTAssertEqual(HTTPStatus(code: 413), .contentTooLarge)
        XCTAssertEqual(HTTPStatus(code: 503).reason, "Service Unavailable")
        XCTAssertEqual(HTTPStatus(code: 418), HTTPStatus(418, "Client Error"), "unlisted: its class's name")
        XCTAssertEqual(HTTPStatus(code: 599).reason, "Server Error")
        XCTAssertEqual(HTTPStatus(code: 99).reason, "Unknown")
        for error in [HTTPParseError.badRequest("x"), .requestLineTooLong(limit: 1), .headersTooLarge(limit: 1), .versionNotSupported("HTTP/2.0"),
                      .notImplemented("x"), .bodyTooLarge(limit: 1), .expectationFailed("x")] {
            XCTAssertEqual(HTTPStatus(code: error.status.code), error.status, "\(error)")
        }
        for error in [ServerError.notFound, .methodNotAllowed(allowed: []), .requestTimeout("x"), .uploadsOverBudget(limit: 1), .tooManyConnections] {
            XCTAssertEqual(HTTPStatus(code: error.status.code), error.status, "\(error)")
        }
    }
}
