import Foundation
import ImageDecoding
import TestSupport
import XCTest

/// JPEGs and Pillow's pixels for them, written to a temporary folder at test time by
/// Fixtures/pillow_jpeg.py (Pillow from PyPI, in the repository's .venv or $SHUFFLENET_PYTHON). Without Pillow
/// the tests that need it skip, or fail when CI is set (as the ../shared rule).
struct PillowFixtures: Sendable {
    struct Entry: Sendable {
        let width: Int, height: Int
        let uprightWidth: Int, uprightHeight: Int
        let note: String
    }

    let directory: URL
    let entries: [String: Entry]

    /// Python could not run the helper; `require` turns this into a skip, or a failure under CI.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    static let helper = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/ImageDecodingTests/Fixtures/pillow_jpeg.py").path

    /// The interpreter with Pillow: $SHUFFLENET_PYTHON, else the repository's .venv (scripts/service-checks.sh
    /// and scripts/fuzz.sh install Pillow there from Fixtures/requirements.txt).
    static func python() throws -> String {
        var candidates = [SharedFixtures.repositoryRoot.appendingPathComponent(".venv/bin/python").path]
        if let custom = ProcessInfo.processInfo.environment["SHUFFLENET_PYTHON"], !custom.isEmpty { candidates.insert(custom, at: 0) }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if try runProcess(candidate, ["-c", "import PIL"]).status == 0 { return candidate }
        }
        throw Unavailable(description: "no Python with Pillow in \(candidates.joined(separator: " or ")): "
            + "python3 -m venv .venv && .venv/bin/pip install -r Tests/ImageDecodingTests/Fixtures/requirements.txt")
    }

    /// Runs `pillow_jpeg.py COMMAND DIR ARGS…` into a new temporary folder and reads its manifest.
    static func make(_ command: String, _ arguments: [String] = []) throws -> PillowFixtures {
        let python = try python()
        let directory = try Checkpoints.temporaryDirectory()
        let result = try runProcess(python, [helper, command, directory.path] + arguments)
        guard result.status == 0 else {
            throw Unavailable(description: "pillow_jpeg.py \(command) failed (\(result.status)): \(result.stderr)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        var entries: [String: Entry] = [:]
        for (name, value) in json as? [String: [String: Any]] ?? [:] {
            let width = value["width"] as? Int ?? 0, height = value["height"] as? Int ?? 0
            entries[name] = Entry(width: width, height: height, uprightWidth: value["upright_width"] as? Int ?? width,
                                  uprightHeight: value["upright_height"] as? Int ?? height, note: value["note"] as? String ?? "")
        }
        return PillowFixtures(directory: directory, entries: entries)
    }

    /// The fixtures of a class-level `Result`: a skip when Pillow is missing, a failure when CI is set.
    static func require(_ fixtures: Result<PillowFixtures, Error>?, file: StaticString = #filePath, line: UInt = #line) throws -> PillowFixtures {
        guard let fixtures else { throw Unavailable(description: "fixtures were not made") }
        do {
            return try fixtures.get()
        } catch let error as Unavailable {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail(error.description, file: file, line: line)
                throw error
            }
            throw XCTSkip(error.description)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    func bytes(_ name: String, _ suffix: String = ".jpg") throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name + suffix)))
    }

    /// Pillow's pixels for `name`: `convert("RGB")`, or after `ImageOps.exif_transpose` when `upright`.
    func reference(_ name: String, upright: Bool = true) throws -> RGBImage {
        let entry = try XCTUnwrap(entries[name], "no fixture \(name)")
        let pixels = try bytes(name, upright ? ".upright.rgb" : ".rgb")
        return upright ? RGBImage(width: entry.uprightWidth, height: entry.uprightHeight, pixels: pixels)
            : RGBImage(width: entry.width, height: entry.height, pixels: pixels)
    }
}

/// The largest difference between two images' samples; Int.max when their sizes differ.
func worstDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    guard a.width == b.width, a.height == b.height else { return .max }
    return zip(a.pixels, b.pixels).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
}

/// The mean absolute difference between two images' samples; .infinity when their sizes differ.
func meanDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
    guard a.width == b.width, a.height == b.height, !a.pixels.isEmpty else { return .infinity }
    return Double(zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.pixels.count)
}
