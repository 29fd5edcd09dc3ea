import HTTP

/// Tensor data written out: JSON arrays (flat, row-major) and binary tensor data.
enum TensorWriter {
    static func writeShape(_ shape: [Int], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, dimension) in shape.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: String(dimension).utf8)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Bytes of `data` in binary tensor data.
    static func binaryByteCount(_ data: TensorData) -> Int {
        switch data {
        case .fp32(let values): values.count * 4
        case .fp32Bytes(let bytes): bytes.byteRange.count
        case .bytes(let elements): elements.serializedByteCount
        case .raw(let bytes): bytes.count
        }
    }

    /// Little-endian, row-major, no padding; BYTES elements each after a 4-byte little-endian length.
    static func writeBinary(_ data: TensorData, into out: inout [UInt8]) {
        switch data {
        case .fp32(let values):
            #if _endian(little)
            values.withUnsafeBytes { out.append(contentsOf: $0) }
            #else
            for value in values { appendLittleEndian(UInt64(value.bitPattern), size: 4, to: &out) }
            #endif
        case .fp32Bytes(let bytes):
            out.append(contentsOf: bytes.storage[bytes.byteRange])  // little-endian already
        case .bytes(let elements):
            for element in elements {
                appendLittleEndian(UInt64(element.count), size: 4, to: &out)
                out.append(contentsOf: element)
            }
        case .raw(let bytes):
            out.append(contentsOf: bytes)
        }
    }

    static func appendLittleEndian(_ value: UInt64, size: Int, to out: inout [UInt8]) {
        for index in 0..<size { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    /// A flat JSON array of the elements. Floats are written as the shortest text that reads back as the same
    /// value (Swift's `description`); JSON has no NaN or infinity, so those become `null`. BYTES elements
    /// become strings: send bytes that are not UTF-8 as binary data (in JSON, invalid sequences become U+FFFD).
    static func writeJSON(_ data: TensorData, datatype: TensorDatatype, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        switch data {
        case .fp32(let values):
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeFloat(value, into: &out)
            }
        case .fp32Bytes(let bytes):
            for (index, value) in bytes.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeFloat(value, into: &out)
            }
        case .bytes(let elements):
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.string(String(decoding: element, as: UTF8.self)).write(into: &out)
            }
        case .raw(let bytes):
            let size = datatype.elementSize ?? 1
            for index in 0..<bytes.count / size {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                let pattern = (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[index * size + $1]) << (8 * UInt64($1)) }
                writeRawElement(pattern, datatype: datatype, into: &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    @inline(__always) static func writeFloat(_ value: Float, into out: inout [UInt8]) {
        // Float's description is short enough (≤ 15 bytes) to live inline in the String: no allocation.
        if value.isFinite { out.append(contentsOf: value.description.utf8) } else { out.append(contentsOf: "null".utf8) }
    }

    /// One element of a fixed-size datatype from its little-endian bit pattern.
    static func writeRawElement(_ pattern: UInt64, datatype: TensorDatatype, into out: inout [UInt8]) {
        switch datatype {
        case .bool: out.append(contentsOf: (pattern != 0 ? "true" : "false").utf8)
        case .uint8, .uint16, .uint32, .uint64: out.append(contentsOf: String(pattern).utf8)
        case .int8: out.append(contentsOf: String(Int8(truncatingIfNeeded: pattern)).utf8)
        case .int16: out.append(contentsOf: String(Int16(truncatingIfNeeded: pattern)).utf8)
        case .int32: out.append(contentsOf: String(Int32(truncatingIfNeeded: pattern)).utf8)
        case .int64: out.append(contentsOf: String(Int64(bitPattern: pattern)).utf8)
        case .fp16: writeFloat(halfToFloat(UInt16(truncatingIfNeeded: pattern)), into: &out)
        case .bf16: writeFloat(Float(bitPattern: UInt32(truncatingIfNeeded: pattern) << 16), into: &out)
        case .fp32: writeFloat(Float(bitPattern: UInt32(truncatingIfNeeded: pattern)), into: &out)
        case .fp64:
            let value = Double(bitPattern: pattern)
            out.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        case .bytes: out.append(contentsOf: "null".utf8)  // not a fixed-size type; never stored raw
        }
    }

    /// IEEE 754 binary16 to Float (exact: every half is a float).
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24                      // zero and subnormals
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
