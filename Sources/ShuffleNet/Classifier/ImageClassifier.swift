import MonotonicClock

/// The engine's one entry point from images to classes: decoded RGB (or a preprocessed tensor, or synthetic
/// input) → preprocess into the session's input slots → one batched forward pass → logits, ranked on request.
/// The service, `shufflenet classify`, `shufflenet bench` and every protocol go through it.
///
/// One instance belongs to one thread at a time (it owns a session, float `InferenceSession` or int8
/// `QuantizedSession`: every activation buffer); the weights (`EngineWeights`), the preprocessing spec and the
/// labels are shared and immutable.
public final class ImageClassifier: @unchecked Sendable {
    public let name: String
    public let session: any ForwardPass
    /// "float32" or "int8": which engine runs this model.
    public let precision: String
    public let preprocessing: Preprocessing
    public let labels: [ClassLabel]   // empty, or one per class
    public var config: ShuffleNetConfig { session.config }
    /// The most images one `run` takes.
    public var maxBatch: Int { session.maxBatch }

    public init(name: String, engine: EngineWeights, preprocessing: Preprocessing, labels: [ClassLabel],
                maxBatch: Int = 1, threads: Int = 1, kernels: KernelSet = .best, inputSize: Int? = nil) {
        self.name = name
        self.session = engine.session(maxBatch: maxBatch, threads: threads, kernels: kernels, inputSize: inputSize)
        self.precision = engine.precision
        self.preprocessing = preprocessing
        self.labels = labels
    }

    /// A float classifier over packed float weights.
    public convenience init(name: String, network: PackedNetwork, preprocessing: Preprocessing, labels: [ClassLabel],
                            maxBatch: Int = 1, threads: Int = 1, kernels: KernelSet = .best, inputSize: Int? = nil) {
        self.init(name: name, engine: .float(network), preprocessing: preprocessing, labels: labels,
                  maxBatch: maxBatch, threads: threads, kernels: kernels, inputSize: inputSize)
    }

    /// A classifier for a loaded model file, over its already prepared weights (`EngineWeights(model)`: int8 for
    /// a quantized file).
    public convenience init(model: ShuffleNetModel, engine: EngineWeights, maxBatch: Int = 1, threads: Int = 1, kernels: KernelSet = .best) {
        self.init(name: model.name, engine: engine, preprocessing: model.preprocessing, labels: model.labels,
                  maxBatch: maxBatch, threads: threads, kernels: kernels)
    }

    /// Runs `inputs` (1…maxBatch images) as one batch and returns each image's logits.
    public func run(_ inputs: [ClassifierInput]) -> ClassifierOutput {
        let preprocessSeconds = load(inputs)
        let started = Monotonic.now()
        let logits = infer(batch: inputs.count)
        let classes = config.classes
        let perImage = (0..<inputs.count).map { i in Array(logits[(i * classes)..<((i + 1) * classes)]) }
        return ClassifierOutput(logits: perImage, preprocessSeconds: preprocessSeconds, inferenceSeconds: Monotonic.since(started))
    }

    /// Writes `inputs` (1…maxBatch images) into the session's input slots; returns the seconds it took.
    /// With `infer`, the two halves of `run`, for callers that time inference alone (benchmarks).
    @discardableResult
    public func load(_ inputs: [ClassifierInput]) -> Double {
        precondition(!inputs.isEmpty && inputs.count <= maxBatch, "a batch of \(inputs.count) images outside 1…\(maxBatch)")
        let started = Monotonic.now()
        for (i, input) in inputs.enumerated() { write(input, image: i) }
        return Monotonic.since(started)
    }

    /// Runs the network on the first `batch` loaded images: batch × classes logits, owned by the session and
    /// valid until the next call. Allocates nothing.
    @discardableResult
    public func infer(batch: Int) -> UnsafeBufferPointer<Float> { session.forward(batch: batch) }

    /// Runs `inputs` as one batch and ranks each image's classes: the k most probable, labelled.
    /// Ranking is counted as inference time.
    public func classify(_ inputs: [ClassifierInput], topK: Int) -> (images: [RankedImage], preprocessSeconds: Double, inferenceSeconds: Double) {
        let output = run(inputs)
        let ranking = Monotonic.now()
        let ranked = output.logits.map { rank($0, topK: topK) }
        return (ranked, output.preprocessSeconds, output.inferenceSeconds + Monotonic.since(ranking))
    }

    /// Softmax and the `topK` most probable classes of one image's logits, with this model's labels.
    public func rank(_ logits: [Float], topK: Int) -> RankedImage {
        let probabilities = Classification.softmax(logits)
        return RankedImage(predictions: Classification.topK(probabilities, k: topK, labels: labels), probabilities: probabilities)
    }

    /// NCHW planes → NHWC pixels: `sample(c × plane + p)` is channel c of pixel p.
    @inline(__always)
    private static func planesToPixels(plane: Int, into destination: UnsafeMutableBufferPointer<Float>, _ sample: (Int) -> Float) {
        for p in 0..<plane {
            destination[p * 3] = sample(p)
            destination[p * 3 + 1] = sample(plane + p)
            destination[p * 3 + 2] = sample(2 * plane + p)
        }
    }

    /// Fills image slot `i` of the session's input (side × side × 3 floats, NHWC).
    private func write(_ input: ClassifierInput, image i: Int) {
        let destination = session.inputBuffer(image: i)
        let side = session.inputSide, plane = side * side
        switch input {
        case .rgb(let pixels, let width, let height):
            ImagePreprocessor.write(rgb: pixels, width: width, height: height, spec: preprocessing, layout: .nhwc,
                                    into: destination.baseAddress!)
        case .tensor(let values, let offset):
            precondition(offset >= 0 && values.count - offset >= 3 * plane, "a tensor input needs 3×\(side)×\(side) floats")
            values.withUnsafeBufferPointer { all in
                let source = all.baseAddress! + offset
                Self.planesToPixels(plane: plane, into: destination) { source[$0] }
            }
        case .fp32LittleEndian(let bytes, let offset):
            precondition(offset >= 0 && bytes.count - offset >= 12 * plane, "a tensor input needs 3×\(side)×\(side)×4 bytes")
            bytes.withUnsafeBytes { all in
                let source = all.baseAddress! + offset
                Self.planesToPixels(plane: plane, into: destination) {
                    Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
                }
            }
        case .synthetic(let seed):
            ClassifierInput.synthetic(side: side, seed: seed) { c, p, value in destination[p * 3 + c] = value }
        }
    }
}
