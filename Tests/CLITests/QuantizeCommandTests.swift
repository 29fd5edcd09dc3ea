import Foundation
import TestSupport
import XCTest

/// `shufflenet quantize` the way a user runs it: a folder of photos in, an int8 model out, which classify and bench
/// run on the int8 engine with no flag; on an emulated AVX2-only CPU it runs the non-VNNI copy with the same result.
final class QuantizeCommandTests: XCTestCase {
    func testQuantizeCalibratesOnAFolderAndTheResultRunsAsInt8() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let float = directory.appendingPathComponent("g3.safetensors").path
        let converted = try runProcess(CLITests.binary, ["convert", try SharedFixtures.path("models/shufflenetv1_g3_0.5x.pth.tar"), "--out", float,
                                                         "--labels", try SharedFixtures.path("models/imagenet_synsets.txt")])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        // Calibration photos as symlinks, one with an upper-case extension, beside files that are not images.
        let photos = try SharedFixtures.path("photos/imagenet-dev")
        let names = try FileManager.default.contentsOfDirectory(atPath: photos).filter { $0.hasSuffix(".JPEG") }.sorted()
        let calibration = directory.appendingPathComponent("calibration")
        try FileManager.default.createDirectory(at: calibration, withIntermediateDirectories: true)
        for (i, name) in names.prefix(6).enumerated() {
            let link = calibration.appendingPathComponent(i == 0 ? "first.JpEg" : name).path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(photos)/\(name)")
        }
        try Data("not an image".utf8).write(to: calibration.appendingPathComponent("notes.txt"))
        try FileManager.default.createSymbolicLink(atPath: calibration.appendingPathComponent("dangling.png").path, withDestinationPath: "/nonexistent.png")
        let int8 = directory.appendingPathComponent("g3-int8.safetensors").path
        let quantized = try runProcess(CLITests.binary, ["quantize", float, "--calibration", calibration.path, "--out", int8, "--method", "percentile"])
        XCTAssertEqual(quantized.status, 0, quantized.stderr)
        XCTAssertTrue(quantized.stdout.contains("int8 (percentile:99.99, 6 calibration images of 6 found)"), quantized.stdout)

        let image = try SharedFixtures.path("images/chelsea.png")
        let classified = try runProcess(CLITests.binary, ["classify", "--json", "--top-k", "1", "--model", int8, image])
        XCTAssertEqual(classified.status, 0, classified.stderr)
        XCTAssertTrue(classified.stdout.contains("\"label\" : \"Egyptian cat\""), classified.stdout)
        let bench = try runProcess(CLITests.binary, ["bench", "--model", int8, "--seconds", "0.2", "--json"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        XCTAssertTrue(bench.stdout.contains("\"engine\":\"int8 "), bench.stdout)

        // Refusals, each with its reason: an int8 model again, a folder without images, an undecodable "image".
        let again = try runProcess(CLITests.binary, ["quantize", int8, "--calibration", calibration.path, "--out", int8 + "2"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already an int8 model"), again.stderr)
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try runProcess(CLITests.binary, ["quantize", float, "--calibration", empty.path, "--out", int8 + "3"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("holds no PNG or JPEG files"), none.stderr)
        try Data("not a png".utf8).write(to: calibration.appendingPathComponent("broken.png"))
        let broken = try runProcess(CLITests.binary, ["quantize", float, "--calibration", calibration.path, "--out", int8 + "4"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("broken.png"), broken.stderr)

        #if arch(x86_64)
        // An AVX2-only CPU (no VNNI): the int8 model runs the avx2 copy and gives the bytes-equal result the same copy gives here.
        let qemu = try Emulator.qemu()
        let binary = Emulator.releaseBinary(or: CLITests.binary)
        let emulated = try runProcess(qemu, ["-cpu", "Haswell", binary, "classify", "--json", "--top-k", "3", "--model", int8, image])
        XCTAssertEqual(emulated.status, 0, "illegal instruction on an AVX2-only CPU? \(emulated.stderr.suffix(300))")
        var environment = ProcessInfo.processInfo.environment
        environment["SHUFFLENET_INT8_KERNELS"] = "avx2"
        let native = try runProcess(binary, ["classify", "--json", "--top-k", "3", "--model", int8, image], environment: environment)
        XCTAssertEqual(emulated.stdout, native.stdout)
        let emulatedBench = try runProcess(qemu, ["-cpu", "Haswell", binary, "bench", "--model", int8, "--seconds", "0.2", "--json"])
        XCTAssertTrue(emulatedBench.stdout.contains("\"engine\":\"int8 avx2\""), emulatedBench.stdout)
        environment["SHUFFLENET_INT8_KERNELS"] = "avx512vnni"
        let refused = try runProcess(qemu, ["-cpu", "Haswell", binary, "classify", "--model", int8, image], environment: environment)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("does not support the avx512vnni int8 kernels"), refused.stderr)
        #endif
    }
}
