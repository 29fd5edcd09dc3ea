/// The name of the header that carries the length of a body's JSON part when binary tensor data follows it.
public let inferenceHeaderContentLengthField = "Inference-Header-Content-Length"

/// A parameter value: the protocol allows a string, a number or a boolean. Integers that fit in 64 bits are
/// `.int`; other numbers `.double`.
public enum ParameterValue: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
}

/// `POST /v2/models/{m}[/versions/{v}]/infer`, decoded (`InferenceRequest.decode`).
public struct InferenceRequest: Sendable, Equatable {
    public var id: String?
    /// Every scalar parameter as sent; unknown ones are kept here and otherwise ignored.
    public var parameters: [String: ParameterValue]
    /// `parameters.binary_data_output`: return every output as binary data unless its own request says otherwise.
    public var binaryDataOutput: Bool?
    public var inputs: [InputTensor]
    /// The outputs asked for, in order; nil when the request has no `outputs` (all outputs, default settings).
    public var outputs: [RequestedOutput]?

    public init(id: String? = nil, parameters: [String: ParameterValue] = [:], binaryDataOutput: Bool? = nil,
                inputs: [InputTensor], outputs: [RequestedOutput]? = nil) {
        self.id = id
        self.parameters = parameters
        self.binaryDataOutput = binaryDataOutput
        self.inputs = inputs
        self.outputs = outputs
    }

    public func input(named name: String) -> InputTensor? { inputs.first { $0.name == name } }

    /// Whether the output `name` goes in the binary tail: its own `binary_data` wins over the request's
    /// `binary_data_output`; neither given means JSON.
    public func wantsBinaryData(forOutput name: String) -> Bool {
        outputs?.first { $0.name == name }?.binaryData ?? binaryDataOutput ?? false
    }
}

/// One input tensor. `data` holds exactly `elementCount` elements, the product of `shape`.
public struct InputTensor: Sendable, Equatable {
    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int]
    public var parameters: [String: ParameterValue]
    public var data: TensorData
    /// The bytes it took in the binary tail (`parameters.binary_data_size`); nil when its data was JSON.
    public var binaryDataSize: Int?

    public init(name: String, datatype: TensorDatatype, shape: [Int], parameters: [String: ParameterValue] = [:],
                data: TensorData, binaryDataSize: Int? = nil) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.parameters = parameters
        self.data = data
        self.binaryDataSize = binaryDataSize
    }

    public var elementCount: Int { data.elementCount(as: datatype) }
}

/// One entry of a request's `outputs`.
public struct RequestedOutput: Sendable, Equatable {
    public var name: String
    public var parameters: [String: ParameterValue]
    /// `parameters.binary_data`.
    public var binaryData: Bool?
    /// `parameters.classification`: return the top K classes as "<value>:<index>:<label>" strings (K ≥ 1).
    public var classification: Int?

    public init(name: String, parameters: [String: ParameterValue] = [:], binaryData: Bool? = nil, classification: Int? = nil) {
        self.name = name
        self.parameters = parameters
        self.binaryData = binaryData
        self.classification = classification
    }
}
