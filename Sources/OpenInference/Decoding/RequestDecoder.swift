extension InferenceRequest {
    /// Decodes an inference request body.
    ///
    /// - `body`: the whole HTTP body.
    /// - `headerLength`: the `Inference-Header-Content-Length` value, nil when the header is absent. With it,
    ///   the first that-many bytes are the JSON part and the rest is binary tensor data: each input with
    ///   `parameters.binary_data_size` takes its bytes in the order the inputs are listed, and the sizes must
    ///   add up to exactly the rest of the body.
    ///
    /// BYTES inputs from binary data share `body`'s storage (no copy).
    public static func decode(body: [UInt8], headerLength: String?,
                              limits: InferenceLimits = InferenceLimits()) throws(InferenceProtocolError) -> InferenceRequest {
        let jsonLength = try BinaryTensorData.jsonPartLength(headerLength, bodyCount: body.count)
        let parsed = try body.withUnsafeBufferPointer { (all) throws(InferenceProtocolError) -> ParsedRequest in
            var reader = JSONReader(UnsafeBufferPointer(rebasing: all[0..<jsonLength]), maxDepth: limits.maxJSONDepth)
            let request = try reader.readRequest(limits: limits)
            try reader.finish()
            return request
        }

        var inputs: [InputTensor] = []
        inputs.reserveCapacity(parsed.inputs.count)
        var offset = jsonLength
        for pending in parsed.inputs {
            let data: TensorData
            switch pending.source {
            case .json(let decoded):
                data = decoded
            case .binary(let size):
                guard headerLength != nil else {
                    throw .invalidBinaryData("input '\(InferenceProtocolError.clipped(pending.name))' has parameters.binary_data_size"
                                             + " but the request has no \(inferenceHeaderContentLengthField) header")
                }
                guard size <= body.count - offset else {
                    throw .invalidBinaryData("input '\(InferenceProtocolError.clipped(pending.name))' declares \(size) bytes"
                                             + " but only \(body.count - offset) remain after byte \(offset)")
                }
                data = try BinaryTensorData.decode(body, range: offset..<offset + size, pending)
                offset += size
            }
            inputs.append(InputTensor(name: pending.name, datatype: pending.datatype, shape: pending.shape,
                                      parameters: pending.parameters, data: data, binaryDataSize: pending.binaryDataSize))
        }
        guard offset == body.count else {
            let declared = offset - jsonLength
            throw .invalidBinaryData("the body has \(body.count - jsonLength) bytes after the \(jsonLength)-byte JSON part"
                                     + " but the inputs' binary_data_size add up to \(declared)")
        }
        return InferenceRequest(id: parsed.id, parameters: parsed.parameters, binaryDataOutput: parsed.binaryDataOutput,
                                inputs: inputs, outputs: parsed.outputs)
    }
}

/// The JSON part of a request, before binary tensor data is attached.
struct ParsedRequest {
    var id: String?
    var parameters: [String: ParameterValue] = [:]
    var binaryDataOutput: Bool?
    var inputs: [PendingInput] = []
    var outputs: [RequestedOutput]?
}

extension JSONReader {
    mutating func readRequest(limits: InferenceLimits) throws(InferenceProtocolError) -> ParsedRequest {
        var request = ParsedRequest()
        var sawInputs = false
        var seen = Set<String>()
        try readObject("the request") { reader, key throws(InferenceProtocolError) in
            guard ["id", "parameters", "inputs", "outputs"].contains(key) else { return try reader.skipValue() }
            guard seen.insert(key).inserted else { throw .invalidRequest("duplicate key \"\(key)\" in the request") }
            switch key {
            case "id":
                request.id = try reader.readStringField("the request's \"id\"")
            case "parameters":
                request.parameters = try reader.readParameters("the request's parameters", strict: ["binary_data_output"])
                request.binaryDataOutput = try request.parameters.bool("binary_data_output", in: "the request's parameters")
            case "inputs":
                sawInputs = true
                try reader.readArray("\"inputs\"") { reader throws(InferenceProtocolError) in
                    guard request.inputs.count < limits.maxTensors else { throw .tooLarge(what: "inputs in the request", actual: nil, limit: limits.maxTensors) }
                    let input = try reader.readInput(index: request.inputs.count, limits: limits)
                    guard !request.inputs.contains(where: { $0.name == input.name }) else {
                        throw .invalidRequest("input '\(InferenceProtocolError.clipped(input.name))' appears more than once")
                    }
                    request.inputs.append(input)
                }
            default:
                var outputs: [RequestedOutput] = []
                try reader.readArray("\"outputs\"") { reader throws(InferenceProtocolError) in
                    guard outputs.count < limits.maxTensors else { throw .tooLarge(what: "requested outputs", actual: nil, limit: limits.maxTensors) }
                    let output = try reader.readRequestedOutput(index: outputs.count)
                    guard !outputs.contains(where: { $0.name == output.name }) else {
                        throw .invalidRequest("output '\(InferenceProtocolError.clipped(output.name))' is requested more than once")
                    }
                    outputs.append(output)
                }
                request.outputs = outputs
            }
        }
        guard sawInputs else { throw .invalidRequest("the request has no \"inputs\"") }
        return request
    }

    mutating func readRequestedOutput(index: Int) throws(InferenceProtocolError) -> RequestedOutput {
        var name: String?
        var parameters: [String: ParameterValue] = [:]
        var seen = Set<String>()
        try readObject("output #\(index)") { reader, key throws(InferenceProtocolError) in
            guard key == "name" || key == "parameters" else { return try reader.skipValue() }
            guard seen.insert(key).inserted else { throw .invalidRequest("duplicate key \"\(key)\" in output #\(index)") }
            if key == "name" {
                name = try reader.readStringField("the name of output #\(index)")
            } else {
                parameters = try reader.readParameters("the parameters of output #\(index)", strict: ["binary_data", "classification"])
            }
        }
        guard let name else { throw .invalidRequest("output #\(index) has no \"name\"") }
        let what = "the parameters of output '\(InferenceProtocolError.clipped(name))'"
        var classification: Int?
        switch parameters["classification"] {
        case nil, .int(0)?: classification = nil  // tritonclient's class_count=0: no classification
        case .int(let count)? where count > 0 && count <= Int.max: classification = Int(count)
        default: throw .invalidRequest("\(what): \"classification\" must be a positive integer")
        }
        return RequestedOutput(name: name, parameters: parameters, binaryData: try parameters.bool("binary_data", in: what),
                               classification: classification)
    }

    /// A field that must be a string.
    mutating func readStringField(_ what: @autoclosure () -> String) throws(InferenceProtocolError) -> String {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw .invalidRequest("\(what()) must be a string") }
        return try readString()
    }

    /// A parameters object. Strings, numbers and booleans are kept; other values of unknown parameters are
    /// ignored, while a parameter in `strict` (one we act on) must be a scalar. Duplicate names are refused.
    mutating func readParameters(_ what: String, strict: Set<String>) throws(InferenceProtocolError) -> [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        var seen = Set<String>()
        try readObject(what) { reader, key throws(InferenceProtocolError) in
            guard seen.insert(key).inserted else { throw .invalidRequest("duplicate parameter \"\(InferenceProtocolError.clipped(key))\" in \(what)") }
            reader.skipWhitespace()
            switch reader.current ?? 0 {
            case UInt8(ascii: "\""): values[key] = .string(try reader.readString())
            case UInt8(ascii: "t"), UInt8(ascii: "f"): values[key] = .bool(try reader.readBool())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let number = try reader.readNumberParameter() else {
                    throw .invalidRequest("parameter \"\(InferenceProtocolError.clipped(key))\" in \(what) is out of range")
                }
                values[key] = number
            default:
                if strict.contains(key) { throw .invalidRequest("\(what): \"\(key)\" must be a string, number or boolean") }
                try reader.skipValue()
            }
        }
        return values
    }
}

extension [String: ParameterValue] {
    /// A boolean parameter we act on: absent is nil, another type is an error.
    func bool(_ key: String, in what: String) throws(InferenceProtocolError) -> Bool? {
        switch self[key] {
        case nil: return nil
        case .bool(let value)?: return value
        default: throw .invalidRequest("\(what): \"\(key)\" must be true or false")
        }
    }
}
