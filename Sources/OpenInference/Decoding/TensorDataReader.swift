/// A tensor's `data` array: flat (row-major) or nested exactly as the shape, read into a sink of its datatype.
extension JSONReader {
    /// Reads the array at the cursor into `sink`, which must end up with exactly `count` elements (the
    /// product of `shape`, already checked against the limits).
    mutating func readTensorData<Sink: TensorElementSink>(into sink: inout Sink, shape: [Int], count: Int, name: String) throws(InferenceProtocolError) {
        skipWhitespace()
        guard current == UInt8(ascii: "[") else { throw .invalidTensor(name: name, reason: "data must be an array" + found) }
        // Every element takes at least two bytes ("0,"), so a shape that asks for more than the JSON holds
        // cannot make us reserve memory for it.
        sink.reserve(min(count, (bytes.count - position) / 2 + 1))
        var next = position + 1
        while next < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[next]) { next += 1 }
        if next < bytes.count && bytes[next] == UInt8(ascii: "[") {
            guard shape.count >= 2 else {
                throw .invalidTensor(name: name, reason: "data is nested but shape \(TensorShape.text(shape)) has rank \(shape.count)")
            }
            try readNestedData(into: &sink, level: 0, shape: shape, name: name)
        } else {
            try readFlatData(into: &sink, count: count, shape: shape, name: name)
        }
        guard sink.count == count else {
            throw .invalidTensor(name: name, reason: "data has \(sink.count) elements; shape \(TensorShape.text(shape)) needs \(count)")
        }
    }

    /// The hot loop of a JSON batch: `[n, n, …]` with no closure or boxing per element.
    private mutating func readFlatData<Sink: TensorElementSink>(into sink: inout Sink, count: Int, shape: [Int], name: String) throws(InferenceProtocolError) {
        if try enterContainer(UInt8(ascii: "["), UInt8(ascii: "]"), "data") { return }
        repeat {
            guard sink.count < count else {
                throw .invalidTensor(name: name, reason: "data has more than the \(count) elements of shape \(TensorShape.text(shape))")
            }
            skipWhitespace()
            if current == UInt8(ascii: "[") {
                throw .invalidTensor(name: name, reason: "data mixes numbers and arrays at byte \(position)")
            }
            try sink.readElement(&self)
        } while try continueContainer(UInt8(ascii: "]"), in: "the data of '\(InferenceProtocolError.clipped(name))'")
    }

    /// One level of nested data: exactly `shape[level]` entries, arrays above the last level, elements at it.
    private mutating func readNestedData<Sink: TensorElementSink>(into sink: inout Sink, level: Int, shape: [Int], name: String) throws(InferenceProtocolError) {
        let start = position
        let last = level == shape.count - 1
        var entries = 0
        if try !enterContainer(UInt8(ascii: "["), UInt8(ascii: "]"), "data") {
            repeat {
                guard entries < shape[level] else {
                    throw .invalidTensor(name: name, reason: "data dimension \(level) has more than \(shape[level]) entries"
                                                 + " (shape \(TensorShape.text(shape)), array at byte \(start))")
                }
                skipWhitespace()
                let isArray = current == UInt8(ascii: "[")
                if last && isArray {
                    throw .invalidTensor(name: name, reason: "data is nested deeper than shape \(TensorShape.text(shape)) at byte \(position)")
                }
                if !last && !isArray {
                    throw .invalidTensor(name: name, reason: "data mixes numbers and arrays at byte \(position);"
                                                 + " nested data must follow shape \(TensorShape.text(shape))")
                }
                if last { try sink.readElement(&self) } else { try readNestedData(into: &sink, level: level + 1, shape: shape, name: name) }
                entries += 1
            } while try continueContainer(UInt8(ascii: "]"), in: "the data of '\(InferenceProtocolError.clipped(name))'")
        }
        guard entries == shape[level] else {
            throw .invalidTensor(name: name, reason: "data dimension \(level) has \(entries) entries;"
                                         + " shape \(TensorShape.text(shape)) says \(shape[level]) (array at byte \(start))")
        }
    }
}
