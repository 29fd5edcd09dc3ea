/// A cursor over the JSON part of a request body: the structural half of our JSON parser (objects, arrays,
/// strings, literals, nesting depth). Numbers are in JSONNumbers.swift, tensor data arrays in TensorDataReader.swift.
///
/// Why our own parser: a batch of images as JSON is up to ~19 MB of numbers, and a parser that builds a tree
/// boxes each one. This one reads the request's own fields directly and a tensor's `data` straight into
/// contiguous storage of the tensor's datatype. It validates as strictly as RFC 8259 asks (UTF-8, escapes,
/// number grammar, nothing after the value) and keeps positions as byte offsets into the body for messages.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Containers open around the cursor; entering one more than `maxDepth` fails.
    var depth = 0
    let maxDepth: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func failure(_ reason: String, at offset: Int? = nil) -> InferenceProtocolError {
        .malformedJSON(offset: offset ?? position, reason: reason)
    }

    var atEnd: Bool { position >= bytes.count }

    /// The byte at the cursor, or nil at the end.
    @inline(__always) var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    @inline(__always) mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Skips whitespace and consumes `byte`, or fails saying what was expected.
    @inline(__always) mutating func consume(_ byte: UInt8, _ expected: @autoclosure () -> String) throws(InferenceProtocolError) {
        skipWhitespace()
        guard current == byte else { throw failure("expected \(expected())" + found) }
        position += 1
    }

    /// " but found 'x'" / " but the JSON ends here", for messages.
    var found: String {
        guard let byte = current else { return " but the JSON part ends here" }
        return (0x21...0x7E).contains(byte) ? " but found '\(Character(UnicodeScalar(byte)))'" : " but found byte 0x" + String(byte, radix: 16)
    }

    /// After the top-level value: only whitespace may remain.
    mutating func finish() throws(InferenceProtocolError) {
        skipWhitespace()
        guard atEnd else { throw failure("unexpected data after the JSON value (\(bytes.count - position) bytes)") }
    }

    // MARK: Containers

    mutating func enter(_ opening: UInt8, _ what: @autoclosure () -> String) throws(InferenceProtocolError) {
        try consume(opening, what())
        depth += 1
        if depth > maxDepth { throw .nestingTooDeep(offset: position - 1, limit: maxDepth) }
    }

    /// Enters an object or array; true when it is empty (and already left again).
    @inline(__always)
    mutating func enterContainer(_ opening: UInt8, _ closing: UInt8, _ what: @autoclosure () -> String) throws(InferenceProtocolError) -> Bool {
        try enter(opening, what())
        skipWhitespace()
        guard current == closing else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// After a member or element: true past a ',' (another follows), false past `closing` (the container is left).
    @inline(__always)
    mutating func continueContainer(_ closing: UInt8, in what: @autoclosure () -> String) throws(InferenceProtocolError) -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","):
            position += 1
            return true
        case closing:
            position += 1
            depth -= 1
            return false
        default:
            throw failure("expected ',' or '\(Character(UnicodeScalar(closing)))' in \(what())" + found)
        }
    }

    /// Reads an object, calling `member` with the cursor on each value; `member` must consume that value.
    /// `what` names the object in messages ("the request", "input #1").
    mutating func readObject(_ what: @autoclosure () -> String,
                             _ member: (inout JSONReader, String) throws(InferenceProtocolError) -> Void) throws(InferenceProtocolError) {
        if try enterContainer(UInt8(ascii: "{"), UInt8(ascii: "}"), "\(what()) to be a JSON object") { return }
        repeat {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a quoted key" + found) }
            let key = try readString()
            try consume(UInt8(ascii: ":"), "':' after the key \"\(InferenceProtocolError.clipped(key))\"")
            try member(&self, key)
        } while try continueContainer(UInt8(ascii: "}"), in: what())
    }

    /// Reads an array, calling `element` with the cursor on each element; `element` must consume it.
    mutating func readArray(_ what: @autoclosure () -> String,
                            _ element: (inout JSONReader) throws(InferenceProtocolError) -> Void) throws(InferenceProtocolError) {
        if try enterContainer(UInt8(ascii: "["), UInt8(ascii: "]"), "\(what()) to be a JSON array") { return }
        repeat {
            try element(&self)
        } while try continueContainer(UInt8(ascii: "]"), in: what())
    }

    /// Validates and steps over one value of any kind (unknown fields, unknown parameters).
    mutating func skipValue() throws(InferenceProtocolError) {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): try readObject("an object") { reader, _ throws(InferenceProtocolError) in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray("an array") { reader throws(InferenceProtocolError) in try reader.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): try readNull()
        default: _ = try scanNumber()
        }
    }

    // MARK: Literals

    mutating func readBool() throws(InferenceProtocolError) -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw failure("expected true or false" + found)
    }

    mutating func readNull() throws(InferenceProtocolError) {
        skipWhitespace()
        guard matchLiteral("null") else { throw failure("expected a value" + found) }
    }

    @inline(__always) mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard bytes.count - position >= length else { return false }
        for index in 0..<length where bytes[position + index] != literal.utf8Start[index] { return false }
        position += length
        return true
    }
}
