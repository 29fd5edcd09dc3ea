import Foundation
import TestSupport
import XCTest

/// `shufflenet convert` on the squeeze-and-excitation goldens (safetensors in, our format out), `--input-size`,
/// and the refusal of tensors it does not understand.
final class ConvertSETests: XCTestCase {
    func testTheSEGoldensConvertWithTheirInputSize() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, side, r) in [("g3_se_r16", 224, 16), ("g8_se_r4_shallow", 128, 4)] {
            let out = directory.appendingPathComponent("\(name).safetensors").path
            let result = try runProcess(CLITests.binary, ["convert", try SharedFixtures.path("reference/random/\(name).safetensors"),
                                                          "--out", out, "--input-size", "\(side)"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("input \(side) se r\(r)"), result.stdout)
            let info = try runProcess(CLITests.binary, ["info", "--model", out, "--json"])
            XCTAssertEqual(info.status, 0, info.stderr)
            let facts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(facts["input_size"] as? Int, side, info.stdout)
        }
        let bad = try runProcess(CLITests.binary, ["convert", try SharedFixtures.path("reference/random/g3_se_r16.safetensors"),
                                                   "--out", directory.appendingPathComponent("bad.safetensors").path, "--input-size", "100"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("multiple of 32"), bad.stderr)
    }

    /// A checkpoint whose tensors fit no architecture the converter knows is refused, the tensors named, and
    /// nothing is written. (Every input format: ShuffleNetTests.ConverterTensorNameTests.)
    func testUnknownTensorsAreRefusedByName() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The SE golden's bytes with its header's SE names renamed (same length, so every offset stays valid).
        var bytes = try SharedFixtures.data("reference/random/g3_se_r16.safetensors")
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self)
        header = header.replacingOccurrences(of: ".se.fc", with: ".xx.fc")
        bytes.replaceSubrange(8..<8 + headerLength, with: Array(header.utf8))
        let path = directory.appendingPathComponent("renamed.safetensors").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let out = directory.appendingPathComponent("out.safetensors").path
        let result = try runProcess(CLITests.binary, ["convert", path, "--out", out])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("features.0.xx.fc1.weight"), result.stderr)
        XCTAssertTrue(result.stderr.contains("refusing to drop"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
