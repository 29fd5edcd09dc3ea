import HTTP
import XCTest

final class MultipartParserTests: XCTestCase {
    func body(_ parts: [String], boundary: String = "XyZ", preamble: String = "", epilogue: String = "\r\n") -> [UInt8] {
        var text = preamble
        for part in parts { text += "--\(boundary)\r\n\(part)\r\n" }
        text += "--\(boundary)--\(epilogue)"
        return Array(text.utf8)
    }

    func testBoundaryFromContentType() throws {
        XCTAssertEqual(try MultipartParser.boundary(contentType: "multipart/form-data; boundary=------abc123"), "------abc123")
        XCTAssertEqual(try MultipartParser.boundary(contentType: "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b:c\""), "a b:c")
        XCTAssertThrowsError(try MultipartParser.boundary(contentType: "multipart/form-data")) { XCTAssertEqual($0 as? MultipartError, .missingBoundary) }
        XCTAssertThrowsError(try MultipartParser.boundary(contentType: "application/json")) { XCTAssertEqual($0 as? MultipartError, .notMultipart("application/json")) }
        XCTAssertThrowsError(try MultipartParser.boundary(contentType: "multipart/form-data; boundary=\(String(repeating: "a", count: 71))"))
        XCTAssertThrowsError(try MultipartParser.boundary(contentType: "multipart/form-data; boundary=\"a{b\""))
        XCTAssertThrowsError(try MultipartParser.boundary(contentType: "multipart/form-data; boundary="))
    }

    func testPartsWithNamesFilenamesAndTypes() throws {
        let parts = try MultipartParser.parse(body([
            "Content-Disposition: form-data; name=\"image\"; filename=\"cat \\\"1\\\".png\"\r\nContent-Type: image/png\r\n\r\n\u{89}PNG binary\r\nwith CRLF inside",
            "Content-Disposition: form-data; name=top_k\r\n\r\n3",
            "Content-Disposition: form-data; name=\"u\"; filename*=UTF-8''caf%C3%A9.png\r\n\r\n",
        ], preamble: "ignored preamble\r\n"), boundary: "XyZ")
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts[0].name, "image")
        XCTAssertEqual(parts[0].filename, "cat \"1\".png")
        XCTAssertEqual(parts[0].contentType, "image/png")
        XCTAssertEqual(parts[0].body, Array("\u{89}PNG binary\r\nwith CRLF inside".utf8))
        XCTAssertEqual(parts[1].name, "top_k")
        XCTAssertEqual(String(decoding: parts[1].body, as: UTF8.self), "3")
        XCTAssertEqual(parts[2].filename, "café.png")
        XCTAssertEqual(parts[2].body, [])
    }

    func testMalformedBodies() {
        func error(_ bytes: [UInt8], boundary: String = "XyZ") -> String {
            do { _ = try MultipartParser.parse(bytes, boundary: boundary); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error(Array("no boundary here".utf8)).contains("never appears"))
        XCTAssertTrue(error(Array("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nbody without end".utf8)).contains("no closing boundary"))
        XCTAssertTrue(error(Array("--XyZ\r\nContent-Disposition: form-data; name=a".utf8)).contains("headers do not end"))
        XCTAssertTrue(error(Array("--XyZjunk\r\n".utf8)).contains("not followed by CRLF"))
        XCTAssertTrue(error(Array("--XyZ\r\nBad Header\r\n\r\nx\r\n--XyZ--".utf8)).contains("malformed header"))
        let many = body((0..<70).map { "Content-Disposition: form-data; name=\"p\($0)\"\r\n\r\nv" })
        XCTAssertTrue(error(many).contains("more than 64 parts"))
    }

    func testAdversarialNearMissBoundariesStayFast() throws {
        // 8 MiB of almost-delimiters: a quadratic search would take minutes.
        let nearMiss = Array(String(repeating: "\r\n--XyQ\r\n--X", count: 8 * 1024 * 1024 / 13).utf8)
        let start = Date()
        let bytes = Array("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n".utf8) + nearMiss + Array("\r\n--XyZ--".utf8)
        let parts = try MultipartParser.parse(bytes, boundary: "XyZ")
        XCTAssertEqual(parts.first?.body.count, nearMiss.count)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "linear-time boundary search")
    }
}

import Foundation
