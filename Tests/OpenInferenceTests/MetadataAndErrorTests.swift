import Foundation
import HTTP
import XCTest
@testable import OpenInference

/// Metadata bodies, the protocol's error body, and errors' statuses and messages.
final class MetadataAndErrorTests: XCTestCase {
    func testServerMetadata() {
        let metadata = ServerMetadata(name: "shufflenet-serve", version: "1.2.0", extensions: ["binary_tensor_data", "classification"])
        XCTAssertEqual(String(decoding: metadata.body, as: UTF8.self),
                       #"{"name":"shufflenet-serve","version":"1.2.0","extensions":["binary_tensor_data","classification"]}"#)
    }

    func testModelMetadata() {
        let metadata = ModelMetadata(name: "shufflenet_v1_g3_0.5x", versions: ["1"], platform: "shufflenet_swift",
                                     inputs: [TensorMetadata(name: "input", datatype: .fp32, shape: [-1, 3, 224, 224]),
                                              TensorMetadata(name: "image", datatype: .bytes, shape: [-1])],
                                     outputs: [TensorMetadata(name: "logits", datatype: .fp32, shape: [-1, 1000])])
        XCTAssertEqual(String(decoding: metadata.body, as: UTF8.self), #"{"name":"shufflenet_v1_g3_0.5x","versions":["1"],"platform":"shufflenet_swift","#
            + #""inputs":[{"name":"input","datatype":"FP32","shape":[-1,3,224,224]},{"name":"image","datatype":"BYTES","shape":[-1]}],"#
            + #""outputs":[{"name":"logits","datatype":"FP32","shape":[-1,1000]}]}"#)
    }

    func testInputsAreCheckedAgainstTheModelsTensors() throws {
        let declared = TensorMetadata(name: "input", datatype: .fp32, shape: [-1, 3, 224, 224])
        let input = { (datatype: TensorDatatype, shape: [Int]) in InputTensor(name: "input", datatype: datatype, shape: shape, data: .raw([])) }
        XCTAssertNoThrow(try input(.fp32, [8, 3, 224, 224]).validate(against: declared))
        XCTAssertThrowsError(try input(.fp16, [8, 3, 224, 224]).validate(against: declared)) {
            XCTAssertEqual($0 as? InferenceProtocolError, .wrongDatatype(tensor: "input", expected: [.fp32], actual: .fp16))
        }
        for shape in [[8, 3, 224], [8, 3, 224, 225], [8, 3, 224, 224, 1], [1, 1, 224, 224]] {
            XCTAssertThrowsError(try input(.fp32, shape).validate(against: declared)) {
                XCTAssertEqual($0 as? InferenceProtocolError, .wrongShape(tensor: "input", expected: [-1, 3, 224, 224], actual: shape))
            }
        }
    }

    func testErrorsRenderAsTheProtocolsErrorObjectWithTheirStatusAndHeaders() throws {
        struct QueueFull: HTTPResponseError {
            var status: HTTPStatus { .serviceUnavailable }
            var code: String { "queue_full" }
            var message: String { "the inference queue is full (64 waiting); retry shortly" }
            var headers: HTTPHeaders { ["Retry-After": "1", "Content-Type": "text/plain"] }
        }
        let renderer: HTTPErrorRenderer = InferenceErrorBody.response(for:)
        let busy = renderer(QueueFull())
        XCTAssertEqual(busy.status.code, 503)
        XCTAssertEqual(busy.headers["Retry-After"], "1")
        XCTAssertEqual(busy.headers.values("Content-Type"), ["application/json"])
        XCTAssertEqual(String(decoding: busy.body, as: UTF8.self), #"{"error":"the inference queue is full (64 waiting); retry shortly"}"# + "\n")

        let unknown = renderer(InferenceProtocolError.unknownModel("resnet"))
        XCTAssertEqual(unknown.status, .notFound)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(unknown.body)) as? [String: String])
        XCTAssertEqual(object, ["error": "unknown model 'resnet'"])
    }

    func testStatusesCodesAndMessages() {
        let cases: [(InferenceProtocolError, Int, String, String)] = [
            (.wrongDatatype(tensor: "input", expected: [.fp32], actual: .fp16), 400, "wrong_datatype", "tensor 'input' has datatype FP16; expected FP32"),
            (.wrongShape(tensor: "input", expected: [-1, 3, 224, 224], actual: [1, 3, 100, 100]), 400, "wrong_shape",
             "tensor 'input' has shape [1,3,100,100]; expected [-1,3,224,224] (-1: any size)"),
            (.unknownTensor(kind: "output", name: "scores", known: ["logits", "probabilities"]), 400, "unknown_tensor",
             "unknown output 'scores'; the model's outputs are 'logits', 'probabilities'"),
            (.unknownModelVersion(model: "m", version: "2"), 404, "model_version_not_found", "model 'm' has no version '2'"),
            (.tooLarge(what: "images in the batch", actual: 40, limit: 32), 413, "too_large", "images in the batch: 40 exceeds the limit of 32"),
            (.invalidRequest("exactly one of 'input' and 'image' is needed"), 400, "invalid_request",
             "invalid inference request: exactly one of 'input' and 'image' is needed"),
        ]
        for (error, status, code, message) in cases {
            XCTAssertEqual(error.statusCode, status)
            XCTAssertEqual(error.status.code, status)
            XCTAssertEqual(error.code, code)
            XCTAssertEqual(error.message, message)
        }
        XCTAssertEqual(InferenceProtocolError.tooLarge(what: "x", actual: 1, limit: 0).status, .contentTooLarge)
    }

    func testClientTextInMessagesIsClipped() {
        let name = String(repeating: "n", count: 10_000)
        let message = InferenceProtocolError.unknownModel(name).message
        XCTAssertLessThan(message.count, 100)
        XCTAssertTrue(message.hasSuffix("…'"))
    }
}
