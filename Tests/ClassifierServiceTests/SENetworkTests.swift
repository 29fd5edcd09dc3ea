import Foundation
import ShuffleNet
import TestSupport
import XCTest

/// The squeeze-and-excitation goldens served: converted by `shufflenet convert` (safetensors in, our format out;
/// no labels), served by `shufflenet serve`, described by /models/{name} and the V2 model metadata, and their
/// golden `input` tensors sent to `POST /v2/models/{name}/infer` as JSON and as binary tensor data give the
/// golden logits within 1e-4 of the largest.
final class SENetworkTests: XCTestCase {
    nonisolated(unsafe) static var shared: (service: ServiceProcess, directory: URL)?
    static let goldens: [(name: String, side: Int, r: Int, repeats: [Int])] = [("g3_se_r16", 224, 16, [4, 8, 4]), ("g8_se_r4_shallow", 128, 4, [2, 4, 2])]

    func service() throws -> ServiceProcess {
        if let running = Self.shared { return running.service }
        let directory = try Checkpoints.temporaryDirectory()
        var models: [String] = []
        for golden in Self.goldens {
            let out = directory.appendingPathComponent("\(golden.name).safetensors").path
            let converted = try runProcess(ServiceProcess.binary, ["convert", try SharedFixtures.path("reference/random/\(golden.name).safetensors"),
                                                                   "--out", out, "--input-size", "\(golden.side)"])
            XCTAssertEqual(converted.status, 0, converted.stderr)
            models.append(out)
        }
        // No --labels: models without labels are served, their classes named "class <i>".
        let started = try ServiceProcess(models: models, arguments: ["--workers", "2"])
        Self.shared = (started, directory)
        return started
    }

    override class func tearDown() {
        if let (service, directory) = shared {
            service.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        shared = nil
        super.tearDown()
    }

    func testModelsDescribeTheirReductionAndRepeats() throws {
        let s = try service()
        for golden in Self.goldens {
            let described = try curl(["\(s.baseURL)/models/\(golden.name)"])
            XCTAssertEqual(described.status, 200, String(decoding: described.body, as: UTF8.self))
            XCTAssertEqual(described.json["se_reduction"] as? Int, golden.r)
            XCTAssertEqual(described.json["stage_repeats"] as? [Int], golden.repeats)
            XCTAssertEqual(described.json["input_size"] as? Int, golden.side)

            let metadata = try curl(["\(s.baseURL)/v2/models/\(golden.name)"])
            XCTAssertEqual(metadata.status, 200)
            let parameters = try XCTUnwrap(metadata.json["parameters"] as? [String: Any], "\(metadata.json)")
            XCTAssertEqual(parameters["se_reduction"] as? Int, golden.r)
            XCTAssertEqual(parameters["stage_repeats"] as? String, golden.repeats.map(String.init).joined(separator: ","))
        }
    }

    func testGoldenInputsGiveTheGoldenLogitsOverV2() throws {
        let s = try service()
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for golden in Self.goldens {
            let io = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(golden.name).io.safetensors"))
            let shape = "[1, 3, \(golden.side), \(golden.side)]"
            let url = "\(s.baseURL)/v2/models/\(golden.name)/infer"

            // JSON: the tensor's values as numbers ("%.9g" keeps every Float exactly).
            let values = io.input.data.map { String(format: "%.9g", $0) }.joined(separator: ",")
            let json = #"{"inputs": [{"name": "input", "datatype": "FP32", "shape": \#(shape), "data": [\#(values)]}], "#
                + #""outputs": [{"name": "logits"}, {"name": "probabilities", "parameters": {"classification": 2}}]}"#
            let jsonPath = directory.appendingPathComponent("\(golden.name).json").path
            XCTAssertTrue(FileManager.default.createFile(atPath: jsonPath, contents: Data(json.utf8)))
            let reply = try curl(["-H", "Content-Type: application/json", "--data-binary", "@\(jsonPath)", url])
            XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
            let outputs = try XCTUnwrap(reply.json["outputs"] as? [[String: Any]])
            let logits = try XCTUnwrap(outputs.first { $0["name"] as? String == "logits" }?["data"] as? [Double]).map(Float.init)
            XCTAssertEqual(logits.count, io.logits.count)
            let error = ReferenceIO.relativeError(logits, io.logits)
            XCTAssertLessThan(error, 1e-4, "\(golden.name) over JSON: relative logit error \(error)")
            let top = try XCTUnwrap(outputs.first { $0["name"] as? String == "probabilities" }?["data"] as? [String])
            let best = io.logits.indices.max { io.logits[$0] < io.logits[$1] }!
            XCTAssertTrue(top.first?.hasSuffix(":\(best):class \(best)") == true, "\(top)")

            // Binary tensor data: the FP32 values little-endian after the JSON header.
            let header = #"{"inputs": [{"name": "input", "datatype": "FP32", "shape": \#(shape), "parameters": {"binary_data_size": \#(io.input.data.count * 4)}}], "outputs": [{"name": "logits"}]}"#
            var body = Array(header.utf8)
            for value in io.input.data { withUnsafeBytes(of: value.bitPattern.littleEndian) { body += $0 } }
            let binaryPath = directory.appendingPathComponent("\(golden.name).bin").path
            XCTAssertTrue(FileManager.default.createFile(atPath: binaryPath, contents: Data(body)))
            let binaryReply = try curl(["-H", "Content-Type: application/octet-stream", "-H", "Inference-Header-Content-Length: \(header.utf8.count)",
                                        "--data-binary", "@\(binaryPath)", url])
            XCTAssertEqual(binaryReply.status, 200, String(decoding: binaryReply.body, as: UTF8.self))
            let binaryOutputs = try XCTUnwrap(binaryReply.json["outputs"] as? [[String: Any]])
            let binaryLogits = try XCTUnwrap(binaryOutputs.first?["data"] as? [Double]).map(Float.init)
            XCTAssertEqual(binaryLogits.count, io.logits.count)
            let binaryError = ReferenceIO.relativeError(binaryLogits, io.logits)
            XCTAssertLessThan(binaryError, 1e-4, "\(golden.name) over binary tensor data: relative logit error \(binaryError)")
        }
    }
}
