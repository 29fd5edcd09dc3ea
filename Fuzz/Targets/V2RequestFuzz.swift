// libFuzzer entry point for the Open Inference Protocol request decoder: the JSON part, tensor data (flat and
// nested, every datatype) and the binary tensor data framing. Built by scripts/fuzz.sh together with
// Sources/OpenInference/{Core,Decoding} as one module (they import nothing).
//
// Input layout: an optional first line "#<value>\n" is the Inference-Header-Content-Length header's value;
// the rest is the body.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzV2Request(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var body = Array(UnsafeBufferPointer(start: data, count: size))
    var header: String?
    if body.first == UInt8(ascii: "#"), let newline = body.firstIndex(of: 0x0A) {
        header = String(decoding: body[1..<newline], as: UTF8.self)
        body.removeSubrange(0...newline)
    }
    let limits = InferenceLimits(maxJSONDepth: 24, maxElementsPerTensor: 1 << 16, maxTensors: 8)
    do {
        let request = try InferenceRequest.decode(body: body, headerLength: header, limits: limits)
        precondition(request.inputs.count <= limits.maxTensors && (request.outputs?.count ?? 0) <= limits.maxTensors)
        var binaryBytes = 0
        for input in request.inputs {
            guard let count = TensorShape.elementCount(input.shape) else { preconditionFailure("accepted an overflowing shape") }
            precondition(count <= limits.maxElementsPerTensor && input.elementCount == count, "\(input.name): \(input.elementCount) of \(count)")
            switch input.data {
            case .fp32(let values):  // JSON has no NaN or infinity; binary data may hold any bit pattern
                precondition(input.datatype == .fp32 && (input.binaryDataSize != nil || values.allSatisfy(\.isFinite)))
            case .fp32Bytes(let bytes):  // binary data, in place: exactly its range of the body
                precondition(input.datatype == .fp32 && input.binaryDataSize == bytes.byteRange.count && bytes.byteRange.upperBound <= body.count)
            case .bytes(let elements): precondition(input.datatype == .bytes && elements.allSatisfy { $0.count <= body.count })
            case .raw(let bytes): precondition(bytes.count == count * (input.datatype.elementSize ?? 0))
            }
            binaryBytes += input.binaryDataSize ?? 0
        }
        // Every byte is accounted for: the JSON part plus the declared binary sizes is the body.
        let jsonLength = header.map { Int(BinaryTensorData.trimmed($0))! } ?? body.count
        precondition(jsonLength + binaryBytes == body.count, "\(jsonLength) + \(binaryBytes) != \(body.count)")
    } catch {
        precondition([400, 413].contains(error.statusCode) && !error.message.isEmpty && !error.code.isEmpty)
    }
    return 0
}
