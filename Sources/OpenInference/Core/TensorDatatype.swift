/// The tensor element types of the Open Inference Protocol (required_api.md, "Tensor Data Types"), spelled as
/// they appear on the wire. Every one is recognised; which ones a model accepts is the service's business.
public enum TensorDatatype: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case bool = "BOOL"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", bf16 = "BF16", fp32 = "FP32", fp64 = "FP64"
    /// Variable-length byte strings: on the wire each element is a 4-byte little-endian length, then the bytes.
    case bytes = "BYTES"

    /// Bytes per element in binary tensor data; nil for BYTES, whose elements carry their own lengths.
    public var elementSize: Int? {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .uint16, .int16, .fp16, .bf16: return 2
        case .uint32, .int32, .fp32: return 4
        case .uint64, .int64, .fp64: return 8
        case .bytes: return nil
        }
    }

    public var description: String { rawValue }
}
