import Foundation
import TestSupport
import XCTest

/// Runs the built `shufflenet` binary the way a user would.
final class CLITests: XCTestCase {
    /// $SHUFFLENET_BINARY, else the `shufflenet` built beside the test bundle (Linux: the bundle URL is the
    /// products folder; macOS: the .xctest bundle inside it).
    static var binary: String {
        if let custom = ProcessInfo.processInfo.environment["SHUFFLENET_BINARY"], !custom.isEmpty { return custom }
        let bundle = Bundle(for: CLITests.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("shufflenet").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    nonisolated(unsafe) static var modelDirectory: URL?

    /// Converts both checkpoints once with the CLI itself (this is also the end-to-end `convert` test).
    func model(_ groups: String) throws -> String {
        if CLITests.modelDirectory == nil { CLITests.modelDirectory = try Checkpoints.temporaryDirectory() }
        let path = CLITests.modelDirectory!.appendingPathComponent("shufflenet_v1_\(groups)_0.5x.safetensors").path
        if !FileManager.default.fileExists(atPath: path) {
            let result = try runProcess(CLITests.binary, [
                "convert", try SharedFixtures.path("models/\(Checkpoints.names[groups]!)"), "--out", path,
                "--labels", try SharedFixtures.path("models/imagenet_synsets.txt"),
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("1000 labels"), result.stdout)
        }
        return path
    }

    override class func tearDown() {
        if let directory = modelDirectory { try? FileManager.default.removeItem(at: directory) }
        super.tearDown()
    }

    func testClassifyGivesTheReferenceTopOneForBothCheckpoints() throws {
        let manifest = try XCTUnwrap(try SharedFixtures.manifest()["pretrained"] as? [[String: Any]])
        for groups in ["g3", "g8"] {
            let images = ["chelsea", "coffee", "motorcycle_left"].map { "images/\($0).png" }
            let paths = try images.map { try SharedFixtures.path($0) }
            let result = try runProcess(CLITests.binary, ["classify", "--model", try model(groups), "--json", "--top-k", "3"] + paths)
            XCTAssertEqual(result.status, 0, result.stderr)
            let output = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            XCTAssertEqual(output.count, 3)
            for (image, answer) in zip(images, output) {
                let expected = try XCTUnwrap(manifest.first { ($0["model"] as? String) == Checkpoints.names[groups] && ($0["image"] as? String) == image })
                let reference = try XCTUnwrap((expected["top5"] as? [[String: Any]])?.first)
                let top = try XCTUnwrap((answer["predictions"] as? [[String: Any]])?.first)
                XCTAssertEqual((answer["predictions"] as? [Any])?.count, 3)
                XCTAssertEqual(top["label"] as? String, reference["label"] as? String, "\(groups) \(image)")
                XCTAssertEqual(top["index"] as? Int, reference["index"] as? Int, "\(groups) \(image)")
                XCTAssertEqual(top["synset"] as? String, reference["synset"] as? String, "\(groups) \(image)")
                let p = try XCTUnwrap(top["probability"] as? Double), q = try XCTUnwrap(reference["probability"] as? Double)
                XCTAssertEqual(p, q, accuracy: 1e-3, "\(groups) \(image)")
            }
        }
    }

    func testClassifyTextOutputAndFailures() throws {
        let model = try model("g3")
        let text = try runProcess(CLITests.binary, ["classify", "--model", model, "--top-k", "2", try SharedFixtures.path("images/chelsea.png")])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("1. Egyptian cat (n02124075, index 285)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("2. tiger cat"), text.stdout)

        // A file that is no image is refused by name; the run fails but the other files are still classified.
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let gif = directory.appendingPathComponent("anim.gif").path
        XCTAssertTrue(FileManager.default.createFile(atPath: gif, contents: Data("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8)))
        let mixed = try runProcess(CLITests.binary, ["classify", "--model", model, gif, try SharedFixtures.path("images/rocket.jpg")])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.contains("the data looks like a GIF image"), mixed.stderr)
        XCTAssertTrue(mixed.stdout.contains("rocket.jpg (640×427)"), mixed.stdout)

        let bounds = try runProcess(CLITests.binary, ["classify", "--model", model, "--top-k", "0", "x.png"])
        XCTAssertNotEqual(bounds.status, 0)
        XCTAssertTrue(bounds.stderr.contains("--top-k must be at least 1"), bounds.stderr)

        let missingModel = try runProcess(CLITests.binary, ["classify", "--model", "/nonexistent.safetensors", "x.png"])
        XCTAssertNotEqual(missingModel.status, 0)
        XCTAssertTrue(missingModel.stderr.contains("cannot read /nonexistent.safetensors"), missingModel.stderr)
    }

    func testConvertRefusesBrokenCheckpointsWithAClearMessage() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try SharedFixtures.data("models/shufflenetv1_g8_0.5x.pth.tar")
        let cases: [(String, [UInt8], String)] = [
            ("truncated.pth", Array(original.prefix(original.count / 2)), "truncated"),
            ("empty.pth", [], "empty"),
            ("text.pth", Array("not a checkpoint at all".utf8), "unrecognised format"),
        ]
        for (name, bytes, expected) in cases {
            let path = directory.appendingPathComponent(name).path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let out = directory.appendingPathComponent(name + ".safetensors").path
            let result = try runProcess(CLITests.binary, ["convert", path, "--out", out])
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertTrue(result.stderr.contains(expected), "\(name): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(name): no output on failure")
        }
    }

    func testInfoPrintsThePaperTableAndModelFacts() throws {
        let table = try runProcess(CLITests.binary, ["info", "--paper-table"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("137.5"), table.stdout)
        XCTAssertEqual(table.stdout.split(separator: "\n").count, 2 + 9 + 2 + PaperComparisonTableTests.rows)

        let preset = try runProcess(CLITests.binary, ["info", "--preset", "megvii-1x-g3", "--json"])
        let facts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(preset.stdout.utf8)) as? [String: Any])
        // 1× g3: stem 24, widths 240/480/960, repeats 4/8/4 (the paper's Table 1).
        let oneX = PaperArithmetic(stem: 24, widths: [240, 480, 960], repeats: [4, 8, 4], groups: 3, classes: 1000, side: 224)
        XCTAssertEqual(facts["parameters"] as? Int, oneX.parameters)
        XCTAssertEqual(facts["widths"] as? [Int], [240, 480, 960])

        let model = try runProcess(CLITests.binary, ["info", "--model", try model("g8")])
        XCTAssertTrue(model.stdout.contains("g8 stem 16 widths 192/384/768"), model.stdout)
        let g8 = PaperArithmetic(stem: 16, widths: [192, 384, 768], repeats: [4, 8, 4], groups: 8, classes: 1000, side: 224)
        XCTAssertTrue(model.stdout.contains(String(format: "%.2f MFLOPs", g8.mflops)), model.stdout)

        let invalid = try runProcess(CLITests.binary, ["info", "--preset", "paper-0.25x-g8"])
        XCTAssertNotEqual(invalid.status, 0)
        XCTAssertTrue(invalid.stderr.contains("must divide by g = 8"), invalid.stderr)
    }
}

/// The default build must run on x86-64 CPUs without AVX-512: run it on an emulated Haswell (AVX2 + FMA).
final class PortabilityTests: XCTestCase {
    func testDefaultBuildRunsOnAnAVX2OnlyCPU() throws {
        #if arch(x86_64)
        let qemu = try Emulator.qemu()
        let binary = Emulator.releaseBinary(or: ServiceProcess.binary)
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("g3.safetensors").path
        let converted = try runProcess(binary, ["convert", try SharedFixtures.path("models/shufflenetv1_g3_0.5x.pth.tar"), "--out", model,
                                                              "--labels", try SharedFixtures.path("models/imagenet_synsets.txt")])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        let result = try runProcess(qemu, ["-cpu", "Haswell", binary, "classify", "--json", "--top-k", "1", "--model", model,
                                           try SharedFixtures.path("images/chelsea.png")])
        XCTAssertEqual(result.status, 0, "illegal instruction on an AVX2-only CPU? \(result.stderr.suffix(300))")
        XCTAssertTrue(result.stdout.contains("\"label\" : \"Egyptian cat\""), result.stdout)
        // The run-time kernel choice: cpuid says no AVX-512, so the baseline copy runs, and asking for the
        // AVX-512 copy is refused with a message instead of dying on an illegal instruction.
        let bench = try runProcess(qemu, ["-cpu", "Haswell", binary, "bench", "--model", model, "--seconds", "0.2", "--json"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        XCTAssertTrue(bench.stdout.contains("\"engine\":\"simd baseline\""), bench.stdout)
        var environment = ProcessInfo.processInfo.environment
        environment["SHUFFLENET_KERNELS"] = "avx512"
        let refused = try runProcess(qemu, ["-cpu", "Haswell", binary, "classify", "--model", model, try SharedFixtures.path("images/chelsea.png")],
                                     environment: environment)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("this CPU does not support avx512"), refused.stderr)
        #else
        throw XCTSkip("x86-64 only")
        #endif
    }
}
