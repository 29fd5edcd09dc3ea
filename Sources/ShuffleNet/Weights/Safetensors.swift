import Foundation

/// The safetensors container (Hugging Face): `u64le n` · `n` bytes of JSON header · raw tensor data.
/// The header maps tensor names to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the
/// data section) and may hold `__metadata__`, a string → string map.
public enum Safetensors {
    /// Largest header accepted (bytes); the reference implementation uses the same 100 MB ceiling.
    public static let maxHeaderBytes = 100_000_000

    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: String     // "F32", "F16", "BF16", "I64", ...
        public let shape: [Int]
        public let byteRange: Range<Int> // absolute, within the whole file

        public var elementCount: Int { shape.reduce(1, *) }
    }

    public struct Header: Sendable, Equatable {
        public let entries: [String: Entry]
        public let metadata: [String: String]
        public var names: [String] { entries.keys.sorted() }
    }

    static let elementSize: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "U64": 8, "I32": 4, "U32": 4,
        "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// Parses and bounds-checks the header of a whole file held in `bytes`.
    public static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) -> Header {
        guard bytes.count >= 8 else { throw .truncated(what: "the 8-byte header length", needed: 8, available: bytes.count) }
        let declared = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard declared <= UInt64(maxHeaderBytes) else {
            throw .badHeader("declared header length \(declared) exceeds \(maxHeaderBytes) bytes")
        }
        let headerLength = Int(declared)
        guard bytes.count >= 8 + headerLength else {
            throw .truncated(what: "the \(headerLength)-byte JSON header", needed: 8 + headerLength, available: bytes.count)
        }
        let json = Data(bytes[8..<8 + headerLength])
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw .badHeader("the header is not valid JSON (\(error.localizedDescription))")
        }
        guard let top = object as? [String: Any] else { throw .badHeader("the header is not a JSON object") }

        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in top {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw .badHeader("__metadata__ is not an object") }
                for (key, item) in map {
                    guard let text = item as? String else { throw .badMetadata(key: key, reason: "value is not a string") }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try parseEntry(name: name, value: value, dataStart: dataStart, dataLength: dataLength)
        }
        // Tensors may not overlap: sort by start and check neighbours.
        let ordered = entries.values.sorted { $0.byteRange.lowerBound < $1.byteRange.lowerBound }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.byteRange.upperBound > b.byteRange.lowerBound {
            throw .badHeader("tensors '\(a.name)' and '\(b.name)' overlap in the data section")
        }
        return Header(entries: entries, metadata: metadata)
    }

    private static func parseEntry(name: String, value: Any, dataStart: Int, dataLength: Int) throws(WeightsError) -> Entry {
        guard let fields = value as? [String: Any],
              let dtype = fields["dtype"] as? String,
              let shapeValues = fields["shape"] as? [Any],
              let offsetValues = fields["data_offsets"] as? [Any], offsetValues.count == 2 else {
            throw .badHeader("tensor '\(name)' needs dtype, shape and two data_offsets")
        }
        guard let size = elementSize[dtype] else { throw .badHeader("tensor '\(name)' has unknown dtype '\(dtype)'") }
        var shape: [Int] = []
        var count = 1
        for item in shapeValues {
            guard let dim = exactInt(item), dim >= 0 else { throw .badHeader("tensor '\(name)' has an invalid dimension in \(shapeValues)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= dataLength else {
                throw .badHeader("tensor '\(name)' shape \(shapeValues) is larger than the file")
            }
            shape.append(dim)
            count = product
        }
        guard let begin = exactInt(offsetValues[0]), let end = exactInt(offsetValues[1]), begin >= 0, begin <= end else {
            throw .badHeader("tensor '\(name)' has invalid data_offsets \(offsetValues)")
        }
        guard end <= dataLength else {
            throw .truncated(what: "tensor '\(name)' (data bytes \(begin)..<\(end))", needed: dataStart + end, available: dataStart + dataLength)
        }
        guard end - begin == count * size else {
            throw .badHeader("tensor '\(name)': data_offsets span \(end - begin) bytes but \(dtype) \(shape) needs \(count * size)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, byteRange: (dataStart + begin)..<(dataStart + end))
    }

    /// JSON numbers arrive as NSNumber; accept only integer-typed ones (not booleans, not 3.0).
    static func exactInt(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let kind = String(cString: number.objCType)
        guard ["s", "i", "l", "q", "S", "I", "L", "Q"].contains(kind) else { return nil }
        return number.intValue
    }

    /// The tensor's elements as Float32 (F32, F16 and BF16 are converted; other dtypes are refused).
    public static func floats(_ entry: Entry, in bytes: UnsafeRawBufferPointer) throws(WeightsError) -> [Float] {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[entry.byteRange])
        switch entry.dtype {
        case "F32":
            return [Float](unsafeUninitializedCapacity: entry.elementCount) { out, initialised in
                for i in 0..<entry.elementCount {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                initialised = entry.elementCount
            }
        case "F16":
            return (0..<entry.elementCount).map { i in
                HalfFloat.toFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case "BF16":
            return (0..<entry.elementCount).map { i in
                Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
            }
        default:
            throw .unsupportedDType(name: entry.name, dtype: entry.dtype)
        }
    }

    /// The tensor's elements as Int8 (dtype I8 only: quantized weights).
    public static func int8s(_ entry: Entry, in bytes: UnsafeRawBufferPointer) throws(WeightsError) -> [Int8] {
        guard entry.dtype == "I8" else { throw .unsupportedDType(name: entry.name, dtype: entry.dtype) }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[entry.byteRange])
        return raw.prefix(entry.elementCount).map { Int8(bitPattern: $0) }
    }

    /// A tensor to write: its raw little-endian bytes with dtype and shape.
    public struct OutputTensor: Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let data: [UInt8]

        public init(name: String, dtype: String, shape: [Int], data: [UInt8]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }

        public init(name: String, shape: [Int], floats: [Float]) {
            var data = [UInt8]()
            data.reserveCapacity(floats.count * 4)
            for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            self.init(name: name, dtype: "F32", shape: shape, data: data)
        }
    }

    /// Serialises tensors (in the given order) and metadata; the header is padded with spaces to 8 bytes.
    public static func serialize(_ tensors: [OutputTensor], metadata: [String: String]) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            header[tensor.name] = ["dtype": tensor.dtype, "shape": tensor.shape, "data_offsets": [offset, offset + tensor.data.count]]
            offset += tensor.data.count
        }
        // Sorted keys make the file deterministic for identical inputs.
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for tensor in tensors { out.append(contentsOf: tensor.data) }
        return out
    }
}
