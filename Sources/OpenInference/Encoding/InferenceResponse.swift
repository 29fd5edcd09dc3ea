import HTTP

/// One output of an inference response. `data` holds the product of `shape` elements, row-major.
public struct OutputTensor: Sendable, Equatable {
    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int]
    public var data: TensorData
    /// Send the data after the JSON part (binary tensor data extension) instead of as a JSON array.
    public var binaryData: Bool

    public init(name: String, datatype: TensorDatatype, shape: [Int], data: TensorData, binaryData: Bool = false) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.data = data
        self.binaryData = binaryData
    }
}

/// The answer to `POST …/infer`.
public struct InferenceResponse: Sendable, Equatable {
    public var modelName: String
    public var modelVersion: String?
    /// The request's `id`, echoed; omitted when the request had none.
    public var id: String?
    public var outputs: [OutputTensor]

    public init(modelName: String, modelVersion: String? = nil, id: String? = nil, outputs: [OutputTensor]) {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.id = id
        self.outputs = outputs
    }

    /// The body: JSON alone, or, when any output has `binaryData`, the JSON part followed by those outputs'
    /// bytes in order (each announced by `parameters.binary_data_size`), with the JSON part's length to send
    /// as `Inference-Header-Content-Length`.
    public func encoded() -> EncodedInferenceResponse {
        var json: [UInt8] = []
        json.reserveCapacity(256 + outputs.reduce(0) { $0 + ($1.binaryData ? 0 : $1.data.elementCount(as: $1.datatype) * 12) })
        var tail: [UInt8] = []
        tail.reserveCapacity(outputs.reduce(0) { $0 + ($1.binaryData ? TensorWriter.binaryByteCount($1.data) : 0) })
        json.append(contentsOf: #"{"model_name":"#.utf8)
        JSONValue.string(modelName).write(into: &json)
        if let modelVersion {
            json.append(contentsOf: #","model_version":"#.utf8)
            JSONValue.string(modelVersion).write(into: &json)
        }
        if let id {
            json.append(contentsOf: #","id":"#.utf8)
            JSONValue.string(id).write(into: &json)
        }
        json.append(contentsOf: #","outputs":["#.utf8)
        for (index, output) in outputs.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: #"{"name":"#.utf8)
            JSONValue.string(output.name).write(into: &json)
            json.append(contentsOf: #","datatype":""#.utf8)
            json.append(contentsOf: output.datatype.rawValue.utf8)
            json.append(contentsOf: #"","shape":"#.utf8)
            TensorWriter.writeShape(output.shape, into: &json)
            if output.binaryData {
                let before = tail.count
                TensorWriter.writeBinary(output.data, into: &tail)
                json.append(contentsOf: #","parameters":{"binary_data_size":"#.utf8)
                json.append(contentsOf: String(tail.count - before).utf8)
                json.append(contentsOf: "}}".utf8)
            } else {
                json.append(contentsOf: #","data":"#.utf8)
                TensorWriter.writeJSON(output.data, datatype: output.datatype, into: &json)
                json.append(UInt8(ascii: "}"))
            }
        }
        json.append(contentsOf: "]}".utf8)
        guard outputs.contains(where: \.binaryData) else { return EncodedInferenceResponse(body: json, headerLength: nil) }
        let headerLength = json.count
        json.append(contentsOf: tail)
        return EncodedInferenceResponse(body: json, headerLength: headerLength)
    }
}

/// An encoded response body and how to frame it.
public struct EncodedInferenceResponse: Sendable, Equatable {
    public var body: [UInt8]
    /// The JSON part's length, for `Inference-Header-Content-Length`; nil when the body is JSON only.
    public var headerLength: Int?

    /// `Content-Type` (`application/json`, or `application/octet-stream` when binary data follows the JSON, as
    /// Triton sends) and `Inference-Header-Content-Length` when there is binary data.
    public var headers: HTTPHeaders {
        guard let headerLength else { return ["Content-Type": "application/json"] }
        return ["Content-Type": "application/octet-stream", inferenceHeaderContentLengthField: String(headerLength)]
    }

    public func httpResponse(status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: body)
    }
}
