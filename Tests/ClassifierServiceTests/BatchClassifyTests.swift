import Foundation
import TestSupport
import XCTest

/// /classify with several `image` parts: one entry per part, in order; a bad part fails only its own entry;
/// more parts than --max-batch is a 413 that names the limit.
extension ServiceTests {
    private func form(_ paths: [String]) -> [String] { paths.flatMap { ["-F", "image=@\($0)"] } }

    func testOnePartAnswersAsASingleImage() throws {
        let s = try service()
        let reply = try curl(form([try SharedFixtures.path("images/chelsea.png")]) + ["\(s.baseURL)/classify"])
        XCTAssertEqual(reply.status, 200)
        XCTAssertNil(reply.json["results"], "one part keeps the single-image shape")
        XCTAssertEqual(topOne(reply)?["label"] as? String, "Egyptian cat")
    }

    func testTwoPartsAnswerOneEntryEachInOrder() throws {
        let s = try service()
        let paths = [try SharedFixtures.path("images/coffee.png"), try SharedFixtures.path("images/chelsea.png")]
        let reply = try curl(form(paths) + ["\(s.baseURL)/classify?top_k=2"])
        XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
        let results = try XCTUnwrap(reply.json["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["filename"] as? String }, ["coffee.png", "chelsea.png"])
        let labels = results.map { (($0["predictions"] as? [[String: Any]])?.first?["label"] as? String) }
        XCTAssertEqual(labels, ["espresso", "Egyptian cat"])
        XCTAssertEqual((results[0]["predictions"] as? [Any])?.count, 2)
        XCTAssertEqual(reply.json["model"] as? String, "shufflenet_v1_g3_0.5x")
        XCTAssertNotNil((reply.json["timings_ms"] as? [String: Any])?["total"])
        for entry in results {
            XCTAssertEqual(Set((entry["timings_ms"] as? [String: Any])?.keys ?? [:].keys), ["decode", "preprocess", "queue", "inference"])
        }
    }

    func testABadPartFailsOnlyItsOwnEntry() throws {
        let s = try service()
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.txt").path
        XCTAssertTrue(FileManager.default.createFile(atPath: text, contents: Data("not an image".utf8)))
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        let reply = try curl(form([chelsea, text, chelsea]) + ["\(s.baseURL)/classify"])
        XCTAssertEqual(reply.status, 200)
        let results = try XCTUnwrap(reply.json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual((results[1]["error"] as? [String: Any])?["code"] as? String, "unsupported_media_type")
        XCTAssertNil(results[1]["predictions"])
        for i in [0, 2] { XCTAssertEqual((results[i]["predictions"] as? [[String: Any]])?.first?["label"] as? String, "Egyptian cat") }
    }

    func testThirtyTwoCopiesGiveThirtyTwoEqualAnswersAndThirtyThreeAreRefused() throws {
        let s = try service()
        let chelsea = try SharedFixtures.path("images/chelsea.png")
        let reply = try curl(form(Array(repeating: chelsea, count: 32)) + ["\(s.baseURL)/classify"])
        XCTAssertEqual(reply.status, 200)
        let results = try XCTUnwrap(reply.json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 32)
        let answers = results.map { ($0["predictions"] as? [[String: Any]]).map { $0.map { "\($0["index"]!):\($0["probability"]!)" } } }
        XCTAssertNotNil(answers[0])
        XCTAssertEqual(Set(answers.map { $0?.joined(separator: ",") ?? "none" }).count, 1, "32 copies, 32 equal answers")

        let tooMany = try curl(form(Array(repeating: chelsea, count: 33)) + ["\(s.baseURL)/classify"])
        XCTAssertEqual(tooMany.status, 413)
        XCTAssertEqual(tooMany.errorCode, "too_many_images")
        XCTAssertTrue(tooMany.errorMessage.contains("32"), tooMany.errorMessage)
    }
}
