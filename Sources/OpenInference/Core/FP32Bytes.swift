/// FP32 elements as binary tensor data carries them — 4 little-endian bytes each, row-major — left where they
/// arrived: a range of a shared buffer (the request body). A batch of input tensors is read in place by whoever
/// consumes it (the classifier converts NCHW → NHWC straight from these bytes) instead of being copied into
/// `[Float]` first. The range may start at any byte offset (the JSON part before it has any length).
public struct FP32Bytes: Sendable, Equatable, RandomAccessCollection, CustomStringConvertible {
    /// The buffer the elements live in (shared, not copied).
    public let storage: [UInt8]
    /// Where in `storage` they are: 4 × `count` bytes.
    public let byteRange: Range<Int>

    /// `byteRange` must lie within `storage` and hold a whole number of elements (the decoder checks both).
    init(storage: [UInt8], byteRange: Range<Int>) {
        self.storage = storage
        self.byteRange = byteRange
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { byteRange.count / 4 }

    public subscript(position: Int) -> Float {
        storage.withUnsafeBytes { Self.load($0.baseAddress! + byteRange.lowerBound, element: position) }
    }

    /// Element `index` of little-endian FP32 bytes at `base` (any alignment).
    @inline(__always)
    public static func load(_ base: UnsafeRawPointer, element index: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
    }

    /// Calls `body` with the elements' first byte and their count (valid only inside `body`): for readers
    /// that go through many elements, with `load(_:element:)`.
    public func withElements<Result>(_ body: (UnsafeRawPointer, Int) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes { try body($0.baseAddress! + byteRange.lowerBound, count) }
    }

    /// The elements as `[Float]` (a copy).
    public var values: [Float] { withElements { base, count in (0..<count).map { Self.load(base, element: $0) } } }

    public var description: String { "FP32Bytes(\(count) elements)" }

    /// Equal elements (as `[Float]` compares them), wherever they are stored.
    public static func == (a: FP32Bytes, b: FP32Bytes) -> Bool { a.elementsEqual(b) }
}
