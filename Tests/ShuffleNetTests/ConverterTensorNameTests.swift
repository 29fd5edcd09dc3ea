@testable import CheckpointImport
import Foundation
@testable import ShuffleNet
import TestSupport
import XCTest

/// `convert` knows every tensor it reads: the SE goldens convert (their `se.*` tensors are an architecture it
/// knows) and reproduce their logits; a state dict with tensors no known architecture uses, or without ones the
/// inferred one needs, is refused with their names — from safetensors, zip and legacy `torch.save` files alike.
final class ConverterTensorNameTests: XCTestCase {
    enum Format: CaseIterable { case safetensors, torchZip, torchLegacy }

    /// `tensors` written as a safetensors file and, through the fixture scripts (no PyTorch), as a PyTorch file.
    func checkpoint(_ tensors: [CheckpointTensor], metadata: [String: String] = [:], format: Format, in directory: URL) throws -> MappedFile {
        let outputs = tensors.map { Safetensors.OutputTensor(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, data: $0.data) }
        let source = directory.appendingPathComponent("source-\(UUID().uuidString).safetensors").path
        XCTAssertTrue(FileManager.default.createFile(atPath: source, contents: Data(Safetensors.serialize(outputs, metadata: metadata))))
        let script: String
        switch format {
        case .safetensors: return try MappedFile(path: source)
        case .torchZip: script = "make_torch_zip.py"
        case .torchLegacy: script = "make_torch_legacy.py"
        }
        let target = source + ".pt"
        let path = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/\(script)").path
        let result = try runProcess("/usr/bin/env", ["python3", path, source, target])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try MappedFile(path: target)
    }

    func stateDict(_ golden: String) throws -> [CheckpointTensor] {
        let file = try MappedFile(path: try SharedFixtures.path("reference/random/\(golden).safetensors"))
        return try CheckpointConverter.readStateDict(file.bytes)
    }

    func testSEGoldensConvertFromEveryFormatAndKeepTheirLogits() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, side, r) in [("g3_se_r16", 224, 16), ("g8_se_r4_shallow", 128, 4)] {
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(name).io.safetensors"))
            let tensors = try stateDict(name)
            for format in Format.allCases {
                let file = try checkpoint(tensors, format: format, in: directory)
                let bytes = try CheckpointConverter.convert(file.bytes, name: name, labels: [], preprocessing: Preprocessing(cropSize: side))
                let model = try bytes.withUnsafeBytes { try ShuffleNetModel.parse($0) }
                XCTAssertNotNil(model.config.seReduction, "\(name) from \(format)")
                XCTAssertEqual(model.config.inputSize, side)
                let session = InferenceSession(network: PackedNetwork(model.weights))
                session.setInput(golden.input)
                let error = ReferenceIO.relativeError(Array(session.forward()), golden.logits)
                XCTAssertLessThan(error, 1e-4, "\(name) from \(format): relative logit error \(error)")
            }
            // A safetensors source stating its reduction keeps it (shapes alone fit a range of r).
            let original = try MappedFile(path: try SharedFixtures.path("reference/random/\(name).safetensors"))
            let stated = try CheckpointConverter.convert(original.bytes, name: name, labels: [], preprocessing: Preprocessing(cropSize: side))
            XCTAssertEqual(try stated.withUnsafeBytes { try ShuffleNetModel.parse($0) }.config.seReduction, r)
        }
    }

    func testUnknownAndMissingTensorsAreRefusedByName() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try stateDict("g3_0.25x")
        let se = try stateDict("g3_se_r16")
        let seOfUnit3 = se.filter { $0.name.hasPrefix("features.3.se.") }
        let extra = CheckpointTensor(name: "features.2.attention.weight", dtype: .float32, shape: [2], data: [UInt8](repeating: 0, count: 8))
        let cases: [(String, [CheckpointTensor], [String])] = [
            // SE blocks on one unit only: no architecture we know; the stray tensors are named, not dropped.
            ("partial SE", plain + seOfUnit3, seOfUnit3.map(\.name)),
            ("unknown tensor", plain + [extra], [extra.name]),
            ("missing tensors", plain.filter { !$0.name.hasPrefix("features.5.branch_main_2.1.running") },
             ["features.5.branch_main_2.1.running_mean", "features.5.branch_main_2.1.running_var"]),
            // An SE network without one block's fc2 (fc1 on every unit names the architecture: the fc2 is missing).
            ("SE golden missing fc2 of unit 0", se.filter { !$0.name.hasPrefix("features.0.se.fc2") },
             ["features.0.se.fc2.weight", "features.0.se.fc2.bias"]),
        ]
        for (label, tensors, names) in cases {
            for format in Format.allCases {
                let file = try checkpoint(tensors, format: format, in: directory)
                XCTAssertThrowsError(try CheckpointConverter.convert(file.bytes, name: "x", labels: []), "\(label) from \(format)") { error in
                    for name in names { XCTAssertTrue("\(error)".contains(name), "\(label) from \(format): \(error) should name \(name)") }
                }
            }
        }
    }
}
