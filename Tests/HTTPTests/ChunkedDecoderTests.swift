import HTTP
import XCTest

final class ChunkedDecoderTests: XCTestCase {
    func decodeAll(_ text: String, limits: HTTPLimits = HTTPLimits()) throws -> (body: String, consumed: Int, complete: Bool) {
        var decoder = ChunkedDecoder(limits: limits)
        let consumed = try decoder.feed(Array(text.utf8)[...])
        return (String(decoding: decoder.body, as: UTF8.self), consumed, decoder.isComplete)
    }

    func testChunksExtensionsAndTrailers() throws {
        let text = "5;ext=1\r\nhello\r\n6\r\n world\r\n0 ; last\r\nX-Trailer: 1\r\n\r\nNEXT"
        let result = try decodeAll(text)
        XCTAssertEqual(result.body, "hello world")
        XCTAssertTrue(result.complete)
        XCTAssertEqual(result.consumed, text.utf8.count - 4)
    }

    func testByteByByteFeedingGivesTheSameBody() throws {
        let bytes = Array("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n".utf8)
        var decoder = ChunkedDecoder()
        var pending: [UInt8] = []
        for byte in bytes {
            pending.append(byte)
            let consumed = try decoder.feed(pending[...])
            pending.removeFirst(consumed)
        }
        XCTAssertTrue(decoder.isComplete)
        XCTAssertEqual(String(decoding: decoder.body, as: UTF8.self), "0123456789abcdefghij")
    }

    func testMalformedChunks() {
        func error(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
            do { _ = try decodeAll(text, limits: limits); return nil } catch let e as HTTPParseError { return e } catch { return nil }
        }
        XCTAssertEqual(error("zz\r\n"), .badRequest("malformed chunk size"))
        XCTAssertEqual(error("-1\r\n"), .badRequest("malformed chunk size"))
        XCTAssertEqual(error("5 x\r\n"), .badRequest("malformed chunk size"))
        XCTAssertEqual(error("11111111111111111\r\n"), .badRequest("malformed chunk size"))
        XCTAssertEqual(error("3\r\nabcX\r\n"), .badRequest("chunk data not followed by CRLF"))
        XCTAssertEqual(error(String(repeating: "1", count: 5000)), .badRequest("chunk-size line too long"))
        var limits = HTTPLimits()
        limits.maxBodyBytes = 10
        XCTAssertEqual(error("8\r\n12345678\r\n8\r\n", limits: limits), .bodyTooLarge(limit: 10))
        XCTAssertEqual(error("ffffffffffffffff\r\n"), .bodyTooLarge(limit: 16 * 1024 * 1024))
    }
}
