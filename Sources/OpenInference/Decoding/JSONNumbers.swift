/// JSON numbers: one scanner that checks the grammar (RFC 8259 §6) and gathers up to 19 significant digits,
/// then conversions to each datatype. Floats take a fast path when its answer is provably the correctly rounded
/// one, and otherwise the C library's correctly rounding `strtof`/`strtod` (through `Float(String)`); the
/// tests compare the two on awkward inputs (exact ties, near-ties, subnormals, overflow, long mantissas).
struct NumberToken {
    var range: Range<Int>
    var negative: Bool
    /// The first (up to) 19 significant digits as an integer: value ≈ mantissa × 10^exponent.
    var mantissa: UInt64
    var exponent: Int
    /// A nonzero digit beyond the 19th was dropped: `mantissa × 10^exponent` is a truncation.
    var truncated: Bool
    /// No fraction and no exponent: the integer grammar.
    var isInteger: Bool
}

/// 10^0 … 10^22, each exactly representable as a Double.
private let exactPowersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { product, _ in product * 10 } }

extension JSONReader {
    @inline(__always) private func digit(at index: Int) -> UInt64? {
        guard index < bytes.count else { return nil }
        let value = bytes[index] &- UInt8(ascii: "0")
        return value < 10 ? UInt64(value) : nil
    }

    @inline(__always)
    mutating func scanNumber() throws(InferenceProtocolError) -> NumberToken {
        skipWhitespace()
        let start = position
        var index = position
        var token = NumberToken(range: start..<start, negative: false, mantissa: 0, exponent: 0, truncated: false, isInteger: true)
        var digits = 0
        if index < bytes.count && bytes[index] == UInt8(ascii: "-") {
            token.negative = true
            index += 1
        }
        guard let first = digit(at: index) else { throw failure(token.negative ? "expected a digit after '-'" : "expected a number" + found, at: index) }
        index += 1
        if first != 0 {
            token.mantissa = first
            digits = 1
            while let next = digit(at: index) {
                if digits < 19 {
                    token.mantissa = token.mantissa &* 10 &+ next
                    digits += 1
                } else {
                    token.exponent += 1
                    if next != 0 { token.truncated = true }
                }
                index += 1
            }
        } else if digit(at: index) != nil {
            throw failure("a number cannot have a leading zero", at: start)
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            token.isInteger = false
            index += 1
            guard digit(at: index) != nil else { throw failure("expected a digit after '.'", at: index) }
            while let next = digit(at: index) {
                if digits < 19 {
                    if token.mantissa != 0 || next != 0 {
                        token.mantissa = token.mantissa &* 10 &+ next
                        digits += 1
                    }
                    token.exponent -= 1
                } else if next != 0 {
                    token.truncated = true
                }
                index += 1
            }
        }
        if index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            token.isInteger = false
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard digit(at: index) != nil else { throw failure("expected a digit in the exponent", at: index) }
            var explicit = 0
            while let next = digit(at: index) {
                explicit = min(explicit * 10 + Int(next), 1_000_000)  // far beyond any float's range; no overflow
                index += 1
            }
            token.exponent += exponentNegative ? -explicit : explicit
        }
        position = index
        token.range = start..<index
        return token
    }

    /// The Float nearest the number, or nil when it is beyond Float's range (the protocol has no infinities).
    @inline(__always)
    mutating func readFloat() throws(InferenceProtocolError) -> Float? {
        let token = try scanNumber()
        if let fast = Self.fastFloat(token) { return fast }
        return slowFloat(token)
    }

    /// Clinger's fast path made safe for Float. `mantissa × 10^e` (|e| ≤ 22, 10^e exact) is computed in Double
    /// with at most three roundings and the truncation, a relative error under 2^-51, i.e. a few units in the
    /// last place of the Double. Every Float midpoint is a Double, so rounding that Double to Float gives the
    /// correctly rounded Float unless it lies within that error of a midpoint (low 29 bits of the Double's
    /// significand near 2^28), or is exactly one, or falls outside Float's normal range: those return nil.
    @inline(__always)
    static func fastFloat(_ token: NumberToken) -> Float? {
        if token.mantissa == 0 { return token.negative ? -0.0 : 0.0 }
        guard token.exponent >= -22 && token.exponent <= 22 else { return nil }
        var value = Double(token.mantissa)
        value = token.exponent < 0 ? value / exactPowersOfTen[-token.exponent] : value * exactPowersOfTen[token.exponent]
        guard value >= Double(Float.leastNormalMagnitude) && value < Double(Float.greatestFiniteMagnitude) else { return nil }
        let low = value.bitPattern & 0x1FFF_FFFF
        let distance = low > 0x1000_0000 ? low - 0x1000_0000 : 0x1000_0000 - low
        let exact = token.mantissa <= 1 << 53 && !token.truncated  // then only one rounding happened
        guard exact ? distance != 0 : distance > 8 else { return nil }
        let float = Float(value)
        return token.negative ? -float : float
    }

    func slowFloat(_ token: NumberToken) -> Float? {
        guard let value = Float(text(of: token)), value.isFinite else { return nil }
        return value
    }

    mutating func readDouble() throws(InferenceProtocolError) -> Double? {
        doubleValue(try scanNumber())
    }

    /// The Double nearest the number, or nil beyond Double's range.
    func doubleValue(_ token: NumberToken) -> Double? {
        // Exact operands and one rounding give the correctly rounded Double (Clinger).
        if token.mantissa <= 1 << 53 && !token.truncated && token.exponent >= -22 && token.exponent <= 22 {
            let magnitude = Double(token.mantissa)
            let value = token.exponent < 0 ? magnitude / exactPowersOfTen[-token.exponent] : magnitude * exactPowersOfTen[token.exponent]
            return token.negative ? -value : value
        }
        guard let value = Double(text(of: token)), value.isFinite else { return nil }
        return value
    }

    /// An integer-grammar number as sign and magnitude; nil magnitude when it does not fit in 64 bits.
    /// Fails for a fraction or an exponent ("1.0", "1e3"): integer tensors and parameters take integers.
    mutating func readInteger(_ what: @autoclosure () -> String) throws(InferenceProtocolError) -> (negative: Bool, magnitude: UInt64?) {
        let token = try scanNumber()
        guard token.isInteger else { throw failure("expected an integer for \(what())", at: token.range.lowerBound) }
        return (token.negative, integerMagnitude(token))
    }

    /// The exact magnitude of an integer token, or nil above UInt64.max.
    func integerMagnitude(_ token: NumberToken) -> UInt64? {
        var magnitude: UInt64 = 0
        for index in token.range where bytes[index] != UInt8(ascii: "-") {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
        }
        return magnitude
    }

    /// A non-negative integer that fits in Int (a shape dimension, a size, a count), or nil.
    mutating func readCount(_ what: @autoclosure () -> String) throws(InferenceProtocolError) -> Int? {
        let (negative, magnitude) = try readInteger(what())
        guard let magnitude, magnitude <= UInt64(Int.max), !negative || magnitude == 0 else { return nil }
        return Int(magnitude)
    }

    /// A number as a parameter value: `.int` when it is an integer within Int64, else `.double`; nil beyond Double.
    mutating func readNumberParameter() throws(InferenceProtocolError) -> ParameterValue? {
        let token = try scanNumber()
        if token.isInteger, let magnitude = integerMagnitude(token) {
            if magnitude <= UInt64(Int64.max) { return .int(token.negative ? -Int64(magnitude) : Int64(magnitude)) }
            if token.negative && magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
        }
        return doubleValue(token).map { .double($0) }
    }

    /// The token's characters, for the C library's conversions and for messages.
    func text(of token: NumberToken) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[token.range]), as: UTF8.self)
    }
}
