import Foundation
import HTTP
import XCTest

/// The JSON writer against Foundation's JSON parser (an independent implementation): what we write must parse
/// back to the values we meant, for every awkward string and number.
final class JSONValueTests: XCTestCase {
    private func parsed(_ value: JSONValue) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(value.bytes), options: [.fragmentsAllowed])
    }

    func testExactTextOfASmallDocumentKeepsKeyOrder() {
        let value: JSONValue = ["b": 1, "a": ["x", true, .null, 2.5], "c": ["nested": -3]]
        XCTAssertEqual(String(decoding: value.bytes, as: UTF8.self), #"{"b":1,"a":["x",true,null,2.5],"c":{"nested":-3}}"#)
    }

    func testEveryControlCharacterQuoteAndBackslashIsEscapedAndReadsBack() throws {
        var text = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
        text += "\"\\/ plain, ünïcödé, 猫, 🐈, \u{7F}, \u{2028}"
        let bytes = JSONValue.string(text).bytes
        XCTAssertFalse(bytes.dropFirst().dropLast().contains { $0 < 0x20 }, "raw control bytes in a JSON string")
        XCTAssertEqual(try parsed(.string(text)) as? String, text)
    }

    func testRandomStringsRoundTrip() throws {
        var generator = SeededRandom(test: "JSONValueTests.testRandomStringsRoundTrip")
        let alphabet: [Character] = Array("ab\"\\\n\r\t\u{0}\u{1F}é猫🐈 '{}[]:,")
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            XCTAssertEqual(try parsed(.array([.string(text)])) as? [String], [text], "string \(text.debugDescription) (seed \(generator.seed))")
        }
    }

    func testNumbersReadBackExactlyAndNonFiniteBecomesNull() throws {
        let values: [Double] = [0, -0.0, 0.62, 1e-06, 5e-324, 1.7976931348623157e308, 255, 123456.789, -2.5e-12, 0.1 + 0.2]
        for value in values {
            // Valid JSON (Foundation's parser accepts it) whose text Swift's correctly rounded parser reads back
            // bit for bit (Foundation's own parser on Linux is off by an ulp on some long mantissas).
            XCTAssertNotNil(try parsed(.array([.number(value)])) as? [NSNumber], "\(value)")
            XCTAssertEqual(Double(String(decoding: JSONValue.number(value).bytes, as: UTF8.self))?.bitPattern, value.bitPattern, "\(value)")
        }
        for value in [Double.nan, .infinity, -.infinity] {
            XCTAssertEqual(String(decoding: JSONValue.number(value).bytes, as: UTF8.self), "null")
        }
        for value in [Int.min, -1, 0, 42, Int.max] {
            XCTAssertEqual(String(decoding: JSONValue.integer(value).bytes, as: UTF8.self), String(value))
        }
    }

    func testTheErrorBodyIsTheServiceErrorShape() throws {
        let response = HTTPResponse.error(.badRequest, code: "bad_thing", message: "line 1\n\"quoted\"")
        XCTAssertEqual(response.headers["Content-Type"], "application/json")
        XCTAssertEqual(response.body.last, 0x0A)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]])
        XCTAssertEqual(object["error"], ["code": "bad_thing", "message": "line 1\n\"quoted\""])
    }
}
