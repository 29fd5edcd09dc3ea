import CMallocCounter
import EngineKernels
import KernelTwins
@testable import ShuffleNet
import TestSupport
import XCTest

/// Squeeze-and-excitation (reference/SE.md): the goldens through the engine, the SE kernels against their twins,
/// the architecture metadata and the state-dict layout.
final class SqueezeExciteTests: XCTestCase {
    func logits(_ session: InferenceSession, _ input: Activation, image: Int = 0, batch: Int = 1) -> [Float] {
        session.setInput(input, image: image)
        return Array(session.forward(batch: batch).suffix(session.config.classes))
    }

    /// Both SE goldens through each kernel copy, one thread and a layer split across two or three, and a batch of two
    /// whole images on two threads (each thread's own SE scratch slot).
    func testEngineMatchesTheSEGoldens() throws {
        for name in ReferenceGoldenTests.seNetworks {
            let model = try ShuffleNetModel.load(path: try SharedFixtures.path("reference/random/\(name).safetensors"))
            XCTAssertNotNil(model.config.seReduction, name)
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/\(name).io.safetensors"))
            let network = PackedNetwork(model.weights)
            let side = golden.input.height
            for kernels in KernelSet.allCases where kernels.isSupported {
                for threads in [1, 2, 3] {
                    for layout in [InferenceSession.Layout.automatic, .rowPlanar] {
                        let session = InferenceSession(network: network, inputSize: side, threads: threads, kernels: kernels, layout: layout)
                        XCTAssertFalse(session.planarUnits.contains(true), "SE units run NHWC")
                        let error = ReferenceIO.relativeError(logits(session, golden.input), golden.logits)
                        XCTAssertLessThan(error, 1e-4, "\(name), \(kernels), \(threads) threads: relative logit error \(error)")
                    }
                }
                let batched = InferenceSession(network: network, maxBatch: 2, inputSize: side, threads: 2, kernels: kernels)
                batched.setInput(golden.input, image: 0)
                let error = ReferenceIO.relativeError(logits(batched, golden.input, image: 1, batch: 2), golden.logits)
                XCTAssertLessThan(error, 1e-4, "\(name), \(kernels), batch of 2 on 2 threads: relative logit error \(error)")
            }
        }
    }

    /// The metadata key and the state-dict names of SE.md; C/r rounded down, C the branch's channels.
    func testConfigAndLayout() throws {
        let json = #"{"groups": 8, "stem": 24, "widths": [96, 192, 384], "repeats": [2, 4, 2], "classes": 10, "se_reduction": 4}"#
        let config = try JSONDecoder().decode(ShuffleNetConfig.self, from: Data(json.utf8))
        XCTAssertEqual(config.seReduction, 4)
        let unit0 = config.units[0]
        XCTAssertEqual(unit0.branchChannels, 72)
        XCTAssertEqual(unit0.seChannels, 18)
        let shapes = Dictionary(StateDictLayout.expectedShapes(config).map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(shapes["features.0.se.fc1.weight"], [18, 72, 1, 1])
        XCTAssertEqual(shapes["features.0.se.fc2.bias"], [72])
        XCTAssertEqual(shapes["features.1.se.fc1.weight"], [24, 96, 1, 1])
        // Without metadata the reduction is recovered from the shapes.
        XCTAssertEqual(try StateDictLayout.inferConfig(shapes: shapes).seReduction, 4)
        // Encoded back, the key is there; a network without SE encodes no such key.
        XCTAssertTrue(String(decoding: try JSONEncoder().encode(config), as: UTF8.self).contains("\"se_reduction\":4"))
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(try Presets.named("megvii-0.5x-g3")), as: UTF8.self).contains("se_reduction"))
        var tooCoarse = config
        tooCoarse.seReduction = 100
        XCTAssertThrowsError(try tooCoarse.validate())
    }

    var generator = SplitMix64(seed: 77)

    func random(_ count: Int) -> FloatBuffer {
        let buffer = FloatBuffer(count: count)
        for i in 0..<count { buffer.pointer[i] = Float(Int(generator.next() % 2001) - 1000) / 500 }
        return buffer
    }

    /// Channel means and the sigmoid against their twins: C not a multiple of 16 (or of 4), channels inside a wider
    /// row (ld > C); nothing written past C.
    func testSqueezeExciteKernelsMatchTheirTwins() {
        for set in KernelSet.allCases where set.isSupported {
            for (pixels, C, ld) in [(1, 1, 1), (49, 5, 5), (9, 19, 27), (16, 72, 96), (7, 37, 40), (13, 240, 240), (4, 3, 11)] {
                let input = random(pixels * ld)
                let fast = FloatBuffer(count: C + 16), slow = FloatBuffer(count: C + 16)
                for c in C..<C + 16 { fast.pointer[c] = 9 }
                set.kernels.channelMeans(pixels: pixels, C: C, input: input.pointer, ld: ld, output: fast.pointer)
                SlowKernels.channelMeans(pixels: pixels, C: C, input: input.pointer, ld: ld, output: slow.pointer)
                for c in 0..<C { XCTAssertEqual(fast.pointer[c], slow.pointer[c], accuracy: 1e-5, "\(set): means of \(pixels) × \(C) in \(ld)") }
                for c in C..<C + 16 { XCTAssertEqual(fast.pointer[c], 9, "\(set): wrote past channel \(C)") }
                [input, fast, slow].forEach { $0.free() }
            }
            // Arguments across the whole range, past the clamp (±87) both ways, and exact zeros.
            for count in [1, 3, 15, 16, 17, 37, 240, 961] {
                let fast = FloatBuffer(count: count + 16), slow = FloatBuffer(count: count + 16)
                for i in 0..<count { fast.pointer[i] = i % 7 == 0 ? 0 : Float(Int(generator.next() % 4001) - 2000) / (i % 3 == 0 ? 10 : 400) }
                for i in count..<count + 16 { fast.pointer[i] = 9 }
                slow.pointer.update(from: fast.pointer, count: count + 16)
                set.kernels.sigmoid(count: count, values: fast.pointer)
                SlowKernels.sigmoid(count: count, values: slow.pointer)
                for i in 0..<count {
                    XCTAssertEqual(fast.pointer[i], slow.pointer[i], accuracy: 2e-7 + 2e-6 * slow.pointer[i], "\(set): sigmoid, \(count) values, value \(i)")
                }
                for i in count..<count + 16 { XCTAssertEqual(fast.pointer[i], 9, "\(set): sigmoid wrote past \(count)") }
                [fast, slow].forEach { $0.free() }
            }
        }
    }

    /// The one-vector product (means through the second 1×1 convolution, the FCs) and the per-channel scaling of
    /// packed weights against their twins: output counts that leave partial panels (not multiples of 16), K not a
    /// multiple of 4, strided (shuffled) inputs, C/r = 1 (M = 1 or K = 1), groups; nothing written past M.
    func testVectorProductAndWeightScalingMatchTheirTwins() {
        for set in KernelSet.allCases where set.isSupported {
            for (M, K, step) in [(1, 1, 1), (1, 48, 1), (48, 1, 1), (15, 240, 1), (240, 15, 1), (60, 960, 1), (960, 60, 1), (80, 20, 3),
                                 (37, 7, 2), (16, 33, 8), (17, 5, 1)] {
                let input = random(K * step + 16), w = random(PointwiseKernel.packedCount(K: K, M: M)), bias = random(M + 16)
                let fast = FloatBuffer(count: M + 16), slow = FloatBuffer(count: M + 16)
                for relu in [false, true] {
                    for i in M..<M + 16 { fast.pointer[i] = 9 }
                    set.kernels.fullyConnected(M: M, K: K, input: input.pointer, step: step, W: w.pointer, bias: bias.pointer, output: fast.pointer, relu: relu)
                    SlowKernels.fullyConnected(M: M, K: K, input: input.pointer, step: step, W: w.pointer, bias: bias.pointer, output: slow.pointer, relu: relu)
                    for i in 0..<M { XCTAssertEqual(fast.pointer[i], slow.pointer[i], accuracy: 1e-3, "\(set): M \(M) K \(K) step \(step) relu \(relu), output \(i)") }
                    for i in M..<M + 16 { XCTAssertEqual(fast.pointer[i], 9, "\(set): wrote past output \(M)") }
                }
                [input, w, bias, fast, slow].forEach { $0.free() }
            }
            for (groups, K, M) in [(1, 1, 1), (3, 20, 80), (3, 7, 13), (8, 6, 36), (1, 9, 30), (2, 5, 16), (4, 3, 2)] {
                let perGroup = PointwiseKernel.packedCount(K: K, M: M), C = groups * M
                // Real packed weights: zero padding past M, as `PackedNetwork.packPointwise` leaves it.
                let w = FloatBuffer(count: groups * perGroup), bias = random(C + 16), scales = FloatBuffer(count: C + 16)
                let values = random(groups * K * M)
                for gi in 0..<groups {
                    for m in 0..<M { for k in 0..<K { w.pointer[gi * perGroup + PointwiseKernel.packedIndex(k: k, m: m, K: K)] = values.pointer[(gi * M + m) * K + k] } }
                }
                for c in 0..<C { scales.pointer[c] = Float(generator.next() % 1001) / 1000 }
                let fastW = FloatBuffer(count: groups * perGroup), slowW = FloatBuffer(count: groups * perGroup)
                let fastBias = FloatBuffer(count: C + 16), slowBias = FloatBuffer(count: C + 16)
                for i in C..<C + 16 { fastBias.pointer[i] = 9 }
                set.kernels.scaleColumns(groups: groups, K: K, M: M, W: w.pointer, bias: bias.pointer, scales: scales.pointer, outW: fastW.pointer, outBias: fastBias.pointer)
                SlowKernels.scaleColumns(groups: groups, K: K, M: M, W: w.pointer, bias: bias.pointer, scales: scales.pointer, outW: slowW.pointer, outBias: slowBias.pointer)
                for i in 0..<groups * perGroup { XCTAssertEqual(fastW.pointer[i], slowW.pointer[i], "\(set): \(groups) groups K \(K) M \(M), weight \(i)") }
                for c in 0..<C { XCTAssertEqual(fastBias.pointer[c], slowBias.pointer[c], "\(set): \(groups) groups K \(K) M \(M), bias \(c)") }
                for i in C..<C + 16 { XCTAssertEqual(fastBias.pointer[i], 9, "\(set): bias written past channel \(C)") }
                [w, bias, scales, values, fastW, slowW, fastBias, slowBias].forEach { $0.free() }
            }
        }
    }

    /// An SE network's inference allocates nothing either: one thread, a layer split across two, whole images on two.
    func testSEInferenceAllocatesNothing() throws {
        guard malloccounter_available() != 0 else { throw XCTSkip("the allocation counter is off under sanitizers") }
        let model = try ShuffleNetModel.load(path: try SharedFixtures.path("reference/random/g8_se_r4_shallow.safetensors"))
        let golden = try ReferenceIO(path: try SharedFixtures.path("reference/random/g8_se_r4_shallow.io.safetensors"))
        let network = PackedNetwork(model.weights)
        for (threads, batch) in [(1, 1), (2, 1), (2, 2)] {
            let session = InferenceSession(network: network, maxBatch: batch, inputSize: golden.input.height, threads: threads)
            for i in 0..<batch { session.setInput(golden.input, image: i) }
            session.forward(batch: batch)  // first call outside the count
            malloccounter_start()
            for _ in 0..<20 { session.forward(batch: batch) }
            XCTAssertEqual(malloccounter_stop(), 0, "heap allocations during 20 inferences, \(threads) threads, batch \(batch)")
        }
    }

    /// C/r = 1: a block whose hidden width is one value, through the engine against the reference pass.
    func testHiddenWidthOneMatchesTheReference() throws {
        let config = ShuffleNetConfig(groups: 3, stem: 12, widths: [60, 120, 240], repeats: [1, 2, 1], classes: 7, inputSize: 64, seReduction: 48)
        XCTAssertEqual(config.units.first?.seChannels, 1)   // 60 − 12 = 48 branch channels
        let weights = try RandomWeights.make(config, batchNorm: true)
        var generator = SplitMix64(seed: 9)
        let input = Activation(channels: 3, height: 64, width: 64, data: (0..<(3 * 64 * 64)).map { _ in Float(Int(generator.next() % 2001) - 1000) / 400 })
        let expected = ReferenceNetwork.logits(weights, input: input)
        for kernels in KernelSet.allCases where kernels.isSupported {
            let session = InferenceSession(network: PackedNetwork(weights), threads: 2, kernels: kernels)
            let error = ReferenceIO.relativeError(logits(session, input), expected)
            XCTAssertLessThan(error, 1e-4, "\(kernels): relative logit error \(error)")
        }
    }
}

/// A model file whose `arch` leaves out the SE blocks its tensors hold is refused, the tensors named, rather
/// than loaded as the plain network.
final class ModelFileTensorNameTests: XCTestCase {
    func testSETensorsUnderAPlainArchitectureAreRefused() throws {
        var bytes = try SharedFixtures.data("reference/random/g8_se_r4_shallow.safetensors")
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        // Same length, so every offset stays valid: `"se_reduction": 4` becomes `"se_reductiox": 4`, an unknown key.
        let header = String(decoding: bytes[8..<8 + length], as: UTF8.self).replacingOccurrences(of: "se_reduction", with: "se_reductiox")
        bytes.replaceSubrange(8..<8 + length, with: Array(header.utf8))
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try ShuffleNetModel.parse($0) }) { error in
            XCTAssertTrue("\(error)".contains("features.0.se.fc1.weight") && "\(error)".contains("refusing to drop"), "\(error)")
        }
    }
}
