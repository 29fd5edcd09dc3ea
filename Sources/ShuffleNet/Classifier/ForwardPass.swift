/// What `ImageClassifier` needs of an engine: input slots to fill with preprocessed images (NHWC floats) and a
/// batched forward pass to logits. The float engine (`InferenceSession`) and the int8 engine (`QuantizedSession`)
/// both are one; each instance belongs to one thread at a time and allocates nothing per call.
public protocol ForwardPass: AnyObject {
    var config: ShuffleNetConfig { get }
    /// The most images one `forward` takes.
    var maxBatch: Int { get }
    /// Pixels per side of an input image.
    var inputSide: Int { get }
    /// Where image `i` of a batch goes: side × side × 3 floats, NHWC, already preprocessed.
    func inputBuffer(image i: Int) -> UnsafeMutableBufferPointer<Float>
    /// Runs the network on the first `batch` input images: batch × classes logits owned by the engine, valid
    /// until the next call.
    func forward(batch: Int) -> UnsafeBufferPointer<Float>
}

extension ForwardPass {
    /// Copies an NCHW tensor (as the preprocessor and the reference pass use) into image `i`'s input.
    public func setInput(_ tensor: Activation, image i: Int = 0) {
        let side = inputSide, plane = side * side
        precondition(tensor.channels == 3 && tensor.height == side && tensor.width == side, "input must be 3×\(side)×\(side)")
        let destination = inputBuffer(image: i)
        tensor.data.withUnsafeBufferPointer { source in
            for p in 0..<plane { for c in 0..<3 { destination[p * 3 + c] = source[c * plane + p] } }
        }
    }
}

extension InferenceSession: ForwardPass {}

/// A model's weights prepared for one of the engines, shared by every session built from them.
public enum EngineWeights: @unchecked Sendable {
    case float(PackedNetwork)
    case int8(QuantizedNetwork)

    /// The engine a model file asks for: int8 for a quantized file, float otherwise.
    public init(_ model: ShuffleNetModel) {
        if let quantized = model.quantized { self = .int8(QuantizedNetwork(quantized)) } else { self = .float(PackedNetwork(model.weights)) }
    }

    /// "int8" or "float32": what `/models` and the metadata routes report.
    public var precision: String {
        switch self {
        case .float: "float32"
        case .int8: "int8"
        }
    }

    /// A session over these weights. `kernels` chooses the float copy (the int8 engine's head uses it too);
    /// the int8 copy is `Int8Kernels.best`.
    public func session(maxBatch: Int, threads: Int, kernels: KernelSet, inputSize: Int? = nil) -> any ForwardPass {
        switch self {
        case .float(let network):
            InferenceSession(network: network, maxBatch: maxBatch, inputSize: inputSize, threads: threads, kernels: kernels)
        case .int8(let network):
            QuantizedSession(network: network, maxBatch: maxBatch, inputSize: inputSize, threads: threads, floatKernels: kernels)
        }
    }
}
