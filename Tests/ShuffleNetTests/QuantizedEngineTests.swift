import CMallocCounter
@testable import ShuffleNet
import TestSupport
import XCTest

/// The int8 engine against the quantized reference: every uint8 activation equal, with every kernel copy this CPU
/// runs, on the real checkpoints and on a random network whose input has a non-zero zero point; and the int8
/// model file's round trip.
final class QuantizedEngineTests: XCTestCase {
    static let images = ["chelsea", "coffee", "astronaut", "motorcycle_left"]

    /// The reference goldens' inputs: real photos, preprocessed (3 × 224 × 224, BGR 0…255).
    func goldenInputs(_ groups: String) throws -> [Activation] {
        try Self.images.map { try ReferenceIO(path: try SharedFixtures.path("reference/\(groups)_0.5x_\($0).io.safetensors")).input }
    }

    /// Runs `input` through a session and returns the max-pooled stem, every unit's output and the logits.
    func run(_ session: QuantizedSession, _ input: Activation) -> (stem: [UInt8], units: [[UInt8]], logits: [Float]) {
        session.setInput(input)
        var stem: [UInt8] = [], units: [[UInt8]] = []
        session.unitObserver = { index, output in if index < 0 { stem = Array(output) } else { units.append(Array(output)) } }
        let logits = Array(session.forward(batch: 1))
        session.unitObserver = nil
        return (stem, units, logits)
    }

    func assertEngineMatchesReference(_ q: QuantizedWeights, inputs: [Activation], _ what: String) {
        let network = QuantizedNetwork(q)
        for kernels in Int8Kernels.allCases where kernels.isSupported {
            let session = QuantizedSession(network: network, inputSize: inputs[0].height, kernels: kernels)
            for (i, input) in inputs.enumerated() {
                let (stem, units, logits) = run(session, input)
                // The stem is float in both: a value may round to the neighbouring step, never further, and rarely.
                let own = QuantizedReference.run(q, input: input).stem.values
                let differing = zip(stem, own).filter { $0 != $1 }
                XCTAssertTrue(differing.allSatisfy { abs(Int($0) - Int($1)) == 1 }, "\(what) image \(i): stem bytes more than one step apart")
                XCTAssertLessThan(differing.count, stem.count / 1000 + 1, "\(what) image \(i): \(differing.count) stem bytes differ")
                // From the same stem on, everything integer is equal.
                let side = Int(Double(stem.count / q.config.stem).squareRoot())
                let trace = QuantizedReference.run(q, input: input, stem: .init(side: side, channels: q.config.stem, values: stem))
                XCTAssertEqual(units.count, trace.units.count)
                for (u, (engine, reference)) in zip(units, trace.units).enumerated() where engine != reference.values {
                    let first = engine.indices.first { engine[$0] != reference.values[$0] } ?? -1
                    XCTFail("\(what) image \(i), \(kernels): unit \(u) differs from the reference first at byte \(first)")
                    break
                }
                let error = ReferenceIO.relativeError(logits, trace.logits)
                XCTAssertLessThan(error, 1e-5, "\(what) image \(i), \(kernels): relative logit error \(error)")
            }
        }
    }

    func testEngineMatchesTheQuantizedReferenceOnBothCheckpoints() throws {
        for groups in ["g3", "g8"] {
            let model = try Checkpoints.pretrained(groups)
            let inputs = try goldenInputs(groups)
            // Calibrated on two photos, checked on all four (the integer path must match whatever the ranges are).
            let info = try Calibration.calibrate(model.weights, images: Array(inputs.prefix(2)),
                                                 methods: [.default])[0]
            assertEngineMatchesReference(try QuantizedWeights(quantizing: model.weights, info: info), inputs: inputs, groups)
        }
    }

    /// A random 0.5× g8 shape at 64 px with ImageNet mean/std normalisation (signed inputs), calibrated with each
    /// method: depthwise outputs with non-zero zero points exercise the second 1×1 convolution's correction.
    func testEngineMatchesTheReferenceOnARandomNetworkWithEveryMethod() throws {
        var config = try Presets.named("megvii-0.5x-g8")
        config.inputSize = 64
        let weights = try RandomWeights.make(config, batchNorm: true)
        let preprocessing = Preprocessing(resizeShorterSide: 73, cropSize: 64, channelOrder: .rgb, valueScale: 1,
                                          mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        let inputs = (1...3).map { seed in
            var tensor = ClassifierInput.syntheticTensor(side: 64, seed: UInt64(seed))
            for c in 0..<3 { for p in 0..<(64 * 64) { tensor.data[c * 64 * 64 + p] = (tensor.data[c * 64 * 64 + p] / 255 - preprocessing.mean[c]) / preprocessing.std[c] } }
            return tensor
        }
        let infos = try Calibration.calibrate(weights, images: inputs, methods: [.minmax, .default, .entropy, .mse])
        XCTAssertTrue(infos.flatMap { $0.units.map(\.depthwise.zeroPoint) }.contains { $0 != 0 }, "some depthwise output has a zero point")
        for info in infos {
            assertEngineMatchesReference(try QuantizedWeights(quantizing: weights, info: info), inputs: inputs, "random g8 \(info.method)")
        }
    }

    /// A batch spread over two threads gives each image the logits it gets alone.
    func testBatchesOverThreadsMatchSingleImages() throws {
        let model = try Checkpoints.pretrained("g3")
        let inputs = try goldenInputs("g3")
        let info = try Calibration.calibrate(model.weights, images: Array(inputs.prefix(1)), methods: [.minmax])[0]
        let network = QuantizedNetwork(try QuantizedWeights(quantizing: model.weights, info: info))
        let single = QuantizedSession(network: network)
        let alone = inputs.map { run(single, $0).logits }
        let batched = QuantizedSession(network: network, maxBatch: 4, threads: 2)
        for (i, input) in inputs.enumerated() { batched.setInput(input, image: i) }
        let logits = Array(batched.forward(batch: 4))
        for i in inputs.indices { XCTAssertEqual(Array(logits[(i * 1000)..<((i + 1) * 1000)]), alone[i], "image \(i)") }
    }

    /// quantize → file → load: the same int8 weights and ranges come back, as an int8 model; a float file stays float.
    func testQuantizedFileRoundTrip() throws {
        let model = try Checkpoints.pretrained("g3")
        let inputs = try goldenInputs("g3")
        let info = try Calibration.calibrate(model.weights, images: Array(inputs.prefix(1)), methods: [.entropy])[0]
        let bytes = try model.quantizedFile(info)
        let loaded = try Checkpoints.withBytes(bytes) { try ShuffleNetModel.parse($0) }
        let quantized = try XCTUnwrap(loaded.quantized)
        XCTAssertEqual(quantized.info, info)
        XCTAssertEqual(loaded.labels, model.labels)
        XCTAssertEqual(loaded.config, model.config)
        let direct = try QuantizedWeights(quantizing: model.weights, info: info)
        XCTAssertEqual(quantized.units[5].pointwise2.weight, direct.units[5].pointwise2.weight)
        XCTAssertEqual(quantized.stem.weight, model.weights.stem.weight)
        XCTAssertEqual(quantized.units[0].depthwise.weightScale, direct.units[0].depthwise.weightScale)
        if case .int8 = EngineWeights(loaded) {} else { XCTFail("a quantized file must run on the int8 engine") }
        if case .float = EngineWeights(model) {} else { XCTFail("a float file must run on the float engine") }
        // The dequantized weights are within half a step of the float ones.
        let w = model.weights.units[3].pointwise1, d = loaded.weights.units[3].pointwise1
        let step = quantized.units[3].pointwise1.weightScale
        for i in w.weight.indices { XCTAssertLessThanOrEqual(abs(w.weight[i] - d.weight[i]), step[i / w.inPerGroup] / 2 * 1.0001) }
    }

    /// A quantized file with a tensor it should not have, a missing one, or a −128 weight is refused by name.
    func testBadQuantizedFilesAreRefused() throws {
        let model = try Checkpoints.pretrained("g3")
        let info = try Calibration.calibrate(model.weights, images: [try goldenInputs("g3")[0]], methods: [.minmax])[0]
        let q = try QuantizedWeights(quantizing: model.weights, info: info)
        let meta = ShuffleNetModel.metadata(name: "x", config: model.config, preprocessing: model.preprocessing, labels: [], quantization: info)
        func parse(_ tensors: [Safetensors.OutputTensor], _ metadata: [String: String] = meta) throws -> ShuffleNetModel {
            try Checkpoints.withBytes(Safetensors.serialize(tensors, metadata: metadata)) { try ShuffleNetModel.parse($0) }
        }
        XCTAssertNoThrow(try parse(q.tensors))
        XCTAssertThrowsError(try parse(q.tensors + [.init(name: "features.0.se.fc1.weight", shape: [1], floats: [0])])) {
            XCTAssertTrue("\($0)".contains("features.0.se.fc1.weight"), "\($0)")
        }
        XCTAssertThrowsError(try parse(q.tensors.filter { $0.name != "features.3.dw.bias" })) { XCTAssertTrue("\($0)".contains("features.3.dw.bias"), "\($0)") }
        let negative = q.tensors.map { t in t.name == "features.0.pw1.weight" ? Safetensors.OutputTensor(name: t.name, dtype: "I8", shape: t.shape, data: [0x80] + t.data.dropFirst()) : t }
        XCTAssertThrowsError(try parse(negative)) { XCTAssertTrue("\($0)".contains("features.0.pw1.weight"), "\($0)") }
        var relu = info
        relu.units[2].output.zeroPoint = 3
        var badMeta = meta
        badMeta[ShuffleNetModel.MetadataKey.quantization] = String(decoding: try JSONEncoder().encode(relu), as: UTF8.self)
        XCTAssertThrowsError(try parse(q.tensors, badMeta)) { XCTAssertTrue("\($0)".contains("zero point"), "\($0)") }
    }

    /// The int8 engine allocates nothing per call, alone and with a batch over two threads.
    func testInt8InferenceAllocatesNothing() throws {
        guard malloccounter_available() != 0 else { throw XCTSkip("the allocation counter is off under sanitizers") }
        let model = try Checkpoints.pretrained("g3")
        let inputs = try goldenInputs("g3")
        let info = try Calibration.calibrate(model.weights, images: [inputs[0]], methods: [.minmax])[0]
        let network = QuantizedNetwork(try QuantizedWeights(quantizing: model.weights, info: info))
        for (threads, batch) in [(1, 2), (2, 4)] {
            let session = QuantizedSession(network: network, maxBatch: batch, threads: threads)
            for i in 0..<batch { _ = session.inputBuffer(image: i).initialize(repeating: 100) }
            session.forward(batch: batch) // the first call outside the count
            malloccounter_start()
            for i in 0..<40 { session.forward(batch: i % batch + 1) }
            XCTAssertEqual(malloccounter_stop(), 0, "heap allocations during 40 int8 inferences on \(threads) thread(s)")
        }
    }
}
