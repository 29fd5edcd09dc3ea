@testable import ShuffleNet
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

    /// Units with narrow groups run in the row-planar layout; the same network kept NHWC throughout must give
    /// the same logits, at input sizes whose stages are 16 and 32 pixels wide (rows with no spare lane in a
    /// 16-float vector), with a layer split across two threads, and with each kernel copy.
    func testRowPlanarUnitsMatchChannelsLast() throws {
        for preset in ["megvii-0.5x-g8", "megvii-0.5x-g3"] {
            let network = PackedNetwork(try RandomWeights.make(try Presets.named(preset), batchNorm: true))
            for side in [224, 256, 96] {
                var generator = SplitMix64(seed: UInt64(side))
                let input = Activation(channels: 3, height: side, width: side, data: (0..<(3 * side * side)).map { _ in Float(Int(generator.next() % 2001) - 1000) / 400 })
                let nhwc = InferenceSession(network: network, inputSize: side, layout: .channelsLast)
                XCTAssertFalse(nhwc.planarUnits.contains(true))
                XCTAssertEqual(InferenceSession(network: network, inputSize: side, kernels: .baseline).planarUnits.contains(true), false,
                               "the baseline kernels stay NHWC unless asked")
                let expected = logits(nhwc, input)
                for kernels in KernelSet.allCases where kernels.isSupported {
                    for threads in [1, 2] {
                        let session = InferenceSession(network: network, inputSize: side, threads: threads, kernels: kernels, layout: .rowPlanar)
                        XCTAssertTrue(session.planarUnits.contains(true), "\(preset) at \(side): narrow groups run planar")
                        let error = ReferenceIO.relativeError(logits(session, input), expected)
                        XCTAssertLessThan(error, 1e-5, "\(preset) at \(side), \(kernels), \(threads) threads: relative logit error \(error)")
                    }
                }
            }
        }
    }

    /// 2× g3's stage-4 compress has K = 640 inputs per group, run in blocks of 256 with the partial sums carried
    /// through the output; 1× g3 has K = 320 in stage 4. Both against the scalar reference pass, at 64 pixels
    /// (the blocks depend on channels, not on the image size), split across two threads or not.
    func testLongInputsInBlocksMatchTheReference() throws {
        for preset in ["megvii-2x-g3", "megvii-1x-g3"] {
            let weights = try RandomWeights.make(try Presets.named(preset), batchNorm: true)  // nonzero biases
            let network = PackedNetwork(weights)
            var generator = SplitMix64(seed: 5)
            let input = Activation(channels: 3, height: 64, width: 64, data: (0..<(3 * 64 * 64)).map { _ in Float(Int(generator.next() % 2001) - 1000) / 400 })
            let expected = ReferenceNetwork.logits(weights, input: input)
            for kernels in KernelSet.allCases where kernels.isSupported {
                for threads in [1, 2] {
                    let session = InferenceSession(network: network, inputSize: 64, threads: threads, kernels: kernels)
                    let error = ReferenceIO.relativeError(logits(session, input), expected)
                    XCTAssertLessThan(error, 1e-4, "\(preset), \(kernels), \(threads) threads: relative logit error \(error)")
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

    /// How a layer's rows are dealt to threads: every row exactly once, parts in order, each part that has rows
    /// starting on a whole tile (the kernels' row tiles must not straddle two threads' rows).
    func testRowSharesCoverEveryRowOnceOnWholeTiles() {
        for quantum in [1, 4, 6] {
            for parts in 1...4 {
                for count in 0...100 {
                    let ranges = (0..<parts).map { EngineStep.share(count, part: $0, parts: parts, quantum: quantum) }
                    let context = "\(count) rows, \(parts) parts, tiles of \(quantum): \(ranges)"
                    XCTAssertEqual(ranges.first?.lowerBound, 0, context)
                    XCTAssertEqual(ranges.last?.upperBound, count, context)
                    for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound, context) }
                    for range in ranges where !range.isEmpty { XCTAssertEqual(range.lowerBound % quantum, 0, context) }
                }
            }
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
