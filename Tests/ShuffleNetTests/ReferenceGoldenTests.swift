import ShuffleNet
import TestSupport
import XCTest

/// The reference forward pass reproduces the independent NumPy implementation's logits.
final class ReferenceGoldenTests: XCTestCase {
    static let randomNetworks = ["g1_0.25x", "g2_0.25x", "g3_0.25x", "g4_shallow", "g8_0.25x_10class"]
    /// The squeeze-and-excitation goldens (reference/SE.md): r = 16 at 224 px, r = 4 on the shallow g8 at 128 px.
    static let seNetworks = ["g3_se_r16", "g8_se_r4_shallow"]

    func testRandomNetworksMatchReferenceLogits() throws {
        for name in Self.randomNetworks + Self.seNetworks {
            let model = try ShuffleNetModel.load(path: try SharedFixtures.path("reference/random/\(name).safetensors"))
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(name).io.safetensors"))
            let logits = ReferenceNetwork.logits(model.weights, input: golden.input)
            XCTAssertEqual(logits.count, golden.logits.count, name)
            let error = ReferenceIO.relativeError(logits, golden.logits)
            print("\(name): relative logit error \(error)")
            XCTAssertLessThan(error, 1e-4, "\(name): relative logit error \(error)")
        }
    }
}

/// Both pretrained checkpoints, converted from the original .pth.tar, reproduce the reference logits.
final class PretrainedGoldenTests: XCTestCase {
    func testPretrainedCheckpointsMatchReferenceLogits() throws {
        for groups in ["g3", "g8"] {
            let model = try Checkpoints.pretrained(groups)
            for image in ["chelsea", "coffee", "astronaut", "motorcycle_left"] {
                let golden = try ReferenceIO(path: try SharedFixtures.path("reference/\(groups)_0.5x_\(image).io.safetensors"))
                let logits = ReferenceNetwork.logits(model.weights, input: golden.input)
                let error = ReferenceIO.relativeError(logits, golden.logits)
                XCTAssertLessThan(error, 1e-4, "\(groups) \(image): relative logit error \(error)")
            }
        }
    }
}
