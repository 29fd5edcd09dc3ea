import Foundation
import HTTP
import XCTest
@testable import OpenInference

/// JSON strings: every escape, surrogate pairs, raw UTF-8, against Foundation's parser and our writer.
final class JSONStringTests: XCTestCase {
    func readString(_ literal: [UInt8]) throws -> String {
        try literal.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer, maxDepth: 4)
            let text = try reader.readString()
            XCTAssertTrue(reader.atEnd)
            return text
        }
    }

    func testEveryEscape() throws {
        let literal = #""\"\\\/\b\f\n\r\t\u0041\u00e9\u4E2D\ud83d\ude00\u0000 plain""#
        XCTAssertEqual(try readString(Array(literal.utf8)), "\"\\/\u{8}\u{C}\n\r\tAé中😀\u{0} plain")
    }

    func testStringsFromFoundationsWriterReadBack() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = Array("ab\"\\/\n\r\t\u{0}\u{1F}\u{7F}é中😀🐈‍⬛ '{}[]:,\u{2028}\u{FEFF}")
        for _ in 0..<2_000 {
            let text = String((0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let foundation = try JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
            let literal = Array(foundation.dropFirst().dropLast())  // ["…"] → "…"
            XCTAssertEqual(try readString(literal), text)
            XCTAssertEqual(try readString(JSONValue.string(text).bytes), text, "our writer → our reader")
        }
    }

    func testRawUTF8OfEveryLengthIsKept() throws {
        for scalar in ["\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}"] {
            XCTAssertEqual(try readString(Array("\"\(scalar)\"".utf8)), scalar)
        }
    }
}
