import Foundation
import TestSupport
import XCTest

/// SIGHUP re-reads the API key file: a rotated key works at once and the old one stops working; a broken
/// file keeps the keys in force.
final class KeyRotationTests: XCTestCase {
    func testSIGHUPRotatesTheKeys() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys").path
        let old = "old-key-0123456789abcdef", new = "new-key-0123456789abcdef"
        try Data("# rotation test\n\(old)\n".utf8).write(to: URL(fileURLWithPath: keys))
        let service = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "1", "--api-key-file", keys])
        defer { service.stop() }
        func status(_ key: String) throws -> Int {
            try curl(["-H", "Authorization: Bearer \(key)", "\(service.baseURL)/models"]).status
        }
        XCTAssertEqual(try status(old), 200)
        XCTAssertEqual(try status(new), 401)

        try Data("\(new)\n".utf8).write(to: URL(fileURLWithPath: keys))
        service.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while try status(new) != 200, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(try status(new), 200)
        XCTAssertEqual(try status(old), 401)

        // A file with no valid key: the keys in force stay.
        try Data("# nothing here\n".utf8).write(to: URL(fileURLWithPath: keys))
        service.signal(SIGHUP)
        let logged = Date().addingTimeInterval(20)
        while !service.log.contains("API keys not reloaded"), Date() < logged { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(service.log.contains("API keys not reloaded"), service.log)
        XCTAssertEqual(try status(new), 200)
        XCTAssertFalse(service.log.contains(new), "a key was logged")
    }
}
