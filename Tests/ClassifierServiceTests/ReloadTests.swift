import Foundation
import TestSupport
import XCTest

/// SIGHUP re-reads the model files given at start: a replaced file is served from then on, a broken
/// replacement leaves the previous model serving, and the metrics say which happened.
final class ReloadTests: XCTestCase {
    func waitFor(_ what: String, timeout: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("timed out waiting for \(what)")
    }

    /// Replaces `path` atomically (write aside, rename), as deployment tools do.
    func replace(_ path: String, with data: Data) throws {
        let aside = path + ".new"
        try data.write(to: URL(fileURLWithPath: aside))
        XCTAssertEqual(rename(aside, path), 0)
    }

    func testSIGHUPServesTheReplacedFileAndKeepsTheOldModelWhenTheNewOneIsBroken() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("served.safetensors").path
        try replace(path, with: try Data(contentsOf: URL(fileURLWithPath: try ServiceModels.path("g3"))))
        let service = try ServiceProcess(models: [path], arguments: ["--workers", "2"])
        defer { service.stop() }
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        func classifiedBy() throws -> String? { try curl(["-F", "image=@\(chelsea)", "\(service.baseURL)/classify"]).json["model"] as? String }
        XCTAssertEqual(try classifiedBy(), "shufflenet_v1_g3_0.5x")

        try replace(path, with: try Data(contentsOf: URL(fileURLWithPath: try ServiceModels.path("g8"))))
        service.signal(SIGHUP)
        try waitFor("the g8 model to be served") { try classifiedBy() == "shufflenet_v1_g8_0.5x" }
        let models = try XCTUnwrap(try curl(["\(service.baseURL)/models"]).json["models"] as? [[String: Any]])
        XCTAssertEqual(models.map { $0["name"] as? String }, ["shufflenet_v1_g8_0.5x"], "the replaced model is gone")
        var metrics = String(decoding: try curl(["\(service.baseURL)/metrics"]).body, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"shufflenet_model_reloads_total{model="shufflenet_v1_g8_0.5x",result="success"} 1"#), metrics)
        XCTAssertTrue(metrics.contains(#"model="shufflenet_v1_g8_0.5x""#) && metrics.contains(#"generation="2""#))
        XCTAssertFalse(metrics.contains(#"shufflenet_model_info{model="shufflenet_v1_g3_0.5x""#), "model_info follows the change")

        // A truncated replacement: the reload fails, the g8 model keeps answering.
        let g8 = try Data(contentsOf: URL(fileURLWithPath: try ServiceModels.path("g8")))
        try replace(path, with: g8.prefix(g8.count / 3))
        service.signal(SIGHUP)
        try waitFor("the failed reload to be counted") {
            String(decoding: try curl(["\(service.baseURL)/metrics"]).body, as: UTF8.self).contains(#"result="failure"} 1"#)
        }
        XCTAssertEqual(try classifiedBy(), "shufflenet_v1_g8_0.5x")
        XCTAssertTrue(service.log.contains("model not reloaded; the previous one keeps serving"), service.log)
        metrics = String(decoding: try curl(["\(service.baseURL)/metrics"]).body, as: UTF8.self)
        XCTAssertTrue(metrics.contains(#"shufflenet_model_info{model="shufflenet_v1_g8_0.5x""#))
        XCTAssertEqual(try curl(["\(service.baseURL)/readyz"]).status, 200)
    }
}
