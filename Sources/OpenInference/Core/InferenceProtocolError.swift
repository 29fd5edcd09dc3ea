/// Everything the protocol codec refuses, and the errors a service speaking the protocol reports (unknown model,
/// wrong datatype or shape). Each case says what was wrong and where, in a sentence a client can act on; the
/// HTTP status and the stable `code` follow from the case (see `InferenceProtocolError+HTTP.swift`).
public enum InferenceProtocolError: Error, Sendable, Equatable {
    /// The JSON part is not JSON: the byte offset in the body and what was expected there.
    case malformedJSON(offset: Int, reason: String)
    /// Arrays and objects nested deeper than `InferenceLimits.maxJSONDepth`.
    case nestingTooDeep(offset: Int, limit: Int)
    /// The `Inference-Header-Content-Length` value cannot frame this body.
    case invalidHeaderLength(value: String, reason: String)
    /// The binary tensor data after the JSON does not match what the inputs declare.
    case invalidBinaryData(String)
    /// Valid JSON that is not an inference request: a missing or mistyped field, a duplicate key or name.
    case invalidRequest(String)
    /// One tensor's shape, data or parameters are inconsistent or out of range.
    case invalidTensor(name: String, reason: String)
    /// A tensor of a datatype the model does not take.
    case wrongDatatype(tensor: String, expected: [TensorDatatype], actual: TensorDatatype)
    /// A tensor whose shape the model does not take; -1 in `expected` matches any size.
    case wrongShape(tensor: String, expected: [Int], actual: [Int])
    /// An input or output name the model does not have.
    case unknownTensor(kind: String, name: String, known: [String])
    /// More of something than a configured limit allows (413): what, how many (nil: not counted to the end),
    /// and the limit.
    case tooLarge(what: String, actual: Int?, limit: Int)
    case unknownModel(String)
    case unknownModelVersion(model: String, version: String)

    /// Short, stable, snake_case: what a client branches on.
    public var code: String {
        switch self {
        case .malformedJSON: "invalid_json"
        case .nestingTooDeep: "json_too_deep"
        case .invalidHeaderLength: "invalid_inference_header_length"
        case .invalidBinaryData: "invalid_binary_data"
        case .invalidRequest: "invalid_request"
        case .invalidTensor: "invalid_tensor"
        case .wrongDatatype: "wrong_datatype"
        case .wrongShape: "wrong_shape"
        case .unknownTensor: "unknown_tensor"
        case .tooLarge: "too_large"
        case .unknownModel: "model_not_found"
        case .unknownModelVersion: "model_version_not_found"
        }
    }

    /// The HTTP status code: 400 malformed, 404 unknown model or version, 413 over a limit.
    public var statusCode: Int {
        switch self {
        case .tooLarge: 413
        case .unknownModel, .unknownModelVersion: 404
        default: 400
        }
    }

    public var message: String {
        switch self {
        case .malformedJSON(let offset, let reason):
            "invalid JSON at byte \(offset): \(reason)"
        case .nestingTooDeep(let offset, let limit):
            "JSON nested deeper than the limit of \(limit) levels (at byte \(offset))"
        case .invalidHeaderLength(let value, let reason):
            "invalid Inference-Header-Content-Length \"\(Self.clipped(value))\": \(reason)"
        case .invalidBinaryData(let reason):
            "invalid binary tensor data: \(reason)"
        case .invalidRequest(let reason):
            "invalid inference request: \(reason)"
        case .invalidTensor(let name, let reason):
            "tensor '\(Self.clipped(name))': \(reason)"
        case .wrongDatatype(let tensor, let expected, let actual):
            "tensor '\(Self.clipped(tensor))' has datatype \(actual); expected "
                + expected.map(\.rawValue).joined(separator: " or ")
        case .wrongShape(let tensor, let expected, let actual):
            "tensor '\(Self.clipped(tensor))' has shape \(TensorShape.text(actual)); expected "
                + TensorShape.text(expected) + (expected.contains(-1) ? " (-1: any size)" : "")
        case .unknownTensor(let kind, let name, let known):
            "unknown \(kind) '\(Self.clipped(name))'; the model's \(kind)s are " + known.map { "'\($0)'" }.joined(separator: ", ")
        case .tooLarge(let what, let actual, let limit):
            actual.map { "\(what): \($0) exceeds the limit of \(limit)" } ?? "\(what): more than the limit of \(limit)"
        case .unknownModel(let name):
            "unknown model '\(Self.clipped(name))'"
        case .unknownModelVersion(let model, let version):
            "model '\(Self.clipped(model))' has no version '\(Self.clipped(version))'"
        }
    }

    /// Client-chosen text echoed in a message is cut short, so an error cannot carry a body back.
    static func clipped(_ text: String, to limit: Int = 64) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
