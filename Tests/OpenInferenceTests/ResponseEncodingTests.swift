import Foundation
import HTTP
import XCTest
@testable import OpenInference

/// Responses as bytes: JSON only, or JSON plus binary tensor data, read back by Foundation's JSON parser and
/// by our own request decoder (the same framing in the other direction).
final class ResponseEncodingTests: XCTestCase {
    let logits: [Float] = [1.5, -0.25, .leastNonzeroMagnitude, 3.4028235e38, 0.1, -7]

    func json(_ bytes: ArraySlice<UInt8>) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func testJSONOnlyResponse() throws {
        let response = InferenceResponse(modelName: "shufflenet", modelVersion: "1", id: "req \"7\"", outputs: [
            OutputTensor(name: "logits", datatype: .fp32, shape: [2, 3], data: .fp32(logits)),
            OutputTensor(name: "classes", datatype: .bytes, shape: [1], data: .bytes(BytesTensor(strings: ["0.5:1:tabby, cat"]))),
            OutputTensor(name: "flags", datatype: .bool, shape: [2], data: .raw([1, 0])),
        ])
        let encoded = response.encoded()
        XCTAssertNil(encoded.headerLength)
        XCTAssertEqual(encoded.headers["Content-Type"], "application/json")
        XCTAssertNil(encoded.headers[inferenceHeaderContentLengthField])
        let object = try json(encoded.body[...])
        XCTAssertEqual(object["model_name"] as? String, "shufflenet")
        XCTAssertEqual(object["model_version"] as? String, "1")
        XCTAssertEqual(object["id"] as? String, "req \"7\"")
        let outputs = try XCTUnwrap(object["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["logits", "classes", "flags"])
        XCTAssertEqual(outputs[0]["datatype"] as? String, "FP32")
        XCTAssertEqual(outputs[0]["shape"] as? [Int], [2, 3])
        let numbers = try XCTUnwrap(outputs[0]["data"] as? [NSNumber])
        XCTAssertEqual(numbers.map { Float($0.doubleValue).bitPattern }, logits.map(\.bitPattern), "shortest text reads back exactly")
        XCTAssertEqual(outputs[1]["data"] as? [String], ["0.5:1:tabby, cat"])
        XCTAssertEqual(outputs[2]["data"] as? [Bool], [true, false])
        XCTAssertTrue(String(decoding: encoded.body, as: UTF8.self).contains("\"data\":[1.5,-0.25,1e-45,3.4028235e+38,0.1,-7.0]"))
    }

    func testBinaryOutputsFollowTheJSONInOrderWithTheirSizes() throws {
        let classes = BytesTensor(strings: ["0.9:3:a", "0.1:0:b"])
        let response = InferenceResponse(modelName: "m", outputs: [
            OutputTensor(name: "logits", datatype: .fp32, shape: [1, 6], data: .fp32(logits), binaryData: true),
            OutputTensor(name: "json", datatype: .int64, shape: [1], data: .raw([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])),
            OutputTensor(name: "classes", datatype: .bytes, shape: [2], data: .bytes(classes), binaryData: true),
        ])
        let encoded = response.encoded()
        let headerLength = try XCTUnwrap(encoded.headerLength)
        XCTAssertEqual(encoded.headers[inferenceHeaderContentLengthField], String(headerLength))
        XCTAssertEqual(encoded.headers["Content-Type"], "application/octet-stream")
        let object = try json(encoded.body[..<headerLength])
        XCTAssertNil(object["id"])
        XCTAssertNil(object["model_version"])
        let outputs = try XCTUnwrap(object["outputs"] as? [[String: Any]])
        XCTAssertNil(outputs[0]["data"])
        XCTAssertEqual((outputs[0]["parameters"] as? [String: Int])?["binary_data_size"], 24)
        XCTAssertEqual(outputs[1]["data"] as? [Int], [-2])
        XCTAssertEqual((outputs[2]["parameters"] as? [String: Int])?["binary_data_size"], 4 + 7 + 4 + 7)
        let tail = Array(encoded.body[headerLength...])
        XCTAssertEqual(tail, littleEndianBytes(logits) + serializedElements([Array("0.9:3:a".utf8), Array("0.1:0:b".utf8)]))
        let http = encoded.httpResponse()
        XCTAssertEqual(http.status, .ok)
        XCTAssertEqual(http.body, encoded.body)
    }

    /// The same bytes, relabelled as a request's inputs, go through our request decoder: the two framings agree.
    func testResponseFramingReadsBackThroughTheRequestDecoder() throws {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<1000).map { _ in Float(bitPattern: UInt32.random(in: 0...0x7F7F_FFFF, using: &generator)) * (Bool.random() ? 1 : -1) }
        for binary in [false, true] {
            let output = OutputTensor(name: "logits", datatype: .fp32, shape: [10, 100], data: .fp32(values), binaryData: binary)
            let encoded = InferenceResponse(modelName: "m", outputs: [output]).encoded()
            let headerLength = encoded.headerLength ?? encoded.body.count
            var object = try json(encoded.body[..<headerLength])
            object["inputs"] = object.removeValue(forKey: "outputs")
            let requestJSON = try JSONSerialization.data(withJSONObject: object)
            let requestBody = Array(requestJSON) + encoded.body[headerLength...]
            let decoded = try InferenceRequest.decode(body: requestBody, headerLength: binary ? String(requestJSON.count) : nil)
            XCTAssertEqual(decoded.inputs[0].data.fp32?.map(\.bitPattern), values.map(\.bitPattern), "binary: \(binary)")
        }
    }

    func testEveryDatatypeWritesJSONThatReadsBackToTheSameBytes() throws {
        let raw: [(TensorDatatype, [UInt8])] = [
            (.bool, [0, 1]), (.uint8, [0, 255]), (.int8, [0x80, 0x7F]), (.uint16, [0xFF, 0xFF, 1, 0]), (.int16, [0, 0x80, 1, 0]),
            (.uint32, [1, 2, 3, 4]), (.int32, [0xFF, 0xFF, 0xFF, 0xFF]), (.uint64, [UInt8](repeating: 0xFF, count: 8)),
            (.int64, [0, 0, 0, 0, 0, 0, 0, 0x80]), (.fp64, [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F]),
        ]
        for (datatype, bytes) in raw {
            let count = bytes.count / datatype.elementSize!
            let output = OutputTensor(name: "t", datatype: datatype, shape: [count], data: .raw(bytes))
            let body = InferenceResponse(modelName: "m", outputs: [output]).encoded().body
            let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"outputs\"", with: "\"inputs\"")
            XCTAssertEqual(try FramedBody(json: text).decode().inputs[0].data, .raw(bytes), "\(datatype): \(text)")
        }
    }

    func testHalfPrecisionOutputsAreWrittenAsTheirExactValues() {
        XCTAssertEqual(TensorWriter.halfToFloat(0x3C00), 1)
        XCTAssertEqual(TensorWriter.halfToFloat(0xC000), -2)
        XCTAssertEqual(TensorWriter.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(TensorWriter.halfToFloat(0x0001), 0x1p-24)
        XCTAssertEqual(TensorWriter.halfToFloat(0x7C00), .infinity)
        XCTAssertTrue(TensorWriter.halfToFloat(0x7E00).isNaN)
        let output = OutputTensor(name: "h", datatype: .fp16, shape: [2], data: .raw([0x00, 0x3C, 0x00, 0x7C]))
        let text = String(decoding: InferenceResponse(modelName: "m", outputs: [output]).encoded().body, as: UTF8.self)
        XCTAssertTrue(text.contains("\"data\":[1.0,null]"), text)
        let brain = OutputTensor(name: "b", datatype: .bf16, shape: [1], data: .raw([0xC0, 0x3F]))
        XCTAssertTrue(String(decoding: InferenceResponse(modelName: "m", outputs: [brain]).encoded().body, as: UTF8.self).contains("[1.5]"))
    }
}
