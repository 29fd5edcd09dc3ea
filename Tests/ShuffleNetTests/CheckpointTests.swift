import CheckpointImport
import Foundation
import ShuffleNet
import TestSupport
import XCTest

final class CheckpointTests: XCTestCase {
    func convertError(_ bytes: [UInt8]) -> String {
        do {
            _ = try bytes.withUnsafeBytes { try CheckpointConverter.convert($0, name: "x", labels: []) }
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testLegacyCheckpointIsReadWithoutPython() throws {
        let file = try MappedFile(path: try SharedFixtures.path("models/shufflenetv1_g3_0.5x.pth.tar"))
        let tensors = try CheckpointConverter.readStateDict(file.bytes)
        XCTAssertEqual(tensors.count, (1 + 5) + 16 * (3 + 3 * 5) + 1, "stem conv + BN, 16 units of 3 convs + 3 BNs (5 tensors each), classifier")
        let stem = try XCTUnwrap(tensors.first { $0.name == "first_conv.0.weight" })
        XCTAssertEqual(stem.shape, [12, 3, 3, 3])
        XCTAssertEqual(stem.dtype, .float32)
        XCTAssertEqual(tensors.first { $0.name == "first_conv.1.num_batches_tracked" }?.dtype, .int64)
        XCTAssertFalse(tensors.contains { $0.name.hasPrefix("module.") })
    }

    func testZipCheckpointWithStridedTensorMatchesItsSource() throws {
        let source = try SharedFixtures.path("reference/random/g3_0.25x.safetensors")
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zipPath = directory.appendingPathComponent("g3.pt").path
        let script = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/make_torch_zip.py").path
        let result = try runProcess("/usr/bin/env", ["python3", script, source, zipPath])
        XCTAssertEqual(result.status, 0, result.stderr)

        let zip = try MappedFile(path: zipPath)
        XCTAssertEqual(try CheckpointConverter.detect(zip.bytes), .torchZip)
        let converted = try CheckpointConverter.convert(zip.bytes, name: "g3-zip", labels: [])
        let viaZip = try converted.withUnsafeBytes { try ShuffleNetModel.parse($0) }
        let direct = try ShuffleNetModel.load(path: source)
        XCTAssertEqual(viaZip.config, direct.config)
        XCTAssertEqual(viaZip.weights.classifier, direct.weights.classifier, "transposed storage read back in C order")
        XCTAssertEqual(viaZip.weights.units[7].pointwise2.weight, direct.weights.units[7].pointwise2.weight)
    }

    /// Both Megvii checkpoints convert to model files that load with their architecture, ImageNet labels and
    /// preprocessing. (Their logits against ../shared/reference: PretrainedGoldenTests, EngineTests.)
    func testConvertedCheckpointsCarryTheirArchitectureLabelsAndPreprocessing() throws {
        let model = try Checkpoints.pretrained("g3")
        XCTAssertEqual(model.config, try Presets.named("megvii-0.5x-g3"))
        XCTAssertEqual(model.labels.count, 1000)
        XCTAssertEqual(model.labels[285], ClassLabel(synset: "n02124075", name: "Egyptian cat"))
        XCTAssertEqual(model.preprocessing, .megvii)
        XCTAssertEqual(try Checkpoints.pretrained("g8").config, try Presets.named("megvii-0.5x-g8"))
    }

    func testTruncatedCheckpointsAreRefused() throws {
        let bytes = try SharedFixtures.data("models/shufflenetv1_g3_0.5x.pth.tar")
        for cut in [0, 3, 20, 140, 30_000, 52_120, 60_000, bytes.count - 1] {
            let message = convertError(Array(bytes.prefix(cut)))
            XCTAssertFalse(message.isEmpty, "cut at \(cut) was accepted")
            XCTAssertTrue(message.contains("truncated") || message.contains("empty") || message.contains("unrecognised"), "cut at \(cut): \(message)")
        }
    }

    func testWrongMagicNumbersAreNamed() {
        XCTAssertTrue(convertError(Array("GIF89a and more bytes".utf8)).contains("unrecognised format (first bytes 47 49 46 38"))
        // PROTO 2, LONG1 of 10 bytes that is not torch's magic, STOP
        let wrongMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + [UInt8](repeating: 7, count: 10) + [0x2E]
        XCTAssertTrue(convertError(wrongMagic).contains("wrong magic number"))
        XCTAssertTrue(convertError(Array("PK\u{3}\u{4}not really a zip".utf8)).contains("zip: no end-of-central-directory"))
    }

    /// A legacy file whose main pickle is `body` (after valid magic, version and sys_info pickles).
    func legacy(body: [UInt8]) throws -> [UInt8] {
        let real = try SharedFixtures.data("models/shufflenetv1_g3_0.5x.pth.tar")
        return Array(real.prefix(137)) + [0x80, 0x02] + body
    }

    func testUnexpectedOpcodesAndGlobalsAreRefusedNotExecuted() throws {
        // GLOBAL 'os system' — the classic pickle exploit.
        let exploit = try legacy(body: Array("cos\nsystem\n(X\u{5}\u{0}\u{0}\u{0}touchtR.".utf8))
        let refused = convertError(exploit)
        XCTAssertTrue(refused.contains("refusing global 'os.system'"), refused)
        // INST ('i'), a protocol-0 opcode no state dict uses.
        let inst = convertError(try legacy(body: Array("(ibuiltins\nobject\n.".utf8)))
        XCTAssertTrue(inst.contains("unexpected pickle opcode 0x69"), inst)
        // NEWOBJ (0x81)
        XCTAssertTrue(convertError(try legacy(body: [0x29, 0x29, 0x81, 0x2E])).contains("unexpected pickle opcode 0x81"))
        // A GET of a memo slot that was never stored.
        XCTAssertTrue(convertError(try legacy(body: [0x68, 0x05, 0x2E])).contains("never stored"))
        // A non-storage persistent id.
        XCTAssertTrue(convertError(try legacy(body: Array("X\u{3}\u{0}\u{0}\u{0}abcQ.".utf8))).contains("persistent id"))
        // A list appended to itself (EMPTY_LIST BINPUT 0 BINGET 0 APPEND STOP): refused, not leaked.
        let cycle = convertError(try legacy(body: [0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]))
        XCTAssertTrue(cycle.contains("a list or dict contains itself"), cycle)
        // A dict inside a tuple inside a list inside the dict: the cycle runs through a tuple.
        let indirect: [UInt8] = [0x7D, 0x71, 0x00, 0x4B, 0x01, 0x5D, 0x68, 0x00, 0x85, 0x61, 0x73, 0x2E]
        XCTAssertTrue(convertError(try legacy(body: indirect)).contains("contains itself"))
    }

    func testShapeMismatchIsNamed() throws {
        // The real checkpoint's safetensors form with one depthwise kernel cut to 2×2.
        let model = try MappedFile(path: try SharedFixtures.path("reference/random/g1_0.25x.safetensors"))
        let header = try Safetensors.parseHeader(model.bytes)
        let tensors = header.names.map { name -> Safetensors.OutputTensor in
            let entry = header.entries[name]!
            if name == "features.2.branch_main_1.3.weight" {
                return Safetensors.OutputTensor(name: name, dtype: "F32", shape: [9, 1, 2, 2], data: Array(model.bytes[entry.byteRange].prefix(9 * 4 * 4)))
            }
            return Safetensors.OutputTensor(name: name, dtype: entry.dtype, shape: entry.shape, data: Array(model.bytes[entry.byteRange]))
        }
        let message = convertError(Safetensors.serialize(tensors, metadata: [:]))
        XCTAssertTrue(message.contains("'features.2.branch_main_1.3.weight' has shape [9, 1, 2, 2], expected [9, 1, 3, 3]"), message)
    }
}

/// Inputs the fuzzers once crashed on (Tests/Fixtures/fuzz-regressions): each must now be refused cleanly.
final class FuzzRegressionTests: XCTestCase {
    func testCheckpointCrashersAreRefused() throws {
        let folder = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions/checkpoint")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try CheckpointConverter.convert($0, name: "x", labels: []) }, name) { error in
                XCTAssertTrue(error is WeightsError, "\(name): \(error)")
            }
        }
    }

    /// Model files the safetensors fuzzer crashed on (an `arch` with groups 0 divided by zero before the
    /// architecture was validated): the loader and the converter refuse them.
    func testModelFileCrashersAreRefused() throws {
        let folder = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions/safetensors")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try ShuffleNetModel.parse($0) }, name)
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try CheckpointConverter.convert($0, name: "x", labels: []) }, name)
        }
    }
}
