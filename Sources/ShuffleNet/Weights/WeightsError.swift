/// Why a model file or checkpoint could not be used. Every case names the tensor, offset or key at fault.
public enum WeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(path: String, reason: String)
    case truncated(what: String, needed: Int, available: Int)
    case badHeader(String)
    case missingTensor(name: String, expectedShape: [Int])
    case unexpectedShape(name: String, expected: [Int], found: [Int])
    case unsupportedDType(name: String, dtype: String)
    case nonFinite(name: String, index: Int, value: String)
    case badMetadata(key: String, reason: String)
    case architecture(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case .io(let path, let reason): return "cannot read \(path): \(reason)"
        case .truncated(let what, let needed, let available):
            return "truncated file: \(what) needs \(needed) bytes but only \(available) are there"
        case .badHeader(let why): return "invalid safetensors header: \(why)"
        case .missingTensor(let name, let shape): return "tensor '\(name)' is missing (expected shape \(shape))"
        case .unexpectedShape(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedDType(let name, let dtype):
            return "tensor '\(name)' has dtype \(dtype); only F32, F16 and BF16 weights (and I8 in quantized files) are supported"
        case .nonFinite(let name, let index, let value):
            return "tensor '\(name)' holds \(value) at element \(index); weights must be finite"
        case .badMetadata(let key, let reason): return "metadata '\(key)': \(reason)"
        case .architecture(let why): return why
        case .checkpoint(let why): return "checkpoint: \(why)"
        }
    }
}
