import Foundation
import TestSupport
import XCTest
@testable import OpenInference

/// NVIDIA's tritonclient, the client most V2 users have: the bodies its HTTP client builds decode to exactly the
/// tensors it was given, and it reads the responses we encode. Needs `tritonclient[http]` in the repository's
/// `.venv` (scripts/test.sh installs it); skips without it locally, fails under CI.
final class TritonClientTests: XCTestCase {
    let script = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/tritonclient_bodies.py").path

    func runScript(_ arguments: [String]) throws -> ProcessResult {
        let python = SharedFixtures.repositoryRoot.appendingPathComponent(".venv/bin/python").path
        var result: ProcessResult?
        if FileManager.default.isExecutableFile(atPath: python) { result = try runProcess(python, [script] + arguments) }
        guard let result, result.status != 3 else {
            let message = "tritonclient[http] is not installed in \(python) (scripts/test.sh installs it)"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message) }
            throw XCTSkip(message)
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func testEveryBodyTritonclientBuildsDecodesToItsTensors() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = try runScript(["requests", directory.path]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(names.count, 5)
        for name in names {
            let file = { (suffix: String) in directory.appendingPathComponent(name + suffix) }
            let meta = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: file(".json"))) as? [String: Any])
            let body = [UInt8](try Data(contentsOf: file(".body")))
            let headerLength = (meta["header_length"] as? Int).map(String.init)
            let request = try InferenceRequest.decode(body: body, headerLength: headerLength)

            XCTAssertEqual(request.id, meta["id"] as? String, name)
            if let custom = meta["parameters"] as? [String: Any], !custom.isEmpty {
                XCTAssertEqual(request.parameters["custom"], .string("yes"))
                XCTAssertEqual(request.parameters["n"], .int(3))
            }
            if let outputs = meta["outputs"] as? [[String: Any]] {
                XCTAssertEqual(request.outputs?.map(\.name), outputs.map { $0["name"] as? String ?? "" }, name)
                for (decoded, sent) in zip(request.outputs ?? [], outputs) {
                    let parameters = sent["parameters"] as? [String: Any] ?? [:]
                    XCTAssertEqual(decoded.binaryData, parameters["binary_data"] as? Bool, name)
                    XCTAssertEqual(decoded.classification, parameters["classification"] as? Int, name)
                }
            } else {
                XCTAssertNil(request.outputs)
                XCTAssertEqual(request.binaryDataOutput, true, "tritonclient asks for binary outputs when it names none")
            }
            let inputs = try XCTUnwrap(meta["inputs"] as? [[String: Any]])
            XCTAssertEqual(request.inputs.map(\.name), inputs.map { $0["name"] as? String ?? "" }, name)
            for (decoded, sent) in zip(request.inputs, inputs) {
                XCTAssertEqual(decoded.datatype.rawValue, sent["datatype"] as? String)
                XCTAssertEqual(decoded.shape, sent["shape"] as? [Int])
                XCTAssertEqual(decoded.binaryDataSize != nil, sent["binary"] as? Bool, "\(name).\(decoded.name)")
                var bytes: [UInt8] = []
                TensorWriter.writeBinary(decoded.data, into: &bytes)
                let expected = [UInt8](try Data(contentsOf: file(".\(decoded.name).expected")))
                XCTAssertEqual(bytes, expected, "\(name).\(decoded.name): every element exactly as numpy had it")
            }
        }
    }

    func testTritonclientReadsOurResponsesBothWays() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let logits: [Float] = [2.5, -1e-20, 0.1, 3.4028235e38, -7, 0.623111, .leastNonzeroMagnitude, 100, -0.5, 9]
        let labels = (0..<5).map { "class \($0), \"quoted\"" }
        for binary in [false, true] {
            let response = InferenceResponse(modelName: "m", modelVersion: "1", id: "r", outputs: [
                OutputTensor(name: "logits", datatype: .fp32, shape: [2, 5], data: .fp32(logits), binaryData: binary),
                OutputTensor(name: "ids", datatype: .int64, shape: [2], data: .raw([1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])),
                Classification.output(name: "probabilities", scores: logits, shape: [2, 5], k: 3, labels: labels, binaryData: binary),
            ])
            let encoded = response.encoded()
            let path = directory.appendingPathComponent("response-\(binary).bin").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(encoded.body)))
            let printed = try runScript(["response", path, encoded.headerLength.map(String.init) ?? "-"]).stdout
            let outputs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: [String: Any]])

            XCTAssertEqual(outputs["logits"]?["shape"] as? [Int], [2, 5])
            let numbers = try XCTUnwrap(outputs["logits"]?["data"] as? [NSNumber])
            XCTAssertEqual(numbers.map { Float($0.doubleValue).bitPattern }, logits.map(\.bitPattern), "binary: \(binary)")
            XCTAssertEqual(outputs["ids"]?["data"] as? [Int], [1, -1])
            XCTAssertEqual(outputs["probabilities"]?["shape"] as? [Int], [2, 3])
            XCTAssertEqual(outputs["probabilities"]?["data"] as? [String], [
                "340282346638528859811704183484516925440.000000:3:class 3, \"quoted\"", "2.500000:0:class 0, \"quoted\"",
                "0.100000:2:class 2, \"quoted\"", "100.000000:2:class 2, \"quoted\"", "9.000000:4:class 4, \"quoted\"",
                "0.623111:0:class 0, \"quoted\"",
            ])
        }
    }
}
