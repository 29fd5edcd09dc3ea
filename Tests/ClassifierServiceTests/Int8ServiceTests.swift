import Foundation
@testable import ShuffleNet
import TestSupport
import XCTest

/// An int8 model served: quantized by the CLI from a folder of photos, served beside the float model with no flag,
/// described as int8 by /models/{name}, classifying a photo, and answering the V2 route with the logits the int8
/// engine computes in-process for the same input.
final class Int8ServiceTests: XCTestCase {
    func testAQuantizedModelIsServedAsInt8() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let float = directory.appendingPathComponent("g3.safetensors").path
        let converted = try runProcess(ServiceProcess.binary, ["convert", try SharedFixtures.path("models/shufflenetv1_g3_0.5x.pth.tar"), "--out", float,
                                                               "--labels", try SharedFixtures.path("models/imagenet_synsets.txt")])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        let calibration = directory.appendingPathComponent("calibration")
        try FileManager.default.createDirectory(at: calibration, withIntermediateDirectories: true)
        let photos = try SharedFixtures.path("photos/imagenet-dev")
        for name in try FileManager.default.contentsOfDirectory(atPath: photos).filter({ $0.hasSuffix(".JPEG") }).sorted().prefix(4) {
            try FileManager.default.createSymbolicLink(atPath: calibration.appendingPathComponent(name).path, withDestinationPath: "\(photos)/\(name)")
        }
        let int8 = directory.appendingPathComponent("g3-int8.safetensors").path
        let quantized = try runProcess(ServiceProcess.binary, ["quantize", float, "--calibration", calibration.path, "--out", int8])
        XCTAssertEqual(quantized.status, 0, quantized.stderr)

        let service = try ServiceProcess(models: [float, int8], arguments: ["--workers", "2"])
        defer { service.stop() }
        let described = try curl(["\(service.baseURL)/models/g3-int8"])
        XCTAssertEqual(described.status, 200)
        XCTAssertEqual(described.json["precision"] as? String, "int8")
        XCTAssertEqual((described.json["quantization"] as? [String: Any])?["calibration_images"] as? Int, 4)
        XCTAssertEqual(try curl(["\(service.baseURL)/models/g3"]).json["precision"] as? String, "float32")
        let metadata = try curl(["\(service.baseURL)/v2/models/g3-int8"])
        XCTAssertEqual((metadata.json["parameters"] as? [String: Any])?["precision"] as? String, "int8")

        let classified = try curl(["-F", "image=@\(try SharedFixtures.path("images/chelsea.png"))", "\(service.baseURL)/classify?model=g3-int8"])
        XCTAssertEqual(classified.status, 200, String(decoding: classified.body, as: UTF8.self))
        let top = try XCTUnwrap((classified.json["predictions"] as? [[String: Any]])?.first)
        XCTAssertEqual(top["label"] as? String, "Egyptian cat")

        // The golden's preprocessed input over V2 (binary FP32) against the int8 engine run here on the same file.
        let io = try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_chelsea.io.safetensors"))
        let model = try ShuffleNetModel.load(path: int8)
        let session = QuantizedSession(network: QuantizedNetwork(try XCTUnwrap(model.quantized)))
        session.setInput(io.input)
        let plane = 224 * 224
        let expected = Array(session.forward(batch: 1))
        let header = #"{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 3, 224, 224], "parameters": {"binary_data_size": \#(plane * 12)}}], "outputs": [{"name": "logits"}]}"#
        var body = Array(header.utf8)
        for value in io.input.data { withUnsafeBytes(of: value.bitPattern.littleEndian) { body += $0 } }
        let bodyPath = directory.appendingPathComponent("chelsea.bin").path
        XCTAssertTrue(FileManager.default.createFile(atPath: bodyPath, contents: Data(body)))
        let reply = try curl(["-H", "Inference-Header-Content-Length: \(header.utf8.count)", "--data-binary", "@\(bodyPath)",
                              "\(service.baseURL)/v2/models/g3-int8/infer"])
        XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
        let logits = try XCTUnwrap((reply.json["outputs"] as? [[String: Any]])?.first?["data"] as? [Double]).map(Float.init)
        XCTAssertLessThan(ReferenceIO.relativeError(logits, expected), 1e-6)
    }
}
