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
}
