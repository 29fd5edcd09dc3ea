/// Where a tensor's JSON `data` elements go as they are read: straight into storage of the tensor's datatype,
/// no intermediate values. One sink per kind of element.
protocol TensorElementSink {
    /// Elements stored so far.
    var count: Int { get }
    mutating func reserve(_ capacity: Int)
    /// Reads one element at the cursor (after any whitespace) and stores it.
    mutating func readElement(_ reader: inout JSONReader) throws(InferenceProtocolError)
    var data: TensorData { get }
}

struct FP32Sink: TensorElementSink {
    let name: String
    var values: [Float] = []
    var count: Int { values.count }
    var data: TensorData { .fp32(values) }
    mutating func reserve(_ capacity: Int) { values.reserveCapacity(capacity) }

    @inline(__always)
    mutating func readElement(_ reader: inout JSONReader) throws(InferenceProtocolError) {
        let token = try reader.scanNumber()
        guard let value = JSONReader.fastFloat(token) ?? reader.slowFloat(token) else {
            throw .invalidTensor(name: name, reason: "element \(values.count) (\(reader.text(of: token))) is out of range for FP32")
        }
        values.append(value)
    }
}

/// FP64 and the integer types, stored as little-endian bytes like binary tensor data.
struct RawNumberSink: TensorElementSink {
    let name: String
    let datatype: TensorDatatype
    let size: Int
    var bytes: [UInt8] = []
    var count: Int { bytes.count / size }
    var data: TensorData { .raw(bytes) }

    init(name: String, datatype: TensorDatatype) {
        self.name = name
        self.datatype = datatype
        size = datatype.elementSize ?? 1
    }

    mutating func reserve(_ capacity: Int) { bytes.reserveCapacity(capacity * size) }

    mutating func readElement(_ reader: inout JSONReader) throws(InferenceProtocolError) {
        reader.skipWhitespace()
        let start = reader.position
        let pattern: UInt64
        switch datatype {
        case .fp64:
            let token = try reader.scanNumber()
            guard let value = reader.doubleValue(token) else { throw outOfRange(reader, from: start) }
            pattern = value.bitPattern
        case .bool:
            pattern = try reader.readBool() ? 1 : 0
        default:
            let (negative, magnitude) = try reader.readInteger("\(datatype) data")
            let bits = UInt64(size * 8)
            let signed = [.int8, .int16, .int32, .int64].contains(datatype)
            // Largest magnitude allowed on each side: INT8 takes -128…127, UINT8 0…255 (and "-0").
            let positiveLimit: UInt64 = signed ? (1 << (bits - 1)) - 1 : (bits == 64 ? .max : (1 << bits) - 1)
            let negativeLimit: UInt64 = signed ? 1 << (bits - 1) : 0
            guard let magnitude, magnitude <= (negative ? negativeLimit : positiveLimit) else { throw outOfRange(reader, from: start) }
            pattern = negative ? 0 &- magnitude : magnitude
        }
        for index in 0..<size { bytes.append(UInt8(truncatingIfNeeded: pattern >> (8 * UInt64(index)))) }
    }

    private func outOfRange(_ reader: JSONReader, from start: Int) -> InferenceProtocolError {
        let text = String(decoding: UnsafeBufferPointer(rebasing: reader.bytes[start..<reader.position]), as: UTF8.self)
        return .invalidTensor(name: name, reason: "element \(count) (\(InferenceProtocolError.clipped(text))) is out of range for \(datatype)")
    }
}

/// BYTES elements given as JSON strings (their UTF-8 bytes).
struct BytesSink: TensorElementSink {
    let name: String
    var tensor = BytesTensor()
    var count: Int { tensor.count }
    var data: TensorData { .bytes(tensor) }
    mutating func reserve(_ capacity: Int) {}

    mutating func readElement(_ reader: inout JSONReader) throws(InferenceProtocolError) {
        reader.skipWhitespace()
        guard reader.current == UInt8(ascii: "\"") else {
            throw .invalidTensor(name: name, reason: "BYTES data in JSON must be strings (element \(count) is not)")
        }
        try tensor.appendElement { (storage: inout [UInt8]) throws(InferenceProtocolError) in try reader.readString(into: &storage) }
    }
}
