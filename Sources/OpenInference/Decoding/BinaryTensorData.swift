/// The binary tensor data extension's framing: where the JSON part ends, and each input's bytes after it.
enum BinaryTensorData {
    /// The length of the JSON part: the whole body without the header, else the header's value, which must be
    /// a plain decimal number of bytes no larger than the body.
    static func jsonPartLength(_ header: String?, bodyCount: Int) throws(InferenceProtocolError) -> Int {
        guard let header else { return bodyCount }
        let text = trimmed(header)
        let digits = text.utf8.drop { $0 == UInt8(ascii: "-") }
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), text.utf8.count - digits.count <= 1 else {
            throw .invalidHeaderLength(value: header, reason: "it is not a decimal number of bytes")
        }
        guard !text.hasPrefix("-") else { throw .invalidHeaderLength(value: header, reason: "it is negative") }
        guard let length = Int(text), length <= bodyCount else {
            throw .invalidHeaderLength(value: header, reason: "it is larger than the \(bodyCount)-byte body")
        }
        return length
    }

    /// A field value without the optional whitespace around it: spaces and tabs (RFC 9110 §5.5), nothing else.
    static func trimmed(_ value: String) -> String {
        String(Substring(value).drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// Input `input`'s data from `body[range]`: FP32 and BYTES elements as ranges of `body` (shared, not
    /// copied), anything else as its little-endian bytes.
    static func decode(_ body: [UInt8], range: Range<Int>, _ input: PendingInput) throws(InferenceProtocolError) -> TensorData {
        switch input.datatype {
        case .fp32:
            // range.count == 4 × input.elementCount: checked when the JSON part was read.
            return .fp32Bytes(FP32Bytes(storage: body, byteRange: range))
        case .bytes:
            return .bytes(try bytesElements(body, range: range, input))
        default:
            return .raw(Array(body[range]))
        }
    }

    /// BYTES elements: each a 4-byte little-endian length, then that many bytes; exactly the shape's count of
    /// them must fill the range.
    static func bytesElements(_ body: [UInt8], range: Range<Int>, _ input: PendingInput) throws(InferenceProtocolError) -> BytesTensor {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(min(input.elementCount, range.count / 4))
        var offset = range.lowerBound
        while offset < range.upperBound {
            guard ranges.count < input.elementCount else {
                throw .invalidTensor(name: input.name, reason: "binary data holds more than the \(input.elementCount) BYTES elements"
                                     + " of shape \(TensorShape.text(input.shape))")
            }
            guard range.upperBound - offset >= 4 else {
                throw .invalidTensor(name: input.name, reason: "BYTES element \(ranges.count) at byte \(offset):"
                                     + " its 4-byte length runs past the end of the tensor's binary data")
            }
            let length = (0..<4).reduce(0) { $0 | Int(body[offset + $1]) << (8 * $1) }
            offset += 4
            guard length <= range.upperBound - offset else {
                throw .invalidTensor(name: input.name, reason: "BYTES element \(ranges.count) declares \(length) bytes"
                                     + " but only \(range.upperBound - offset) remain in the tensor's binary data")
            }
            ranges.append(offset..<offset + length)
            offset += length
        }
        guard ranges.count == input.elementCount else {
            throw .invalidTensor(name: input.name, reason: "binary data holds \(ranges.count) BYTES elements;"
                                 + " shape \(TensorShape.text(input.shape)) needs \(input.elementCount)")
        }
        return BytesTensor(storage: body, ranges: ranges)
    }
}
