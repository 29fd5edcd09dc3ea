import Foundation
import XCTest

/// Locates `../shared` (the fixtures beside the repository) or the folder named by SHUFFLENET_SHARED_DIR.
/// When it is missing, tests skip locally but fail under CI (the environment variable `CI` is set).
public enum SharedFixtures {
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    public static var directory: URL {
        if let custom = ProcessInfo.processInfo.environment["SHUFFLENET_SHARED_DIR"], !custom.isEmpty {
            return URL(fileURLWithPath: custom)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The path of `relative` inside the shared folder; throws XCTSkip (or fails under CI) when it is absent.
    public static func path(_ relative: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let url = directory.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let message = "shared fixture missing: \(url.path) (set SHUFFLENET_SHARED_DIR or place the shared folder beside the repository)"
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail(message, file: file, line: line)
                throw FixtureError.missing(message)
            }
            throw XCTSkip(message)
        }
        return url.path
    }

    public static func data(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path(relative))))
    }

    /// The reference manifest (`reference/manifest.json`) as JSON.
    public static func manifest() throws -> [String: Any] {
        let bytes = try data("reference/manifest.json")
        return try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] ?? [:]
    }

    public enum FixtureError: Error { case missing(String) }
}
