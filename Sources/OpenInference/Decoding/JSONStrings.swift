/// JSON strings (RFC 8259 §7): escapes decoded, surrogate pairs joined, raw bytes checked to be well-formed
/// UTF-8 (Unicode Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), control characters refused.
extension JSONReader {
    mutating func readString() throws(InferenceProtocolError) -> String {
        var utf8: [UInt8] = []
        try readString(into: &utf8)
        return String(decoding: utf8, as: UTF8.self)  // already validated: nothing is replaced
    }

    mutating func skipString() throws(InferenceProtocolError) {
        var discarded: [UInt8] = []
        try readString(into: &discarded)
    }

    /// Appends the string's UTF-8 bytes (escapes decoded) to `out`; the cursor must be at the opening quote.
    mutating func readString(into out: inout [UInt8]) throws(InferenceProtocolError) {
        try consume(UInt8(ascii: "\""), "a string")
        let start = position - 1
        while true {
            // Copy a run of plain ASCII at once.
            let runStart = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                position += 1
            }
            if position > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position])) }
            guard let byte = current else { throw failure("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                try readEscape(into: &out)
            case 0x80...:
                try readUTF8Sequence(into: &out)
            default:
                throw failure("control character 0x" + String(byte, radix: 16) + " in a string must be escaped")
            }
        }
    }

    private mutating func readEscape(into out: inout [UInt8]) throws(InferenceProtocolError) {
        let escapeStart = position
        position += 1
        guard let letter = current else { throw failure("unterminated escape") }
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(letter)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low one; together they are one scalar.
                guard matchLiteral("\\u") else { throw failure("unpaired surrogate \\u" + String(scalar, radix: 16), at: escapeStart) }
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate \\u" + String(scalar, radix: 16), at: escapeStart) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("unpaired surrogate \\u" + String(scalar, radix: 16), at: escapeStart)
            }
            out.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
        default:
            throw failure("invalid escape '\\\(Character(UnicodeScalar(letter)))'", at: escapeStart)
        }
    }

    private mutating func readHex4() throws(InferenceProtocolError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure("\\u needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// One multi-byte UTF-8 sequence, checked against Table 3-7 and copied.
    private mutating func readUTF8Sequence(into out: inout [UInt8]) throws(InferenceProtocolError) {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F  // U+D800…U+DFFF are not scalars
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F  // nothing above U+10FFFF
        default: throw failure("invalid UTF-8 in a string (byte 0x" + String(lead, radix: 16) + ")")
        }
        guard bytes.count - position >= length, secondRange.contains(bytes[position + 1]),
              (2..<length).allSatisfy({ (0x80...0xBF).contains(bytes[position + $0]) }) else {
            throw failure("invalid UTF-8 in a string")
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<position + length]))
        position += length
    }
}
