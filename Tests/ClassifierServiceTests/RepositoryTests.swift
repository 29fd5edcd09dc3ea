import Foundation
import TestSupport
import XCTest

/// The model-repository API (--enable-model-control): index, load (by name or by a path under --model-dir,
/// never outside it), unload (never the last model); readiness, /models and the metrics follow at once.
final class RepositoryTests: XCTestCase {
    func post(_ service: ServiceProcess, _ path: String, _ json: String? = nil) throws -> Reply {
        try curl(["-X", "POST"] + (json.map { ["-H", "Content-Type: application/json", "--data-binary", $0] } ?? []) + ["\(service.baseURL)\(path)"])
    }

    func testIndexLoadUnloadAndTheDirectoryFence() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let models = directory.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: false)
        let g8 = models.appendingPathComponent("shufflenet_v1_g8_0.5x.safetensors").path
        try FileManager.default.copyItem(atPath: try ServiceModels.path("g8"), toPath: g8)
        // A file outside the directory, and a link inside it that points to that file.
        let outside = directory.appendingPathComponent("outside.safetensors").path
        try FileManager.default.copyItem(atPath: try ServiceModels.path("g8"), toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: models.appendingPathComponent("sneaky.safetensors").path, withDestinationPath: outside)

        let service = try ServiceProcess(models: [try ServiceModels.path("g3")],
                                         arguments: ["--workers", "1", "--enable-model-control", "--model-dir", models.path])
        defer { service.stop() }
        XCTAssertTrue((try curl(["\(service.baseURL)/v2"]).json["extensions"] as? [String] ?? []).contains("model_repository"))

        var index = try XCTUnwrap(try JSONSerialization.jsonObject(with: try post(service, "/v2/repository/index").body) as? [[String: Any]])
        XCTAssertEqual(index.map { $0["name"] as? String }, ["shufflenet_v1_g3_0.5x"])
        XCTAssertEqual(index.first?["state"] as? String, "READY")

        // Load by name: <model-dir>/<name>.safetensors.
        XCTAssertEqual(try post(service, "/v2/repository/models/shufflenet_v1_g8_0.5x/load").status, 200)
        XCTAssertEqual(try curl(["\(service.baseURL)/v2/models/shufflenet_v1_g8_0.5x/ready"]).status, 200)
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        XCTAssertEqual(try curl(["-F", "image=@\(chelsea)", "\(service.baseURL)/classify?model=shufflenet_v1_g8_0.5x"]).status, 200)
        let metrics = String(decoding: try curl(["\(service.baseURL)/metrics"]).body, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"shufflenet_model_info{model="shufflenet_v1_g8_0.5x""#), metrics)

        // Paths outside --model-dir, directly, through .. or through a link, are refused; so is a name mismatch.
        for path in [outside, models.path + "/../outside.safetensors", "sneaky.safetensors"] {
            let refused = try post(service, "/v2/repository/models/shufflenet_v1_g8_0.5x/load", #"{"parameters":{"path":"\#(path)"}}"#)
            XCTAssertEqual(refused.status, 400, path)
            XCTAssertTrue((refused.json["error"] as? String ?? "").contains("outside"), "\(path): \(refused.json)")
        }
        let mismatch = try post(service, "/v2/repository/models/other/load", #"{"parameters":{"path":"\#(g8)"}}"#)
        XCTAssertEqual(mismatch.status, 400)
        XCTAssertTrue((mismatch.json["error"] as? String ?? "").contains("not 'other'"), "\(mismatch.json)")

        // Unload: the model goes at once; the last one stays.
        XCTAssertEqual(try post(service, "/v2/repository/models/shufflenet_v1_g3_0.5x/unload").status, 200)
        XCTAssertEqual(try curl(["\(service.baseURL)/v2/models/shufflenet_v1_g3_0.5x/ready"]).status, 404)
        XCTAssertEqual((try curl(["\(service.baseURL)/models"]).json["models"] as? [[String: Any]])?.map { $0["name"] as? String }, ["shufflenet_v1_g8_0.5x"])
        let last = try post(service, "/v2/repository/models/shufflenet_v1_g8_0.5x/unload")
        XCTAssertEqual(last.status, 409)
        XCTAssertNotNil(last.json["error"] as? String)
        index = try XCTUnwrap(try JSONSerialization.jsonObject(with: try post(service, "/v2/repository/index").body) as? [[String: Any]])
        // A failed load is listed too, with its reason, as the index lists every model it knows of.
        XCTAssertEqual(index.map { "\($0["name"]!) \($0["state"]!)" }, ["shufflenet_v1_g8_0.5x READY", "other UNAVAILABLE", "shufflenet_v1_g3_0.5x UNAVAILABLE"])
        XCTAssertEqual(index.last?["reason"] as? String, "unloaded")
        let ready = try XCTUnwrap(try JSONSerialization.jsonObject(with: try post(service, "/v2/repository/index", #"{"ready":true}"#).body) as? [[String: Any]])
        XCTAssertEqual(ready.count, 1)
        // The unloaded model comes back from the file it was served from.
        XCTAssertEqual(try post(service, "/v2/repository/models/shufflenet_v1_g3_0.5x/load").status, 200)
        XCTAssertEqual(try curl(["\(service.baseURL)/v2/models/shufflenet_v1_g3_0.5x/ready"]).status, 200)
    }

    func testTheRoutesExistOnlyWithModelControl() throws {
        let service = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "1"])
        defer { service.stop() }
        let reply = try post(service, "/v2/repository/index")
        XCTAssertEqual(reply.status, 404)
        XCTAssertNotNil(reply.json["error"] as? String, "a /v2 path's error has the protocol's shape")
        XCTAssertFalse((try curl(["\(service.baseURL)/v2"]).json["extensions"] as? [String] ?? []).contains("model_repository"))
    }
}
