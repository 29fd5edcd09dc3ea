import Foundation
import TestSupport
import XCTest

/// `--model DIR` serves every *.safetensors file in DIR in name order, as KServe delivers models into
/// /mnt/models.
final class ModelDirectoryTests: XCTestCase {
    func testADirectoryServesItsModelsInNameOrder() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Named so that name order differs from the order the checkpoints are usually given in.
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("b.safetensors").path, withDestinationPath: try ServiceModels.path("g3"))
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("a.SAFETENSORS").path, withDestinationPath: try ServiceModels.path("g8"))
        try Data("ignored".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let service = try ServiceProcess(models: [directory.path], arguments: ["--workers", "1"])
        defer { service.stop() }
        let models = try XCTUnwrap(try curl(["\(service.baseURL)/models"]).json["models"] as? [[String: Any]])
        // Each file's metadata names its model; the first file (a.SAFETENSORS, the g8 checkpoint) is the default.
        XCTAssertEqual(models.map { $0["name"] as? String }, ["shufflenet_v1_g8_0.5x", "shufflenet_v1_g3_0.5x"])
        let reply = try curl(["-F", "image=@\(try SharedFixtures.path("images/chelsea.png"))", "\(service.baseURL)/classify"])
        XCTAssertEqual(reply.json["model"] as? String, "shufflenet_v1_g8_0.5x")
    }
}
