import Foundation
import XCTest
@testable import OpenInference

/// The float reader's fast path against its slow twin (the C library's correctly rounding strtof, through
/// `Float(String)`), and the whole reader against answers known by construction (exact ties, near-ties).
final class JSONNumberTests: XCTestCase {
    /// (fast path's answer or nil when it declines, the reader's answer or nil when out of range).
    func read(_ text: String) -> (fast: Float?, result: Float?) {
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer, maxDepth: 4)
            guard let token = try? reader.scanNumber(), reader.atEnd else { XCTFail("not a number: \(text)"); return (nil, nil) }
            let fast = JSONReader.fastFloat(token)
            return (fast, fast ?? reader.slowFloat(token))
        }
    }

    func readDouble(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer, maxDepth: 4)
            return try? reader.readDouble()
        }
    }

    func assertSame(_ text: String, _ expected: Float?, file: StaticString = #filePath, line: UInt = #line) {
        let (fast, result) = read(text)
        XCTAssertEqual(result?.bitPattern, expected?.bitPattern, "\(text): got \(String(describing: result)), expected \(String(describing: expected))", file: file, line: line)
        if let fast { XCTAssertEqual(fast.bitPattern, expected?.bitPattern, "fast path wrong on \(text)", file: file, line: line) }
    }

    /// strtof's answer, nil when out of Float's range.
    func reference(_ text: String) -> Float? { Float(text).flatMap { $0.isFinite ? $0 : nil } }

    func testAwkwardValuesMatchTheCLibrary() {
        let texts = [
            "0", "-0", "0.0", "-0.0e5", "1", "-1", "0.1", "1e-7", "3.4028234663852886e38", "3.4028235e38", "3.40282356779733661637e38",
            "3.4028236e38", "1.17549435e-38", "1.1754942e-38", "1e-45", "1.401298464324817e-45", "7e-46", "1e-46", "16777216", "16777217",
            "16777218", "16777219", "33554433", "9007199254740993", "123456789012345678901234567890", "0.000000000000000000000000000001",
            "1.00000005960464477539062500000000001", "1.000000059604644775390625", "1.00000005960464477539062499999999999",
            "0.10000000149011612", "0.1000000014901161193847656250", "2.5e-8", "4.9999999e-5", "1e22", "1e23", "-8.5e-23", "1E+2", "1e-0",
            "340282346638528859811704183484516925440", "9999999999999999999", "99999999999999999999", "18446744073709551615",
        ]
        for text in texts { assertSame(text, reference(text)) }
    }

    func testOutOfRangeIsNilAndUnderflowIsZero() {
        for text in ["1e39", "-3.5e38", "1e1000000000", "3.40282357e38"] { XCTAssertNil(read(text).result, text) }
        for text in ["1e-50", "-1e-1000000", "0e999999"] { XCTAssertEqual(read(text).result?.magnitude, 0, text) }
        XCTAssertEqual(read("-1e-50").result?.sign, .minus)
    }

    func testRandomFloatsInEveryFormClientsWriteReadBackExactly() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50_000 {
            let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            guard value.isFinite else { continue }
            // Swift's shortest form, C's round-trip form, and Python's repr of the float as a double (tritonclient).
            for text in [value.description, String(format: "%.9g", Double(value)), Double(value).description] {
                assertSame(text, value)
            }
        }
    }

    /// Not a timing: the fast path must carry what clients send (pixels 0…255, normalised inputs, logits), or
    /// JSON batches slow down several times over. Random bit patterns are mostly beyond 1e±22, which it leaves.
    func testTheFastPathTakesTheValuesOfRealTensors() {
        var generator = SystemRandomNumberGenerator()
        var fast = 0, total = 0
        for _ in 0..<30_000 {
            let values: [Float] = [Float(Int.random(in: 0...255, using: &generator)), Float.random(in: -3...3, using: &generator),
                                   Float.random(in: 0...1, using: &generator) * Float(sign: .plus, exponent: Int.random(in: -20...20, using: &generator), significand: 1)]
            for value in values {
                for text in [value.description, Double(value).description] {
                    total += 1
                    if read(text).fast != nil { fast += 1 }
                }
            }
        }
        XCTAssertGreaterThan(Double(fast) / Double(total), 0.99, "fast path taken \(fast) of \(total)")
    }

    func testRandomDecimalStringsMatchTheCLibrary() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50_000 {
            let digits = (0..<Int.random(in: 1...24, using: &generator)).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            let point = Int.random(in: 0...digits.count, using: &generator)
            var text = (Bool.random(using: &generator) ? "-" : "") + (point == 0 ? "0" : String(Int(digits.prefix(point)) ?? 0))
            if point < digits.count { text += "." + digits.dropFirst(point) }
            if Bool.random(using: &generator) { text += "e" + String(Int.random(in: -50...40, using: &generator)) }
            assertSame(text, reference(text))
        }
    }

    /// Exact midpoints between adjacent floats round to the even one; a hair above or below decides it.
    func testTiesAndNearTiesRoundCorrectly() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let low = Float(sign: .plus, exponent: Int.random(in: -30...23, using: &generator),
                            significand: Float.random(in: 1..<2, using: &generator))
            let high = low.nextUp
            let midpoint = (Double(low) + Double(high)) / 2  // exact: 25 significant bits
            let exact = String(format: "%.80e", midpoint)    // the full decimal expansion, zero padded
            XCTAssertEqual(Double(exact), midpoint)
            let mantissa = exact.prefix { $0 != "e" }, exponent = exact.drop { $0 != "e" }
            let trimmed = String(mantissa.reversed().drop { $0 == "0" }.reversed())
            XCTAssertEqual(trimmed.last, "5", exact)
            let below = trimmed.dropLast() + "4999999999999" + exponent, above = trimmed + "0000000000001" + exponent
            let even = low.significandBitPattern & 1 == 0 ? low : high
            assertSame(trimmed + exponent, even)
            assertSame(String(below), low)
            assertSame(String(above), high)
        }
        assertSame("16777217", 16777216)  // 2^24 + 1: a tie in 9 digits, taken by the exact fast path only if safe
        assertSame("16777219", 16777220)
    }

    func testDoublesAreCorrectlyRounded() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            guard value.isFinite else { continue }
            XCTAssertEqual(readDouble(value.description)?.bitPattern, value.bitPattern, value.description)
            XCTAssertEqual(readDouble(String(format: "%.17g", value))?.bitPattern, value.bitPattern)
        }
        for text in ["9007199254740993", "1e23", "2.2250738585072011e-308", "4.9e-324", "0.1", "1e308"] {
            XCTAssertEqual(readDouble(text), Double(text), text)
        }
        XCTAssertNil(readDouble("1e309"))
    }

    func testNumberGrammar() {
        for bad in ["-", "+1", ".5", "1.", "1.e5", "01", "-01", "1e", "1e+", "0x10", "Infinity", "NaN", "- 1"] {
            Array(bad.utf8).withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer, maxDepth: 4)
                let token = try? reader.scanNumber()
                XCTAssertTrue(token == nil || !reader.atEnd, "accepted \(bad)")
            }
        }
    }
}
