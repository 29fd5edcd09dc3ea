import ShuffleNet
import TestSupport
import XCTest

/// The SIMD engine against the reference: every random network, both checkpoints, batches.
final class EngineTests: XCTestCase {
    func logits(_ session: InferenceSession, _ input: Activation) -> [Float] {
        session.setInput(input)
        return Array(session.forward())
    }

    func testEngineMatchesTheGoldensOfEveryRandomNetwork() throws {
        for name in ReferenceGoldenTests.randomNetworks {
            let model = try ShuffleNetModel.load(path: try SharedFixtures.path("reference/random/\(name).safetensors"))
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(name).io.safetensors"))
            let session = InferenceSession(network: PackedNetwork(model.weights), inputSize: golden.input.height)
            let error = ReferenceIO.relativeError(logits(session, golden.input), golden.logits)
            XCTAssertLessThan(error, 1e-4, "\(name): relative logit error \(error)")
        }
    }

    func testEngineMatchesTheGoldensOfBothCheckpoints() throws {
        for groups in ["g3", "g8"] {
            let model = try Checkpoints.pretrained(groups)
            let network = PackedNetwork(model.weights)
            for kernels in KernelSet.allCases where kernels.isSupported {
                let session = InferenceSession(network: network, kernels: kernels)
                for image in ["chelsea", "coffee", "astronaut", "motorcycle_left"] {
                    let golden = try ReferenceIO(path: try SharedFixtures.path("reference/\(groups)_0.5x_\(image).io.safetensors"))
                    let error = ReferenceIO.relativeError(logits(session, golden.input), golden.logits)
                    XCTAssertLessThan(error, 1e-4, "\(groups) \(image) with \(kernels): relative logit error \(error)")
                }
            }
        }
    }

    /// Every random network through each kernel copy this CPU can run (the AVX-512 one where it exists).
    func testEveryKernelSetMatchesTheRandomGoldens() throws {
        for kernels in KernelSet.allCases where kernels.isSupported {
            for name in ReferenceGoldenTests.randomNetworks {
                let model = try ShuffleNetModel.load(path: try SharedFixtures.path("reference/random/\(name).safetensors"))
                let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(name).io.safetensors"))
                let session = InferenceSession(network: PackedNetwork(model.weights), inputSize: golden.input.height, kernels: kernels)
                let error = ReferenceIO.relativeError(logits(session, golden.input), golden.logits)
                XCTAssertLessThan(error, 1e-4, "\(name) with \(kernels): relative logit error \(error)")
            }
        }
    }

    /// SHUFFLENET_KERNELS: empty means the detected set; a name is taken only if the CPU can run it.
    func testTheKernelChoice() throws {
        XCTAssertEqual(try KernelSet.choose(environment: [:]), KernelSet.detected)
        XCTAssertEqual(try KernelSet.choose(environment: ["SHUFFLENET_KERNELS": ""]), KernelSet.detected)
        XCTAssertEqual(try KernelSet.choose(environment: ["SHUFFLENET_KERNELS": "baseline"]), .baseline)
        XCTAssertThrowsError(try KernelSet.choose(environment: ["SHUFFLENET_KERNELS": "avx1024"])) { error in
            XCTAssertEqual("\(error)", "'avx1024' is not a kernel set (use baseline or avx512)")
        }
        if KernelSet.avx512.isSupported {
            XCTAssertEqual(try KernelSet.choose(environment: ["SHUFFLENET_KERNELS": "avx512"]), .avx512)
            XCTAssertEqual(KernelSet.detected, .avx512, "the fastest supported set is chosen by default")
        } else {
            XCTAssertThrowsError(try KernelSet.choose(environment: ["SHUFFLENET_KERNELS": "avx512"]))
            XCTAssertEqual(KernelSet.detected, .baseline)
        }
    }

    func testABatchGivesEachImageItsOwnLogits() throws {
        try batch(threads: 1)
        try batch(threads: 2)
        try batch(threads: 3)
    }

    /// One image split across threads layer by layer (output rows per thread).
    func testOneImageSplitAcrossThreadsMatchesTheGoldens() throws {
        for groups in ["g3", "g8"] {
            let model = try Checkpoints.pretrained(groups)
            for threads in [2, 3] {
                let session = InferenceSession(network: PackedNetwork(model.weights), threads: threads)
                for image in ["chelsea", "coffee"] {
                    let golden = try ReferenceIO(path: try SharedFixtures.path("reference/\(groups)_0.5x_\(image).io.safetensors"))
                    let error = ReferenceIO.relativeError(logits(session, golden.input), golden.logits)
                    XCTAssertLessThan(error, 1e-4, "\(groups) \(image) on \(threads) threads: \(error)")
                }
            }
        }
        // Odd sizes: 96 and 160 pixel inputs split into uneven row ranges.
        for name in ["g4_shallow", "g8_0.25x_10class"] {
            let model = try ShuffleNetModel.load(path: try SharedFixtures.path("reference/random/\(name).safetensors"))
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(name).io.safetensors"))
            let session = InferenceSession(network: PackedNetwork(model.weights), inputSize: golden.input.height, threads: 3)
            XCTAssertLessThan(ReferenceIO.relativeError(logits(session, golden.input), golden.logits), 1e-4, name)
        }
    }

    func batch(threads: Int) throws {
        let model = try Checkpoints.pretrained("g3")
        let session = InferenceSession(network: PackedNetwork(model.weights), maxBatch: 3, threads: threads)
        let images = try ["chelsea", "coffee", "motorcycle_left"].map { try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_\($0).io.safetensors")) }
        for (i, golden) in images.enumerated() { session.setInput(golden.input, image: i) }
        let all = Array(session.forward(batch: 3))
        for (i, golden) in images.enumerated() {
            let error = ReferenceIO.relativeError(Array(all[(i * 1000)..<((i + 1) * 1000)]), golden.logits)
            XCTAssertLessThan(error, 1e-4, "image \(i) of the batch, \(threads) threads")
        }
    }
}
