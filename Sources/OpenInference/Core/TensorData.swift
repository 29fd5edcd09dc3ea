/// A tensor's elements, flattened in row-major order. FP32 and BYTES, the two kinds a classifier takes and
/// gives, are held decoded — FP32 from binary tensor data left in place, in the body it came in; every other
/// datatype keeps its little-endian bytes, as the binary extension carries them (the service only has to say
/// that it does not take them).
public enum TensorData: Sendable, Equatable {
    /// FP32 from JSON numbers, or made by the server (outputs).
    case fp32([Float])
    /// FP32 from binary tensor data, not copied out of the request body.
    case fp32Bytes(FP32Bytes)
    case bytes(BytesTensor)
    /// `count × datatype.elementSize` little-endian bytes (BOOL: one byte per element, 0 or 1).
    case raw([UInt8])

    /// The FP32 elements, either way they are held (binary ones copied out: read `fp32Bytes` to avoid that).
    public var fp32: [Float]? {
        switch self {
        case .fp32(let values): values
        case .fp32Bytes(let bytes): bytes.values
        default: nil
        }
    }
    public var fp32Bytes: FP32Bytes? { if case .fp32Bytes(let bytes) = self { bytes } else { nil } }
    public var bytes: BytesTensor? { if case .bytes(let elements) = self { elements } else { nil } }
    public var raw: [UInt8]? { if case .raw(let bytes) = self { bytes } else { nil } }

    /// How many elements this holds when its datatype is `datatype` (raw bytes divided by the element size).
    public func elementCount(as datatype: TensorDatatype) -> Int {
        switch self {
        case .fp32(let values): return values.count
        case .fp32Bytes(let bytes): return bytes.count
        case .bytes(let elements): return elements.count
        case .raw(let bytes): return bytes.count / (datatype.elementSize ?? 1)
        }
    }
}

/// The elements of a BYTES tensor: byte strings of any length, kept as ranges of one shared buffer so that a
/// batch of images taken from a request body is not copied (the body is the buffer) and a tensor of many small
/// strings is not one allocation per string.
public struct BytesTensor: Sendable, Equatable, RandomAccessCollection, CustomStringConvertible {
    public private(set) var storage: [UInt8]
    private var ranges: [Range<Int>]

    public init() {
        storage = []
        ranges = []
    }

    /// Elements that are already ranges of `storage` (e.g. a request body): nothing is copied.
    init(storage: [UInt8], ranges: [Range<Int>]) {
        self.storage = storage
        self.ranges = ranges
    }

    public init<Elements: Sequence>(_ elements: Elements) where Elements.Element: Collection<UInt8> {
        self.init()
        for element in elements { append(element) }
    }

    /// UTF-8 strings, e.g. classification results or labels.
    public init(strings: [String]) {
        self.init(strings.map { Array($0.utf8) })
    }

    public mutating func append<Element: Collection<UInt8>>(_ element: Element) {
        let start = storage.count
        storage.append(contentsOf: element)
        ranges.append(start..<storage.count)
    }

    /// Appends the bytes `write` puts into `storage` as one element (used by decoders that write in place).
    mutating func appendElement(_ write: (inout [UInt8]) throws(InferenceProtocolError) -> Void) throws(InferenceProtocolError) {
        let start = storage.count
        try write(&storage)
        ranges.append(start..<storage.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ranges.count }
    public subscript(position: Int) -> ArraySlice<UInt8> { storage[ranges[position]] }

    /// Bytes this tensor takes in binary tensor data: a 4-byte length before each element.
    public var serializedByteCount: Int { ranges.reduce(0) { $0 + 4 + $1.count } }

    /// Each element as UTF-8 text (invalid sequences replaced), for tests, logs and labels.
    public var strings: [String] { map { String(decoding: $0, as: UTF8.self) } }

    public var description: String { "BytesTensor(\(count) elements)" }

    public static func == (a: BytesTensor, b: BytesTensor) -> Bool { a.elementsEqual(b) { $0.elementsEqual($1) } }
}

/// Shapes as the protocol sends them: dimensions ≥ 0, in a request; -1 marks a variable dimension in metadata.
public enum TensorShape {
    /// The product of the dimensions, or nil when a dimension is negative or the product overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        if shape.contains(where: { $0 < 0 }) { return nil }
        if shape.contains(0) { return 0 }  // [2^40, 2^40, 0] holds nothing; its partial product must not "overflow"
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// `[1,3,224,224]`: how shapes appear in messages.
    public static func text(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ",") + "]" }
}
