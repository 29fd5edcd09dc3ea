/// One input of the JSON part, checked, with its data decoded if it was JSON.
struct PendingInput {
    enum Source {
        case json(TensorData)
        /// `binary_data_size` bytes of the binary tail (already checked against shape and datatype when fixed-size).
        case binary(Int)
    }

    var name: String
    var datatype: TensorDatatype
    var shape: [Int]
    var elementCount: Int
    var parameters: [String: ParameterValue]
    var source: Source

    var binaryDataSize: Int? { if case .binary(let size) = source { size } else { nil } }
}

extension JSONReader {
    /// Reads input #`index`. Its `data` is decoded where it stands when `datatype` and `shape` came before it
    /// (as tritonclient and most clients write them); otherwise it is validated, skipped, and decoded from the
    /// same place once the object is read.
    mutating func readInput(index: Int, limits: InferenceLimits) throws(InferenceProtocolError) -> PendingInput {
        var name: String?
        var datatype: TensorDatatype?
        var shape: [Int]?
        var parameters: [String: ParameterValue] = [:]
        var data: TensorData?
        var deferredData: JSONReader?
        var seen = Set<String>()
        let label = { name.map { "'\(InferenceProtocolError.clipped($0))'" } ?? "#\(index)" }

        try readObject("input #\(index)") { reader, key throws(InferenceProtocolError) in
            guard ["name", "datatype", "shape", "parameters", "data"].contains(key) else { return try reader.skipValue() }
            guard seen.insert(key).inserted else { throw .invalidRequest("duplicate key \"\(key)\" in input \(label())") }
            switch key {
            case "name":
                name = try reader.readStringField("the name of input #\(index)")
            case "datatype":
                let text = try reader.readStringField("the datatype of input \(label())")
                guard let known = TensorDatatype(rawValue: text) else {
                    throw .invalidTensor(name: name ?? "#\(index)", reason: "unknown datatype \"\(InferenceProtocolError.clipped(text))\"; the protocol's are "
                                         + TensorDatatype.allCases.map(\.rawValue).joined(separator: ", "))
                }
                datatype = known
            case "shape":
                shape = try reader.readShape(of: name ?? "#\(index)")
            case "parameters":
                parameters = try reader.readParameters("the parameters of input \(label())", strict: ["binary_data_size"])
            default:
                if let datatype, let shape, let name {
                    let count = try Self.checkedCount(shape, of: name, limits: limits)
                    data = try reader.readData(datatype: datatype, shape: shape, count: count, name: name)
                } else {
                    reader.skipWhitespace()
                    deferredData = reader
                    try reader.skipValue()
                }
            }
        }

        guard let name else { throw .invalidRequest("input #\(index) has no \"name\"") }
        guard let datatype else { throw .invalidTensor(name: name, reason: "no \"datatype\"") }
        guard let shape else { throw .invalidTensor(name: name, reason: "no \"shape\"") }
        let count = try Self.checkedCount(shape, of: name, limits: limits)
        if var deferred = deferredData {
            data = try deferred.readData(datatype: datatype, shape: shape, count: count, name: name)
        }

        let source: PendingInput.Source
        switch (data, parameters["binary_data_size"]) {
        case (let data?, nil):
            source = .json(data)
        case (nil, .int(let size)?) where size >= 0 && size <= Int.max:
            if let elementSize = datatype.elementSize {
                let (needed, overflow) = count.multipliedReportingOverflow(by: elementSize)
                guard !overflow && needed == size else {
                    let takes = overflow ? "more than fits in 64 bits" : "\(needed)"
                    throw .invalidTensor(name: name, reason: "binary_data_size is \(size) bytes but shape \(TensorShape.text(shape)) of \(datatype) takes \(takes)")
                }
            }
            source = .binary(Int(size))
        case (nil, nil):
            throw .invalidTensor(name: name, reason: "no \"data\" and no parameters.binary_data_size")
        case (_?, _?):
            throw .invalidTensor(name: name, reason: "both \"data\" and parameters.binary_data_size; give one")
        case (nil, _?):
            throw .invalidTensor(name: name, reason: "parameters.binary_data_size must be a non-negative integer")
        }
        return PendingInput(name: name, datatype: datatype, shape: shape, elementCount: count, parameters: parameters, source: source)
    }

    /// The product of the shape, refused when it overflows (400) or exceeds the per-tensor limit (413).
    static func checkedCount(_ shape: [Int], of name: String, limits: InferenceLimits) throws(InferenceProtocolError) -> Int {
        guard let count = TensorShape.elementCount(shape) else {
            throw .invalidTensor(name: name, reason: "shape \(TensorShape.text(shape)) has more elements than fit in 64 bits")
        }
        guard count <= limits.maxElementsPerTensor else {
            throw .tooLarge(what: "elements in tensor '\(InferenceProtocolError.clipped(name))' (shape \(TensorShape.text(shape)))",
                            actual: count, limit: limits.maxElementsPerTensor)
        }
        return count
    }

    /// A shape: an array of non-negative integers.
    mutating func readShape(of name: String) throws(InferenceProtocolError) -> [Int] {
        var shape: [Int] = []
        skipWhitespace()
        guard current == UInt8(ascii: "[") else { throw .invalidTensor(name: name, reason: "\"shape\" must be an array of integers") }
        try readArray("the shape") { reader throws(InferenceProtocolError) in
            reader.skipWhitespace()
            let start = reader.position
            guard let dimension = try reader.readCount("a shape dimension") else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: reader.bytes[start..<reader.position]), as: UTF8.self)
                throw .invalidTensor(name: name, reason: "shape dimension \(InferenceProtocolError.clipped(text)) is not a non-negative 64-bit integer")
            }
            shape.append(dimension)
        }
        return shape
    }

    /// `data` at the cursor, as `datatype`.
    mutating func readData(datatype: TensorDatatype, shape: [Int], count: Int, name: String) throws(InferenceProtocolError) -> TensorData {
        switch datatype {
        case .fp32:
            var sink = FP32Sink(name: name)
            try readTensorData(into: &sink, shape: shape, count: count, name: name)
            return sink.data
        case .bytes:
            var sink = BytesSink(name: name)
            try readTensorData(into: &sink, shape: shape, count: count, name: name)
            return sink.data
        case .fp16, .bf16:
            throw .invalidTensor(name: name, reason: "\(datatype) data must be sent as binary tensor data (parameters.binary_data_size);"
                                 + " JSON numbers have no 16-bit float form")
        default:
            var sink = RawNumberSink(name: name, datatype: datatype)
            try readTensorData(into: &sink, shape: shape, count: count, name: name)
            return sink.data
        }
    }
}
